// What an unlocked session keeps in storage.session (memory only, closed to content scripts): the
// vault key and each account's data keys and index key. The background writes it on unlock and removes
// it on lock; the popup reads an account's keys from it to paint the cache on its own.
import { bytesToHex, hexToBytes } from '../xmtp/crypto/bytes.ts';
import { importIndexKey, type CacheKeys } from './seal.ts';

export { SESSION_KEY } from './session-area.ts';

/** JSON, as storage.session keeps it. */
export interface StoredSession {
  /** the password's key (hex) */
  vault: string;
  accounts: Record<string, { current: number; keys: Record<string, string>; index: string }>;
  lastActive: number;
}

const HEX32 = /^[0-9a-f]{64}$/;

/** The stored session if it is one (anything else reads as locked). */
export function parseSession(v: unknown): StoredSession | undefined {
  const s = v as Partial<StoredSession> | undefined;
  if (!s || typeof s !== 'object' || typeof s.vault !== 'string' || !HEX32.test(s.vault) || typeof s.accounts !== 'object' || !s.accounts) return undefined;
  return { vault: s.vault, accounts: s.accounts, lastActive: Number(s.lastActive) || 0 };
}

export function dataKeyFromHex(hex: string, extractable: boolean): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', hexToBytes(hex) as BufferSource, { name: 'AES-GCM', length: 256 }, extractable, ['encrypt', 'decrypt']);
}

/** One account's cache keys from a stored session; `extractable` only where they are written back (the background). */
export async function cacheKeysFrom(s: StoredSession, account: string, extractable = false): Promise<CacheKeys | undefined> {
  const a = s.accounts[account];
  if (!a || !HEX32.test(a.index)) return undefined;
  const keys = new Map<number, CryptoKey>();
  for (const [id, hex] of Object.entries(a.keys)) if (HEX32.test(hex)) keys.set(Number(id), await dataKeyFromHex(hex, extractable));
  if (!keys.has(a.current)) return undefined;
  return { account, current: a.current, keys, index: await importIndexKey(hexToBytes(a.index), extractable) };
}

export async function toStoredAccount(k: CacheKeys): Promise<StoredSession['accounts'][string]> {
  const keys: Record<string, string> = {};
  for (const [id, key] of k.keys) keys[id] = bytesToHex(new Uint8Array(await crypto.subtle.exportKey('raw', key)));
  return { current: k.current, keys, index: bytesToHex(new Uint8Array(await crypto.subtle.exportKey('raw', k.index))) };
}
