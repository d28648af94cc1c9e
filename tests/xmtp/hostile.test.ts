// Hostile peers against the client core, with the official SDK as the attacker (a real XMTP client
// that can sign, seal and publish anything): deflate bombs, invitations that name topics which are
// not conversations, consent that a conversation must not override, a stranger filling storage, and
// answers too large to read at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { XmtpNode } from '../../server/node.ts';
import { Client, HttpTransport, MemoryStorage, type MessageError } from '../../src/xmtp/index.ts';
import { randomBytes } from '../../src/xmtp/crypto/bytes.ts';
import { mc, encode, decode } from '../../src/xmtp/proto.ts';
import { Compression, encodeEncodedContent } from '../../src/xmtp/content/encoded-content.ts';
import { ContentTypeText } from '../../src/xmtp/content/content-type.ts';
import { contactTopic, directMessageTopic, introTopic, inviteTopic, privateStoreTopic } from '../../src/xmtp/topics.ts';
import { REQUEST_QUOTA_BYTES } from '../../src/xmtp/sync/messages.ts';
import { createSdkClient, sdk, ContentTypeAttachment } from '../support/sdk.ts';
import { startTestNode, newWallet } from './helpers.ts';

let node: XmtpNode;
before(async () => {
  node = await startTestNode();
});
after(async () => {
  await node.close();
});

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MiB = 1024 * 1024;

/** Heap and buffers in use, sampled while `fn` runs: its peak over the level before it. */
async function peakGrowth<T>(fn: () => Promise<T>): Promise<{ result: T; bytes: number }> {
  // Settle the baseline first: the backing stores of buffers dropped just before (the 99 MiB the bomb
  // was deflated from) are released only after a GC and a turn of the loop; one gc() alone leaves
  // them counted, and growth below them would read as none.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  const base = used();
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, used())), 2);
  try {
    const result = await fn();
    peak = Math.max(peak, used());
    return { result, bytes: peak - base };
  } finally {
    clearInterval(timer);
  }
}

/** An SDK client whose V2 private keys the test holds too (to seal invitations by hand). */
async function sdkAttacker() {
  const wallet = newWallet();
  const v1 = await sdk.PrivateKeyBundleV1.generate(wallet);
  const client = await createSdkClient(null, node.url, { privateKeyOverride: v1.encode() });
  return { client, keys: sdk.PrivateKeyBundleV2.fromLegacyBundle(v1) };
}

/** The SDK seals an invitation to `victim` naming any topic, and publishes it to the victim's invite topic. */
async function inviteTo(attacker: Awaited<ReturnType<typeof sdkAttacker>>, victim: Client, topic: string): Promise<void> {
  const invitation = new sdk.InvitationV1({ topic, aes256GcmHkdfSha256: { keyMaterial: randomBytes(32) } });
  const recipient = sdk.SignedPublicKeyBundle.fromBytes(victim.keys.signedPublicBundleBytes);
  const created = new Date();
  const sealed = await sdk.SealedInvitation.createV1({ sender: attacker.keys, recipient, created, invitation });
  await attacker.client.publishEnvelopes([{ contentTopic: inviteTopic(victim.address), message: sealed.toBytes(), timestamp: created }]);
}

