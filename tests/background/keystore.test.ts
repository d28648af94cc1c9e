import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2Sync } from 'node:crypto';
import {
  createAccountRecord,
  createVault,
  deriveVaultKey,
  openSecrets,
  PBKDF2_ITERATIONS,
  rotateDataKey,
  dropOldKeys,
  unwrapAccountKeys,
  type KeystoreSecrets,
} from '../../background/keystore.ts';
import { Session, isUserActivity } from '../../background/session.ts';
import { FIRST_SCREEN_KEY, type FirstScreen } from '../../src/cache/first-screen.ts';
import type { AppStatus } from '../../src/views.ts';
import { memoryPlatform, outcome } from './setup.ts';

// Tests use a lower iteration count only where they derive many keys; the product default is checked.
const FAST = 100_000;
const ADDRESS = '0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A';
const OTHER = '0x1C5A77d9FA7eF466951B2F01F724BCa3A5820b63';
const secrets: KeystoreSecrets = {
  keyBundle: new Uint8Array([1, 2, 3, 4, 5]),
  walletKey: new Uint8Array(32).fill(7),
  mnemonic: { phrase: 'legal winner thank year wave sausage worth useful legal winner thank yellow', index: 3 },
};
const base = { createdAt: 1, wallet: 'extension' as const, label: 'Account 1' };

test('the product derives the vault key with PBKDF2-SHA256 at >= 600,000 iterations', async () => {
  assert.ok(PBKDF2_ITERATIONS >= 600_000);
  const { vault, vaultKey } = await createVault('correct horse battery');
  assert.equal(vault.kdf.iterations, PBKDF2_ITERATIONS);
  assert.equal(vault.kdf.salt.length, 16);
  // Derived here independently at that count it is the same key; one iteration fewer is another.
  const at = (iterations: number) => new Uint8Array(pbkdf2Sync('correct horse battery', vault.kdf.salt, iterations, 32, 'sha256'));
  assert.deepEqual(vaultKey, at(PBKDF2_ITERATIONS));
  assert.notDeepEqual(vaultKey, at(PBKDF2_ITERATIONS - 1));
});

test('the right password opens the secrets; nothing secret is stored in the clear', async () => {
  const { vault } = await createVault('correct horse battery', FAST);
  const vaultKey = await deriveVaultKey('correct horse battery', vault.kdf);
  const { record } = await createAccountRecord(vaultKey, ADDRESS, secrets, base);
  assert.equal(record.backup, 'phrase');
  const raw = JSON.stringify(record, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
  assert.ok(!raw.includes('0102030405'), 'the key bundle must not appear in the record');
  assert.ok(!raw.includes('07'.repeat(32)), 'the wallet key must not appear in the record');
  assert.ok(!raw.includes('winner') && !raw.includes(Buffer.from('winner').toString('hex')), 'the phrase must not appear in the record');
  const keys = await unwrapAccountKeys(await deriveVaultKey('correct horse battery', vault.kdf), record);
  const opened = await openSecrets(record, keys.get(1)!);
  assert.equal(opened.indexKey?.length, 32, 'a new account gets its index key');
  assert.deepEqual({ ...opened, indexKey: undefined }, { ...secrets, indexKey: undefined });
});

test('a wrong password is refused as such; a damaged record as damaged, without changing it', async () => {
  const { vault, vaultKey } = await createVault('correct horse battery', FAST);
  const { record, dataKey } = await createAccountRecord(vaultKey, ADDRESS, secrets, base);
  assert.equal(await outcome(unwrapAccountKeys(await deriveVaultKey('wrong password!', vault.kdf), record)), 'wrong-password');
  const flipped = structuredClone(record);
  flipped.secrets.ciphertext[3]! ^= 0x40;
  const before = structuredClone(flipped);
  assert.equal(await outcome(openSecrets(flipped, dataKey)), 'corrupted');
  assert.deepEqual(flipped, before);
  const truncated = structuredClone(record);
  truncated.secrets.ciphertext = truncated.secrets.ciphertext.slice(0, 8);
  assert.equal(await outcome(openSecrets(truncated, dataKey)), 'corrupted');
  assert.equal(await outcome(deriveVaultKey('correct horse battery', { ...vault.kdf, iterations: 10 })), 'corrupted');
});

test('keys and secrets are bound to their account: boxes moved to another address do not open', async () => {
  const { vaultKey } = await createVault('pw-123456', FAST);
  const { record, dataKey } = await createAccountRecord(vaultKey, ADDRESS, secrets, base);
  const moved = { ...record, address: OTHER };
  assert.equal(await outcome(openSecrets(moved, dataKey)), 'corrupted');
  assert.equal(await outcome(unwrapAccountKeys(vaultKey, moved)), 'wrong-password');
  assert.deepEqual((await openSecrets(record, dataKey)).keyBundle, secrets.keyBundle);
});

test('a new password brings a new data key: it seals the secrets; the old key stays under the new vault key; the index key stays', async () => {
  const { vaultKey: oldKey } = await createVault('old password', FAST);
  const a = await createAccountRecord(oldKey, ADDRESS, secrets, base);
  const opened = await openSecrets(a.record, a.dataKey);
  const { vaultKey: newKey } = await createVault('new password', FAST);
  const { record, keys } = await rotateDataKey(newKey, a.record, new Map([[1, a.dataKey]]), opened);
  assert.deepEqual(record.keys.map((w) => w.id), [2, 1]);
  assert.equal(await outcome(unwrapAccountKeys(oldKey, record)), 'wrong-password');
  const reopened = await unwrapAccountKeys(newKey, record);
  assert.deepEqual(await crypto.subtle.exportKey('raw', reopened.get(1)!), await crypto.subtle.exportKey('raw', a.dataKey), 'key 1 is the same key');
  assert.notDeepEqual(await crypto.subtle.exportKey('raw', reopened.get(2)!), await crypto.subtle.exportKey('raw', a.dataKey));
  assert.deepEqual(await crypto.subtle.exportKey('raw', keys.get(2)!), await crypto.subtle.exportKey('raw', reopened.get(2)!));
  assert.equal(await outcome(openSecrets(record, a.dataKey)), 'corrupted', 'the secrets are under the new key');
  const s2 = await openSecrets(record, reopened.get(2)!);
  assert.deepEqual(s2, opened);
  assert.deepEqual(s2.indexKey, opened.indexKey);
  assert.deepEqual(dropOldKeys(record).keys.map((w) => w.id), [2]);
});

test('an unlocked session (vault key, every account key) survives a worker restart and locks on demand', async () => {
  const area = memoryPlatform().session;
  const { vaultKey } = await createVault('pw-123456', FAST);
  const a = await createAccountRecord(vaultKey, ADDRESS, secrets, base);
  await new Session(area).unlock(vaultKey, new Map([[ADDRESS, a.cache]]));
  const b = await createAccountRecord(vaultKey, OTHER, secrets, base);
  await new Session(area).setAccount(b.cache);
  // a new Session object = a restarted worker reading storage.session
  const restarted = new Session(area);
  const cur = (await restarted.current())!;
  assert.deepEqual(cur.vaultKey, vaultKey);
  assert.deepEqual([...cur.keys.keys()], [ADDRESS, OTHER]);
  const iv = new Uint8Array(12);
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, a.dataKey, new Uint8Array([9]));
  assert.deepEqual(new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, cur.keys.get(ADDRESS)!.keys.get(1)!, ct)), new Uint8Array([9]));
  await restarted.removeAccount(OTHER);
  assert.deepEqual([...(await new Session(area).current())!.keys.keys()], [ADDRESS]);
  await restarted.lock();
  assert.equal(await new Session(area).current(), undefined);
  assert.deepEqual(await area.get('unlocked'), {});
});

