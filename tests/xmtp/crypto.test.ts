import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToHex, hexToBytes, toBase64, fromBase64, toBase64UrlNoPad, utf8 } from '../../src/xmtp/crypto/bytes.ts';
import { keccak256, sha256 } from '../../src/xmtp/crypto/hashes.ts';
import { toChecksumAddress, publicKeyToAddress, isAddress } from '../../src/xmtp/crypto/address.ts';
import { getPublicKey, signDigest, verifyDigest, recoverPublicKey, sharedSecret } from '../../src/xmtp/crypto/secp256k1.ts';
import { personalSignDigest, splitWalletSignature, recoverPersonalSignAddress } from '../../src/xmtp/crypto/eip191.ts';
import { encryptAesGcmHkdf, decryptAesGcmHkdf, hkdfHmacKey, CiphertextError } from '../../src/xmtp/crypto/aes-gcm.ts';
import { hkdfSha256 } from '../../src/xmtp/crypto/hashes.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import { createIdentityText, enableIdentityText } from '../../src/xmtp/keys/signature-texts.ts';
import { ALICE, BOB, ENABLE, V2_MESSAGE, fill, h } from './vectors.ts';

test('wallet addresses are EIP-55 (16.1)', () => {
  assert.equal(publicKeyToAddress(getPublicKey(ALICE.wallet)), ALICE.address);
  assert.equal(publicKeyToAddress(getPublicKey(BOB.wallet)), BOB.address);
  assert.equal(toChecksumAddress(ALICE.address.toLowerCase()), ALICE.address);
  assert.equal(isAddress('0x123'), false);
  assert.throws(() => toChecksumAddress('not an address'));
});

test('Create Identity text and EIP-191 digest (16.1)', () => {
  const text = createIdentityText(h(ALICE.identityBytesToSign));
  assert.equal(text, `XMTP : Create Identity\n${ALICE.identityBytesToSign}\n\nFor more info: https://xmtp.org/signatures/`);
  assert.equal(bytesToHex(personalSignDigest(text)), ALICE.createIdentityDigest);
});

test('wallet signature over Create Identity, split and recovered (16.1)', async () => {
  const signer = privateKeySigner(ALICE.wallet);
  const text = createIdentityText(h(ALICE.identityBytesToSign));
  const sigHex = await signer.signMessage(text);
  const split = splitWalletSignature(sigHex);
  assert.equal(bytesToHex(split.bytes), ALICE.walletSig);
  assert.equal(split.recovery, 1);
  assert.equal(recoverPersonalSignAddress(text, split), ALICE.address);
  // v in {0,1} is normalised like {27,28}
  const raw = hexToBytes(sigHex);
  raw[64] = raw[64]! - 27;
  assert.deepEqual(splitWalletSignature(raw), split);
});

test('ECDSA over sha256 digests is deterministic, low-S and verifiable (16.4 signature)', () => {
  const digest = h(V2_MESSAGE.digest);
  const sig = signDigest(digest, ALICE.preKey);
  assert.equal(bytesToHex(sig.bytes), V2_MESSAGE.signature);
  assert.equal(sig.recovery, 1);
  const pub = getPublicKey(ALICE.preKey);
  assert.ok(verifyDigest(digest, sig.bytes, pub));
  assert.deepEqual(recoverPublicKey(digest, sig.bytes, sig.recovery), pub);
  const bad = sig.bytes.slice();
  bad[5] ^= 1;
  assert.equal(verifyDigest(digest, bad, pub), false);
  // high-S form of a valid signature is rejected (strict, like the SDK)
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const s = BigInt('0x' + bytesToHex(sig.bytes.slice(32)));
  const highS = hexToBytes((n - s).toString(16).padStart(64, '0'));
  const high = new Uint8Array(64);
  high.set(sig.bytes.slice(0, 32));
  high.set(highS, 32);
  assert.equal(verifyDigest(digest, high, pub), false);
});

test('ECDH yields the 65-byte shared point, symmetric', () => {
  const ab = sharedSecret(ALICE.identityKey, getPublicKey(BOB.identityKey));
  const ba = sharedSecret(BOB.identityKey, getPublicKey(ALICE.identityKey));
  assert.equal(ab.length, 65);
  assert.equal(ab[0], 4);
  assert.deepEqual(ab, ba);
});

test('hkdf and AES-GCM: Enable Identity key derivation (16.8)', async () => {
  const signer = privateKeySigner(ALICE.wallet);
  const text = enableIdentityText(ENABLE.walletPreKey);
  assert.equal(text, `XMTP : Enable Identity\n${'09'.repeat(32)}\n\nFor more info: https://xmtp.org/signatures/`);
  const sig = await signer.signMessage(text);
  assert.equal(sig.slice(2), ENABLE.signature);
  assert.equal(bytesToHex(hkdfSha256(hexToBytes(sig), fill(0x07), new Uint8Array())), ENABLE.aesKeySalt07);
});

test('AES-256-GCM-HKDF round trip with AAD; tampering and truncation rejected', async () => {
  const secret = fill(0x42, 65);
  const aad = utf8('header');
  const c = await encryptAesGcmHkdf(secret, utf8('hello'), aad);
  assert.equal(c.hkdfSalt.length, 32);
  assert.equal(c.gcmNonce.length, 12);
  assert.equal(c.payload.length, 5 + 16);
  assert.equal(new TextDecoder().decode(await decryptAesGcmHkdf(secret, c, aad)), 'hello');
  await assert.rejects(decryptAesGcmHkdf(secret, c, utf8('other')), CiphertextError);
  await assert.rejects(decryptAesGcmHkdf(secret, { ...c, payload: c.payload.slice(0, 10) }), /invalid payload length/);
  await assert.rejects(decryptAesGcmHkdf(secret, { ...c, gcmNonce: c.gcmNonce.slice(1) }), /invalid nonce length/);
  const flipped = c.payload.slice();
  flipped[0] ^= 1;
  await assert.rejects(decryptAesGcmHkdf(secret, { ...c, payload: flipped }, aad), /decryption failed/);
});

test('hkdfHmacKey for sender_hmac (16.4)', () => {
  const key = hkdfHmacKey(h('8e096ba1655b3b1c417aeb4060e4ac972b45dded99510ae800826f81b661d81e'), `700-${ALICE.address}`);
  assert.equal(bytesToHex(key), V2_MESSAGE.hmacKey);
});

test('base64 standard/url, padded or not', () => {
  for (let n = 0; n < 40; n++) {
    const b = sha256(new Uint8Array([n])).slice(0, n % 33);
    const s = toBase64(b);
    assert.equal(s, Buffer.from(b).toString('base64'));
    assert.deepEqual(fromBase64(s), b);
    assert.deepEqual(fromBase64(toBase64UrlNoPad(b)), b);
  }
  assert.throws(() => fromBase64('a$b='));
  assert.equal(bytesToHex(keccak256(new Uint8Array())), 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
});
