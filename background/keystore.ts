// Secrets at rest. One password protects the extension: PBKDF2-SHA256 (600,000 iterations, OWASP 2023)
// turns it into the vault key, derived once per unlock however many accounts there are. Each account has
// its own random data keys, sealed under the vault key; the current data key seals the account's
// secrets (the XMTP key bundle, the cache's index key, and for wallets living here the wallet key and
// its recovery phrase) and everything the account caches. A new password brings a new data key. Keys never leave the background, except a data key's bytes in
// storage.session while unlocked, and the wallet key or phrase the user asks to see with the password.
import { ErrorCode, RpcError } from '../src/rpc.ts';
import { DamagedBox, importIndexKey, open, seal, type CacheKeys } from '../src/cache/seal.ts';
import type { AccountRecord, BackupKind, KdfParams, SealedBox, VaultRecord, WrappedKey } from './db.ts';

export const PBKDF2_ITERATIONS = 600_000;

/** What an account's sealed box holds. */
export interface KeystoreSecrets {
  /** encoded `PrivateKeyBundle` (v1), as the official SDK exports it */
  keyBundle: Uint8Array;
  /** the wallet's secp256k1 private key, only for wallets living in the extension */
  walletKey?: Uint8Array;
  /** the BIP-39 phrase the wallet key derives from (m/44'/60'/0'/0/index), when there is one */
  mnemonic?: { phrase: string; index: number };
  /** the account's HMAC key for topic ids in its cache (src/cache/seal.ts); stays the same across password changes */
  indexKey?: Uint8Array;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function newKdfParams(iterations = PBKDF2_ITERATIONS): KdfParams {
  return { name: 'PBKDF2-SHA256', iterations, salt: crypto.getRandomValues(new Uint8Array(16)) };
}

/** The vault key's bytes from a password (kept in storage.session while unlocked, so accounts can be added). */
export async function deriveVaultKey(password: string, kdf: KdfParams): Promise<Uint8Array> {
  if (kdf.name !== 'PBKDF2-SHA256' || kdf.iterations < 100_000 || kdf.salt.length < 16) throw damaged();
  const material = await crypto.subtle.importKey('raw', enc.encode(password.normalize('NFKC')), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: kdf.salt as BufferSource, iterations: kdf.iterations }, material, 256);
  return new Uint8Array(bits);
}

export async function exportKey(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey('raw', key));
}

/** An AES-256-GCM key from its bytes: extractable so an unlocked session can keep it in storage.session. */
export function importKey(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', raw as BufferSource, { name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
}

export const newDataKey = () => importKey(crypto.getRandomValues(new Uint8Array(32)));

/** open() with the keystore's errors: a box not even shaped like one is damaged. */
async function openBox(key: CryptoKey, box: SealedBox, aad: string): Promise<Uint8Array> {
  try {
    return await open(key, box, aad);
  } catch (e) {
    if (e instanceof DamagedBox) throw damaged();
    throw e;
  }
}

