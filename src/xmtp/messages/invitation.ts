// V2 invitations (spec 9.2-9.4): deterministic topic and key material from the 3DH secret of the
// two bundles, sealed to both parties' invite topics.
import { mc, encode, decode, u64, toBigInt, type InvitationV1, type SignedPublicKeyBundle, type ConsentProofPayload } from '../proto.ts';
import { bytesToHex, utf8 } from '../crypto/bytes.ts';
import { hmacSha256, hkdfSha256 } from '../crypto/hashes.ts';
import { decryptAesGcmHkdf, encryptAesGcmHkdf, checkCiphertext } from '../crypto/aes-gcm.ts';
import { XmtpError } from '../errors.ts';
import { signedKeyEquals, unsignedKeyInfo, verifySignedBundleCached, type VerifiedBundle } from '../keys/bundles.ts';
import type { PrivateKeyBundle } from '../keys/private-key-bundle.ts';
import { conversationTopic, isV2ConversationTopic } from '../topics.ts';

const INVITATION_SALT = utf8('__XMTP__INVITATION__SALT__XMTP__');

export interface InvitationContext {
  conversationId: string;
  metadata: Record<string, string>;
}

/** Topic and key both parties derive for a conversation (spec 9.2). */
export function deriveV2Conversation(
  keys: PrivateKeyBundle,
  peer: VerifiedBundle,
  conversationId = '',
): { topic: string; keyMaterial: Uint8Array } {
  const me = keys.walletAddress;
  const them = peer.walletAddress;
  const isRecipient = me < them;
  const secret = keys.sharedSecret(peer.identityKey, peer.preKey, keys.preKey.publicKeyBytes, isRecipient);
  const [a, b] = [me, them].sort();
  const topicId = bytesToHex(hmacSha256(secret, utf8(conversationId + a + ',' + b)));
  const keyMaterial = hkdfSha256(secret, INVITATION_SALT, utf8(`0|${a}|${b}`), 32);
  return { topic: conversationTopic(topicId), keyMaterial };
}

export interface SealParams {
  keys: PrivateKeyBundle;
  recipient: SignedPublicKeyBundle;
  invitation: InvitationV1;
  createdNs: bigint;
}

export async function sealInvitation(p: SealParams): Promise<Uint8Array> {
  const peer = verifySignedBundleCached(p.recipient);
  const headerBytes = encode(mc.SealedInvitationHeaderV1, { sender: p.keys.signedPublicBundle, recipient: p.recipient, createdNs: u64(p.createdNs) });
  // The inviter is always the "sender" side here, whatever the address order (spec 9.3).
  const secret = p.keys.sharedSecret(peer.identityKey, peer.preKey, p.keys.preKey.publicKeyBytes, false);
  const c = await encryptAesGcmHkdf(secret, encode(mc.InvitationV1, p.invitation), headerBytes);
  return encode(mc.SealedInvitation, { v1: { headerBytes, ciphertext: { aes256GcmHkdfSha256: c } } });
}

export interface OpenedInvitation {
  topic: string;
  keyMaterial: Uint8Array;
  context?: InvitationContext;
  consentProof?: ConsentProofPayload;
  createdNs: bigint;
  peerAddress: string;
  /** the peer's bundle as carried in the header */
  peerBundle: SignedPublicKeyBundle;
  /** we sent this invitation */
  sentByMe: boolean;
}

export async function openInvitation(keys: PrivateKeyBundle, envelopeTimestampNs: bigint, bytes: Uint8Array): Promise<OpenedInvitation> {
  const sealed = decode(mc.SealedInvitation, bytes).v1;
  if (!sealed?.headerBytes?.length) throw new XmtpError('invalid_invitation', 'not a V1 sealed invitation');
  const header = decode(mc.SealedInvitationHeaderV1, sealed.headerBytes);
  const createdNs = toBigInt(header.createdNs);
  if (createdNs !== envelopeTimestampNs) throw new XmtpError('invitation_timestamp_mismatch', 'envelope and header timestamps do not match');
  if (!header.sender?.identityKey || !header.sender.preKey || !header.recipient?.identityKey || !header.recipient.preKey) {
    throw new XmtpError('invalid_invitation', 'header is missing keys');
  }
  const sentByMe = signedKeyEquals(keys.signedPublicBundle.identityKey, header.sender.identityKey);
  const peerBundle = sentByMe ? header.recipient : header.sender;
  const mine = sentByMe ? header.sender : header.recipient;
  const peer = verifySignedBundleCached(peerBundle);
  const myPreKey = unsignedKeyInfo(mine.preKey!.keyBytes).publicKey;
  const c = sealed.ciphertext?.aes256GcmHkdfSha256;
  checkCiphertext(c ? { hkdfSalt: c.hkdfSalt ?? undefined, gcmNonce: c.gcmNonce ?? undefined, payload: c.payload ?? undefined } : null);
  const secret = keys.sharedSecret(peer.identityKey, peer.preKey, myPreKey, !sentByMe);
  const plaintext = await decryptAesGcmHkdf(secret, { hkdfSalt: c!.hkdfSalt!, gcmNonce: c!.gcmNonce!, payload: c!.payload! }, sealed.headerBytes);
  const inv = decode(mc.InvitationV1, plaintext);
  const keyMaterial = inv.aes256GcmHkdfSha256?.keyMaterial;
  if (!inv.topic || !keyMaterial?.length) throw new XmtpError('invalid_invitation', 'invitation without topic or key');
  if (!isV2ConversationTopic(inv.topic)) throw new XmtpError('invalid_invitation', `the invitation names ${inv.topic.slice(0, 80)}, which is not a V2 conversation topic`);
  const out: OpenedInvitation = { topic: inv.topic, keyMaterial, createdNs, peerAddress: peer.walletAddress, peerBundle, sentByMe };
  if (inv.context) out.context = { conversationId: inv.context.conversationId ?? '', metadata: { ...(inv.context.metadata ?? {}) } };
  if (inv.consentProof) out.consentProof = inv.consentProof;
  return out;
}
