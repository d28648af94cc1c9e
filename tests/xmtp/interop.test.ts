// Our client and the official @xmtp/xmtp-js 13.0.4 against our node, in both directions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { XmtpNode } from '../../server/node.ts';
import { Client, Compression, ContentTypeReply, ContentTypeReaction, ContentTypeReadReceipt, ContentTypeAttachment,
  ContentTypeRemoteAttachment, ContentTypeText, encryptRemoteContent, decryptRemoteContent, messageToJson } from '../../src/xmtp/index.ts';
import type { Signer } from '../../src/xmtp/index.ts';
import { AttachmentCodec as OurAttachmentCodec } from '../../src/xmtp/content/attachment.ts';
import { utf8 } from '../../src/xmtp/crypto/bytes.ts';
import { mc, encode, decode } from '../../src/xmtp/proto.ts';
import { contactTopic } from '../../src/xmtp/topics.ts';
import { consentProofText } from '../../src/xmtp/keys/signature-texts.ts';
import { createSdkClient, sdk, ContentTypeReply as SdkReply, ContentTypeReaction as SdkReaction, ContentTypeReadReceipt as SdkReadReceipt,
  ContentTypeAttachment as SdkAttachment, ContentTypeRemoteAttachment as SdkRemoteAttachment, AttachmentCodec as SdkAttachmentCodec,
  RemoteAttachmentCodec as SdkRemoteAttachmentCodec, ContentTypeText as SdkText } from '../support/sdk.ts';
import { startTestNode, newWallet, next, httpSubscribers, waitForSubscribers } from './helpers.ts';

let node: XmtpNode;
before(async () => {
  node = await startTestNode();
});
after(async () => {
  await node.close();
});

const ours = (wallet: Signer | null, opts: Parameters<typeof Client.create>[1] = {}) =>
  Client.create(wallet, { apiUrl: node.url, ...opts });

test('ours starts a V2 conversation with context; the SDK reads it and replies', async () => {
  const alice = await ours(newWallet());
  const bob = await createSdkClient(newWallet(), node.url);
  assert.equal(await alice.canMessage(bob.address), true);
  assert.equal(await bob.canMessage(alice.address), true);
  const conv = await alice.conversations.newConversation(bob.address, { conversationId: 'example.com/thread', metadata: { title: 'Hi' } });
  assert.equal(conv.version, 'v2');
  const sent = await conv.send('hello from ours');
  const [bconv] = await bob.conversations.list();
  assert.equal(bconv.topic, conv.topic);
  assert.equal(bconv.peerAddress, alice.address);
  assert.deepEqual(bconv.context, { conversationId: 'example.com/thread', metadata: { title: 'Hi' } });
  const [m] = await bconv.messages();
  assert.equal(m.content, 'hello from ours');
  assert.equal(m.id, sent.id);
  assert.equal(m.senderAddress, alice.address);
  assert.equal(m.sent.getTime(), sent.sent.getTime());
  await bconv.send('reply from the SDK');
  const msgs = await conv.messages();
  assert.deepEqual(msgs.map((x) => [x.senderAddress, x.content]), [[alice.address, 'hello from ours'], [bob.address, 'reply from the SDK']]);
  // both derive the same conversation: the SDK re-inviting lands on the same topic
  const again = await bob.conversations.newConversation(alice.address, { conversationId: 'example.com/thread', metadata: {} });
  assert.equal(again.topic, conv.topic);
  // the inviter allowed the peer in consent
  assert.equal(conv.consentState(), 'allowed');
});

test('the SDK starts a conversation; ours lists it, reads and replies', async () => {
  const alice = await ours(newWallet());
  const bob = await createSdkClient(newWallet(), node.url);
  const bconv = await bob.conversations.newConversation(alice.address);
  const bsent = await bconv.send('hello from the SDK');
  const convs = await alice.conversations.list();
  assert.equal(convs.length, 1);
  const conv = convs[0]!;
  assert.equal(conv.topic, bconv.topic);
  assert.equal(conv.peerAddress, bob.address);
  assert.equal(conv.createdAt.getTime(), bconv.createdAt.getTime());
  const [m] = await conv.messages();
  assert.equal(m!.content, 'hello from the SDK');
  assert.equal(m!.id, bsent.id);
  assert.deepEqual(messageToJson(m!), {
    id: bsent.id, conversation: conv.topic, senderAddress: bob.address, sent: bsent.sent.getTime(), contentType: 'xmtp.org/text:1.0', content: 'hello from the SDK',
  });
  await conv.send('reply from ours');
  const back = await bconv.messages();
  assert.deepEqual(back.map((x: any) => x.content), ['hello from the SDK', 'reply from ours']);
  // our newConversation finds the existing one
  assert.equal((await alice.conversations.newConversation(bob.address)).topic, conv.topic);
});

