// Accounts against a real node: recovery phrases (create, reveal, restore), several accounts under one
// password, the badge and notifications across them, removal, and the upgrade of a version 1 profile.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { openDB } from 'idb';
import { IDBFactory } from 'fake-indexeddb';
import { everything, freshBackground, outcome, memoryNode, PASSWORD, restartWorker, walletKey } from './setup.ts';
import { Client } from '../../src/xmtp/client.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import { bytesToHex, hexToBytes } from '../../src/xmtp/crypto/bytes.ts';
import * as accounts from '../../background/accounts.ts';
import * as inbox from '../../background/inbox.ts';
import { db, DB_NAME } from '../../background/db.ts';
import { getClient, getSession } from '../../background/xmtp-session.ts';
import { openSecrets } from '../../background/keystore.ts';
import * as store from '../../background/inbox-store.ts';
import { reseal } from '../../background/reseal.ts';
import { seal } from '../../src/cache/seal.ts';
import { listGrants, putGrant } from '../../background/provider/grants.ts';
import { getSettings, updateSettings } from '../../background/settings.ts';

const node = memoryNode();
let platform: Awaited<ReturnType<typeof freshBackground>>;
beforeEach(async () => {
  platform = await freshBackground(node.url);
});

const peer = (n: number) => Client.create(privateKeySigner(walletKey(n)), { apiUrl: node.url });
async function until(ok: () => boolean, what: string, ms = 10_000, state = () => ''): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > end) throw new Error(`timed out waiting for ${what} ${state()}`);
}
const messageOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as Error).message;
  }
};

test('a created wallet has a recovery phrase: revealed with the password, it restores the same identity and conversations in a fresh profile', async () => {
  const { address: me } = await accounts.createWallet({ password: PASSWORD });
  const status = await accounts.status();
  assert.deepEqual(status.accounts.map((a) => [a.address, a.label, a.wallet, a.backup, a.backedUp]), [[me, 'Account 1', 'extension', 'phrase', false]]);
  const bob = await peer(0x61);
  await (await bob.conversations.newConversation(me)).send('before the backup');

  assert.equal(await outcome(accounts.reveal(me, 'not my password', 'phrase')), 'wrong-password');
  const { value: phrase, index } = await accounts.reveal(me, PASSWORD, 'phrase');
  assert.equal(index, 0);
  assert.equal(phrase.split(' ').length, 12);
  const { value: key } = await accounts.reveal(me, PASSWORD, 'privateKey');
  assert.match(key, /^0x[0-9a-f]{64}$/);
  assert.equal(privateKeySigner(key).address, me, 'the private key is the wallet of the account');
  assert.equal((await accounts.status()).accounts[0]!.backedUp, true, 'showing the phrase counts as a backup');

  // A fresh profile: nothing of the first one.
  platform = await freshBackground(node.url);
  assert.deepEqual(await accounts.checkImport({ phrase: phrase.toUpperCase().replace(/ /g, '\n  ') }), { address: me, hasIdentity: true });
  const restored = await accounts.importWallet({ phrase, password: 'another password' });
  assert.deepEqual(restored, { address: me, restored: true });
  await inbox.syncNow();
  const [c] = await inbox.listConversations(me);
  assert.equal(c?.peerAddress, bob.address);
  assert.equal(c?.lastMessage?.content, 'before the backup');
  assert.equal((await accounts.reveal(me, 'another password', 'phrase')).value, phrase, 'an imported phrase is kept as the backup');
});

test('a wrong recovery phrase gets a clear error, and another account number gives another wallet', async () => {
  const words = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
  assert.match(await messageOf(accounts.checkImport({ phrase: words.replace('sausage', 'sausages') })), /Word 6 \("sausages"\) is not in the recovery phrase word list/);
  assert.match(await messageOf(accounts.checkImport({ phrase: words.split(' ').slice(0, 11).join(' ') })), /12, 15, 18, 21 or 24 words; this one has 11/);
  assert.match(await messageOf(accounts.checkImport({ phrase: words.replace('yellow', 'legal') })), /checksum does not match/);
  assert.equal(await outcome(accounts.importWallet({ phrase: words.replace('yellow', 'legal'), password: PASSWORD })), 'bad-phrase');
  assert.equal((await accounts.status()).state, 'onboarding', 'nothing was created');
  // The standard path m/44'/60'/0'/0/i: account 0 of this BIP-39 test vector is a known address.
  const zero = await accounts.checkImport({ phrase: words });
  const one = await accounts.checkImport({ phrase: words, index: 1 });
  assert.equal(zero.address, '0x58A57ed9d8d624cBD12e2C467D34787555bB1b25');
  assert.notEqual(one.address, zero.address);
});