test("the first screen's snapshot: kept only for an unlocked account, never when dropped since it was read, and lock removes it", async () => {
  const area = memoryPlatform().session;
  const { vaultKey } = await createVault('pw-123456', FAST);
  const a = await createAccountRecord(vaultKey, ADDRESS, secrets, base);
  const s = new Session(area);
  const snap = (account: string) => ({ account, status: { version: '1', target: 'chrome', state: 'unlocked', nodeUrl: '', accounts: [], address: account } as AppStatus, conversations: [] });
  await s.setFirstScreen(snap(ADDRESS), s.firstScreenVersion());
  assert.deepEqual(await area.get(FIRST_SCREEN_KEY), {}, 'locked: nothing is kept');
  await s.unlock(vaultKey, new Map([[ADDRESS, a.cache]]));
  await s.setFirstScreen(snap(OTHER), s.firstScreenVersion());
  assert.deepEqual(await area.get(FIRST_SCREEN_KEY), {}, 'an account that is not unlocked: nothing is kept');
  const before = s.firstScreenVersion();
  await s.dropFirstScreen(); // the current account changes while a snapshot is being read
  await s.setFirstScreen(snap(ADDRESS), before);
  assert.deepEqual(await area.get(FIRST_SCREEN_KEY), {}, 'read before the drop: stale, not kept');
  await s.setFirstScreen(snap(ADDRESS), s.firstScreenVersion());
  assert.equal(((await area.get(FIRST_SCREEN_KEY))[FIRST_SCREEN_KEY] as FirstScreen | undefined)?.account, ADDRESS);
  await s.lock();
  assert.deepEqual(await area.get(FIRST_SCREEN_KEY), {}, 'lock removes it');
});

test('the session auto-locks after the idle timeout, and activity pushes it back', async () => {
  let now = 1_000_000;
  const area = memoryPlatform().session;
  const s = new Session(area, () => now);
  const { vaultKey } = await createVault('pw-123456', FAST);
  await s.unlock(vaultKey, new Map());
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

test('only the popup is user activity: an open prompt window (its heartbeat) or a site never keeps the inbox unlocked', () => {
  assert.equal(isUserActivity('popup', 'conversations.list'), true);
  assert.equal(isUserActivity('popup', 'app.ping'), false, 'the keep-alive of an open page');
  assert.equal(isUserActivity('prompt', 'prompt.get'), false, "the prompt's heartbeat");
  assert.equal(isUserActivity('prompt', 'prompt.resolve'), false);
  assert.equal(isUserActivity('content', 'provider.request'), false);
});
