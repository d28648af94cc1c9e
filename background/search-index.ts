// Search over message text: an index in IndexedDB (`terms`: one record per word of a message) so a
// query reads only the records of its words, however many messages are cached.
//
// The index stores no words: each is replaced by an HMAC of the word under the account's index key
// (src/cache/seal.ts), so finding a message needs the whole word (no prefixes), and without the key
// (a locked extension, a copied profile) a guessed word cannot be tested against the index.
import type { MessageView } from '../src/views.ts';
import type { TermRow } from '../src/cache/schema.ts';
import { hashedId, type CacheKeys } from '../src/cache/seal.ts';

/** words indexed per message, and the shortest and longest word that counts */
const MAX_TERMS = 200;
const MIN_LEN = 2;
const MAX_LEN = 40;

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

export const termOf = (keys: CacheKeys, word: string) => hashedId(keys, `word:${word}`);

/** The index records of a message (none for messages without text). */
export async function termsOf(keys: CacheKeys, m: Pick<MessageView, 'id' | 'content' | 'sent'>): Promise<TermRow[]> {
  const text = searchableText(m);
  if (!text) return [];
  return Promise.all(words(text).map(async (w) => ({ account: keys.account, term: await termOf(keys, w), sent: m.sent, message: m.id })));
}
