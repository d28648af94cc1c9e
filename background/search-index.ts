// Search over message text: an index in IndexedDB (`terms`: one record per word of a message) so a
// query reads only the records of its words, however many messages are cached.
//
// The index stores no words: each is replaced by a hash of the account and the word, so finding a
// message needs the whole word (no prefixes) and the index shows no text at a glance. The hash has no
// secret key yet: it does not stop a dictionary attack by someone holding the profile. Keying it with
// the account's data key belongs with sealing the cache (issue 14).
import { bytesToHex, utf8 } from '../src/xmtp/crypto/bytes.ts';
import { sha256 } from '../src/xmtp/crypto/hashes.ts';
import type { MessageView } from '../src/views.ts';

/** words indexed per message, and the shortest and longest word that counts */
const MAX_TERMS = 200;
const MIN_LEN = 2;
const MAX_LEN = 40;

export interface TermRecord {
  account: string;
  term: string;
  /** the message's sent time: a word's records are read newest first, and a query stops at its limit */
  sent: number;
  /** message id */
  message: string;
}

/** The text a message shows: its text, or the text of a reply. */
export function searchableText(m: Pick<MessageView, 'content'>): string | undefined {
  if (typeof m.content === 'string') return m.content;
  const inner = (m.content as { content?: unknown } | undefined)?.content;
  return typeof inner === 'string' ? inner : undefined;
}

/** The distinct words of a text, lower-cased (letters and digits of any script). */
export function words(text: string): string[] {
  const out = new Set<string>();
  for (const w of text.toLowerCase().normalize('NFKC').split(/[^\p{L}\p{N}]+/u)) {
    if (w.length >= MIN_LEN && w.length <= MAX_LEN) out.add(w);
    if (out.size >= MAX_TERMS) break;
  }
  return [...out];
}

export function termOf(account: string, word: string): string {
  return bytesToHex(sha256(utf8(`${account.toLowerCase()}\u0000${word}`))).slice(0, 24);
}

/** The index records of a message (none for messages without text). */
export function termsOf(account: string, m: Pick<MessageView, 'id' | 'content' | 'sent'>): TermRecord[] {
  const text = searchableText(m);
  return text ? words(text).map((w) => ({ account, term: termOf(account, w), sent: m.sent, message: m.id })) : [];
}
