// Client behaviour beyond wire interop: listing options, local storage and incremental sync,
// JSON views, ephemeral messages, errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { XmtpNode } from '../../server/node.ts';
import {
  Client, MemoryStorage, HttpTransport, messageToJson, conversationToJson, contentFromJson, isXmtpError, ContentTypeReply, ContentTypeText,
  type Transport, type QueryRequest,
} from '../../src/xmtp/index.ts';
import { createSdkClient } from '../support/sdk.ts';
import { startTestNode, newWallet, next, httpSubscribers, waitForSubscribers } from './helpers.ts';

let node: XmtpNode;
before(async () => {
  node = await startTestNode();
});
after(async () => {
  await node.close();
});

/** Counts queries per topic. */
function countingTransport(): Transport & { queries: QueryRequest[] } {
  const http = new HttpTransport({ apiUrl: node.url });
  const queries: QueryRequest[] = [];
  return {
    queries,
    publish: (e, t) => http.publish(e, t),
    query: (r) => (queries.push(r), http.query(r)),
    batchQuery: (r) => (queries.push(...r), http.batchQuery(r)),
    openStream: (t: string[], cb: never) => http.openStream(t, cb),
  } as Transport & { queries: QueryRequest[] };
}

test('messages(): limit, direction and time bounds; incremental sync from stored cursors', async () => {
  const alice = await Client.create(newWallet(), { apiUrl: node.url });
  const transport = countingTransport();
  const storage = new MemoryStorage();
  const bobWallet = newWallet();
  const bob = await Client.create(bobWallet, { apiUrl: node.url, transport, subscribeTransport: new HttpTransport({ apiUrl: node.url }), storage });
  const conv = await alice.conversations.newConversation(bob.address);
  const t0 = Date.now() - 10_000;
  for (let i = 0; i < 5; i++) await conv.send(`m${i}`, { timestamp: t0 + i * 1000 });
  const [bconv] = await bob.conversations.list();
  assert.deepEqual((await bconv!.messages()).map((m) => m.content), ['m0', 'm1', 'm2', 'm3', 'm4']);
  assert.deepEqual((await bconv!.messages({ limit: 2, direction: 'descending' })).map((m) => m.content), ['m4', 'm3']);
  assert.deepEqual((await bconv!.messages({ startTime: t0 + 1000, endTime: new Date(t0 + 3000) })).map((m) => m.content), ['m1', 'm2', 'm3']);
  // later syncs only ask for what is new (from the cursor minus the clock-skew margin)
  const before = transport.queries.filter((q) => q.contentTopics[0] === bconv!.topic);
  assert.ok(before.length >= 3);
  assert.ok(before.slice(1).every((q) => q.startTimeNs !== undefined && q.startTimeNs > 0n));
  await conv.send('m5');
  assert.equal((await bconv!.messages()).length, 6);

  // a new client on the same storage needs no wallet and has the history locally
  const again = await Client.create(null, { apiUrl: node.url, storage, skipContactPublishing: true });
  assert.equal(again.address, bob.address);
  const local = await again.conversations.listLocal();
  assert.equal(local.length, 1);
  const stored = await storage.getMessages(bconv!.topic);
  assert.equal(stored.length, 6);
  // the wallet must match stored keys
  await assert.rejects(Client.create(newWallet(), { apiUrl: node.url, storage }), (e) => isXmtpError(e, 'key_store'));
});

