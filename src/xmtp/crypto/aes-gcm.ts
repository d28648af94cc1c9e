// The protocol's one symmetric scheme, "AES-256-GCM with HKDF-SHA-256" (spec 2.5), on WebCrypto,
// and the hkdfHmacKey helper (spec 2.6).
import { randomBytes, utf8 } from './bytes.ts';
import { hmacSha256, hkdfSha256 } from './hashes.ts';
import { XmtpError } from '../errors.ts';

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

export interface AesGcmCiphertext {
  hkdfSalt: Uint8Array; // 32 bytes
  gcmNonce: Uint8Array; // 12 bytes
  payload: Uint8Array; // ciphertext || 16-byte tag
}

export class CiphertextError extends XmtpError {
  constructor(message: string, code: 'invalid_ciphertext' | 'decryption_failed' = 'invalid_ciphertext') {
    super(code, message);
    this.name = 'CiphertextError';
  }
}

// WebCrypto wants ArrayBuffer-backed views; protobuf decoding may hand us Buffer slices.
const buf = (b: Uint8Array): Uint8Array<ArrayBuffer> => b as Uint8Array<ArrayBuffer>;

/** HKDF-SHA256 to a 32-byte AES key. Done in JS: it is cheaper than two WebCrypto round trips. */
function deriveAesKeyBytes(secret: Uint8Array, salt: Uint8Array): Uint8Array {
  return hkdfSha256(secret, salt, new Uint8Array(0), 32);
}

async function importAesKey(raw: Uint8Array, usage: KeyUsage): Promise<CryptoKey> {
  return subtle().importKey('raw', buf(raw), 'AES-GCM', false, [usage]);
}

export async function encryptAesGcmHkdf(
  secret: Uint8Array,
  plaintext: Uint8Array,
  aad?: Uint8Array,
  salt: Uint8Array = randomBytes(32),
  nonce: Uint8Array = randomBytes(12),
): Promise<AesGcmCiphertext> {
  const key = await importAesKey(deriveAesKeyBytes(secret, salt), 'encrypt');
  const params: AesGcmParams = { name: 'AES-GCM', iv: buf(nonce) };
  if (aad && aad.length) params.additionalData = buf(aad);
  const payload = new Uint8Array(await subtle().encrypt(params, key, buf(plaintext)));
  return { hkdfSalt: salt, gcmNonce: nonce, payload };
}

export function checkCiphertext(c: Partial<AesGcmCiphertext> | null | undefined): asserts c is AesGcmCiphertext {
  if (!c || !c.hkdfSalt || !c.gcmNonce || !c.payload) throw new CiphertextError('missing ciphertext');
  if (c.hkdfSalt.length !== 32) throw new CiphertextError('invalid salt length');
  if (c.gcmNonce.length !== 12) throw new CiphertextError('invalid nonce length');
  if (c.payload.length < 16) throw new CiphertextError('invalid payload length');
}

export async function decryptAesGcmHkdf(secret: Uint8Array, c: AesGcmCiphertext, aad?: Uint8Array): Promise<Uint8Array> {
  checkCiphertext(c);
  const key = await importAesKey(deriveAesKeyBytes(secret, c.hkdfSalt), 'decrypt');
  const params: AesGcmParams = { name: 'AES-GCM', iv: buf(c.gcmNonce) };
  if (aad && aad.length) params.additionalData = buf(aad);
  try {
    return new Uint8Array(await subtle().decrypt(params, key, buf(c.payload)));
  } catch {
    throw new CiphertextError('decryption failed', 'decryption_failed');
  }
}

/** hkdfHmacKey: HKDF-SHA256(secret, empty salt, info) — the key of sender_hmac (spec 2.6, 9.6). */
export function hkdfHmacKey(secret: Uint8Array, info: Uint8Array | string): Uint8Array {
  return hkdfSha256(secret, new Uint8Array(0), typeof info === 'string' ? utf8(info) : info, 32);
}

export function hmacSha256Sign(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmacSha256(key, message);
}
