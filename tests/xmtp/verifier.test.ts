import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hexToBytes, bytesToHex, randomBytes } from '../../src/xmtp/crypto/bytes.ts';
import { sha256 } from '../../src/xmtp/crypto/hashes.ts';
import { getPublicKey, signDigest } from '../../src/xmtp/crypto/secp256k1.ts';
import { nobleVerifier, setSignatureVerifier, getSignatureVerifier } from '../../src/xmtp/crypto/verifier.ts';
import { decodeV2Message } from '../../src/xmtp/messages/v2.ts';
import { clearBundleCache } from '../../src/xmtp/keys/bundles.ts';
import { createNodeWasmVerifier, readSecp256k1Wasm } from './wasm.ts';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { V2, V2_MESSAGE, ALICE, aliceKeys, bobKeys, fill } from './vectors.ts';
import { encodeV2Message } from '../../src/xmtp/messages/v2.ts';
import { deriveV2Conversation } from '../../src/xmtp/messages/invitation.ts';
import { verifySignedBundle } from '../../src/xmtp/keys/bundles.ts';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

test('the WASM verifier agrees with noble on valid, invalid, high-S and malformed signatures', async () => {
  const wasm = await createNodeWasmVerifier();
  assert.equal(wasm.name, 'libsecp256k1-wasm');
  for (let i = 0; i < 20; i++) {
    const priv = randomBytes(32);
    const pub = getPublicKey(priv);
    const digest = sha256(randomBytes(16));
    const sig = signDigest(digest, priv);
    assert.equal(wasm.verify(digest, sig.bytes, pub), true);
    assert.equal(nobleVerifier.verify(digest, sig.bytes, pub), true);
    assert.deepEqual(wasm.recover(digest, sig.bytes, sig.recovery), pub);
    assert.deepEqual(wasm.recover(digest, sig.bytes, sig.recovery), nobleVerifier.recover(digest, sig.bytes, sig.recovery));
    // WASM signing is RFC 6979 too: byte-identical to noble; ECDH identical as well
    assert.deepEqual(wasm.sign!(digest, priv), sig);
    const peer = getPublicKey(randomBytes(32));
    assert.deepEqual(wasm.ecdh!(priv, peer), secp256k1.getSharedSecret(priv, peer, false));
    const other = sha256(digest);
    assert.equal(wasm.verify(other, sig.bytes, pub), false);
    // high-S twin of a valid signature: rejected by both (the SDK verifies strictly)
    const s = BigInt('0x' + bytesToHex(sig.bytes.subarray(32)));
    const high = new Uint8Array(64);
    high.set(sig.bytes.subarray(0, 32));
    high.set(hexToBytes((N - s).toString(16).padStart(64, '0')), 32);
    assert.equal(wasm.verify(digest, high, pub), false);
    assert.equal(nobleVerifier.verify(digest, high, pub), false);
  }
  const digest = sha256(new Uint8Array([1]));
  const badPub = new Uint8Array(65).fill(4);
  assert.equal(wasm.verify(digest, new Uint8Array(64).fill(1), badPub), false);
  assert.equal(wasm.verify(digest, new Uint8Array(64), getPublicKey(randomBytes(32))), false);
  assert.equal(wasm.verify(digest, new Uint8Array(64).fill(0xff), getPublicKey(randomBytes(32))), false);
  assert.equal(wasm.recover(digest, new Uint8Array(64), 0), null);
  // scalar range checks at the boundaries (the library aborts on out-of-range input)
  const scalar = (v: bigint) => hexToBytes(v.toString(16).padStart(64, '0'));
  for (const [v, ok] of [[0n, false], [1n, true], [N - 1n, true], [N, false], [N + 1n, false], [2n ** 256n - 1n, false]] as const) {
    assert.equal(wasm.sign!(digest, scalar(v)) !== null, ok, `sign with ${v.toString(16)}`);
  }
  assert.equal(wasm.recover(digest, new Uint8Array(64).fill(1), 3), null);
});

test('installed WASM verifier decodes the known V2 message; noble is restored with null', async () => {
  const wasm = await createNodeWasmVerifier();
  setSignatureVerifier(wasm);
  try {
    clearBundleCache();
    const d = await decodeV2Message(hexToBytes(V2_MESSAGE.message), { topic: V2.topic, keyMaterial: hexToBytes(V2.keyMaterial) });
    assert.equal(d.senderAddress, ALICE.address);
    // keys, ECDH and message signing through WASM still reproduce the SDK's bytes (16.1, 16.3, 16.4)
    const alice = await aliceKeys();
    assert.equal(bytesToHex(alice.publicBundleBytes), ALICE.publicKeyBundle);
    const conv = deriveV2Conversation(alice, verifySignedBundle((await bobKeys()).signedPublicBundle));
    assert.equal(conv.topic, V2.topic);
    const msg = await encodeV2Message({
      keys: alice, topic: V2.topic, keyMaterial: conv.keyMaterial, payload: hexToBytes(V2_MESSAGE.encodedContent),
      createdNs: V2_MESSAGE.createdNs, shouldPush: true, nowMs: 700 * 30 * 24 * 3600 * 1000, salt: fill(0x01), nonce: fill(0x02, 12),
    });
    assert.equal(msg.id, V2_MESSAGE.id);
  } finally {
    setSignatureVerifier(null);
  }
  assert.equal(getSignatureVerifier(), nobleVerifier);
  // a WebAssembly.Module works too (extensions may compile once and instantiate later)
  const { createWasmVerifier } = await import('../../src/xmtp/crypto/wasm-verifier.ts');
  const fromModule = await createWasmVerifier(await WebAssembly.compile(readSecp256k1Wasm() as Uint8Array<ArrayBuffer>));
  const priv = randomBytes(32);
  const dg = sha256(priv);
  assert.ok(fromModule.verify(dg, signDigest(dg, priv).bytes, getPublicKey(priv)));
});

test('noble fallback with a precomputed table for repeated keys agrees with plain noble', () => {
  const priv = randomBytes(32);
  const pub = getPublicKey(priv);
  for (let i = 0; i < 30; i++) {
    // from the 8th use on, the key's table is used
    const digest = sha256(new Uint8Array([i]));
    const sig = signDigest(digest, priv).bytes;
    assert.equal(nobleVerifier.verify(digest, sig, pub), true);
    assert.equal(nobleVerifier.verify(sha256(digest), sig, pub), false);
    const s = BigInt('0x' + bytesToHex(sig.subarray(32)));
    const high = new Uint8Array(64);
    high.set(sig.subarray(0, 32));
    high.set(hexToBytes((N - s).toString(16).padStart(64, '0')), 32);
    assert.equal(nobleVerifier.verify(digest, high, pub), false);
    assert.equal(nobleVerifier.verify(digest, new Uint8Array(64), pub), false);
    assert.equal(nobleVerifier.verify(digest, sig, getPublicKey(randomBytes(32))), false);
  }
});
