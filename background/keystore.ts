// Secrets at rest: the XMTP key bundle and, when the wallet was created or imported here, the wallet's
// private key. They are sealed with AES-256-GCM under a key derived from the user's password with
// PBKDF2-SHA256 (600,000 iterations, OWASP 2023). The derived key never leaves the background.
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

/** Derives the account key from a password. Extractable so an unlocked session survives a worker restart. */
export async function deriveKey(password: string, kdf: KdfParams): Promise<CryptoKey> {
  if (kdf.name !== 'PBKDF2-SHA256' || kdf.iterations < 100_000 || kdf.salt.length < 16) {
    throw damaged();
  }
  const material = await crypto.subtle.importKey('raw', enc.encode(password.normalize('NFKC')), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: kdf.salt as BufferSource, iterations: kdf.iterations },
    material,
    { name: 'AES-GCM', length: 256 },
    true,
    ['encrypt', 'decrypt'],
  );
}

export async function exportKey(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey('raw', key));
}

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
const checkAad = (address: string) => `xmtp-inbox/keystore-check/v1/${address}`;
const CHECK = enc.encode('xmtp-inbox password check');

export async function sealSecrets(key: CryptoKey, address: string, secrets: KeystoreSecrets): Promise<SealedBox> {
  return seal(key, encodeSecrets(secrets), secretsAad(address));
}

export const wrongPassword = () => new RpcError(ErrorCode.internal, 'Wrong password', { reason: 'wrong-password' });
const damaged = () =>
  new RpcError(ErrorCode.internal, 'The stored keys are damaged and cannot be opened; restore the account from its wallet', { reason: 'corrupted' });

/**
 * Opens an account's secrets with the password: 'wrong-password' when the check box does not open,
 * 'corrupted' when it does but the secrets do not. Neither changes the stored record.
 */
export async function unlockSecrets(account: AccountRecord, password: string): Promise<{ key: CryptoKey; secrets: KeystoreSecrets }> {
  const key = await deriveKey(password, account.kdf);
  return { key, secrets: await openSecrets(account, key) };
}

export async function openSecrets(account: AccountRecord, key: CryptoKey): Promise<KeystoreSecrets> {
  try {
    await open(key, account.check, checkAad(account.address));
  } catch (e) {
    if (e instanceof RpcError) throw e;
    throw wrongPassword();
  }
  let plain: Uint8Array;
  try {
    plain = await open(key, account.secrets, secretsAad(account.address));
  } catch (e) {
    if (e instanceof RpcError) throw e;
    throw damaged();
  }
  return decodeSecrets(plain);
}

/** A new record for these secrets under a new password (new salt, new key). */
export async function sealAccount(
  address: string,
  password: string,
  secrets: KeystoreSecrets,
  base: Pick<AccountRecord, 'createdAt' | 'wallet'>,
  iterations = PBKDF2_ITERATIONS,
): Promise<{ record: AccountRecord; key: CryptoKey }> {
  const kdf = newKdfParams(iterations);
  const key = await deriveKey(password, kdf);
  const record: AccountRecord = {
    address,
    ...base,
    kdf,
    secrets: await sealSecrets(key, address, secrets),
    check: await seal(key, CHECK, checkAad(address)),
  };
  return { record, key };
}
