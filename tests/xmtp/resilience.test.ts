// Hostile input is rejected per message and never breaks lists or streams; subscriptions survive
// connection loss without losing or duplicating messages (HTTP streaming and WebSocket).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import type { XmtpNode } from '../../server/node.ts';
import {
  Client, HttpTransport, WebSocketTransport, isXmtpError, type MessageError, type SubscribeTransport, type StreamConnection,
  type Envelope, type WebSocketConstructor,
} from '../../src/xmtp/index.ts';
import { mc, encode, decode } from '../../src/xmtp/proto.ts';
import { encodeV2Message } from '../../src/xmtp/messages/v2.ts';
import { sealInvitation, deriveV2Conversation } from '../../src/xmtp/messages/invitation.ts';
import { encryptAesGcmHkdf, decryptAesGcmHkdf } from '../../src/xmtp/crypto/aes-gcm.ts';
import { verifySignedBundle } from '../../src/xmtp/keys/bundles.ts';
import { inviteTopic } from '../../src/xmtp/topics.ts';
import { createSdkClient } from '../support/sdk.ts';
import { startTestNode, newWallet, next, take, sleep, until } from './helpers.ts';

let node: XmtpNode;
before(async () => {
  node = await startTestNode();
});
after(async () => {
  await node.close();
});

const now = () => BigInt(Date.now()) * 1_000_000n;

/** A message on `topic` that claims `claimed`'s bundle but is signed by `signer`'s pre-key. */
async function forged(signer: Client, claimed: Client, topic: string, keyMaterial: Uint8Array): Promise<Uint8Array> {
  const payload = (await signer.registry.encode('forged')).bytes;
  const real = await encodeV2Message({ keys: signer.keys, topic, keyMaterial, payload, createdNs: now(), shouldPush: true });
  const m = decode(mc.Message, real.bytes);
  const c = m.v2!.ciphertext!.aes256GcmHkdfSha256!;
  const signed = decode(mc.SignedContent, await decryptAesGcmHkdf(keyMaterial, { hkdfSalt: c.hkdfSalt!, gcmNonce: c.gcmNonce!, payload: c.payload! }, m.v2!.headerBytes!));
  signed.sender = claimed.keys.signedPublicBundle;
  m.v2!.ciphertext = { aes256GcmHkdfSha256: await encryptAesGcmHkdf(keyMaterial, encode(mc.SignedContent, signed), m.v2!.headerBytes!) };
  return encode(mc.Message, m);
}

async function hostileEnvelopes(alice: Client, bob: Client, topic: string, keyMaterial: Uint8Array): Promise<Envelope[]> {
  const payload = (await alice.registry.encode('x')).bytes;
  const other = await encodeV2Message({ keys: alice.keys, topic: '/xmtp/0/m-elsewhere/proto', keyMaterial, payload, createdNs: now(), shouldPush: true });
  const good = await encodeV2Message({ keys: alice.keys, topic, keyMaterial, payload, createdNs: now(), shouldPush: true });
  const truncated = decode(mc.Message, good.bytes);
  const c = truncated.v2!.ciphertext!.aes256GcmHkdfSha256!;
  c.payload = c.payload!.subarray(0, 10);
  return [
    { contentTopic: topic, timestampNs: now(), message: new Uint8Array([0x12, 0xff, 0x01]) },
    { contentTopic: topic, timestampNs: now(), message: other.bytes },
    { contentTopic: topic, timestampNs: now(), message: await forged(bob, alice, topic, keyMaterial) },
    { contentTopic: topic, timestampNs: now(), message: encode(mc.Message, truncated) },
  ];
}

const EXPECTED_CODES = ['invalid_protobuf', 'topic_mismatch', 'invalid_signature', 'invalid_ciphertext'];

test('hostile messages are rejected per message in lists (and the SDK still reads the rest)', async () => {
  const alice = await Client.create(newWallet(), { apiUrl: node.url });
  const bob = await Client.create(newWallet(), { apiUrl: node.url });
  const conv = await alice.conversations.newConversation(bob.address);
  await conv.send('before');
  await alice.api.publish(await hostileEnvelopes(alice, bob, conv.topic, conv.record.keyMaterial!));
  await conv.send('after');
  const errors: MessageError[] = [];
  const [bconv] = await bob.conversations.list();
  const msgs = await bconv!.messages({ onError: (e) => errors.push(e) });
  assert.deepEqual(msgs.map((m) => m.content), ['before', 'after']);
  assert.deepEqual(errors.map((e) => e.error.code).sort(), [...EXPECTED_CODES].sort());
  assert.ok(errors.every((e) => isXmtpError(e.error)));

  // invitation whose envelope timestamp differs from the sealed header: ignored, typed error
  const mallory = await Client.create(newWallet(), { apiUrl: node.url });
  const createdNs = now();
  const { topic, keyMaterial } = deriveV2Conversation(mallory.keys, verifySignedBundle(bob.keys.signedPublicBundle));
  const sealed = await sealInvitation({ keys: mallory.keys, recipient: bob.keys.signedPublicBundle, createdNs, invitation: { topic, aes256GcmHkdfSha256: { keyMaterial } } });
  await mallory.api.publish([{ contentTopic: inviteTopic(bob.address), timestampNs: createdNs + 1_000_000n, message: sealed }]);
  await mallory.api.publish([{ contentTopic: inviteTopic(bob.address), timestampNs: now(), message: new Uint8Array([9, 9, 9]) }]);
  const inviteErrors: MessageError[] = [];
  const fresh = await Client.create(null, { apiUrl: node.url, privateKeyOverride: bob.exportKeyBundle() });
  const listed = await fresh.conversations.list({ onError: (e) => inviteErrors.push(e) });
  assert.deepEqual(listed.map((c) => c.peerAddress), [alice.address]);
  assert.ok(inviteErrors.some((e) => e.error.code === 'invitation_timestamp_mismatch'));
  assert.ok(inviteErrors.some((e) => e.error.code === 'invalid_protobuf'));

  // the official SDK, reading the same topic, also shows only the two real messages
  const sdkBob = await createSdkClient(null, node.url, { privateKeyOverride: bob.exportKeyBundle() });
  const sconv = (await sdkBob.conversations.list()).find((c: any) => c.topic === conv.topic);
  assert.deepEqual((await sconv.messages()).map((m: any) => m.content), ['before', 'after']);
});