test('a page of deflate bombs: memory stays bounded, each is refused as too large, the messages around them still decode', async (t) => {
  const victim = await Client.create(newWallet(), { apiUrl: node.url });
  const attacker = await createSdkClient(newWallet(), node.url);
  const conv = await attacker.conversations.newConversation(victim.address);
  await conv.send('before');
  // 99 MiB of text deflates to about 100 KB; each bomb differs by a parameter, so each is its own message.
  const inflated = 99 * MiB;
  const bomb = deflateSync(Buffer.alloc(inflated, 'a'), { level: 9 });
  const BOMBS = 100;
  const envelopes = [];
  for (let i = 0; i < BOMBS; i++) {
    const payload = encodeEncodedContent({ type: ContentTypeText, parameters: { encoding: 'UTF-8', n: String(i) }, compression: Compression.Deflate, content: bomb });
    const msg = await conv.createMessage(payload, true, new Date(Date.now() + i));
    envelopes.push({ contentTopic: conv.topic, message: msg.toBytes(), timestamp: msg.sent });
  }
  for (let i = 0; i < envelopes.length; i += 25) await attacker.publishEnvelopes(envelopes.slice(i, i + 25));
  await conv.send('after');

  const [mine] = await victim.conversations.list();
  const errors: MessageError[] = [];
  const { result: messages, bytes } = await peakGrowth(() => mine!.messages({ onError: (e) => errors.push(e) }));
  t.diagnostic(`${BOMBS} bombs of ${bomb.length} bytes (${inflated / MiB} MiB inflated each): peak heap + buffers grew by ${(bytes / MiB).toFixed(1)} MiB`);
  assert.deepEqual(messages.map((m) => m.content), ['before', 'after']);
  assert.equal(errors.length, BOMBS);
  assert.ok(errors.every((e) => e.error.code === 'too_large'), errors[0]?.error.message);
  // What the page costs (its JSON, bytes, envelopes and payloads: about 13 MB of base64, several
  // copies, and garbage not yet collected), never an inflated bomb: one alone would be 99 MiB of bytes
  // and as much again as text (the unbounded client grew by 278 MB for one).
  assert.ok(bytes < 128 * MiB, `memory grew by ${(bytes / MiB).toFixed(1)} MiB`);
  // Refused, not lost: a later sync does not read them again, and the conversation goes on.
  await conv.send('later');
  assert.deepEqual((await mine!.messages({ onError: (e) => errors.push(e) })).map((m) => m.content), ['before', 'after', 'later']);
  assert.equal(errors.length, BOMBS);
});

test('invitations naming a key store, V1, intro or invite topic are refused; the real conversations stay ours', async () => {
  const victimWallet = newWallet();
  const victim = await Client.create(victimWallet, { apiUrl: node.url });
  // A peer who only ever published a V1 contact bundle: conversations with them are V1.
  const carol = await createSdkClient(newWallet(), node.url, { skipContactPublishing: true });
  const carolBundle = decode(mc.PublicKeyBundle, carol.publicKeyBundle.toBytes());
  await carol.publishEnvelopes([{ contentTopic: contactTopic(carol.address), message: encode(mc.ContactBundle, { v1: { keyBundle: carolBundle } }), timestamp: new Date() }]);

  const attacker = await sdkAttacker();
  const hijacked = [
    privateStoreTopic(victim.address),
    directMessageTopic(victim.address, carol.address),
    inviteTopic(victim.address),
    introTopic(victim.address),
  ];
  for (const topic of hijacked) await inviteTo(attacker, victim, topic);
  const errors: MessageError[] = [];
  assert.deepEqual(await victim.conversations.list({ onError: (e) => errors.push(e) }), []);
  assert.equal(errors.length, hijacked.length);
  assert.ok(errors.every((e) => e.error.code === 'invalid_invitation' && /not a V2 conversation topic/.test(e.error.message)));

  // newConversation with the legacy peer is the V1 conversation with that peer, and she reads it.
  const withCarol = await victim.conversations.newConversation(carol.address);
  assert.equal(withCarol.version, 'v1');
  assert.equal(withCarol.peerAddress, carol.address);
  await withCarol.send('for carol only');
  const carolSide = (await carol.conversations.list()).find((c: any) => c.peerAddress === victim.address);
  assert.deepEqual((await carolSide.messages()).map((m: any) => m.content), ['for carol only']);

  // A reply went nowhere near the key store: the keys still restore from the network with one signature.
  const restored = await Client.create(victimWallet, { apiUrl: node.url, skipContactPublishing: true });
  assert.equal(restored.address, victim.address);

  // An invitation naming the topic of an existing conversation does not take it over.
  const bob = await Client.create(newWallet(), { apiUrl: node.url });
  const withBob = await bob.conversations.newConversation(victim.address);
  await withBob.send('from bob');
  assert.equal((await victim.conversations.list()).find((c) => c.topic === withBob.topic)?.peerAddress, bob.address);
  await inviteTo(attacker, victim, withBob.topic);
  const listed = await victim.conversations.list();
  assert.deepEqual(listed.map((c) => c.peerAddress), [carol.address, bob.address]);
  assert.deepEqual((await listed[1]!.messages()).map((m) => m.content), ['from bob']);
  // and a conversation the victim starts with the attacker is the attacker's own, on its own topic
  const withAttacker = await victim.conversations.newConversation(attacker.client.address);
  assert.ok(!listed.some((c) => c.topic === withAttacker.topic));
});

