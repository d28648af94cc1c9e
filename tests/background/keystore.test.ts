import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2Sync } from 'node:crypto';
import { createAccountRecord, unlockAccount, openSecrets, changeAccountPassword, PBKDF2_ITERATIONS, type KeystoreSecrets } from '../../background/keystore.ts';
import { Session, type SessionArea } from '../../background/session.ts';

// Tests use a lower iteration count only where they seal many records; the product default is checked.
const FAST = 100_000;
const ADDRESS = '0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A';
const secrets: KeystoreSecrets = { keyBundle: new Uint8Array([1, 2, 3, 4, 5]), walletKey: new Uint8Array(32).fill(7) };
const base = { createdAt: 1, wallet: 'extension' as const };

const reasonOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'opened';
  } catch (e) {
    return (e as { data?: { reason?: string } }).data?.reason ?? String(e);
  }
};

test('the product derives keys with PBKDF2-SHA256 at >= 600,000 iterations', async () => {
  assert.ok(PBKDF2_ITERATIONS >= 600_000);
  const { record } = await createAccountRecord(ADDRESS, 'correct horse battery', secrets, base);
  assert.equal(record.kdf.iterations, PBKDF2_ITERATIONS);
  assert.equal(record.kdf.salt.length, 16);
  // The wrapping key really is PBKDF2-SHA256 at that count: derived here independently, it opens the
  // data key, and one iteration fewer does not.
  const kek = (iterations: number) =>
    crypto.subtle.importKey('raw', pbkdf2Sync('correct horse battery', record.kdf.salt, iterations, 32, 'sha256'), 'AES-GCM', false, ['decrypt']);
  const unwrap = async (iterations: number) =>
    crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: record.dataKey.iv as BufferSource, additionalData: new TextEncoder().encode(`xmtp-inbox/data-key/v1/${ADDRESS}`) },
      await kek(iterations),
      record.dataKey.ciphertext as BufferSource,
    );
  assert.equal((await unwrap(PBKDF2_ITERATIONS)).byteLength, 32);
  await assert.rejects(unwrap(PBKDF2_ITERATIONS - 1));
});

test('the right password opens the secrets; nothing secret is stored in the clear', async () => {
  const { record } = await createAccountRecord(ADDRESS, 'correct horse battery', secrets, base, FAST);
  const raw = JSON.stringify(record, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
  assert.ok(!raw.includes('0102030405'), 'the key bundle must not appear in the record');
  assert.ok(!raw.includes('07'.repeat(32)), 'the wallet key must not appear in the record');
  const { secrets: opened } = await unlockAccount(record, 'correct horse battery');
  assert.deepEqual(opened, secrets);
});

test('a wrong password is refused as such', async () => {
  const { record } = await createAccountRecord(ADDRESS, 'correct horse battery', secrets, base, FAST);
  assert.equal(await reasonOf(unlockAccount(record, 'wrong password!')), 'wrong-password');
});

test('a corrupted record is refused as damaged, without changing it', async () => {
  const { record, dataKey } = await createAccountRecord(ADDRESS, 'correct horse battery', secrets, base, FAST);
  const flipped = structuredClone(record);
  flipped.secrets.ciphertext[3] ^= 0x40;
  const before = structuredClone(flipped);
  assert.equal(await reasonOf(unlockAccount(flipped, 'correct horse battery')), 'corrupted');
  assert.deepEqual(flipped, before);
  const truncated = structuredClone(record);
  truncated.secrets.ciphertext = truncated.secrets.ciphertext.slice(0, 8);
  assert.equal(await reasonOf(openSecrets(truncated, dataKey)), 'corrupted');
  const badKdf = structuredClone(record);
  badKdf.kdf.iterations = 10;
  assert.equal(await reasonOf(unlockAccount(badKdf, 'correct horse battery')), 'corrupted');
});

test('secrets are bound to their account: a box moved to another address does not open', async () => {
  const { record, dataKey } = await createAccountRecord(ADDRESS, 'pw-123456', secrets, base, FAST);
  const other = { ...record, address: '0x1C5A77d9FA7eF466951B2F01F724BCa3A5820b63' };
  assert.equal(await reasonOf(openSecrets(other, dataKey)), 'corrupted');
  assert.equal(await reasonOf(unlockAccount(other, 'pw-123456')), 'wrong-password');
  assert.deepEqual(await openSecrets(record, dataKey), secrets);
});

test('changing the password re-encrypts: the old password no longer opens, the new one does', async () => {
  const { record } = await createAccountRecord(ADDRESS, 'old password', secrets, base, FAST);
  assert.equal(await reasonOf(changeAccountPassword(record, 'not the old one', 'new password', FAST)), 'wrong-password');
  const changed = await changeAccountPassword(record, 'old password', 'new password', FAST);
  assert.notDeepEqual(changed.kdf.salt, record.kdf.salt);
  assert.notDeepEqual(changed.dataKey.ciphertext, record.dataKey.ciphertext);
  assert.equal(await reasonOf(unlockAccount(changed, 'old password')), 'wrong-password');
  const reopened = await unlockAccount(changed, 'new password');
  assert.deepEqual(reopened.secrets, secrets);
  // the data key itself is unchanged, so everything sealed under it (cached conversation keys) still opens
  const before = await unlockAccount(record, 'old password');
  assert.deepEqual(await crypto.subtle.exportKey('raw', reopened.dataKey), await crypto.subtle.exportKey('raw', before.dataKey));
});

function fakeArea(): SessionArea & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    get: async (k) => (data.has(k) ? { [k]: structuredClone(data.get(k)) } : {}),
    set: async (items) => void Object.entries(items).forEach(([k, v]) => data.set(k, structuredClone(v))),
    remove: async (k) => void data.delete(k),
  };
}

test('an unlocked session survives a worker restart and locks on demand', async () => {
  const area = fakeArea();
  const { dataKey: key } = await createAccountRecord(ADDRESS, 'pw-123456', secrets, base, FAST);
  await new Session(area).unlock(ADDRESS, key);
  // a new Session object = a restarted worker reading storage.session
  const restarted = new Session(area);
  const cur = await restarted.current();
  assert.equal(cur?.account, ADDRESS);
  const iv = new Uint8Array(12);
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new Uint8Array([9]));
  assert.deepEqual(new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, cur!.key, ct)), new Uint8Array([9]));
  await restarted.lock();
  assert.equal(await new Session(area).current(), undefined);
  assert.equal(area.data.size, 0);
});

test('the session auto-locks after the idle timeout, and activity pushes it back', async () => {
  let now = 1_000_000;
  const area = fakeArea();
  const s = new Session(area, () => now);
  const { dataKey: key } = await createAccountRecord(ADDRESS, 'pw-123456', secrets, base, FAST);
  await s.unlock(ADDRESS, key);
  now += 4 * 60_000;
  assert.equal(await s.idleFor(5), false);
  await s.touch();
  now += 4 * 60_000;
  assert.equal(await s.idleFor(5), false, 'activity 4 minutes ago');
  assert.equal(await new Session(area, () => now).idleFor(5), false, 'activity was persisted for a restarted worker');
  now += 2 * 60_000;
  assert.equal(await s.idleFor(5), true);
  assert.equal(await s.idleFor(0), false, '0 means never');
});
