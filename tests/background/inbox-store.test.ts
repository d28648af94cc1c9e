import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { unlockedStores } from './setup.ts';
import { db } from '../../background/db.ts';
import * as store from '../../background/inbox-store.ts';
import type { MessageView } from '../../src/views.ts';

const ME = '0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A';
const PEER = '0x1C5A77d9FA7eF466951B2F01F724BCa3A5820b63';
const TOPIC = '/xmtp/0/m-aaaa/proto';
const TOPIC2 = '/xmtp/0/m-bbbb/proto';

const OTHER = '0x0000000000000000000000000000000000000009';
const THIRD = '0x0000000000000000000000000000000000000002';
beforeEach(() => unlockedStores([ME, OTHER, THIRD]));

const msg = (id: string, sent: number, over: Partial<MessageView> = {}): MessageView => ({
  id,
  conversation: TOPIC,
  senderAddress: PEER,
  sent,
  contentType: 'xmtp.org/text:1.0',
  content: `text ${id}`,
  status: 'sent',
  ...over,
});

async function seed() {
  await store.addConversations(ME, [
    { topic: TOPIC, peerAddress: PEER, createdAt: 1000, createdNs: 1000n * 1_000_000n, version: 'v2' },
    { topic: TOPIC2, peerAddress: '0x0000000000000000000000000000000000000001', createdAt: 2000, createdNs: 2000n * 1_000_000n, version: 'v2', context: { conversationId: 'app.example/x', metadata: {} } },
  ]);
}

test('conversations list newest first, from the cache, filtered by consent and search', async () => {
  await seed();
  let list = await store.listConversations(ME);
  assert.deepEqual(list.map((c) => c.id), [TOPIC2, TOPIC]);
  await store.putMessages(ME, [msg('m1', 3000)]);
  list = await store.listConversations(ME);
  assert.deepEqual(list.map((c) => c.id), [TOPIC, TOPIC2], 'a new message moves its conversation up');
  assert.equal(list[0].lastMessage?.content, 'text m1');
  assert.deepEqual((await store.listConversations(ME, { search: 'app.example' })).map((c) => c.id), [TOPIC2]);
  assert.deepEqual((await store.listConversations(ME, { search: PEER.slice(2, 10).toLowerCase() })).map((c) => c.id), [TOPIC]);
  assert.equal((await store.listConversations(ME, { consent: 'allowed' })).length, 0);
  assert.deepEqual(await store.listConversations(OTHER), [], 'accounts are separate');
});

test('storing messages is idempotent: replays do not duplicate or recount', async () => {
  await seed();
  const batch = [msg('m1', 3000), msg('m2', 4000)];
  const first = await store.putMessages(ME, batch);
  assert.equal(first.get(TOPIC)?.length, 2);
  const again = await store.putMessages(ME, batch);
  assert.equal(again.size, 0, 'nothing changed on replay');
  const [c] = await store.listConversations(ME, { search: PEER.slice(2, 10).toLowerCase() });
  assert.equal(c.unreadCount, 2);
  assert.deepEqual((await store.listMessages(ME, TOPIC)).map((m) => m.id), ['m2', 'm1']);
});

test('out-of-order arrivals keep the newest message as the preview and list in sent order', async () => {
  await seed();
  await store.putMessages(ME, [msg('late', 9000)]);
  await store.putMessages(ME, [msg('early', 5000), msg('earlier', 4000)]);
  const c = (await store.listConversations(ME)).find((x) => x.id === TOPIC)!;
  assert.equal(c.lastMessage?.id, 'late');
  assert.equal(c.updatedAt, 9000);
  assert.equal(c.unreadCount, 3);
  assert.deepEqual((await store.listMessages(ME, TOPIC)).map((m) => m.id), ['late', 'early', 'earlier']);
  assert.deepEqual((await store.listMessages(ME, TOPIC, { direction: 'ascending', limit: 2 })).map((m) => m.id), ['earlier', 'early']);
  assert.deepEqual((await store.listMessages(ME, TOPIC, { before: 9000 })).map((m) => m.id), ['early', 'earlier']);
  assert.deepEqual((await store.listMessages(ME, TOPIC, { after: 4000 })).map((m) => m.id), ['late', 'early']);
});

