// Privacy at rest: every row holding message content or a peer is sealed (no marker text, peer address
// or topic anywhere in IndexedDB), locked means unreadable (also for a worker restarted while locked),
// and a password change rotates the data key, re-sealing in the background; an interrupted re-seal
// resumes at the next unlock and loses no record.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { everything, freshBackground, outcome, memoryNode, PASSWORD, restartWorker, walletKey } from './setup.ts';
import { Client } from '../../src/xmtp/client.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import * as accounts from '../../background/accounts.ts';
import * as inbox from '../../background/inbox.ts';
import * as store from '../../background/inbox-store.ts';
import { db } from '../../background/db.ts';
import { getSession } from '../../background/xmtp-session.ts';
import { haltResealing, reseal, resumeResealing, RESEAL_BATCH } from '../../background/reseal.ts';
import type { MessageView } from '../../src/views.ts';
import { bytesToHex, utf8 } from '../../src/xmtp/crypto/bytes.ts';
import { sha256 } from '../../src/xmtp/crypto/hashes.ts';

const node = memoryNode();
beforeEach(async () => {
  await freshBackground(node.url);
});

const MARKER = 'the marker text ✓ that must never be stored in the clear';

test('message texts, previews, peers and topics are sealed; locked (and a worker restarted locked) reads nothing', async () => {
  const { address: me } = await accounts.importWallet({ privateKey: walletKey(0x71), password: PASSWORD });
  const peer = await Client.create(privateKeySigner(walletKey(0x72)), { apiUrl: node.url });
  const convo = await peer.conversations.newConversation(me, { conversationId: 'shop.example/order-17', metadata: { item: 'a red bicycle' } });
  await convo.send(MARKER);
  await inbox.setConsent(me, peer.address, 'allowed');
  await inbox.syncNow();
  await inbox.sendMessage(me, convo.topic, { content: `re: ${MARKER}` });
  const [c] = await inbox.listConversations(me);
  assert.equal(c?.lastMessage?.content?.toString().startsWith('re: the marker'), true, 'the inbox reads it back');

  const stored = await everything();
  for (const [what, text] of [
    ['the marker text', 'marker text'],
    ['the peer address', peer.address.slice(2).toLowerCase()],
    ['the topic', convo.topic.toLowerCase()],
    ['the conversation id', 'order-17'],
    ['its metadata', 'red bicycle'],
  ]) {
    assert.ok(!stored.includes(text!), `${what} is not stored in the clear`);
  }
  assert.ok(stored.includes(me.slice(2).toLowerCase()), 'the check can fail: the dump holds the records');
  // The search index finds the word, but only with the key: an unkeyed hash of it is nowhere.
  assert.equal((await store.searchMessages(me, 'marker')).length, 2);
  assert.ok(!stored.includes(bytesToHex(sha256(utf8(`${me.toLowerCase()}\u0000marker`))).slice(0, 24)), 'no unkeyed word hash');

  await accounts.lock();
  assert.equal(await outcome(inbox.listConversations(me)), 'locked');
  restartWorker();
  assert.equal((await accounts.status()).state, 'locked');
  assert.equal(await outcome(inbox.listMessages(me, convo.topic)), 'locked', 'a worker restarted while locked has no key');
  await accounts.unlock(PASSWORD);
  assert.deepEqual((await inbox.listMessages(me, convo.topic)).map((m) => m.content).sort(), [MARKER, `re: ${MARKER}`].sort());
});

/** Rows of the account's sealed stores, by the data key that seals them. */
async function rowsByKey(account: string): Promise<Map<number, number>> {
  const d = await db();
  const out = new Map<number, number>();
  for (const s of ['conversations', 'messages', 'outbox', 'consent'] as const) {
    for (const r of await d.getAll(s, IDBKeyRange.bound([account], [account, []]))) out.set(r.k, (out.get(r.k) ?? 0) + 1);
  }
  return out;
}

