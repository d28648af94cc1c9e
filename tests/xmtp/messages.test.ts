import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToHex, hexToBytes } from '../../src/xmtp/crypto/bytes.ts';
import { mc, encode, decode, api } from '../../src/xmtp/proto.ts';
import { deriveV2Conversation, sealInvitation, openInvitation } from '../../src/xmtp/messages/invitation.ts';
import { encodeV2Message, decodeV2Message } from '../../src/xmtp/messages/v2.ts';
import { encodeV1Message, decodeV1Message } from '../../src/xmtp/messages/v1.ts';
import { verifyLegacyBundle, verifySignedBundle } from '../../src/xmtp/keys/bundles.ts';
import { directMessageTopic } from '../../src/xmtp/topics.ts';
import { isXmtpError } from '../../src/xmtp/errors.ts';
import { ALICE, BOB, V2, V2_MESSAGE, V1_MESSAGE, aliceKeys, bobKeys, fill } from './vectors.ts';

const PERIOD_700_MS = 700 * 30 * 24 * 3600 * 1000;

test('deterministic V2 topic and key material from either side (16.3)', async () => {
  const alice = await aliceKeys();
  const bob = await bobKeys();
  const a = deriveV2Conversation(alice, verifySignedBundle(bob.signedPublicBundle));
  const b = deriveV2Conversation(bob, verifySignedBundle(alice.signedPublicBundle));
  assert.equal(a.topic, V2.topic);
  assert.equal(b.topic, V2.topic);
  assert.equal(bytesToHex(a.keyMaterial), V2.keyMaterial);
  assert.deepEqual(b.keyMaterial, a.keyMaterial);
  const withCtx = deriveV2Conversation(alice, verifySignedBundle(bob.signedPublicBundle), 'xmtp.org/test');
  assert.equal(withCtx.topic, V2.topicWithContext);
  assert.equal(bytesToHex(withCtx.keyMaterial), V2.keyMaterial);
  const inv = encode(mc.InvitationV1, { topic: V2.topic, aes256GcmHkdfSha256: { keyMaterial: a.keyMaterial } });
  assert.equal(bytesToHex(inv), V2.invitation);
});

test('sealed invitations open for both parties; timestamp mismatch and tampering rejected (9.3, 9.4)', async () => {
  const alice = await aliceKeys();
  const bob = await bobKeys();
  const { topic, keyMaterial } = deriveV2Conversation(alice, verifySignedBundle(bob.signedPublicBundle), 'xmtp.org/test');
  const createdNs = 1700000001000000000n;
  const sealed = await sealInvitation({
    keys: alice, recipient: bob.signedPublicBundle, createdNs,
    invitation: { topic, context: { conversationId: 'xmtp.org/test', metadata: { k: 'v' } }, aes256GcmHkdfSha256: { keyMaterial } },
  });
  const forBob = await openInvitation(bob, createdNs, sealed);
  assert.equal(forBob.topic, topic);
  assert.equal(forBob.peerAddress, ALICE.address);
  assert.equal(forBob.sentByMe, false);
  assert.deepEqual(forBob.context, { conversationId: 'xmtp.org/test', metadata: { k: 'v' } });
  assert.deepEqual(forBob.keyMaterial, keyMaterial);
  const forAlice = await openInvitation(alice, createdNs, sealed);
  assert.equal(forAlice.peerAddress, BOB.address);
  assert.equal(forAlice.sentByMe, true);
  await assert.rejects(openInvitation(bob, createdNs + 1n, sealed), (e) => isXmtpError(e, 'invitation_timestamp_mismatch'));
  const tampered = sealed.slice();
  tampered[tampered.length - 3] ^= 1;
  await assert.rejects(openInvitation(bob, createdNs, tampered), (e) => isXmtpError(e));
  await assert.rejects(openInvitation(bob, createdNs, new Uint8Array([1, 2, 3])), (e) => isXmtpError(e, 'invalid_protobuf'));
});

test('V2 message reproduces the SDK bytes and id, and decodes (16.4)', async () => {
  const alice = await aliceKeys();
  const msg = await encodeV2Message({
    keys: alice, topic: V2.topic, keyMaterial: hexToBytes(V2.keyMaterial), payload: hexToBytes(V2_MESSAGE.encodedContent),
    createdNs: V2_MESSAGE.createdNs, shouldPush: true, nowMs: PERIOD_700_MS, salt: fill(0x01), nonce: fill(0x02, 12),
  });
  assert.equal(bytesToHex(msg.bytes), V2_MESSAGE.message);
  assert.equal(msg.id, V2_MESSAGE.id);
  const m = decode(mc.Message, msg.bytes);
  assert.equal(bytesToHex(m.v2!.headerBytes!), V2_MESSAGE.header);
  assert.equal(bytesToHex(m.v2!.senderHmac!), V2_MESSAGE.senderHmac);
  const d = await decodeV2Message(hexToBytes(V2_MESSAGE.message), { topic: V2.topic, keyMaterial: hexToBytes(V2.keyMaterial) });
  assert.equal(d.id, V2_MESSAGE.id);
  assert.equal(d.senderAddress, ALICE.address);
  assert.equal(d.sentNs, V2_MESSAGE.createdNs);
  assert.equal(bytesToHex(d.payload), V2_MESSAGE.encodedContent);
});