test('live streams both ways: messages, conversations, all messages', async () => {
  const alice = await ours(newWallet());
  const bob = await createSdkClient(newWallet(), node.url);
  // ours streams new conversations and all messages; the SDK starts one
  const convStream = alice.conversations.stream();
  const allStream = alice.conversations.streamAllMessages();
  await Promise.all([convStream.ready, allStream.ready]);
  const bconv = await bob.conversations.newConversation(alice.address);
  const newConv = await next(convStream);
  assert.equal(newConv.topic, bconv.topic);
  await bconv.send('first');
  const first = await next(allStream);
  assert.equal(first.content, 'first');
  const conv = (await alice.conversations.getByTopic(bconv.topic))!;
  const convMessages = conv.streamMessages();
  await convMessages.ready;
  await bconv.send('second');
  assert.equal((await next(convMessages)).content, 'second');
  assert.equal((await next(allStream)).content, 'second');

  // the SDK streams what ours sends
  const base = await httpSubscribers(node);
  const sdkStream = await bconv.streamMessages();
  const sdkAll = await bob.conversations.streamAllMessages();
  await waitForSubscribers(node, base, 2);
  await conv.send('from ours, live');
  assert.equal((await next<any>(sdkStream)).content, 'from ours, live');
  assert.equal((await next<any>(sdkAll)).content, 'from ours, live');
  // the SDK's conversation stream sees ours inviting
  const base2 = await httpSubscribers(node);
  const sdkConvs = await bob.conversations.stream();
  await waitForSubscribers(node, base2, 1);
  const carol = await ours(newWallet());
  await carol.conversations.newConversation(bob.address);
  assert.equal((await next<any>(sdkConvs)).peerAddress, carol.address);
  await Promise.all([sdkStream.return(), sdkAll.return(), sdkConvs.return()]);
  convStream.close();
  allStream.close();
  convMessages.close();
});

