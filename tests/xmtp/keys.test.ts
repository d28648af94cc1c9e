import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToHex, hexToBytes } from '../../src/xmtp/crypto/bytes.ts';
import { keccak256 } from '../../src/xmtp/crypto/hashes.ts';
import { mc, api, encode, decode, u64, toBigInt } from '../../src/xmtp/proto.ts';
import {
  legacyBytesToSign, legacyToSignedBundle, signedToLegacyBundle, verifyLegacyBundle, verifySignedBundle,
  verifySignedBundleBytes, signedBundleEquals,
} from '../../src/xmtp/keys/bundles.ts';
import { PrivateKeyBundle } from '../../src/xmtp/keys/private-key-bundle.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import { createAuthToken, validateAuthToken, AuthCache, AuthTokenError } from '../../src/xmtp/auth/token.ts';
import { contactTopic, directMessageTopic, isValidTopic, ephemeralTopic, privateStoreTopic } from '../../src/xmtp/topics.ts';
import { isXmtpError } from '../../src/xmtp/errors.ts';
import { ALICE, BOB, BOB_PUBLIC_KEY_BUNDLE, AUTH, aliceKeys, bobKeys, h } from './vectors.ts';

test('generated key bundle reproduces the legacy PublicKeyBundle bytes (16.1)', async () => {
  const alice = await aliceKeys();
  assert.equal(alice.walletAddress, ALICE.address);
  assert.equal(bytesToHex(legacyBytesToSign(alice.identity.publicKey)), ALICE.identityBytesToSign);
  assert.equal(bytesToHex(alice.publicBundleBytes), ALICE.publicKeyBundle);
  const bob = await bobKeys();
  assert.equal(bytesToHex(alice.identity.publicKey.signature!.ecdsaCompact!.bytes!), ALICE.walletSig);
  assert.equal(bytesToHex(alice.preKey.publicKey.signature!.ecdsaCompact!.bytes!), ALICE.preKeySig);
  assert.equal(bytesToHex(bob.publicBundleBytes), BOB_PUBLIC_KEY_BUNDLE);
  assert.equal(bob.walletAddress, BOB.address);
});

test('fromLegacyBundle reproduces the SignedPublicKeyBundle bytes and converts back (16.1, 3.4)', async () => {
  const legacy = decode(mc.PublicKeyBundle, h(ALICE.publicKeyBundle));
  const signed = legacyToSignedBundle(legacy);
  assert.equal(bytesToHex(encode(mc.SignedPublicKeyBundle, signed)), ALICE.signedPublicKeyBundle);
  const back = signedToLegacyBundle(decode(mc.SignedPublicKeyBundle, h(ALICE.signedPublicKeyBundle)));
  assert.ok(back);
  assert.equal(bytesToHex(encode(mc.PublicKeyBundle, back)), ALICE.publicKeyBundle);
  const alice = await aliceKeys();
  assert.equal(bytesToHex(alice.signedPublicBundleBytes), ALICE.signedPublicKeyBundle);
  assert.ok(signedBundleEquals(alice.signedPublicBundle, signed));
});

test('bundle verification recovers the wallet and rejects forgeries (3.5)', () => {
  const legacy = decode(mc.PublicKeyBundle, h(ALICE.publicKeyBundle));
  assert.equal(verifyLegacyBundle(legacy).walletAddress, ALICE.address);
  const signed = decode(mc.SignedPublicKeyBundle, h(ALICE.signedPublicKeyBundle));
  const v = verifySignedBundle(signed);
  assert.equal(v.walletAddress, ALICE.address);
  assert.equal(verifySignedBundleBytes(h(ALICE.signedPublicKeyBundle)).walletAddress, ALICE.address);

  // identity signature tagged ecdsa (not wallet) in a V2 bundle: rejected
  const untagged = decode(mc.SignedPublicKeyBundle, h(ALICE.signedPublicKeyBundle));
  untagged.identityKey!.signature = { ecdsaCompact: untagged.identityKey!.signature!.walletEcdsaCompact };
  assert.throws(() => verifySignedBundle(untagged), (e) => isXmtpError(e, 'invalid_signature'));
  // pre-key signature tagged wallet: rejected
  const walletPre = decode(mc.SignedPublicKeyBundle, h(ALICE.signedPublicKeyBundle));
  walletPre.preKey!.signature = { walletEcdsaCompact: walletPre.preKey!.signature!.ecdsaCompact };
  assert.throws(() => verifySignedBundle(walletPre), (e) => isXmtpError(e, 'invalid_signature'));
  // forged pre-key signature: rejected (and the failure is cached by bytes, still thrown)
  const forged = h(ALICE.signedPublicKeyBundle);
  forged[forged.length - 10] ^= 0xff;
  assert.throws(() => verifySignedBundleBytes(forged), (e) => isXmtpError(e));
  assert.throws(() => verifySignedBundleBytes(forged), (e) => isXmtpError(e));
  // a key swapped in by someone else: wallet no longer matches ALICE
  const swapped = decode(mc.PublicKeyBundle, h(ALICE.publicKeyBundle));
  swapped.identityKey!.timestamp = u64(toBigInt(swapped.identityKey!.timestamp) + 1n);
  assert.notEqual((() => { try { return verifyLegacyBundle(swapped).walletAddress; } catch { return null; } })(), ALICE.address);
});