// Secrets, version 2: [2][u32 n][bundle] then optional fields [tag][u32 n][bytes]: 1 wallet key,
// 2 phrase (UTF-8), 3 derivation index (u32), 4 index key. Version 1 (before recovery phrases): [1][u32 n][bundle][wallet key or nothing].
function encodeSecrets(s: KeystoreSecrets): Uint8Array {
  const fields: [number, Uint8Array][] = [];
  if (s.walletKey) fields.push([1, s.walletKey]);
  if (s.mnemonic) {
    const index = new Uint8Array(4);
    new DataView(index.buffer).setUint32(0, s.mnemonic.index);
    fields.push([2, enc.encode(s.mnemonic.phrase)], [3, index]);
  }
  if (s.indexKey) fields.push([4, s.indexKey]);
  const size = 5 + s.keyBundle.length + fields.reduce((n, [, b]) => n + 5 + b.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = 2;
  view.setUint32(1, s.keyBundle.length);
  out.set(s.keyBundle, 5);
  let at = 5 + s.keyBundle.length;
  for (const [tag, bytes] of fields) {
    out[at] = tag;
    view.setUint32(at + 1, bytes.length);
    out.set(bytes, at + 5);
    at += 5 + bytes.length;
  }
  return out;
}

function decodeSecrets(b: Uint8Array): KeystoreSecrets {
  if (b.length < 5 || (b[0] !== 1 && b[0] !== 2)) throw damaged();
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = view.getUint32(1);
  if (5 + n > b.length) throw damaged();
  const out: KeystoreSecrets = { keyBundle: b.slice(5, 5 + n) };
  if (b[0] === 1) {
    const rest = b.length - 5 - n;
    if (rest !== 0 && rest !== 32) throw damaged();
    if (rest) out.walletKey = b.slice(5 + n);
    return out;
  }
  let phrase: string | undefined;
  let index = 0;
  for (let at = 5 + n; at < b.length; ) {
    if (at + 5 > b.length) throw damaged();
    const tag = b[at]!;
    const len = view.getUint32(at + 1);
    const bytes = b.slice(at + 5, at + 5 + len);
    if (bytes.length !== len) throw damaged();
    if (tag === 1 && len === 32) out.walletKey = bytes;
    else if (tag === 2) phrase = dec.decode(bytes);
    else if (tag === 3 && len === 4) index = new DataView(bytes.buffer).getUint32(0);
    else if (tag === 4 && len === 32) out.indexKey = bytes;
    else throw damaged();
    at += 5 + len;
  }
  if (phrase !== undefined) out.mnemonic = { phrase, index };
  return out;
}

const secretsAad = (address: string) => `xmtp-inbox/keystore/v1/${address}`;
// Key 1 keeps the name version 1 gave an account's only data key.
const wrapAad = (address: string, id: number) => `xmtp-inbox/data-key/v1/${address}${id === 1 ? '' : `/${id}`}`;

export const wrongPassword = () => new RpcError(ErrorCode.internal, 'Wrong password', { reason: 'wrong-password' });
export const damaged = () =>
  new RpcError(ErrorCode.internal, 'The stored keys are damaged and cannot be opened; restore the account from its wallet', { reason: 'corrupted' });

async function vaultCryptoKey(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', raw as BufferSource, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

export async function wrapDataKey(vaultKey: Uint8Array, address: string, id: number, dataKey: CryptoKey): Promise<WrappedKey> {
  return { id, box: await seal(await vaultCryptoKey(vaultKey), await exportKey(dataKey), wrapAad(address, id)) };
}

/** Opens one of an account's data keys: a box that does not open under the vault key means the password was wrong. */
export async function unwrapDataKey(vaultKey: Uint8Array, address: string, wrapped: WrappedKey): Promise<CryptoKey> {
  let raw: Uint8Array;
  try {
    raw = await openBox(await vaultCryptoKey(vaultKey), wrapped.box, wrapAad(address, wrapped.id));
  } catch (e) {
    if (e instanceof RpcError) throw e;
    throw wrongPassword();
  }
  if (raw.length !== 32) throw damaged();
  return importKey(raw);
}

/** Every data key of an account, by id. */
export async function unwrapAccountKeys(vaultKey: Uint8Array, account: AccountRecord): Promise<Map<number, CryptoKey>> {
  const keys = new Map<number, CryptoKey>();
  for (const w of account.keys) keys.set(w.id, await unwrapDataKey(vaultKey, account.address, w));
  return keys;
}

export function sealSecrets(dataKey: CryptoKey, address: string, secrets: KeystoreSecrets): Promise<SealedBox> {
  return seal(dataKey, encodeSecrets(secrets), secretsAad(address));
}

/** The secrets of an account, under its current data key; 'corrupted' when they do not open. */
export async function openSecrets(account: AccountRecord, dataKey: CryptoKey): Promise<KeystoreSecrets> {
  let plain: Uint8Array;
  try {
    plain = await openBox(dataKey, account.secrets, secretsAad(account.address));
  } catch (e) {
    if (e instanceof RpcError) throw e;
    throw damaged();
  }
  return decodeSecrets(plain);
}

/** A new vault for a first password. */
export async function createVault(password: string, iterations = PBKDF2_ITERATIONS): Promise<{ vault: VaultRecord; vaultKey: Uint8Array }> {
  const vault: VaultRecord = { kdf: newKdfParams(iterations) };
  return { vault, vaultKey: await deriveVaultKey(password, vault.kdf) };
}

/**
 * The vault key for `password`, checked against an account's first data key (every account's keys are
 * sealed under the one vault key, so any account proves it). 'wrong-password' otherwise.
 */
export async function openVault(vault: VaultRecord, password: string, witness: AccountRecord): Promise<Uint8Array> {
  const vaultKey = await deriveVaultKey(password, vault.kdf);
  await unwrapDataKey(vaultKey, witness.address, witness.keys[0]!);
  return vaultKey;
}

/** A new account: a fresh data key (key 1) and index key; the data key seals the secrets and is itself sealed under the vault key. */
export async function createAccountRecord(
  vaultKey: Uint8Array,
  address: string,
  secrets: KeystoreSecrets,
  base: Pick<AccountRecord, 'createdAt' | 'wallet' | 'label'>,
): Promise<{ record: AccountRecord; dataKey: CryptoKey; cache: CacheKeys }> {
  const dataKey = await newDataKey();
  const withIndex = { ...secrets, indexKey: secrets.indexKey ?? crypto.getRandomValues(new Uint8Array(32)) };
  const backup: BackupKind = secrets.mnemonic ? 'phrase' : secrets.walletKey ? 'key' : 'none';
  const record: AccountRecord = {
    address,
    ...base,
    keys: [await wrapDataKey(vaultKey, address, 1, dataKey)],
    secrets: await sealSecrets(dataKey, address, withIndex),
    backup,
    backedUp: false,
  };
  return { record, dataKey, cache: await cacheKeysOf(record, new Map([[1, dataKey]]), withIndex.indexKey) };
}

/** An account's cache keys: its data keys, `keys[0]` current, and its index key. */
export async function cacheKeysOf(account: AccountRecord, keys: Map<number, CryptoKey>, indexKey: Uint8Array): Promise<CacheKeys> {
  return { account: account.address, current: account.keys[0]!.id, keys, index: await importIndexKey(indexKey, true) };
}

/**
 * A new data key for an account (a password change): it becomes `keys[0]` and seals the secrets at once;
 * the older keys stay, sealed under the new vault key, until the cache is sealed again under the new one.
 */
export async function rotateDataKey(
  vaultKey: Uint8Array,
  account: AccountRecord,
  keys: Map<number, CryptoKey>,
  secrets: KeystoreSecrets,
): Promise<{ record: AccountRecord; keys: Map<number, CryptoKey> }> {
  const id = Math.max(...account.keys.map((w) => w.id)) + 1;
  const dataKey = await newDataKey();
  const all = new Map(keys).set(id, dataKey);
  const wrapped = await Promise.all([id, ...account.keys.map((w) => w.id)].map((k) => wrapDataKey(vaultKey, account.address, k, all.get(k)!)));
  return { record: { ...account, keys: wrapped, secrets: await sealSecrets(dataKey, account.address, secrets) }, keys: all };
}

/** An account whose older data keys are no longer needed (every row is sealed under `keys[0]`). */
export function dropOldKeys(account: AccountRecord): AccountRecord {
  return { ...account, keys: account.keys.slice(0, 1) };
}
