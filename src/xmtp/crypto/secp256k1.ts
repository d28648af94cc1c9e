// secp256k1 operations as XMTP uses them (spec 2.1, 2.2): 65-byte uncompressed keys, ECDH output
// is the full 65-byte shared point, ECDSA over caller-supplied 32-byte digests (no prehash),
// low-S, recovery id 0/1 carried separately from r||s.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { getSignatureVerifier } from './verifier.ts';

export interface EcdsaSignature {
  /** r(32) || s(32) */
  bytes: Uint8Array;
  recovery: number;
}

export function generatePrivateKey(): Uint8Array {
  return secp256k1.utils.randomSecretKey();
}

export function getPublicKey(priv: Uint8Array): Uint8Array {
  return secp256k1.getPublicKey(priv, false);
}

export function isValidPublicKey(pub: Uint8Array): boolean {
  return pub.length === 65 && pub[0] === 4 && secp256k1.utils.isValidPublicKey(pub, false);
}

/** RFC 6979 deterministic, low-S ECDSA over a 32-byte digest. */
export function signDigest(digest: Uint8Array, priv: Uint8Array): EcdsaSignature {
  if (digest.length !== 32) throw new TypeError('digest must be 32 bytes');
  const fast = getSignatureVerifier().sign?.(digest, priv);
  if (fast) return fast;
  // noble v2 "recovered" format puts the recovery byte first: rec || r || s.
  const sig = secp256k1.sign(digest, priv, { prehash: false, lowS: true, format: 'recovered' });
  return { bytes: sig.slice(1, 65), recovery: sig[0]! };
}

export function verifyDigest(digest: Uint8Array, sig64: Uint8Array, pub65: Uint8Array): boolean {
  if (digest.length !== 32 || sig64.length !== 64 || pub65.length !== 65) return false;
  return getSignatureVerifier().verify(digest, sig64, pub65);
}

/** Recovers the signer's 65-byte public key; null when the signature does not recover. */
export function recoverPublicKey(digest: Uint8Array, sig64: Uint8Array, recovery: number): Uint8Array | null {
  if (digest.length !== 32 || sig64.length !== 64 || (recovery !== 0 && recovery !== 1)) return null;
  return getSignatureVerifier().recover(digest, sig64, recovery);
}

/** ECDH as XMTP uses it: the full uncompressed shared point (65 bytes), unhashed. */
export function sharedSecret(priv: Uint8Array, peerPub65: Uint8Array): Uint8Array {
  return getSignatureVerifier().ecdh?.(priv, peerPub65) ?? secp256k1.getSharedSecret(priv, peerPub65, false);
}