test('hostile V2 input is rejected with typed errors', async () => {
  const alice = await aliceKeys();
  const bob = await bobKeys();
  const conv = { topic: V2.topic, keyMaterial: hexToBytes(V2.keyMaterial) };
  const good = hexToBytes(V2_MESSAGE.message);
  await assert.rejects(decodeV2Message(new Uint8Array([0x12, 0x05, 0x00]), conv), (e) => isXmtpError(e, 'invalid_protobuf'));
  await assert.rejects(decodeV2Message(good, { ...conv, topic: V2.topicWithContext }), (e) => isXmtpError(e, 'topic_mismatch'));
  await assert.rejects(decodeV2Message(good, { ...conv, keyMaterial: fill(9) }), (e) => isXmtpError(e, 'decryption_failed'));
  // truncated ciphertext payload
  const m = decode(mc.Message, good);
  m.v2!.ciphertext!.aes256GcmHkdfSha256!.payload = m.v2!.ciphertext!.aes256GcmHkdfSha256!.payload!.slice(0, 8);
  await assert.rejects(decodeV2Message(encode(mc.Message, m), conv), (e) => isXmtpError(e, 'invalid_ciphertext'));
  // V1 message on a V2 topic
  await assert.rejects(decodeV2Message(hexToBytes(V1_MESSAGE.message), conv), (e) => isXmtpError(e, 'invalid_message'));
  // forged signature: Bob signs a message but claims Alice's bundle
  const forged = await encodeV2Message({ keys: bob, ...conv, payload: hexToBytes(V2_MESSAGE.encodedContent), createdNs: 1n, shouldPush: true });
  const fm = decode(mc.Message, forged.bytes);
  const signed = await import('../../src/xmtp/crypto/aes-gcm.ts').then((a) =>
    a.decryptAesGcmHkdf(conv.keyMaterial, fm.v2!.ciphertext!.aes256GcmHkdfSha256 as never, fm.v2!.headerBytes!));
  const sc = decode(mc.SignedContent, signed);
  sc.sender = alice.signedPublicBundle;
  const { encryptAesGcmHkdf } = await import('../../src/xmtp/crypto/aes-gcm.ts');
  fm.v2!.ciphertext = { aes256GcmHkdfSha256: await encryptAesGcmHkdf(conv.keyMaterial, encode(mc.SignedContent, sc), fm.v2!.headerBytes!) };
  await assert.rejects(decodeV2Message(encode(mc.Message, fm), conv), (e) => isXmtpError(e, 'invalid_signature'));
});

test('V1 message reproduces the SDK bytes and id, decodes on both sides (16.5)', async () => {
  const alice = await aliceKeys();
  const bob = await bobKeys();
  const msg = await encodeV1Message({
    keys: alice, recipient: bob.publicBundle, payload: (await import('../../src/xmtp/content/registry.ts').then(async (r) => (await new r.ContentRegistry().encode('hello v1')).bytes)),
    timestampMs: V1_MESSAGE.timestampMs, salt: fill(0x03), nonce: fill(0x04, 12),
  });
  assert.equal(bytesToHex(msg.bytes), V1_MESSAGE.message);
  assert.equal(msg.id, V1_MESSAGE.id);
  const topic = directMessageTopic(ALICE.address, BOB.address);
  const atBob = await decodeV1Message(msg.bytes, bob, topic);
  assert.equal(atBob.senderAddress, ALICE.address);
  assert.equal(atBob.recipientAddress, BOB.address);
  assert.equal(atBob.sentMs, V1_MESSAGE.timestampMs);
  assert.equal(atBob.peer.walletAddress, ALICE.address);
  const atAlice = await decodeV1Message(msg.bytes, alice, topic);
  assert.equal(atAlice.peer.walletAddress, BOB.address);
  assert.deepEqual(atAlice.payload, atBob.payload);
  await assert.rejects(decodeV1Message(msg.bytes, bob, '/xmtp/0/dm-x-y/proto'), (e) => isXmtpError(e, 'topic_mismatch'));
  assert.equal(verifyLegacyBundle(bob.publicBundle).walletAddress, BOB.address);
  assert.ok(api.Envelope);
});