test('every standard content type, both ways, with compression', async () => {
  const alice = await ours(newWallet());
  const bob = await createSdkClient(newWallet(), node.url);
  const conv = await alice.conversations.newConversation(bob.address);
  const file = { filename: 'note.txt', mimeType: 'text/plain', data: utf8('attached bytes') };
  const first = await conv.send('text');
  await conv.send({ reference: first.id, contentType: ContentTypeText, content: 'a reply' }, { contentType: ContentTypeReply });
  await conv.send({ reference: first.id, action: 'added', schema: 'unicode', content: '👍' }, { contentType: ContentTypeReaction });
  await conv.send({}, { contentType: ContentTypeReadReceipt });
  await conv.send(file, { contentType: ContentTypeAttachment });
  const enc = await encryptRemoteContent(file, new OurAttachmentCodec(), alice.registry);
  const remote = {
    url: 'https://files.example/abc', contentDigest: enc.digest, salt: enc.salt, nonce: enc.nonce, secret: enc.secret,
    scheme: 'https://', contentLength: enc.payload.length, filename: 'note.txt',
  };
  await conv.send(remote, { contentType: ContentTypeRemoteAttachment });
  await conv.send('deflated text '.repeat(10), { compression: Compression.Deflate });
  await conv.send('gzipped text '.repeat(10), { compression: Compression.Gzip });
  await conv.send('too big to compress for the SDK '.repeat(40), { compression: Compression.Gzip });

  const [bconv] = await bob.conversations.list();
  const got = await bconv.messages();
  assert.equal(got.length, 9);
  assert.equal(got[0].content, 'text');
  assert.deepEqual([got[1].content.reference, got[1].content.content, got[1].contentType.typeId], [first.id, 'a reply', 'reply']);
  assert.deepEqual([got[2].content.action, got[2].content.content, got[2].content.reference], ['added', '👍', first.id]);
  assert.equal(got[3].contentType.typeId, 'readReceipt');
  assert.equal(got[4].content.filename, 'note.txt');
  assert.deepEqual(new Uint8Array(got[4].content.data), file.data);
  assert.equal(got[5].content.contentDigest, enc.digest);
  assert.equal(got[5].content.url, 'https://files.example/abc');
  assert.deepEqual(new Uint8Array(got[5].content.secret), enc.secret);
  assert.equal(got[6].content, 'deflated text '.repeat(10));
  assert.equal(got[7].content, 'gzipped text '.repeat(10));
  assert.equal(got[8].content, 'too big to compress for the SDK '.repeat(40));
  assert.equal(got[1].contentFallback, 'Replied with “a reply” to an earlier message');

  // and back: the SDK sends every type, ours decodes
  const sdkEnc = await SdkRemoteAttachmentCodec.encodeEncrypted({ filename: 'b.bin', mimeType: 'application/octet-stream', data: new Uint8Array([1, 2, 3]) }, new SdkAttachmentCodec());
  const bfirst = await bconv.send('sdk text');
  await bconv.send({ reference: bfirst.id, contentType: SdkText, content: 'sdk reply' }, { contentType: SdkReply });
  await bconv.send({ reference: bfirst.id, action: 'removed', schema: 'shortcode', content: ':tada:' }, { contentType: SdkReaction });
  await bconv.send({}, { contentType: SdkReadReceipt });
  await bconv.send({ filename: 'b.bin', mimeType: 'application/octet-stream', data: new Uint8Array([1, 2, 3]) }, { contentType: SdkAttachment });
  await bconv.send({ url: 'https://files.example/b', contentDigest: sdkEnc.digest, salt: sdkEnc.salt, nonce: sdkEnc.nonce, secret: sdkEnc.secret,
    scheme: 'https://', contentLength: sdkEnc.payload.length, filename: 'b.bin' }, { contentType: SdkRemoteAttachment });
  await bconv.send('sdk deflate '.repeat(10), { compression: 0 });
  await bconv.send('sdk gzip '.repeat(10), { compression: 1 });
  const mine = (await conv.messages()).slice(9);
  assert.equal(mine.length, 8);
  assert.equal(mine[0]!.content, 'sdk text');
  assert.deepEqual(messageToJson(mine[1]!).content, { reference: bfirst.id, contentType: 'xmtp.org/text:1.0', content: 'sdk reply' });
  assert.deepEqual(mine[2]!.content, { action: 'removed', reference: bfirst.id, schema: 'shortcode', content: ':tada:' });
  assert.deepEqual(mine[3]!.content, {});
  assert.deepEqual(messageToJson(mine[4]!).content, { filename: 'b.bin', mimeType: 'application/octet-stream', data: 'AQID' });
  const r = mine[5]!.content;
  assert.deepEqual(await decryptRemoteContent(r, sdkEnc.payload, alice.registry), { filename: 'b.bin', mimeType: 'application/octet-stream', data: new Uint8Array([1, 2, 3]) });
  assert.equal(mine[6]!.content, 'sdk deflate '.repeat(10));
  assert.equal(mine[7]!.content, 'sdk gzip '.repeat(10));
});

test('keys stored to the network by one side are restored by the other; exported bundles interchange', async () => {
  // SDK creates (Create + Enable Identity), ours restores with one signature
  const w1 = newWallet();
  const sdk1 = await createSdkClient(w1, node.url);
  let signatures = 0;
  const counting = { getAddress: w1.getAddress, signMessage: (m: string) => (signatures++, w1.signMessage(m)) };
  const ours1 = await ours(counting);
  assert.equal(ours1.address, sdk1.address);
  assert.equal(signatures, 1);
  assert.deepEqual(ours1.exportKeyBundle(), encode(mc.PrivateKeyBundle, { v1: (await import('../../src/xmtp/proto.ts')).decode(mc.PrivateKeyBundle, await sdk.Client.getKeys(w1, { env: 'local', apiUrl: node.url })).v1! }));
  // ours creates, the SDK restores
  const w2 = newWallet();
  const ours2 = await ours(w2);
  const sdk2 = await createSdkClient(w2, node.url);
  assert.equal(sdk2.address, ours2.address);
  const peer = await createSdkClient(newWallet(), node.url);
  const c = await ours2.conversations.newConversation(peer.address);
  await c.send('same keys');
  const [sc] = await sdk2.conversations.list();
  assert.equal((await sc.messages())[0].content, 'same keys');
  // exportKeyBundle → SDK privateKeyOverride, and the SDK's exported keys → ours
  const sdk3 = await createSdkClient(null, node.url, { privateKeyOverride: ours2.exportKeyBundle() });
  assert.equal(sdk3.address, ours2.address);
  const sdkKeys = await sdk.Client.getKeys(w1, { env: 'local', apiUrl: node.url });
  const ours3 = await ours(null, { privateKeyOverride: sdkKeys });
  assert.equal(ours3.address, sdk1.address);
});

