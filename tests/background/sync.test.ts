// The sync engine against a real node: incremental from cursors, idempotent, tolerant of messages that
// arrive with older timestamps, and it reports new conversations, consent and unread counts.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { freshBackground, memoryNode, PASSWORD, restartWorker, walletKey } from './setup.ts';
import { Client } from '../../src/xmtp/client.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import * as accounts from '../../background/accounts.ts';
import { getClient } from '../../background/xmtp-session.ts';
import { syncAll } from '../../background/sync.ts';
import * as store from '../../background/inbox-store.ts';
import { db } from '../../background/db.ts';
import { cacheKeys } from '../../background/session.ts';
import { topicId } from '../../src/cache/records.ts';

const node = memoryNode();

const key = walletKey;

async function peer(n: number) {
  return Client.create(privateKeySigner(key(n)), { apiUrl: node.url });
}

let me: string;
beforeEach(async () => {
  await freshBackground(node.url);
});

test('a cold sync fetches every conversation and message; the next one fetches nothing', async () => {
  ({ address: me } = await accounts.importWallet({ privateKey: key(0x41), password: PASSWORD }));
  const bob = await peer(0x42);
  const carol = await peer(0x43);
  const withBob = await bob.conversations.newConversation(me);
  const withCarol = await carol.conversations.newConversation(me, { conversationId: 'example.org/chat', metadata: { title: 'hi' } });
  for (let i = 0; i < 120; i++) await withBob.send(`bob ${i}`); // more than one page (100)
  await withCarol.send('carol 0');

  const a = await getClient();
  const first = await syncAll(a);
  assert.equal(first.conversations, 2);
  assert.equal(first.newMessages, 121);
  const list = await store.listConversations(me);
  assert.deepEqual(list.map((c) => c.peerAddress).sort(), [bob.address, carol.address].sort());
  const bobConvo = list.find((c) => c.peerAddress === bob.address)!;
  assert.equal(bobConvo.unreadCount, 120);
  assert.equal(bobConvo.lastMessage?.content, 'bob 119');
  assert.deepEqual(list.find((c) => c.peerAddress === carol.address)!.context, { conversationId: 'example.org/chat', metadata: { title: 'hi' } });
  assert.equal((await store.listMessages(me, withBob.topic, { limit: 1000 })).length, 120);

  const second = await syncAll(a);
  assert.equal(second.newMessages, 0, 'incremental: nothing new');
  assert.equal((await store.listMessages(me, withBob.topic, { limit: 1000 })).length, 120, 'and nothing duplicated');

  await withBob.send('one more');
  const third = await syncAll(a);
  assert.equal(third.newMessages, 1);
  assert.equal((await store.listConversations(me)).find((c) => c.peerAddress === bob.address)!.unreadCount, 121);
});

test('a message published after a sync with a timestamp before it (sender clock behind) is still found', async () => {
  ({ address: me } = await accounts.importWallet({ privateKey: key(0x51), password: PASSWORD }));
  const bob = await peer(0x52);
  const convo = await bob.conversations.newConversation(me);
  await convo.send('now');
  const a = await getClient();
  await syncAll(a);
  // A sender whose clock is 5 s behind (within the 10 s skew the protocol assumes) publishes after our sync.
  await convo.send('from a slow clock', { timestamp: new Date(Date.now() - 5_000) });
  const r = await syncAll(a);
  assert.equal(r.newMessages, 1);
  const msgs = await store.listMessages(me, convo.topic);
  assert.deepEqual(msgs.map((m) => m.content), ['now', 'from a slow clock'], 'listed by sent time, newest first');
  assert.equal((await syncAll(a)).newMessages, 0, 'and it is not counted again');
});

