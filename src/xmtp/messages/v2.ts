// V2 messages (spec 9.5, 9.6): signed by the sender's pre-key, encrypted with the conversation's
// key material. Decoding verifies everything the official SDK verifies, with the sender bundle
// verified once per distinct bundle (cached by bytes) and only the message signature per message.
import $protobuf from '../proto/runtime.ts';
import { mc, encode, decode, u64, toBigInt } from '../proto.ts';
import { bytesToHex, concatBytes, equalBytes } from '../crypto/bytes.ts';
import { sha256 } from '../crypto/hashes.ts';
import { verifyDigest } from '../crypto/secp256k1.ts';
import { decryptAesGcmHkdf, encryptAesGcmHkdf, hkdfHmacKey, hmacSha256Sign, checkCiphertext } from '../crypto/aes-gcm.ts';
import { XmtpError } from '../errors.ts';
import { verifySignedBundleBytes } from '../keys/bundles.ts';
import { readSignature } from '../keys/signatures.ts';
import type { PrivateKeyBundle } from '../keys/private-key-bundle.ts';
import { lengthDelimitedFields } from './raw-fields.ts';

export interface V2Keys {
  topic: string;
  keyMaterial: Uint8Array;
}

export interface EncodeV2Params extends V2Keys {
  keys: PrivateKeyBundle;
  /** encoded EncodedContent */
  payload: Uint8Array;
  createdNs: bigint;
  shouldPush: boolean;
  /** sender clock for the sender_hmac period; defaults to Date.now() */
  nowMs?: number;
  /** fixed salt/nonce (known-answer tests) */
  salt?: Uint8Array;
  nonce?: Uint8Array;
}

export interface EncodedMessage {
  /** the Message bytes: the envelope's `message` */
  bytes: Uint8Array;
  /** hex sha256 of bytes */
  id: string;
}

/** 30-day period of the sender's clock used for sender_hmac. */
export const hmacPeriod = (nowMs: number) => Math.floor(nowMs / 1000 / 60 / 60 / 24 / 30);

const hmacKeys = new Map<string, Uint8Array>();
export function senderHmacKey(keyMaterial: Uint8Array, period: number, senderAddress: string): Uint8Array {
  const k = `${bytesToHex(keyMaterial)}|${period}|${senderAddress}`;
  let key = hmacKeys.get(k);
  if (!key) {
    key = hkdfHmacKey(keyMaterial, `${period}-${senderAddress}`);
    if (hmacKeys.size > 1024) hmacKeys.clear();
    hmacKeys.set(k, key);
  }
  return key;
}

export async function encodeV2Message(p: EncodeV2Params): Promise<EncodedMessage> {
  const headerBytes = encode(mc.MessageHeaderV2, { createdNs: u64(p.createdNs), topic: p.topic });
  const sig = p.keys.signWithPreKey(sha256(concatBytes(headerBytes, p.payload)));
  // SignedContent, assembled around the pre-encoded sender bundle (identical bytes to encode()).
  const w = new $protobuf.Writer();
  if (p.payload.length) w.uint32(10).bytes(p.payload);
  w.uint32(18).bytes(p.keys.signedPublicBundleBytes);
  mc.Signature.encode({ ecdsaCompact: { bytes: sig.bytes, recovery: sig.recovery } }, w.uint32(26).fork()).ldelim();
  const signed = w.finish();
  const c = await encryptAesGcmHkdf(p.keyMaterial, signed, headerBytes, p.salt, p.nonce);
  const senderHmac = hmacSha256Sign(senderHmacKey(p.keyMaterial, hmacPeriod(p.nowMs ?? Date.now()), p.keys.walletAddress), headerBytes);
  const bytes = encode(mc.Message, {
    v2: { headerBytes, ciphertext: { aes256GcmHkdfSha256: c }, senderHmac, shouldPush: p.shouldPush },
  });
  return { bytes, id: bytesToHex(sha256(bytes)) };
}

export interface DecodedV2 {
  id: string;
  senderAddress: string;
  /** header created_ns */
  sentNs: bigint;
  /** encoded EncodedContent, as signed */
  payload: Uint8Array;
  /** the sender's SignedPublicKeyBundle bytes */
  senderBundle: Uint8Array;
  shouldPush?: boolean;
}

export async function decodeV2Message(messageBytes: Uint8Array, conv: V2Keys, id = bytesToHex(sha256(messageBytes))): Promise<DecodedV2> {
  const message = decode(mc.Message, messageBytes);
  const v2 = message.v2;
  if (!v2) throw new XmtpError('invalid_message', 'not a V2 message');
  if (!v2.headerBytes?.length) throw new XmtpError('invalid_message', 'missing header');
  const header = decode(mc.MessageHeaderV2, v2.headerBytes);
  if (header.topic !== conv.topic) throw new XmtpError('topic_mismatch', 'topic mismatch');
  const c = v2.ciphertext?.aes256GcmHkdfSha256;
  checkCiphertext(c ? { hkdfSalt: c.hkdfSalt ?? undefined, gcmNonce: c.gcmNonce ?? undefined, payload: c.payload ?? undefined } : null);
  const signed = await decryptAesGcmHkdf(conv.keyMaterial, { hkdfSalt: c!.hkdfSalt!, gcmNonce: c!.gcmNonce!, payload: c!.payload! }, v2.headerBytes);
  const fields = lengthDelimitedFields(signed);
  const payload = fields.get(1) ?? new Uint8Array(0);
  const senderBundle = fields.get(2);
  const sigBytes = fields.get(3);
  if (!senderBundle || !sigBytes) throw new XmtpError('invalid_message', 'incomplete signed content');
  const bundle = verifySignedBundleBytes(senderBundle);
  const sig = readSignature(decode(mc.Signature, sigBytes));
  if (!sig || sig.wallet) throw new XmtpError('invalid_signature', 'message is not signed with the pre-key');
  if (!verifyDigest(sha256(concatBytes(v2.headerBytes, payload)), sig.bytes, bundle.preKey)) {
    throw new XmtpError('invalid_signature', 'invalid message signature');
  }
  const out: DecodedV2 = { id, senderAddress: bundle.walletAddress, sentNs: toBigInt(header.createdNs), payload, senderBundle };
  if (v2.shouldPush !== null && v2.shouldPush !== undefined) out.shouldPush = v2.shouldPush;
  return out;
}

/** Same bytes? Used to recognise our own sender bundle. */
export const isOwnBundle = (keys: PrivateKeyBundle, bundleBytes: Uint8Array) => equalBytes(keys.signedPublicBundleBytes, bundleBytes);