test('own messages, reactions and read receipts are not unread; receipts do not become the preview', async () => {
  await seed();
  await store.putMessages(ME, [
    msg('mine', 3000, { senderAddress: ME }),
    msg('react', 3500, { contentType: 'xmtp.org/reaction:1.0', content: { reference: 'mine', action: 'added', schema: 'unicode', content: '👍' } }),
    msg('rr', 4000, { contentType: 'xmtp.org/readReceipt:1.0', content: {} }),
  ]);
  const c = (await store.listConversations(ME)).find((x) => x.id === TOPIC)!;
  assert.equal(c.unreadCount, 0);
  assert.equal(c.lastMessage?.id, 'react');
});

test('marking read clears the count; older messages arriving later stay read', async () => {
  await seed();
  await store.putMessages(ME, [msg('m1', 3000), msg('m2', 4000)]);
  assert.equal(await store.unreadConversations(ME), 1);
  assert.equal(await store.markRead(ME, TOPIC), 2);
  assert.equal(await store.unreadConversations(ME), 0);
  await store.putMessages(ME, [msg('old', 3500)]);
  assert.equal((await store.listConversations(ME)).find((x) => x.id === TOPIC)!.unreadCount, 0);
  await store.putMessages(ME, [msg('new', 5000)]);
  assert.equal((await store.listConversations(ME)).find((x) => x.id === TOPIC)!.unreadCount, 1);
});

test('consent is stamped on the peer\'s conversations; older updates never override newer ones; blocked never counts', async () => {
  await seed();
  await store.putMessages(ME, [msg('m1', 3000)]);
  const key = store.consentKey(PEER.toLowerCase());
  assert.equal(key, `address-${PEER}`, 'consent keys use the EIP-55 form');
  assert.deepEqual(await store.putConsent(ME, [{ key, value: 'denied', updatedNs: 10n }]), [TOPIC]);
  assert.equal(await store.consentOf(ME, PEER.toLowerCase()), 'denied');
  assert.equal(await store.unreadConversations(ME), 0, 'blocked conversations do not count');
  assert.deepEqual(await store.putConsent(ME, [{ key, value: 'allowed', updatedNs: 5n }]), [], 'an older allow is ignored');
  assert.equal(await store.consentOf(ME, PEER), 'denied');
  await store.putConsent(ME, [{ key, value: 'allowed', updatedNs: 20n }, { key: 'groupId-abc', value: 'denied', updatedNs: 1n }]);
  assert.equal((await store.listConversations(ME, { consent: 'allowed' }))[0].id, TOPIC);
  assert.deepEqual((await store.listConsent(ME)).map((c) => c.key).sort(), [key, 'groupId-abc'].sort(), 'non-address entries are kept for the client core');
  // a conversation discovered later inherits the known consent
  await store.addConversations(ME, [{ topic: '/xmtp/0/m-cccc/proto', peerAddress: PEER, createdAt: 1, createdNs: 1n, version: 'v2' }]);
  assert.equal((await store.listConversations(ME, { consent: 'allowed' })).length, 2);
});

test('a delivered send replaces its pending record in place', async () => {
  await seed();
  await store.putMessages(ME, [msg('local-1', 3000, { senderAddress: ME, status: 'pending', localId: 'local-1' })]);
  assert.equal((await store.listConversations(ME)).find((x) => x.id === TOPIC)!.lastMessage?.status, 'pending');
  await store.putMessages(ME, [msg('final-id', 3000, { senderAddress: ME, status: 'sent', localId: 'local-1' })], { replacing: new Map([['final-id', 'local-1']]) });
  const msgs = await store.listMessages(ME, TOPIC);
  assert.deepEqual(msgs.map((m) => [m.id, m.status, m.localId]), [['final-id', 'sent', 'local-1']]);
  const c = (await store.listConversations(ME)).find((x) => x.id === TOPIC)!;
  assert.equal(c.lastMessage?.id, 'final-id');
});