test('several accounts under one password: derived once at unlock; switch and rename; adding needs the extension unlocked', async () => {
  const { address: a } = await accounts.importWallet({ privateKey: walletKey(0x62), password: PASSWORD });
  const { address: b } = await accounts.createWallet({ label: 'Burner' });
  const { address: c } = await accounts.importWallet({ privateKey: walletKey(0x63) });
  let s = await accounts.status();
  assert.deepEqual(s.accounts.map((x) => x.label), ['Account 1', 'Burner', 'Account 3']);
  assert.deepEqual(s.accounts.map((x) => x.backup), ['key', 'phrase', 'key']);
  assert.equal(s.address, c, 'a new account becomes the current one');
  assert.equal(await outcome(accounts.importWallet({ privateKey: walletKey(0x62) })), 'account-exists');

  s = await accounts.switchAccount(a);
  assert.equal(s.address, a);
  assert.equal((await getClient()).account, a);
  s = await accounts.renameAccount(b, '  Work  ');
  assert.equal(s.accounts[1]!.label, 'Work');

  await accounts.lock();
  assert.equal(await outcome(accounts.createWallet({})), 'locked');
  assert.equal(await outcome(accounts.unlock('wrong password')), 'wrong-password');
  // One PBKDF2 derivation opens every account.
  const derive = crypto.subtle.deriveBits.bind(crypto.subtle);
  let derivations = 0;
  crypto.subtle.deriveBits = (alg, ...rest) => {
    if ((alg as { name?: string }).name === 'PBKDF2') derivations++;
    return derive(alg, ...rest);
  };
  try {
    const t0 = performance.now();
    await accounts.unlock(PASSWORD);
    console.log(`# unlock of 3 accounts: ${(performance.now() - t0).toFixed(0)} ms, ${derivations} key derivation`);
  } finally {
    crypto.subtle.deriveBits = derive;
  }
  assert.equal(derivations, 1);
  assert.deepEqual([...(await getSession().current())!.keys.keys()].sort(), [a, b, c].sort());
  restartWorker();
  assert.equal((await accounts.status()).state, 'unlocked', 'a restarted worker stays unlocked');
  assert.equal((await getClient(b)).account, b);

  await accounts.changePassword(PASSWORD, 'a new password');
  await accounts.lock();
  assert.equal(await outcome(accounts.unlock(PASSWORD)), 'wrong-password');
  await accounts.unlock('a new password');
  for (const x of [a, b, c]) assert.equal((await getClient(x)).account, x, `${x} opens under the new password`);
});

test("a send of an account that is not the current one is delivered all the same", async () => {
  const { address: a } = await accounts.importWallet({ privateKey: walletKey(0x70), password: PASSWORD });
  const bob = await peer(0x71);
  const convo = await bob.conversations.newConversation(a);
  await convo.send('hi a');
  await inbox.syncNow(a);
  await accounts.importWallet({ privateKey: walletKey(0x72) }); // now the current account
  const topic = (await inbox.listConversations(a))[0]!.id;
  const pending = await inbox.sendMessage(a, topic, { content: 'from a, while b is current' });
  assert.equal(pending.status, 'pending');
  await inbox.outbox.deliverDue();
  const mine = (await inbox.listMessages(a, topic)).find((m) => m.localId === pending.localId);
  assert.equal(mine?.status, 'sent');
  assert.ok((await convo.messages()).some((m: { content: unknown }) => m.content === 'from a, while b is current'));
});

test('each account has its own settings; the lock timeout is the extension’s', async () => {
  const { address: a } = await accounts.importWallet({ privateKey: walletKey(0x64), password: PASSWORD });
  await updateSettings({ readReceipts: false, lockAfterMinutes: 5 });
  const { address: b } = await accounts.importWallet({ privateKey: walletKey(0x65) });
  assert.equal((await getSettings(b)).readReceipts, false, 'a new account starts from the current one’s settings');
  await updateSettings({ notifications: false, lockAfterMinutes: 30 }, undefined, undefined, b);
  assert.equal((await getSettings(a)).notifications, true);
  assert.equal((await getSettings(a)).lockAfterMinutes, 30);
  assert.equal((await getSettings(b)).notifications, false);
});

