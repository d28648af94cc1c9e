// Secrets at rest: the XMTP key bundle and, when the wallet was created or imported here, the wallet's
// private key. They are sealed with AES-256-GCM under the account's random data key, which is itself
// sealed under a key derived from the user's password with PBKDF2-SHA256 (600,000 iterations, OWASP
// 2023). Keys never leave the background.
import { ErrorCode, RpcError } from '../src/rpc.ts';
import type { AccountRecord, KdfParams, SealedBox } from './db.ts';

export const PBKDF2_ITERATIONS = 600_000;

/** What an account's sealed box holds. */
export interface KeystoreSecrets {
  /** encoded `PrivateKeyBundle` (v1), as the official SDK exports it */
  keyBundle: Uint8Array;
  /** the wallet's secp256k1 private key, only for wallets living in the extension */
  walletKey?: Uint8Array;
}

const enc = new TextEncoder();

export function newKdfParams(iterations = PBKDF2_ITERATIONS): KdfParams {
  return { name: 'PBKDF2-SHA256', iterations, salt: crypto.getRandomValues(new Uint8Array(16)) };
}

/** Derives the key-encryption key from a password (not extractable: it only ever unwraps the data key). */
export async function deriveKey(password: string, kdf: KdfParams): Promise<CryptoKey> {
  if (kdf.name !== 'PBKDF2-SHA256' || kdf.iterations < 100_000 || kdf.salt.length < 16) {
    throw damaged();
  }
  const material = await crypto.subtle.importKey('raw', enc.encode(password.normalize('NFKC')), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: kdf.salt as BufferSource, iterations: kdf.iterations },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

export async function exportKey(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey('raw', key));
}

/** The data key: extractable so an unlocked session can keep it in storage.session across restarts. */
export function importKey(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', raw as BufferSource, { name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
}

/** AES-GCM with a fresh 96-bit IV; `aad` binds the box to its purpose and account. */
export async function seal(key: CryptoKey, plaintext: Uint8Array, aad: string): Promise<SealedBox> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: enc.encode(aad) }, key, plaintext as BufferSource),
  );
  return { iv, ciphertext };
}

/** Throws when the key is wrong or the box was altered (GCM authenticates both). */
export async function open(key: CryptoKey, box: SealedBox, aad: string): Promise<Uint8Array> {
  if (!(box?.iv instanceof Uint8Array) || box.iv.length !== 12 || !(box.ciphertext instanceof Uint8Array) || box.ciphertext.length < 16) {
    throw damaged();
  }
  return new Uint8Array(
    await crypto.subtle.decrypt({ name: 'AES-GCM', iv: box.iv as BufferSource, additionalData: enc.encode(aad) }, key, box.ciphertext as BufferSource),
  );
}

// Secrets are serialised as [1-byte version][u32 bundle length][bundle][wallet key (0 or 32 bytes)].
function encodeSecrets(s: KeystoreSecrets): Uint8Array {
  const wallet = s.walletKey ?? new Uint8Array(0);
  const out = new Uint8Array(5 + s.keyBundle.length + wallet.length);
  out[0] = 1;
  new DataView(out.buffer).setUint32(1, s.keyBundle.length);
  out.set(s.keyBundle, 5);
  out.set(wallet, 5 + s.keyBundle.length);
  return out;
}

function decodeSecrets(b: Uint8Array): KeystoreSecrets {
  if (b.length < 5 || b[0] !== 1) throw damaged();
  const n = new DataView(b.buffer, b.byteOffset).getUint32(1);
  const rest = b.length - 5 - n;
  if (rest !== 0 && rest !== 32) throw damaged();
  return { keyBundle: b.slice(5, 5 + n), walletKey: rest ? b.slice(5 + n) : undefined };
}

const secretsAad = (address: string) => `xmtp-inbox/keystore/v1/${address}`;
const wrapAad = (address: string) => `xmtp-inbox/data-key/v1/${address}`;

export const wrongPassword = () => new RpcError(ErrorCode.internal, 'Wrong password', { reason: 'wrong-password' });
const damaged = () =>
  new RpcError(ErrorCode.internal, 'The stored keys are damaged and cannot be opened; restore the account from its wallet', { reason: 'corrupted' });

/**
 * Opens an account with its password. The password-derived key only unwraps the account's data key;
 * the data key seals the secrets (and the conversation keys cached in IndexedDB), so a password change
 * re-encrypts one small box. A box that does not open under the password is 'wrong-password'; secrets
 * that do not open under an unwrapped data key are 'corrupted'. Neither changes the stored record.
 */
export async function unlockAccount(account: AccountRecord, password: string): Promise<{ dataKey: CryptoKey; secrets: KeystoreSecrets }> {
  const kek = await deriveKey(password, account.kdf);
  let raw: Uint8Array;
  try {
    raw = await open(kek, account.dataKey, wrapAad(account.address));
  } catch (e) {
    if (e instanceof RpcError) throw e;
    throw wrongPassword();
  }
  if (raw.length !== 32) throw damaged();
  const dataKey = await importKey(raw);
  return { dataKey, secrets: await openSecrets(account, dataKey) };
}

export async function openSecrets(account: AccountRecord, dataKey: CryptoKey): Promise<KeystoreSecrets> {
  let plain: Uint8Array;
  try {
    plain = await open(dataKey, account.secrets, secretsAad(account.address));
  } catch (e) {
    if (e instanceof RpcError) throw e;
    throw damaged();
  }
  return decodeSecrets(plain);
}

async function wrapDataKey(address: string, password: string, dataKey: CryptoKey, iterations: number) {
  const kdf = newKdfParams(iterations);
  const kek = await deriveKey(password, kdf);
  return { kdf, dataKey: await seal(kek, await exportKey(dataKey), wrapAad(address)) };
}

/** A new account record: a fresh data key sealing the secrets, wrapped under the password. */
export async function createAccountRecord(
  address: string,
  password: string,
  secrets: KeystoreSecrets,
  base: Pick<AccountRecord, 'createdAt' | 'wallet'>,
  iterations = PBKDF2_ITERATIONS,
): Promise<{ record: AccountRecord; dataKey: CryptoKey }> {
  const dataKey = await importKey(crypto.getRandomValues(new Uint8Array(32)));
  const record: AccountRecord = {
    address,
    ...base,
    ...(await wrapDataKey(address, password, dataKey, iterations)),
    secrets: await seal(dataKey, encodeSecrets(secrets), secretsAad(address)),
  };
  return { record, dataKey };
}

/** The same account under a new password: the data key is re-encrypted under a new salt and key. */
export async function changeAccountPassword(account: AccountRecord, oldPassword: string, newPassword: string, iterations = PBKDF2_ITERATIONS): Promise<AccountRecord> {
  const { dataKey } = await unlockAccount(account, oldPassword);
  return { ...account, ...(await wrapDataKey(account.address, newPassword, dataKey, iterations)) };
}