test('deleting the newest message restores the previous preview; previews never carry attachment bytes', async () => {
  await seed();
  await store.putMessages(ME, [
    msg('m1', 3000),
    msg('file', 4000, { contentType: 'xmtp.org/attachment:1.0', content: { filename: 'a.png', mimeType: 'image/png', data: 'AAAA'.repeat(1000) } }),
  ]);
  let c = (await store.listConversations(ME)).find((x) => x.id === TOPIC)!;
  assert.deepEqual(c.lastMessage?.content, { filename: 'a.png', mimeType: 'image/png' });
  assert.equal(((await store.getMessage(ME, 'file'))?.content as { data: string }).data.length, 4000, 'the message itself keeps its bytes');
  await store.deleteMessage(ME, 'file');
  c = (await store.listConversations(ME)).find((x) => x.id === TOPIC)!;
  assert.equal(c.lastMessage?.id, 'm1');
});

test('a limited listing returns the newest conversations first, stopping at the limit', async () => {
  await seed();
  await store.putMessages(ME, [msg('m1', 3000)]);
  assert.deepEqual((await store.listConversations(ME, { limit: 1 })).map((c) => c.id), [TOPIC]);
  assert.deepEqual((await store.listConversations(ME, { limit: 5 })).map((c) => c.id), [TOPIC, TOPIC2]);
  assert.deepEqual((await store.listConversations(ME, { limit: 1, search: 'app.example' })).map((c) => c.id), [TOPIC2], 'the limit counts matches');
});

test('pages of messages and conversations match a full ordered read at every limit, ties at the page edge included', async () => {
  await seed();
  // 25 messages with sent times in runs of three (ties), ids not in sent order, and noise in another topic
  const ids = Array.from({ length: 25 }, (_, i) => `id-${((i * 7) % 25).toString().padStart(2, '0')}`);
  await store.putMessages(ME, ids.map((id, i) => msg(id, 1000 + Math.floor(i / 3) * 10)));
  await store.putMessages(ME, [msg('other-1', 1005, { conversation: TOPIC2 }), msg('other-2', 5000, { conversation: TOPIC2 })]);
  const all = ids.map((id, i) => ({ id, sent: 1000 + Math.floor(i / 3) * 10 }));
  const asc = [...all].sort((a, b) => a.sent - b.sent || (a.id < b.id ? -1 : 1));
  const desc = [...asc].reverse();
  for (let limit = 1; limit <= 27; limit++) {
    assert.deepEqual((await store.listMessages(ME, TOPIC, { limit })).map((m) => m.id), desc.slice(0, limit).map((m) => m.id), `newest ${limit}`);
    assert.deepEqual((await store.listMessages(ME, TOPIC, { limit, direction: 'ascending' })).map((m) => m.id), asc.slice(0, limit).map((m) => m.id), `oldest ${limit}`);
    const before = desc.filter((m) => m.sent < 1040);
    assert.deepEqual((await store.listMessages(ME, TOPIC, { limit, before: 1040 })).map((m) => m.id), before.slice(0, limit).map((m) => m.id), `before, ${limit}`);
    const after = asc.filter((m) => m.sent > 1020);
    assert.deepEqual((await store.listMessages(ME, TOPIC, { limit, after: 1020, direction: 'ascending' })).map((m) => m.id), after.slice(0, limit).map((m) => m.id), `after, ${limit}`);
  }
  assert.deepEqual(await store.listMessages(ME, TOPIC, { limit: 5, after: 9000 }), []);

  // 30 more conversations, updatedAt in runs of two
  await store.addConversations(
    ME,
    Array.from({ length: 30 }, (_, i) => ({ topic: `/xmtp/0/m-${i.toString(16).padStart(4, '0')}/proto`, peerAddress: PEER, createdAt: 3000 + Math.floor(i / 2), createdNs: 0n, version: 'v2' as const })),
  );
  const full = (await store.listConversations(ME)).map((c) => c.id);
  assert.equal(full.length, 32);
  for (let limit = 1; limit <= 33; limit++) {
    assert.deepEqual((await store.listConversations(ME, { limit })).map((c) => c.id), full.slice(0, limit), `first ${limit} conversations`);
  }
  for (const chunk of [1, 5, 7, 32]) {
    const pieces: string[] = [];
    for (let offset = 0; offset < 40; offset += chunk) pieces.push(...(await store.listConversations(ME, { offset, limit: chunk })).map((c) => c.id));
    assert.deepEqual(pieces, full, `chunks of ${chunk} add up to the list`);
  }
  assert.deepEqual(await store.listConversations(ME, { offset: 32, limit: 5 }), []);
  assert.equal((await store.listConversations(ME, { limit: 3, consent: 'unknown' })).length, 3, 'a filtered page is cut to its limit');
  assert.deepEqual((await store.listConversations(ME, { offset: 2, limit: 3, consent: 'unknown' })).map((c) => c.id), full.slice(2, 5), 'a filtered page skips its offset');
});

