// Hash functions used by the protocol (all synchronous, from @noble/hashes).
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { hmac } from '@noble/hashes/hmac.js';
import { hkdf } from '@noble/hashes/hkdf.js';

export const sha256 = (data: Uint8Array): Uint8Array => nobleSha256(data);
export const keccak256 = (data: Uint8Array): Uint8Array => keccak_256(data);
export const hmacSha256 = (key: Uint8Array, data: Uint8Array): Uint8Array => hmac(nobleSha256, key, data);

/** HKDF-SHA256 (RFC 5869); an empty salt means 32 zero bytes, as in WebCrypto and the SDK. */
export const hkdfSha256 = (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length = 32): Uint8Array =>
  hkdf(nobleSha256, ikm, salt, info, length);