test('JSON views round-trip every standard type', async () => {
  const alice = await Client.create(newWallet(), { apiUrl: node.url });
  const bob = await Client.create(newWallet(), { apiUrl: node.url });
  const conv = await alice.conversations.newConversation(bob.address);
  const first = await conv.send('hi');
  const inputs: Array<[string | undefined, unknown]> = [
    [undefined, 'plain'],
    ['xmtp.org/reply:1.0', { reference: first.id, contentType: 'xmtp.org/text:1.0', content: 'replying' }],
    ['xmtp.org/reaction:1.0', { reference: first.id, action: 'added', schema: 'unicode', content: '❤️' }],
    ['xmtp.org/readReceipt:1.0', {}],
    ['xmtp.org/attachment:1.0', { filename: 'a.bin', mimeType: 'application/octet-stream', data: 'AAEC' }],
    ['xmtp.org/remoteStaticAttachment:1.0', {
      url: 'https://x.example/f', filename: 'f', contentLength: 3, contentDigest: 'ab'.repeat(32), scheme: 'https://',
      secret: '01'.repeat(32), salt: '02'.repeat(32), nonce: '03'.repeat(12),
    }],
  ];
  for (const [type, json] of inputs) {
    const { contentType, content } = contentFromJson(type, json);
    await conv.send(content, { contentType });
  }
  const [bconv] = await bob.conversations.list();
  const views = (await bconv!.messages()).slice(1).map(messageToJson);
  assert.deepEqual(views.map((v) => v.content), inputs.map(([, j]) => j));
  assert.deepEqual(views.map((v) => v.contentType), ['xmtp.org/text:1.0', ...inputs.slice(1).map(([t]) => t)]);
  assert.equal(views[1]!.fallback, 'Replied with “replying” to an earlier message');
  assert.equal(views[0]!.senderAddress, alice.address);
  assert.equal(views[0]!.conversation, conv.topic);
  assert.deepEqual(conversationToJson(bconv!), { id: conv.topic, peerAddress: alice.address, createdAt: conv.createdAt.getTime(), version: 'v2', consent: 'unknown' });
  assert.throws(() => contentFromJson('xmtp.org/text:1.0', 42), (e) => isXmtpError(e, 'invalid_content'));
  assert.throws(() => contentFromJson('xmtp.org/reaction:1.0', { reference: 'x', action: 'maybe', content: 'y' }), (e) => isXmtpError(e, 'invalid_content'));
  assert.deepEqual(contentFromJson('xmtp.org/reply:1.0', { reference: 'r', content: 'c' }).content, { reference: 'r', contentType: ContentTypeText, content: 'c' });
  assert.deepEqual(contentFromJson(undefined, 'x').contentType, ContentTypeText);
  assert.ok(ContentTypeReply);
});

test('ephemeral messages both ways are streamed, not stored', async () => {
  const alice = await Client.create(newWallet(), { apiUrl: node.url });
  const bob = await createSdkClient(newWallet(), node.url);
  const conv = await alice.conversations.newConversation(bob.address);
  const [bconv] = await bob.conversations.list();
  const ours = conv.streamEphemeral();
  await ours.ready;
  const base = await httpSubscribers(node);
  const theirs = await bconv.streamEphemeral();
  await waitForSubscribers(node, base, 1);
  await bconv.send('typing…', { ephemeral: true });
  assert.equal((await next(ours)).content, 'typing…');
  await conv.send('also typing', { ephemeral: true });
  // subscribers also receive their own publishes
  assert.deepEqual([(await next<any>(theirs)).content, (await next<any>(theirs)).content], ['typing…', 'also typing']);
  assert.equal((await next(ours)).content, 'also typing');
  assert.deepEqual(await conv.messages(), []);
  ours.close();
  await theirs.return();
});

test('errors: invalid or unknown peers, self, canMessage of junk', async () => {
  const alice = await Client.create(newWallet(), { apiUrl: node.url });
  await assert.rejects(alice.conversations.newConversation('0x123'), (e) => isXmtpError(e, 'invalid_address'));
  await assert.rejects(alice.conversations.newConversation(newWallet().address), (e) => isXmtpError(e, 'not_on_network'));
  await assert.rejects(alice.conversations.newConversation(alice.address.toLowerCase()), (e) => isXmtpError(e, 'invalid_address'));
  assert.equal(await alice.canMessage('junk'), false);
  assert.equal(await alice.canMessage(newWallet().address), false);
  await assert.rejects(Client.create(null, { apiUrl: node.url }), (e) => isXmtpError(e, 'key_store'));
  // the client publishes its contact once: a restart does not republish
  const restarted = await Client.create(null, { apiUrl: node.url, privateKeyOverride: alice.exportKeyBundle() });
  assert.equal(await restarted.directory.ensurePublished(restarted.keys), false);
});

test('sending does not override a deny made on another device', async () => {
  const wallet = newWallet();
  const alice = await Client.create(wallet, { apiUrl: node.url });
  const bob = await Client.create(newWallet(), { apiUrl: node.url });
  const conv = await bob.conversations.newConversation(alice.address);
  await alice.contacts.deny([bob.address]);
  // another device of Alice's, with fresh local state
  const other = await Client.create(null, { apiUrl: node.url, privateKeyOverride: alice.exportKeyBundle() });
  const [c] = await other.conversations.list();
  await c!.send('still talking');
  assert.equal(other.contacts.consentState(bob.address), 'denied');
  // while an unknown peer is allowed on first send
  const carol = await Client.create(newWallet(), { apiUrl: node.url });
  await carol.conversations.newConversation(alice.address);
  const convs = await other.conversations.list();
  await convs.find((x) => x.peerAddress === carol.address)!.send('hello carol');
  assert.equal(other.contacts.consentState(carol.address), 'allowed');
  assert.ok(conv);
});