test('hostile messages never stop a stream', async () => {
  const alice = await Client.create(newWallet(), { apiUrl: node.url });
  const bob = await Client.create(newWallet(), { apiUrl: node.url });
  const conv = await alice.conversations.newConversation(bob.address);
  const [bconv] = await bob.conversations.list();
  const errors: MessageError[] = [];
  const stream = bconv!.streamMessages({ onError: (e) => errors.push(e) });
  const all = bob.conversations.streamAllMessages({ onError: (e) => errors.push(e) });
  await Promise.all([stream.ready, all.ready]);
  await conv.send('one');
  await alice.api.publish(await hostileEnvelopes(alice, bob, conv.topic, conv.record.keyMaterial!));
  await conv.send('two');
  assert.deepEqual((await take(stream, 2)).map((m) => m.content), ['one', 'two']);
  assert.deepEqual((await take(all, 2)).map((m) => m.content), ['one', 'two']);
  await until(() => errors.length === 8);
  assert.deepEqual(errors.map((e) => e.error.code).sort(), [...EXPECTED_CODES, ...EXPECTED_CODES].sort());
  stream.close();
  all.close();
});

/** Wraps a subscribe transport so a test can cut connections and keep new ones from opening. */
class FlakyTransport implements SubscribeTransport {
  private conns = new Set<{ conn: StreamConnection; fail: (e: Error) => void; live: boolean }>();
  down = false;
  opened = 0;
  constructor(private inner: SubscribeTransport) {}

  openStream(topics: string[], onEnvelope: (e: Envelope) => void): StreamConnection {
    if (this.down) {
      const err = Promise.reject(new Error('network down'));
      err.catch(() => {});
      return { ready: err, closed: err, close() {} };
    }
    this.opened++;
    let fail!: (e: Error) => void;
    const cut = new Promise<never>((_, reject) => (fail = reject));
    cut.catch(() => {});
    const conn = this.inner.openStream(topics, (e) => entry.live && onEnvelope(e));
    const entry = { conn, fail, live: true };
    this.conns.add(entry);
    const closed = Promise.race([conn.closed, cut]).finally(() => this.conns.delete(entry));
    closed.catch(() => {});
    const out: StreamConnection = { ready: conn.ready, closed, close: () => conn.close() };
    if (conn.setTopics) out.setTopics = (t) => conn.setTopics!(t);
    return out;
  }

  /** Drops every connection as a network failure would, and refuses new ones until heal(). */
  cut(): void {
    this.down = true;
    for (const e of this.conns) {
      e.live = false;
      e.conn.close();
      e.fail(new Error('connection reset'));
    }
  }

  heal(): void {
    this.down = false;
  }
}

for (const kind of ['http', 'websocket'] as const) {
  test(`${kind} subscription reconnects and catches up: nothing lost, nothing duplicated`, async () => {
    const inner: SubscribeTransport =
      kind === 'http'
        ? new HttpTransport({ apiUrl: node.url })
        : new WebSocketTransport({ apiUrl: node.url, WebSocket: WebSocket as unknown as WebSocketConstructor });
    const flaky = new FlakyTransport(inner);
    const alice = await Client.create(newWallet(), { apiUrl: node.url });
    const bob = await Client.create(newWallet(), { apiUrl: node.url, subscribeTransport: flaky });
    const conv = await alice.conversations.newConversation(bob.address);
    const [bconv] = await bob.conversations.list();
    let lost = 0;
    const stream = bconv!.streamMessages({ onConnectionLost: () => lost++ });
    await stream.ready;
    await conv.send('m1');
    assert.equal((await next(stream)).content, 'm1');
    flaky.cut();
    await conv.send('m2 (while down)');
    await conv.send('m3 (while down)');
    await sleep(200);
    flaky.heal();
    const caught = await take(stream, 2, 10_000);
    assert.deepEqual(caught.map((m) => m.content), ['m2 (while down)', 'm3 (while down)']);
    await conv.send('m4');
    assert.equal((await next(stream)).content, 'm4');
    assert.ok(lost >= 1);
    assert.ok(flaky.opened >= 2);
    // nothing else queued: no duplicates of m1..m4
    await assert.rejects(next(stream, 300), /no value/);
    stream.close();
  });
}

test('websocket transport: topic changes without reconnecting (streamAllMessages picks up new conversations)', async () => {
  const ws = new WebSocketTransport({ apiUrl: node.url, WebSocket: WebSocket as unknown as WebSocketConstructor });
  let opened = 0;
  const counting: SubscribeTransport = { openStream: (t, cb) => (opened++, ws.openStream(t, cb)) };
  const bob = await Client.create(newWallet(), { apiUrl: node.url, subscribeTransport: counting });
  const all = bob.conversations.streamAllMessages();
  await all.ready;
  const alice = await Client.create(newWallet(), { apiUrl: node.url });
  const conv = await alice.conversations.newConversation(bob.address);
  await conv.send('hello over ws');
  assert.equal((await next(all)).content, 'hello over ws');
  await conv.send('second');
  assert.equal((await next(all)).content, 'second');
  assert.equal(opened, 1);
  all.close();
});
