import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToHex, hexToBytes } from '../../src/xmtp/crypto/bytes.ts';
import {
  privatePreferencesTopic, privatePreferencesKey, encryptPreferenceAction, decryptPreferenceAction, actionEntries,
} from '../../src/xmtp/consent/private-preferences.ts';
import { mc, encode } from '../../src/xmtp/proto.ts';
import { encryptAesGcmHkdf } from '../../src/xmtp/crypto/aes-gcm.ts';
import { consentProofText } from '../../src/xmtp/keys/signature-texts.ts';
import { ALICE, BOB, PREFS, aliceKeys, bobKeys, fill } from './vectors.ts';

test('private preferences topic and key (16.2, 16.7, 13.1)', async () => {
  assert.equal(privatePreferencesTopic(ALICE.identityKey), PREFS.aliceTopic);
  assert.equal(privatePreferencesTopic(BOB.identityKey), PREFS.bobTopic);
  assert.equal(privatePreferencesTopic(hexToBytes('45efdf1103db7e15ac4a37127bf0f6959e4ab7e5ec6285b85f2c82238a7124d3')),
    '/xmtp/0/userpreferences-EBsHSM9lLmELuUVCMJ-tPE0kDcok1io9IwUO6WPC-cM/proto');
  assert.equal(bytesToHex(privatePreferencesKey(ALICE.identityKey)), PREFS.prefKey);
});

test('Alice allows Bob: action and payload bytes (16.7)', async () => {
  const alice = await aliceKeys();
  const bytes = await encryptPreferenceAction(alice, { allowAddresses: [BOB.address] }, fill(0x05), fill(0x06, 12));
  assert.equal(bytesToHex(bytes), PREFS.payload);
  assert.equal(bytesToHex(encode(mc.PrivatePreferencesAction, { allowAddress: { walletAddresses: [BOB.address] } })), PREFS.action);
  assert.deepEqual(await decryptPreferenceAction(alice, hexToBytes(PREFS.payload)), { allowAddresses: [BOB.address] });
  // only the owner can read it
  await assert.rejects(decryptPreferenceAction(await bobKeys(), hexToBytes(PREFS.payload)));
});

test('mixed actions are applied in the SDK order: a deny in the same action wins', async () => {
  const alice = await aliceKeys();
  // the SDK can write several oneof members into one action
  const plaintext = encode(mc.PrivatePreferencesAction, { allowAddress: { walletAddresses: ['0xA'] }, denyAddress: { walletAddresses: ['0xA'] } });
  const c = await encryptAesGcmHkdf(privatePreferencesKey(alice.identity.privateKey), plaintext, alice.identity.publicKeyBytes);
  const a = await decryptPreferenceAction(alice, encode(mc.PrivatePreferencesPayload, { v1: { aes256GcmHkdfSha256: c } }));
  assert.deepEqual(actionEntries(a), [['address-0xA', 'allowed'], ['address-0xA', 'denied']]);
});

test('consent proof text uses toUTCString (13.4)', () => {
  assert.equal(
    consentProofText(1700000000000, ALICE.address),
    `XMTP : Grant inbox consent to sender\n\nCurrent Time: Tue, 14 Nov 2023 22:13:20 GMT\nFrom Address: ${ALICE.address}\n\nFor more info: https://xmtp.org/signatures/`,
  );
});
