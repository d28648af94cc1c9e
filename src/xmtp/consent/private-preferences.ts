// Private preferences (spec 13.1, 13.2): consent actions encrypted to oneself on a topic derived
// from the identity key.
import { mc, encode, decode } from '../proto.ts';
import { toBase64UrlNoPad, utf8 } from '../crypto/bytes.ts';
import { hkdfSha256, sha256 } from '../crypto/hashes.ts';
import { decryptAesGcmHkdf, encryptAesGcmHkdf, checkCiphertext } from '../crypto/aes-gcm.ts';
import { XmtpError } from '../errors.ts';
import { userPreferencesTopic } from '../topics.ts';
import type { PrivateKeyBundle } from '../keys/private-key-bundle.ts';

const TOPIC_SALT = utf8('XMTP_PRIVATE_PREFERENCES_TOPIC');
const KEY_SALT = utf8('XMTP_PRIVATE_PREFERENCES_ENCRYPTION');
const EMPTY = new Uint8Array(0);

export function privatePreferencesTopic(identityPrivateKey: Uint8Array): string {
  return userPreferencesTopic(toBase64UrlNoPad(sha256(hkdfSha256(identityPrivateKey, TOPIC_SALT, EMPTY, 32))));
}

export const privatePreferencesKey = (identityPrivateKey: Uint8Array) => hkdfSha256(identityPrivateKey, KEY_SALT, EMPTY, 32);

export interface PreferenceAction {
  allowAddresses?: string[];
  denyAddresses?: string[];
  allowGroups?: string[];
  denyGroups?: string[];
  allowInboxIds?: string[];
  denyInboxIds?: string[];
}

export async function encryptPreferenceAction(
  keys: PrivateKeyBundle,
  action: PreferenceAction,
  salt?: Uint8Array,
  nonce?: Uint8Array,
): Promise<Uint8Array> {
  const plaintext = encode(mc.PrivatePreferencesAction, {
    ...(action.allowAddresses ? { allowAddress: { walletAddresses: action.allowAddresses } } : {}),
    ...(action.denyAddresses ? { denyAddress: { walletAddresses: action.denyAddresses } } : {}),
    ...(action.allowGroups ? { allowGroup: { groupIds: action.allowGroups } } : {}),
    ...(action.denyGroups ? { denyGroup: { groupIds: action.denyGroups } } : {}),
    ...(action.allowInboxIds ? { allowInboxId: { inboxIds: action.allowInboxIds } } : {}),
    ...(action.denyInboxIds ? { denyInboxId: { inboxIds: action.denyInboxIds } } : {}),
  });
  const c = await encryptAesGcmHkdf(privatePreferencesKey(keys.identity.privateKey), plaintext, keys.identity.publicKeyBytes, salt, nonce);
  return encode(mc.PrivatePreferencesPayload, { v1: { aes256GcmHkdfSha256: c } });
}

export async function decryptPreferenceAction(keys: PrivateKeyBundle, bytes: Uint8Array): Promise<PreferenceAction> {
  const c = decode(mc.PrivatePreferencesPayload, bytes).v1?.aes256GcmHkdfSha256;
  if (!c) throw new XmtpError('invalid_message', 'not a V1 preferences payload');
  checkCiphertext({ hkdfSalt: c.hkdfSalt ?? undefined, gcmNonce: c.gcmNonce ?? undefined, payload: c.payload ?? undefined });
  const plaintext = await decryptAesGcmHkdf(
    privatePreferencesKey(keys.identity.privateKey),
    { hkdfSalt: c.hkdfSalt!, gcmNonce: c.gcmNonce!, payload: c.payload! },
    keys.identity.publicKeyBytes,
  );
  // Every member present is kept (the SDK writes several into one action when asked to).
  const a = decode(mc.PrivatePreferencesAction, plaintext);
  const out: PreferenceAction = {};
  if (a.allowAddress) out.allowAddresses = a.allowAddress.walletAddresses ?? [];
  if (a.denyAddress) out.denyAddresses = a.denyAddress.walletAddresses ?? [];
  if (a.allowGroup) out.allowGroups = a.allowGroup.groupIds ?? [];
  if (a.denyGroup) out.denyGroups = a.denyGroup.groupIds ?? [];
  if (a.allowInboxId) out.allowInboxIds = a.allowInboxId.inboxIds ?? [];
  if (a.denyInboxId) out.denyInboxIds = a.denyInboxId.inboxIds ?? [];
  return out;
}

/** Entries an action sets, in the SDK's application order (a deny in the same action wins). */
export function actionEntries(a: PreferenceAction): Array<[key: string, value: 'allowed' | 'denied']> {
  const out: Array<[string, 'allowed' | 'denied']> = [];
  for (const x of a.allowAddresses ?? []) out.push([`address-${x}`, 'allowed']);
  for (const x of a.denyAddresses ?? []) out.push([`address-${x}`, 'denied']);
  for (const x of a.allowGroups ?? []) out.push([`groupId-${x}`, 'allowed']);
  for (const x of a.denyGroups ?? []) out.push([`groupId-${x}`, 'denied']);
  for (const x of a.allowInboxIds ?? []) out.push([`inboxId-${x}`, 'allowed']);
  for (const x of a.denyInboxIds ?? []) out.push([`inboxId-${x}`, 'denied']);
  return out;
}