test('a list preview keeps what the list shows and drops what is heavy: attachment bytes, remote keys, long text', () => {
  const att = store.previewOf(msg('a', 1, { contentType: 'xmtp.org/attachment:1.0', content: { filename: 'holiday.png', mimeType: 'image/png', data: 'AAAA'.repeat(1000) } }));
  assert.deepEqual(att.content, { filename: 'holiday.png', mimeType: 'image/png' });
  const remote = store.previewOf(msg('r', 1, { contentType: 'xmtp.org/remoteStaticAttachment:1.0', content: { url: 'https://x/y', filename: 'big.mov', secret: 'ab', salt: 'cd', nonce: 'ef', contentDigest: '00', scheme: 'https://', contentLength: 5 } }));
  assert.deepEqual(remote.content, { filename: 'big.mov' });
  const reply = store.previewOf(msg('p', 1, { contentType: 'xmtp.org/reply:1.0', content: { reference: 'a', contentType: 'xmtp.org/attachment:1.0', content: { filename: 'b.pdf', mimeType: 'application/pdf', data: 'AAAA' } } }));
  assert.deepEqual(reply.content, { reference: 'a', contentType: 'xmtp.org/attachment:1.0', content: { filename: 'b.pdf', mimeType: 'application/pdf' } });
  assert.ok((store.previewOf(msg('t', 1, { content: 'x'.repeat(5000) })).content as string).length < 500);
});

test('search: every word of the query, whole words in any case, newest first, one account only; the index holds no words', async () => {
  await seed();
  await store.putMessages(ME, [
    msg('s1', 10, { content: 'The multisig needs one more signer' }),
    msg('s2', 20, { content: 'Signer found! Multisig done.' }),
    msg('s3', 30, { contentType: 'xmtp.org/reply:1.0', content: { reference: 's1', contentType: 'xmtp.org/text:1.0', content: 'which multisig?' } }),
    msg('s4', 40, { content: 'nothing here' }),
  ]);
  await store.putMessages(THIRD, [msg('other', 50, { content: 'multisig of someone else' })]);
  assert.deepEqual((await store.searchMessages(ME, 'MULTISIG')).map((m) => m.id), ['s3', 's2', 's1']);
  assert.deepEqual((await store.searchMessages(ME, 'multisig signer')).map((m) => m.id), ['s2', 's1']);
  assert.deepEqual((await store.searchMessages(ME, 'multi')).map((m) => m.id), [], 'whole words only');
  assert.deepEqual(await store.searchMessages(ME, '  '), []);
  await store.putMessages(ME, [msg('s2', 20, { content: 'Signer found! Multisig done.', status: 'failed' })]);
  assert.deepEqual((await store.searchMessages(ME, 'signer')).map((m) => m.id), ['s2', 's1'], 'a status change adds no duplicate');
  const terms = await (await db()).getAll('terms');
  assert.ok(terms.length > 10);
  assert.ok(!JSON.stringify(terms).includes('multisig'), 'no word in the index');
});