test('V1 conversations with legacy-only peers, both ways', async () => {
  // An SDK peer that only ever published a V1 contact bundle
  const carolWallet = newWallet();
  const carol = await createSdkClient(carolWallet, node.url, { skipContactPublishing: true });
  const carolBundle = decode(mc.PublicKeyBundle, carol.publicKeyBundle.toBytes());
  await carol.publishEnvelopes([{ contentTopic: contactTopic(carol.address), message: encode(mc.ContactBundle, { v1: { keyBundle: carolBundle } }) }]);
  const alice = await ours(newWallet());
  const conv = await alice.conversations.newConversation(carol.address);
  assert.equal(conv.version, 'v1');
  const sent = await conv.send('v1 hello');
  const cconvs = await carol.conversations.list();
  const cconv = cconvs.find((c: any) => c.peerAddress === alice.address);
  assert.ok(cconv, 'carol sees the V1 conversation from the introduction');
  assert.equal(cconv.topic, conv.topic);
  const [m] = await cconv.messages();
  assert.equal(m.content, 'v1 hello');
  assert.equal(m.id, sent.id);
  await cconv.send('v1 reply');
  assert.deepEqual((await conv.messages()).map((x) => x.content), ['v1 hello', 'v1 reply']);
  // a fresh client of ours lists it from the intro topic
  const alice2 = await ours(null, { privateKeyOverride: alice.exportKeyBundle() });
  const listed = await alice2.conversations.list();
  assert.equal(listed.find((c) => c.version === 'v1')?.peerAddress, carol.address);

  // ours as the legacy-only peer: the SDK starts a V1 conversation
  const dave = await ours(newWallet(), { skipContactPublishing: true });
  await dave.api.publish([{ contentTopic: contactTopic(dave.address), timestampNs: BigInt(Date.now()) * 1_000_000n, message: encode(mc.ContactBundle, { v1: { keyBundle: dave.keys.publicBundle } }) }]);
  const erin = await createSdkClient(newWallet(), node.url);
  const econv = await erin.conversations.newConversation(dave.address);
  assert.equal(econv.constructor.name, 'ConversationV1');
  await econv.send('to a legacy peer');
  const [dconv] = await dave.conversations.list();
  assert.equal(dconv!.version, 'v1');
  assert.equal(dconv!.peerAddress, erin.address);
  assert.equal((await dconv!.messages())[0]!.content, 'to a legacy peer');
  await dconv!.send('legacy reply');
  assert.deepEqual((await econv.messages()).map((x: any) => x.content), ['to a legacy peer', 'legacy reply']);
});

test('consent written by one client is read by the other (same identity)', async () => {
  const wallet = newWallet();
  const alice = await ours(wallet);
  const sdkAlice = await createSdkClient(null, node.url, { privateKeyOverride: alice.exportKeyBundle() });
  const x = newWallet().address;
  const y = newWallet().address;
  await alice.contacts.deny([x]);
  await alice.contacts.allow([y]);
  await sdkAlice.contacts.refreshConsentList();
  assert.equal(sdkAlice.contacts.consentState(x), 'denied');
  assert.equal(sdkAlice.contacts.consentState(y), 'allowed');
  await sdkAlice.contacts.allow([x]);
  await sdkAlice.contacts.deny([y]);
  await alice.contacts.refreshConsentList();
  assert.equal(alice.contacts.consentState(x), 'allowed');
  assert.equal(alice.contacts.consentState(y), 'denied');
  // a fresh client replays the full history
  const again = await ours(null, { privateKeyOverride: alice.exportKeyBundle() });
  await again.contacts.refreshConsentList();
  assert.equal(again.contacts.consentState(x), 'allowed');
  assert.equal(again.contacts.consentState(y), 'denied');
});

test('canMessage for many addresses (batch-query) matches the SDK', async () => {
  const a = await ours(newWallet());
  const known = [a.address, (await createSdkClient(newWallet(), node.url)).address];
  const unknown = Array.from({ length: 60 }, () => newWallet().address);
  const all = [...unknown.slice(0, 30), ...known, ...unknown.slice(30), 'not-an-address'];
  const mine = await a.canMessage(all);
  const theirs = await sdk.Client.canMessage(all.slice(0, -1), { env: 'local', apiUrl: node.url });
  assert.deepEqual(mine.slice(0, -1), theirs);
  assert.deepEqual(mine.filter(Boolean).length, 2);
  assert.equal(mine.at(-1), false);
  assert.equal(await Client.canMessage(known[1]!, { apiUrl: node.url }), true);
});