test('a blocked peer stays blocked through newConversation and send; an undecided one is allowed as the SDK does', async () => {
  const me = await Client.create(newWallet(), { apiUrl: node.url });
  const spammer = await createSdkClient(newWallet(), node.url);
  const friend = await createSdkClient(newWallet(), node.url);
  await me.contacts.deny([spammer.address]);
  const conv = await me.conversations.newConversation(spammer.address, { conversationId: 'dapp.example/x', metadata: {} });
  await conv.send('hello?');
  assert.equal(me.contacts.consentState(spammer.address), 'denied');
  // as the network has it (another device of the same user reads the preferences topic)
  const other = await Client.create(null, { apiUrl: node.url, privateKeyOverride: me.exportKeyBundle(), skipContactPublishing: true });
  await other.contacts.refreshConsentList();
  assert.equal(other.contacts.consentState(spammer.address), 'denied');

  await me.conversations.newConversation(friend.address);
  assert.equal(me.contacts.consentState(friend.address), 'allowed');
  // the official SDK of the same user sees both decisions
  const mineSdk = await createSdkClient(null, node.url, { privateKeyOverride: me.exportKeyBundle(), skipContactPublishing: true });
  await mineSdk.contacts.refreshConsentList();
  assert.equal(mineSdk.contacts.consentState(spammer.address), 'denied');
  assert.equal(mineSdk.contacts.consentState(friend.address), 'allowed');
});

test("a stranger's request stores up to its quota; what was passed over arrives once the peer is allowed", async () => {
  const me = await Client.create(newWallet(), { apiUrl: node.url });
  const stranger = await createSdkClient(newWallet(), node.url);
  const conv = await stranger.conversations.newConversation(me.address);
  // Each 600 KB file costs about three times that in storage (payload and a base64 view): two fit the quota.
  const file = (n: number) => ({ filename: `f${n}.bin`, mimeType: 'application/octet-stream', data: new Uint8Array(nodeRandomBytes(600_000)) });
  for (let i = 1; i <= 3; i++) await conv.send(file(i), { contentType: ContentTypeAttachment });
  await conv.send('hello');
  const [request] = await me.conversations.list();
  const names = async () => (await request!.messages()).map((m) => (typeof m.content === 'string' ? m.content : m.content.filename));
  assert.deepEqual(await names(), ['f1.bin', 'f2.bin', 'hello']);
  const [position] = await me.sync.positionsOf([request!.topic]);
  assert.ok(position!.heldBack && position!.requestBytes <= REQUEST_QUOTA_BYTES);
  await me.contacts.allow([stranger.address]);
  assert.deepEqual(await names(), ['f1.bin', 'f2.bin', 'f3.bin', 'hello']);
  assert.equal((await me.sync.positionsOf([request!.topic]))[0]!.heldBack, false);
});

test('a page too large to read at once is asked for again in smaller pieces; nothing is lost', async () => {
  const alice = await Client.create(newWallet(), { apiUrl: node.url });
  const wallet = newWallet();
  await Client.create(wallet, { apiUrl: node.url });
  const conv = await alice.conversations.newConversation(wallet.address);
  const text = 'x'.repeat(20_000);
  for (let i = 0; i < 30; i++) await conv.send(`${i} ${text}`);
  // This reader takes at most 200 KB per answer: a page of 30 such messages (about 1 MB as JSON) is not.
  const transport = new HttpTransport({ apiUrl: node.url, maxResponseBytes: 200_000 });
  const bob = await Client.create(wallet, { apiUrl: node.url, transport, storage: new MemoryStorage(), skipContactPublishing: true });
  const [mine] = await bob.conversations.list();
  const got = await mine!.messages();
  assert.equal(got.length, 30);
  assert.deepEqual(got.map((m) => Number(String(m.content).split(' ')[0])), [...Array(30).keys()]);
});