test('a password change rotates the data key; an interrupted re-seal resumes at the next unlock and loses no record', async () => {
  const { address: me } = await accounts.importWallet({ privateKey: walletKey(0x73), password: PASSWORD });
  // Enough rows for several batches: 3 conversations, 2.5 batches of messages, a queued send.
  const topics = ['/xmtp/0/m-r1/proto', '/xmtp/0/m-r2/proto', '/xmtp/0/m-r3/proto'];
  const peer = privateKeySigner(walletKey(0x74)).address;
  await store.addConversations(me, topics.map((topic, i) => ({ topic, peerAddress: peer, createdAt: 1000 + i, createdNs: BigInt(1000 + i) * 1_000_000n, version: 'v2' as const })));
  const messages: MessageView[] = Array.from({ length: Math.round(RESEAL_BATCH * 2.5) }, (_, i) => ({
    id: i.toString(16).padStart(64, '0'),
    conversation: topics[i % 3]!,
    senderAddress: peer,
    sent: 2000 + i,
    contentType: 'xmtp.org/text:1.0',
    content: `message ${i}`,
    status: 'sent',
  }));
  await store.putMessages(me, messages);
  await store.putOutbox({ account: me, localId: 'local-q', topic: topics[0]!, contentType: 'xmtp.org/text:1.0', content: 'queued', createdAt: 9000, attempts: 0, nextAttemptAt: 0, state: 'pending', ambiguousNs: [] });
  await store.putConsent(me, [{ key: `address-${peer}`, value: 'allowed', updatedNs: 1n }]);
  const snapshot = async () => ({
    conversations: await store.listConversations(me),
    messages: (await Promise.all(topics.map((t) => store.listMessages(me, t, { limit: 1000 })))).flat().map((m) => m.content).sort(),
    outbox: (await store.outboxDue(me)).map((r) => r.content),
    consent: await store.consentOf(me, peer),
  });
  const before = await snapshot();
  const total = [...(await rowsByKey(me)).values()].reduce((x, y) => x + y, 0);
  assert.deepEqual([...(await rowsByKey(me)).keys()], [1]);

  // The re-seal stops after two batches, as if the worker had been stopped there.
  haltResealing(2);
  await accounts.changePassword(PASSWORD, 'the new password');
  await assert.rejects(reseal(me), /halted/);
  let byKey = await rowsByKey(me);
  assert.ok((byKey.get(2) ?? 0) > 0 && (byKey.get(1) ?? 0) > 0, `half way: ${JSON.stringify([...byKey])}`);
  assert.deepEqual((await (await db()).get('accounts', me))!.keys.map((w) => w.id), [2, 1], 'both keys, under the new password');
  assert.deepEqual(await snapshot(), before, 'every record reads, whichever key seals it');
  await store.putMessages(me, [{ ...messages[0]!, id: 'f'.repeat(64), content: 'written meanwhile', sent: 99_000 }]);

  // The browser closes, the next start is locked; the new password unlocks and the re-seal resumes.
  restartWorker();
  resumeResealing();
  assert.equal(await outcome(accounts.unlock(PASSWORD)), 'wrong-password', 'the old password opens nothing');
  await accounts.unlock('the new password');
  await reseal(me);
  byKey = await rowsByKey(me);
  assert.deepEqual([...byKey.keys()], [2], 'everything is under the new key');
  assert.equal(byKey.get(2), total + 1, 'no record lost');
  assert.deepEqual((await (await db()).get('accounts', me))!.keys.map((w) => w.id), [2], 'the old key is gone');
  assert.deepEqual([...(await getSession().keysOf(me))!.keys.keys()], [2]);
  const after = await snapshot();
  assert.deepEqual({ ...after, messages: after.messages.filter((m) => m !== 'written meanwhile') }, { ...before, conversations: after.conversations });
  const unread = (cs: typeof before.conversations) => cs.map((c) => [c.id, c.unreadCount]).sort();
  assert.deepEqual(unread(after.conversations), unread(before.conversations.map((c) => (c.id === topics[0] ? { ...c, unreadCount: c.unreadCount + 1 } : c))));
  assert.ok(after.messages.includes('written meanwhile'));
});