test('the badge counts every unlocked account; a notification says which account it is for', async () => {
  const { address: a } = await accounts.importWallet({ privateKey: walletKey(0x66), password: PASSWORD });
  const { address: b } = await accounts.importWallet({ privateKey: walletKey(0x67), label: 'Work' });
  await accounts.switchAccount(a);
  // Notifications start from when an account's client first runs: older history is not news.
  await getClient(a);
  await getClient(b);
  const bob = await peer(0x68);
  const carol = await peer(0x69);
  await (await bob.conversations.newConversation(a)).send('to a');
  await (await carol.conversations.newConversation(b)).send('to b');
  // allowed conversations notify: consent first (as a person replying would)
  await inbox.setConsent(b, carol.address, 'allowed');
  await inbox.syncNow(a);
  await inbox.syncNow(b);
  await until(() => platform.badge === '2' && platform.notifications.some((n) => n.message === 'to b'), 'the badge and the notification', 10_000, () => JSON.stringify({ badge: platform.badge, notifications: platform.notifications }));
  const s = await accounts.status();
  assert.deepEqual(s.accounts.map((x) => x.unread), [1, 1]);
  const note = platform.notifications.find((n) => n.message === 'to b');
  assert.ok(note, JSON.stringify(platform.notifications));
  assert.match(note.title, /→ Work$/);
  assert.equal(note.id, `msg:${b}:${(await inbox.listConversations(b))[0]!.id}`);
  await accounts.lock();
  await until(() => platform.badge === '', 'the badge to clear');
});

test('removing an account leaves no record of it; the others keep theirs; removing the last starts over', async () => {
  const { address: a } = await accounts.importWallet({ privateKey: walletKey(0x6a), password: PASSWORD });
  const { address: b } = await accounts.importWallet({ privateKey: walletKey(0x6b) });
  const bob = await peer(0x6c);
  await (await bob.conversations.newConversation(a)).send('for a');
  await (await bob.conversations.newConversation(b)).send('for b');
  await inbox.syncNow(a);
  await inbox.syncNow(b);
  await inbox.sendMessage(a, (await inbox.listConversations(a))[0]!.id, { content: 'reply from a' });
  await putGrant(a, 'https://dapp.example', 'app');
  await putGrant(b, 'https://dapp.example', 'inbox');
  await updateSettings({ notifications: false }, undefined, undefined, a);
  const topicOfA = (await inbox.listConversations(a))[0]!.id;
  assert.ok((await everything()).includes(a.toLowerCase()));

  let s = await accounts.removeAccount(a);
  assert.equal(s.address, b);
  assert.deepEqual(s.accounts.map((x) => x.address), [b]);
  const left = await everything();
  assert.ok(!left.includes(a.toLowerCase().slice(2)), 'no record names the removed account');
  assert.ok(!left.includes(topicOfA.toLowerCase()), 'no record holds its conversations');
  assert.ok(left.includes(b.toLowerCase()), 'the other account is untouched');
  assert.equal((await inbox.listConversations(b))[0]?.lastMessage?.content, 'for b');
  assert.deepEqual((await listGrants()).map((g) => g.account), [b]);
  assert.deepEqual([...(await getSession().current())!.keys.keys()], [b]);
  assert.equal(await outcome(accounts.switchAccount(a)), 'unknown-account');

  s = await accounts.removeAccount(b);
  assert.equal(s.state, 'onboarding');
  assert.equal(await getSession().current(), undefined);
  const d = await db();
  assert.equal(await d.get('meta', 'vault'), undefined, 'the password goes with the last account');
  assert.deepEqual(await d.getAll('accounts'), []);
  const { address: fresh } = await accounts.importWallet({ privateKey: walletKey(0x6d), password: 'a brand new password' });
  assert.equal((await accounts.status()).address, fresh);
});