test('XIP-43 consent proofs, both ways', async () => {
  // the SDK user pre-authorises ours; ours attaches the proof; the SDK allows ours on load
  const bobWallet = newWallet();
  const bob = await createSdkClient(bobWallet, node.url);
  const alice = await ours(newWallet());
  const ts = Date.now() - 1000;
  const signature = await bobWallet.signMessage(consentProofText(ts, alice.address));
  await alice.conversations.newConversation(bob.address, undefined, { signature, timestampMs: ts });
  await bob.contacts.loadConsentList();
  assert.equal(bob.contacts.consentState(alice.address), 'allowed');

  // ours pre-authorises an SDK user; the SDK attaches the proof; ours allows it on list()
  const carolWallet = newWallet();
  const carol = await ours(carolWallet);
  const dave = await createSdkClient(newWallet(), node.url);
  const ts2 = Date.now() - 1000;
  const sig2 = await carolWallet.signMessage(consentProofText(ts2, dave.address));
  const Long = (await import('long')).default;
  await dave.conversations.newConversation(carol.address, undefined, { signature: sig2, timestamp: Long.fromNumber(ts2, true), payloadVersion: 1 });
  assert.equal(carol.contacts.consentState(dave.address), 'unknown');
  await carol.conversations.list();
  assert.equal(carol.contacts.consentState(dave.address), 'allowed');
  // a proof signed by someone else is ignored
  const erin = await createSdkClient(newWallet(), node.url);
  const forgedSig = await newWallet().signMessage(consentProofText(ts2, erin.address));
  await erin.conversations.newConversation(carol.address, undefined, { signature: forgedSig, timestamp: Long.fromNumber(ts2, true), payloadVersion: 1 });
  await carol.conversations.list();
  assert.equal(carol.contacts.consentState(erin.address), 'unknown');
});

test('unknown content types travel with their fallback, both ways', async () => {
  const { ContentTypeId: SdkContentTypeId } = await import('../support/sdk.ts');
  const pollType = { authorityId: 'example.com', typeId: 'poll', versionMajor: 1, versionMinor: 0 };
  const sdkPollType = new SdkContentTypeId(pollType);
  const sdkPollCodec = {
    contentType: sdkPollType,
    encode: (c: { q: string }) => ({ type: sdkPollType, parameters: {}, content: utf8(JSON.stringify(c)) }),
    decode: (e: { content: Uint8Array }) => JSON.parse(new TextDecoder().decode(e.content)),
    fallback: (c: { q: string }) => `Poll: ${c.q}`,
    shouldPush: () => true,
  };
  const alice = await ours(newWallet());
  const bobWallet = newWallet();
  const bob = await createSdkClient(bobWallet, node.url, { codecs: [sdkPollCodec] });
  const bconv = await bob.conversations.newConversation(alice.address);
  await bconv.send({ q: 'lunch?' }, { contentType: sdkPollType });
  const [conv] = await alice.conversations.list();
  const [m] = await conv!.messages();
  assert.equal(m!.content, undefined);
  assert.equal(m!.contentFallback, 'Poll: lunch?');
  assert.equal(m!.error?.code, 'unknown_content_type');
  assert.deepEqual(messageToJson(m!), { id: m!.id, conversation: conv!.topic, senderAddress: bob.address, sent: m!.sent.getTime(), contentType: 'example.com/poll:1.0', content: null, fallback: 'Poll: lunch?' });
  // ours registers the codec and sends; an SDK client without it gets the fallback
  alice.registerCodec({
    contentType: pollType,
    encode: (c: { q: string }) => ({ type: pollType, parameters: {}, content: utf8(JSON.stringify(c)) }),
    decode: (e) => JSON.parse(new TextDecoder().decode(e.content)),
    fallback: (c: { q: string }) => `Poll: ${c.q}`,
    shouldPush: () => true,
  });
  await conv!.send({ q: 'dinner?' }, { contentType: pollType });
  assert.deepEqual((await conv!.messages())[1]!.content, { q: 'dinner?' });
  const [, theirs] = await bconv.messages();
  assert.deepEqual(theirs.content, { q: 'dinner?' });
  // the same user on an SDK client without the codec sees the fallback
  const bobKeys = await sdk.Client.getKeys(bobWallet, { env: 'local', apiUrl: node.url });
  const plainBob = await createSdkClient(null, node.url, { privateKeyOverride: bobKeys });
  const pconv = (await plainBob.conversations.list()).find((c: any) => c.topic === conv!.topic);
  const [, fallbackOnly] = await pconv.messages();
  assert.equal(fallbackOnly.content, undefined);
  assert.equal(fallbackOnly.contentFallback, 'Poll: dinner?');
});
