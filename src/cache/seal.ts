// Sealing at rest: AES-256-GCM with a fresh 96-bit IV per box, and additional data that binds a box to
// its purpose, account and key (a box moved to another record or account does not open). The keystore
// seals secrets this way; rows of the cache are sealed the same way under the account's data keys.
import { bytesToHex } from '../xmtp/crypto/bytes.ts';
import type { Sealed, SealedBox } from './schema.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** AES-GCM with a fresh 96-bit IV; `aad` binds the box to its purpose and account. */
export async function seal(key: CryptoKey, plaintext: Uint8Array, aad: string): Promise<SealedBox> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: enc.encode(aad) }, key, plaintext as BufferSource));
  return { iv, ciphertext };
}

/** A box that is not even shaped like one. */
export class DamagedBox extends Error {}

/** Throws when the key is wrong or the box was altered (GCM authenticates both). */
export async function open(key: CryptoKey, box: SealedBox, aad: string): Promise<Uint8Array> {
  if (!(box?.iv instanceof Uint8Array) || box.iv.length !== 12 || !(box.ciphertext instanceof Uint8Array) || box.ciphertext.length < 16) {
    throw new DamagedBox('not a sealed box');
  }
  return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: box.iv as BufferSource, additionalData: enc.encode(aad) }, key, box.ciphertext as BufferSource));
}

/** What reading or writing an account's cache needs: its data keys (by id), which one seals, and its index key. */
export interface CacheKeys {
  account: string;
  /** the id of the data key new rows are sealed under */
  current: number;
  keys: ReadonlyMap<number, CryptoKey>;
  /** HMAC-SHA256 key for topic ids (stable across password changes) */
  index: CryptoKey;
}

export function importIndexKey(raw: Uint8Array, extractable = false): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', raw as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, extractable, ['sign']);
}

const ids = new WeakMap<CryptoKey, Map<string, string>>();
/**
 * A topic's id in this account's cache: 128 bits of HMAC-SHA256(index key, topic), hex. Topics are
 * secrets of their conversations (and V1 topics name both addresses), so rows never carry them in the
 * clear; the ids still sort and look up like the topics did. Remembered per key.
 */
export async function hashedId(keys: CacheKeys, text: string): Promise<string> {
  let memo = ids.get(keys.index);
  if (!memo) ids.set(keys.index, (memo = new Map()));
  const hit = memo.get(text);
  if (hit) return hit;
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', keys.index, enc.encode(text) as BufferSource));
  const id = bytesToHex(mac.subarray(0, 16));
  if (memo.size > 50_000) memo.clear();
  memo.set(text, id);
  return id;
}

export type RowStore = 'conversations' | 'messages' | 'outbox' | 'consent';
const rowAad = (account: string, store: RowStore, key: string) => `xmtp-inbox/cache/v1/${account}/${store}/${key}`;

/**
 * Seals a row's content: JSON, then optional raw bytes (a message's payload: kept as bytes, not as
 * text), as [u32 JSON length][JSON][bytes].
 */
export async function sealRow(keys: CacheKeys, store: RowStore, key: string, json: unknown, bytes?: Uint8Array): Promise<Sealed> {
  const text = enc.encode(JSON.stringify(json));
  const plain = new Uint8Array(4 + text.length + (bytes?.length ?? 0));
  new DataView(plain.buffer).setUint32(0, text.length);
  plain.set(text, 4);
  if (bytes) plain.set(bytes, 4 + text.length);
  const k = keys.keys.get(keys.current);
  if (!k) throw new Error(`no data key ${keys.current} for ${keys.account}`);
  return { k: keys.current, box: await seal(k, plain, rowAad(keys.account, store, key)) };
}

/** Opens a row sealed by sealRow; throws when its key is not held or the row was altered or moved. */
export async function openRow<T>(keys: CacheKeys, store: RowStore, key: string, row: Sealed): Promise<{ json: T; bytes: Uint8Array }> {
  const k = keys.keys.get(row.k);
  if (!k) throw new Error(`data key ${row.k} of ${keys.account} is not unlocked`);
  const plain = await open(k, row.box, rowAad(keys.account, store, key));
  const n = new DataView(plain.buffer, plain.byteOffset, plain.byteLength).getUint32(0);
  if (4 + n > plain.length) throw new DamagedBox('row length');
  return { json: JSON.parse(dec.decode(plain.subarray(4, 4 + n))) as T, bytes: plain.subarray(4 + n) };
}