test('a version 1 profile (one account, its own password salt) upgrades and unlocks with its password', async () => {
  // Version 1 as it shipped: the schema of its only upgrade, and an account sealed the v1 way.
  globalThis.indexedDB = new IDBFactory();
  restartWorker();
  const salt = new Uint8Array(16).fill(3);
  const iterations = 100_000;
  const address = privateKeySigner(walletKey(0x6e)).address;
  const bundle = new Uint8Array([8, 1, 2, 3]);
  const wallet = hexToBytes(walletKey(0x6e).slice(2));
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(PASSWORD), 'PBKDF2', false, ['deriveKey']);
  const kek = await crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, material, { name: 'AES-GCM', length: 256 }, false, ['encrypt']);
  const raw = crypto.getRandomValues(new Uint8Array(32));
  const dataKey = await crypto.subtle.importKey('raw', raw, 'AES-GCM', true, ['encrypt', 'decrypt']);
  const v1Secrets = new Uint8Array(5 + bundle.length + 32);
  v1Secrets[0] = 1;
  new DataView(v1Secrets.buffer).setUint32(1, bundle.length);
  v1Secrets.set(bundle, 5);
  v1Secrets.set(wallet, 5 + bundle.length);
  const v1 = await openDB(DB_NAME, 1, {
    upgrade(d) {
      d.createObjectStore('accounts', { keyPath: 'address' });
      d.createObjectStore('meta');
      const conversations = d.createObjectStore('conversations', { keyPath: ['account', 'topic'] });
      conversations.createIndex('byUpdated', ['account', 'updatedAt']);
      conversations.createIndex('byPeer', ['account', 'peerAddress']);
      d.createObjectStore('messages', { keyPath: ['account', 'id'] }).createIndex('byConversation', ['account', 'conversation', 'sent']);
      d.createObjectStore('cursors', { keyPath: ['account', 'key'] });
      d.createObjectStore('outbox', { keyPath: ['account', 'localId'] }).createIndex('byNextAttempt', ['account', 'nextAttemptAt']);
      d.createObjectStore('consent', { keyPath: ['account', 'key'] });
      d.createObjectStore('grants', { keyPath: ['account', 'origin'] }).createIndex('byOrigin', 'origin');
    },
  });
  await v1.put('accounts', {
    address,
    createdAt: 1,
    wallet: 'extension',
    kdf: { name: 'PBKDF2-SHA256', iterations, salt },
    dataKey: await seal(kek, raw, `xmtp-inbox/data-key/v1/${address}`),
    secrets: await seal(dataKey, v1Secrets, `xmtp-inbox/keystore/v1/${address}`),
  });
  await v1.put('meta', address, 'currentAccount');
  // Its cache, in the clear but for the conversation's key material (sealed under the data key).
  const topic = '/xmtp/0/m-legacy/proto';
  const peerAddress = privateKeySigner(walletKey(0x6f)).address;
  const keyMaterial = new Uint8Array(32).fill(9);
  const secretsBox = await seal(dataKey, new TextEncoder().encode(JSON.stringify({ keyMaterial: bytesToHex(keyMaterial) })), `xmtp-inbox/conversation/v1/${address}/${topic}`);
  const message = { id: 'ab'.repeat(32), conversation: topic, senderAddress: peerAddress, sent: 5000, contentType: 'xmtp.org/text:1.0', content: 'a legacy marker text', status: 'sent' };
  await v1.put('conversations', { account: address, topic, peerAddress, createdAt: 4000, createdNs: 4_000_000_000n, version: 'v2', sealed: secretsBox, consent: 'allowed', updatedAt: 5000, lastMessage: message, readUpTo: 0, unreadCount: 1 });
  await v1.put('messages', { account: address, ...message });
  await v1.put('outbox', { account: address, localId: 'local-1', topic, contentType: 'xmtp.org/text:1.0', content: 'queued offline', createdAt: 6000, attempts: 0, nextAttemptAt: 0, state: 'pending', ambiguousNs: [] });
  v1.close();
  restartWorker();

  const s = await accounts.status();
  assert.equal(s.state, 'locked');
  assert.deepEqual(s.accounts.map((x) => [x.address, x.label, x.backup, x.backedUp]), [[address, 'Account 1', 'key', false]]);
  assert.equal(await outcome(accounts.unlock('not it')), 'wrong-password');
  await accounts.unlock(PASSWORD);
  const record = (await (await db()).get('accounts', address))!;
  const opened = await openSecrets(record, (await getSession().current())!.keys.get(address)!.keys.get(1)!);
  assert.deepEqual({ ...opened, indexKey: undefined }, { keyBundle: bundle, walletKey: wallet, indexKey: undefined });
  assert.equal(opened.indexKey?.length, 32, 'the account got its index key at the first unlock');
  // The plain cache of version 4 is sealed after the unlock: nothing of it is left readable.
  await reseal(address);
  const [c] = await inbox.listConversations(address);
  assert.deepEqual([c?.id, c?.unreadCount, c?.lastMessage?.content], [topic, 1, 'a legacy marker text']);
  assert.deepEqual((await inbox.listMessages(address, topic)).map((m) => m.content), ['a legacy marker text']);
  assert.deepEqual((await store.outboxDue(address)).map((r) => r.content), ['queued offline']);
  assert.deepEqual((await store.getConversationRecord(address, topic))?.secrets?.keyMaterial, keyMaterial);
  const stored = await everything();
  assert.ok(!stored.includes('legacy marker') && !stored.includes('queued offline') && !stored.includes('m-legacy'), 'no plain text is left');
  assert.equal((await accounts.reveal(address, PASSWORD, 'privateKey')).value, walletKey(0x6e));
  assert.equal(await outcome(accounts.reveal(address, PASSWORD, 'phrase')), 'no-phrase');
});
