// Content topics (spec 5). Every address on a topic is EIP-55; the node compares strings.
import { toChecksumAddress } from './crypto/address.ts';

const topic = (name: string) => `/xmtp/0/${name}/proto`;

export const contactTopic = (address: string) => topic(`contact-${toChecksumAddress(address)}`);
export const introTopic = (address: string) => topic(`intro-${toChecksumAddress(address)}`);
export const inviteTopic = (address: string) => topic(`invite-${toChecksumAddress(address)}`);
export const privateStoreTopic = (address: string) => topic(`privatestore-${toChecksumAddress(address)}/key_bundle`);
export const userPreferencesTopic = (identifier: string) => topic(`userpreferences-${identifier}`);
export const conversationTopic = (id: string) => topic(`m-${id}`);

/** V1 DM topic: the two checksummed addresses sorted with JS default (code unit) order. */
export function directMessageTopic(a: string, b: string): string {
  const [x, y] = [toChecksumAddress(a), toChecksumAddress(b)].sort();
  return topic(`dm-${x}-${y}`);
}

/**
 * A V2 conversation topic as invitations may name one: `/xmtp/0/m-<id>/proto` with an unguessable id,
 * either 64 hex digits (derived, spec 9.2) or 32 random bytes in the SDK's base64 form (9.2.1). Nothing
 * else: an invitation naming a key store, invite, intro, V1 or ephemeral topic is refused.
 */
export function isV2ConversationTopic(t: string): boolean {
  return /^\/xmtp\/0\/m-(?:[0-9a-f]{64}|[A-Za-z0-9+-]{43})\/proto$/.test(t);
}

export function ephemeralTopic(t: string): string {
  return t.replace('/xmtp/0/m-', '/xmtp/0/mE-').replace('/xmtp/0/dm-', '/xmtp/0/dmE-');
}

/** The SDK's isValidTopic: the part between "0/" and the last "/proto" is printable ASCII. */
export function isValidTopic(t: string): boolean {
  const start = t.indexOf('0/');
  const end = t.lastIndexOf('/proto');
  if (start < 0 || end < 0 || end <= start + 2) return false;
  return /^[\x21-\x7F]+$/.test(t.substring(start + 2, end));
}