test('a restarted worker resumes from the stored positions, still unlocked', async () => {
  ({ address: me } = await accounts.importWallet({ privateKey: key(0x61), password: PASSWORD }));
  const bob = await peer(0x62);
  const convo = await bob.conversations.newConversation(me);
  await convo.send('before restart');
  await syncAll(await getClient());
  const position = (await (await db()).get('cursors', [me, await topicId(await cacheKeys(me), convo.topic)]))?.position;
  assert.ok(position && position.ns > 0n && position.lookedAtNs > 0n);

  restartWorker();
  await convo.send('during the gap');
  assert.equal((await accounts.status()).state, 'unlocked', 'storage.session kept the session');
  const r = await syncAll(await getClient());
  assert.equal(r.newMessages, 1);
  assert.deepEqual((await store.listMessages(me, convo.topic)).map((m) => m.content), ['during the gap', 'before restart']);
});

test('consent written by the peer side of our own account on another device reaches the cache', async () => {
  ({ address: me } = await accounts.importWallet({ privateKey: key(0x71), password: PASSWORD }));
  const bob = await peer(0x72);
  await bob.conversations.newConversation(me);
  // The same identity on another device (restored from the network key store) blocks Bob.
  const otherDevice = await Client.create(privateKeySigner(key(0x71)), { apiUrl: node.url });
  await otherDevice.contacts.deny([bob.address]);
  await syncAll(await getClient());
  assert.equal(await store.consentOf(me, bob.address), 'denied');
  assert.equal((await store.listConversations(me, { consent: 'denied' })).length, 1);
});

test('once the skew window has passed, an incremental sync asks only for what follows the newest envelope', async () => {
  ({ address: me } = await accounts.importWallet({ privateKey: key(0x81), password: PASSWORD }));
  const bob = await peer(0x82);
  const convo = await bob.conversations.newConversation(me);
  for (let i = 0; i < 30; i++) await convo.send(`m${i}`);
  await syncAll(await getClient());
  // As if our last look had been a minute after the newest message (well beyond the 10 s skew): no
  // envelope published since can carry a time before that message. (A restarted worker reads it.)
  const d = await db();
  const rec = (await d.get('cursors', [me, await topicId(await cacheKeys(me), convo.topic)]))!;
  await d.put('cursors', { ...rec, position: { ...rec.position, lookedAtNs: rec.position.ns + 60_000_000_000n } });
  restartWorker();
  const a = await getClient();
  let returned = 0;
  const original = a.client.api.batchQuery.bind(a.client.api);
  a.client.api.batchQuery = async (reqs) => {
    const res = await original(reqs);
    res.forEach((r, i) => reqs[i]!.contentTopics[0] === convo.topic && (returned += r.envelopes.length));
    return res;
  };
  try {
    assert.equal((await syncAll(a)).newMessages, 0);
    assert.equal(returned, 0, 'nothing already read is downloaded again');
    await convo.send('new one');
    assert.equal((await syncAll(a)).newMessages, 1);
    assert.equal(returned, 1, 'only the new envelope');
  } finally {
    a.client.api.batchQuery = original;
  }
});

test('a sync asked for while one is running sees what arrived after that one listed conversations', async () => {
  ({ address: me } = await accounts.importWallet({ privateKey: key(0x48), password: PASSWORD }));
  const a = await getClient();
  await syncAll(a); // the catch-up at start, out of the way
  // Hold the next run right after it has listed the conversations, as a slow machine would.
  const conversations = a.client.conversations;
  const list = conversations.list.bind(conversations);
  let listed!: () => void;
  const hasListed = new Promise<void>((r) => (listed = r));
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  conversations.list = async (...args: Parameters<typeof list>) => {
    const found = await list(...args);
    conversations.list = list;
    listed();
    await held;
    return found;
  };
  try {
    const first = syncAll(a);
    await hasListed;
    const dave = await peer(0x49);
    await (await dave.conversations.newConversation(me)).send('after the first run listed');
    const second = syncAll(a);
    const third = syncAll(a);
    assert.equal(second, third, 'one run follows, for everyone who asked meanwhile');
    release();
    assert.equal((await first).newMessages, 0);
    assert.equal((await second).newMessages, 1);
    const convo = (await store.listConversations(me)).find((c) => c.peerAddress === dave.address);
    assert.ok(convo, "dave's conversation is stored");
  } finally {
    conversations.list = list;
    release();
  }
});
