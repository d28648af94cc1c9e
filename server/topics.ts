// Topic rules (xmtp-protocol.md §5, xmtp-node-api.md §5.4, §6).
import { invalidArgument } from './errors.ts';

export const MAX_TOPIC_BYTES = 300;
/** The client core's definition: the node and its clients agree on one limit. */
export { MAX_MESSAGE_BYTES } from '../src/xmtp/limits.ts';

// Every topic the V2-era SDK uses has the form /xmtp/0/<name>/proto with a printable-ASCII name
// (the SDK's own validity filter allows \x21-\x7F; DEL is excluded here).
const TOPIC_RE = /^\/xmtp\/0\/[\x21-\x7e]+\/proto$/;

export type TopicCategory =
  | 'contact' | 'intro' | 'dm' | 'dmE' | 'invite' | 'groupInvite' | 'm' | 'mE' | 'privatestore' | 'userpreferences' | 'invalid';

const CATEGORIES = new Set(['contact', 'intro', 'dm', 'dmE', 'invite', 'groupInvite', 'm', 'mE', 'privatestore', 'userpreferences']);

/** Throws INVALID_ARGUMENT unless the topic is a well-formed XMTP V2 topic of at most 300 bytes. */
export function validateTopic(topic: string): void {
  if (topic === '') throw invalidArgument('topic is empty');
  if (Buffer.byteLength(topic) > MAX_TOPIC_BYTES) throw invalidArgument('topic length too big');
  if (!TOPIC_RE.test(topic)) throw invalidArgument(`invalid topic ${JSON.stringify(topic.slice(0, 80))}: expected /xmtp/0/<printable ASCII name>/proto`);
}

/** The part after /xmtp/0/ up to the first '-'. */
export function topicCategory(topic: string): TopicCategory {
  if (!topic.startsWith('/xmtp/0/')) return 'invalid';
  const rest = topic.slice(8);
  const dash = rest.indexOf('-');
  const cat = dash === -1 ? '' : rest.slice(0, dash);
  return CATEGORIES.has(cat) ? (cat as TopicCategory) : 'invalid';
}

/** mE- and dmE- topics are relayed to live subscribers but never stored. */
export function isEphemeral(topic: string): boolean {
  return topic.startsWith('/xmtp/0/mE-') || topic.startsWith('/xmtp/0/dmE-');
}

/**
 * contact- and privatestore- topics may only be published by their owner: the part after the first
 * '-' up to the next '/' or '-' must equal the token's (EIP-55) wallet address exactly.
 */
export function topicOwner(topic: string): string | null {
  if (!topic.startsWith('/xmtp/0/')) return null;
  const seg = topic.split('/')[3] ?? '';
  const parts = seg.split('-');
  if (parts[0] !== 'contact' && parts[0] !== 'privatestore') return null;
  return parts[1] ?? '';
}