test('private key bundle encodes, decodes and rejects mismatched keys', async () => {
  const alice = await aliceKeys();
  const bytes = alice.encode();
  const again = PrivateKeyBundle.decode(bytes);
  assert.equal(again.walletAddress, ALICE.address);
  assert.deepEqual(again.publicBundleBytes, alice.publicBundleBytes);
  // bare PrivateKeyBundleV1 (legacy storage format) also decodes
  const bare = encode(mc.PrivateKeyBundleV1, alice.toV1());
  assert.equal(PrivateKeyBundle.decode(bare).walletAddress, ALICE.address);
  const v1 = alice.toV1();
  v1.identityKey!.secp256k1 = { bytes: new Uint8Array(32).fill(0x55) };
  assert.throws(() => PrivateKeyBundle.fromV1(v1), /does not match/);
  // random keys authorised by a random wallet
  const wallet = privateKeySigner(new Uint8Array(32).fill(0x77));
  const fresh = await PrivateKeyBundle.generate(wallet);
  assert.equal(fresh.walletAddress, wallet.address);
});

test('3DH secret is the same on both sides (16.3)', async () => {
  const alice = await aliceKeys();
  const bob = await bobKeys();
  const expected = '049504562cf7bc764601b9bcc3e673225cb565cf494693d8b2622e1d6585e16553d76d09eca12be2cdcdc0514b3530d4941bc3e5b7fd04d51d244ae8b89ec777010479467658088e2f62289bac6264fef6a903189b98195978b87c96d51e04a2b3d287fa69315c89612343452bde978cdc25674a9fd96f2c3c4ebd98056f3ce6b8480401d2e36e3c06975e69a5b59e83c946176c50a4984a2f7190079b1c99e44a1252c64ec136fa427e218b1af2cec83b3de1f8dd2e6b35efd1342d319adf9c82da7e';
  const aliceSide = alice.sharedSecret(bob.identity.publicKeyBytes, bob.preKey.publicKeyBytes, alice.preKey.publicKeyBytes, false);
  const bobSide = bob.sharedSecret(alice.identity.publicKeyBytes, alice.preKey.publicKeyBytes, bob.preKey.publicKeyBytes, true);
  assert.equal(bytesToHex(aliceSide), expected);
  assert.equal(bytesToHex(bobSide), expected);
});

test('auth token reproduces the bearer value and validates like the node (16.6, 7.5)', async () => {
  const alice = await aliceKeys();
  const token = createAuthToken(alice, AUTH.createdMs);
  assert.equal(token.base64, AUTH.bearer);
  const t = decode(api.Token, token.bytes);
  assert.equal(bytesToHex(t.authDataBytes!), AUTH.authData);
  assert.equal(bytesToHex(keccak256(t.authDataBytes!)), AUTH.authDataKeccak);
  const v = validateAuthToken(AUTH.bearer, AUTH.createdMs + 1000);
  assert.equal(v.walletAddress, ALICE.address);
  assert.equal(v.createdNs, BigInt(AUTH.createdMs) * 1_000_000n);
  assert.throws(() => validateAuthToken(AUTH.bearer, AUTH.createdMs + 3601_000), /token expired/);
  // wrong wallet address in AuthData
  const bad = decode(api.Token, token.bytes);
  bad.authDataBytes = encode(api.AuthData, { walletAddr: ALICE.address.toLowerCase(), createdNs: decode(api.AuthData, t.authDataBytes!).createdNs });
  bad.authDataSignature = { ecdsaCompact: alice.signAuthData(bad.authDataBytes) };
  assert.throws(() => validateAuthToken(encode(api.Token, bad), AUTH.createdMs), /wallet address mismatch/);
  assert.throws(() => validateAuthToken('!!!', AUTH.createdMs), AuthTokenError);
  // cache: reused until 3590 s, then re-minted; invalidate forces a new one
  let now = AUTH.createdMs;
  const cache = new AuthCache(alice, () => now);
  const first = cache.get();
  now += 3589_000;
  assert.equal(cache.get(), first);
  now += 2000;
  assert.notEqual(cache.get(), first);
  const second = cache.get();
  cache.invalidate();
  assert.notEqual(cache.get(), second);
});

test('topics (16.2, 5)', () => {
  assert.equal(contactTopic(ALICE.address.toLowerCase()), '/xmtp/0/contact-0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A/proto');
  assert.equal(
    directMessageTopic(BOB.address, ALICE.address),
    '/xmtp/0/dm-0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A-0x1C5A77d9FA7eF466951B2F01F724BCa3A5820b63/proto',
  );
  assert.equal(privateStoreTopic(ALICE.address), `/xmtp/0/privatestore-${ALICE.address}/key_bundle/proto`);
  assert.equal(ephemeralTopic('/xmtp/0/m-abc/proto'), '/xmtp/0/mE-abc/proto');
  assert.equal(ephemeralTopic(directMessageTopic(ALICE.address, BOB.address)).startsWith('/xmtp/0/dmE-0x19E7'), true);
  assert.equal(isValidTopic('/xmtp/0/m-abc/proto'), true);
  assert.equal(isValidTopic('/xmtp/0/m-a b/proto'), false);
  assert.equal(isValidTopic('/xmtp/0/m-é/proto'), false);
  assert.ok(hexToBytes('00'));
});
