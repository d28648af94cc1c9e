// V1 messages (spec 8): 3DH between the two legacy bundles carried in the header, AES-GCM with
// the header as AAD.
import { mc, encode, decode, u64, toNumber, type PublicKeyBundle } from '../proto.ts';
import { bytesToHex, equalBytes } from '../crypto/bytes.ts';
import { sha256 } from '../crypto/hashes.ts';
import { decryptAesGcmHkdf, encryptAesGcmHkdf, checkCiphertext } from '../crypto/aes-gcm.ts';
import { XmtpError } from '../errors.ts';
import { verifyLegacyBundleBytes, type VerifiedBundle } from '../keys/bundles.ts';
import type { PrivateKeyBundle } from '../keys/private-key-bundle.ts';
import { directMessageTopic } from '../topics.ts';
import type { EncodedMessage } from './v2.ts';

export interface EncodeV1Params {
  keys: PrivateKeyBundle;
  recipient: PublicKeyBundle;
  payload: Uint8Array;
  timestampMs: number;
  salt?: Uint8Array;
  nonce?: Uint8Array;
}

export async function encodeV1Message(p: EncodeV1Params): Promise<EncodedMessage> {
  const recipientBytes = encode(mc.PublicKeyBundle, p.recipient);
  const peer = verifyLegacyBundleBytes(recipientBytes);
  const headerBytes = encode(mc.MessageHeaderV1, { sender: p.keys.publicBundle, recipient: p.recipient, timestamp: u64(p.timestampMs) });
  const secret = p.keys.sharedSecret(peer.identityKey, peer.preKey, p.keys.preKey.publicKeyBytes, false);
  const c = await encryptAesGcmHkdf(secret, p.payload, headerBytes, p.salt, p.nonce);
  const bytes = encode(mc.Message, { v1: { headerBytes, ciphertext: { aes256GcmHkdfSha256: c } } });
  return { bytes, id: bytesToHex(sha256(bytes)) };
}

export interface DecodedV1 {
  id: string;
  senderAddress: string;
  recipientAddress: string;
  sentMs: number;
  payload: Uint8Array;
  /** the DM topic of the two addresses */
  topic: string;
  /** the other party's verified bundle and legacy bundle */
  peer: VerifiedBundle;
  peerBundle: PublicKeyBundle;
}

export async function decodeV1Message(messageBytes: Uint8Array, keys: PrivateKeyBundle, expectedTopic?: string, id = bytesToHex(sha256(messageBytes))): Promise<DecodedV1> {
  const message = decode(mc.Message, messageBytes);
  const v1 = message.v1;
  if (!v1) throw new XmtpError('invalid_message', 'not a V1 message');
  if (!v1.headerBytes?.length) throw new XmtpError('invalid_message', 'missing header');
  const header = decode(mc.MessageHeaderV1, v1.headerBytes);
  if (!header.sender?.identityKey || !header.sender.preKey || !header.recipient?.identityKey || !header.recipient.preKey) {
    throw new XmtpError('invalid_message', 'header is missing keys');
  }
  const senderBytes = encode(mc.PublicKeyBundle, header.sender);
  const recipientBytes = encode(mc.PublicKeyBundle, header.recipient);
  const sender = verifyLegacyBundleBytes(senderBytes);
  const recipient = verifyLegacyBundleBytes(recipientBytes);
  const topic = directMessageTopic(sender.walletAddress, recipient.walletAddress);
  if (expectedTopic !== undefined && topic !== expectedTopic) throw new XmtpError('topic_mismatch', 'topic mismatch');
  const isSender = equalBytes(senderBytes, keys.publicBundleBytes);
  if (!isSender && !equalBytes(recipient.identityKey, keys.identity.publicKeyBytes)) {
    throw new XmtpError('invalid_message', 'message is not for these keys');
  }
  const peer = isSender ? recipient : sender;
  const myPreKey = isSender ? sender.preKey : recipient.preKey;
  const c = v1.ciphertext?.aes256GcmHkdfSha256;
  checkCiphertext(c ? { hkdfSalt: c.hkdfSalt ?? undefined, gcmNonce: c.gcmNonce ?? undefined, payload: c.payload ?? undefined } : null);
  const secret = keys.sharedSecret(peer.identityKey, peer.preKey, myPreKey, !isSender);
  const payload = await decryptAesGcmHkdf(secret, { hkdfSalt: c!.hkdfSalt!, gcmNonce: c!.gcmNonce!, payload: c!.payload! }, v1.headerBytes);
  return {
    id,
    senderAddress: sender.walletAddress,
    recipientAddress: recipient.walletAddress,
    sentMs: toNumber(header.timestamp),
    payload,
    topic,
    peer,
    peerBundle: isSender ? header.recipient : header.sender,
  };
}
