// Pluggable secp256k1 backend for verification and recovery (and optionally signing and ECDH). Signature checks dominate decode cost, so the
// extension (and Node) can install a faster backend (see wasm-verifier.ts); the pure-JS noble
// backend is always available and is the default, so nothing breaks if WASM cannot load.
import { secp256k1 } from '@noble/curves/secp256k1.js';

export interface SignatureVerifier {
  readonly name: string;
  /** Strict ECDSA verify (low-S required) of a 64-byte r||s over a 32-byte digest (no prehash). */
  verify(digest: Uint8Array, sig64: Uint8Array, pub65: Uint8Array): boolean;
  /** Recovers the 65-byte uncompressed public key, or null if the signature is invalid. */
  recover(digest: Uint8Array, sig64: Uint8Array, recovery: number): Uint8Array | null;
  /**
   * Optional: RFC 6979 deterministic low-S signing over a 32-byte digest. Must produce exactly
   * noble's signature (RFC 6979 makes it unique); absent → noble signs.
   */
  sign?(digest: Uint8Array, priv: Uint8Array): { bytes: Uint8Array; recovery: number } | null;
  /** Optional: the 65-byte uncompressed point priv × pub65; absent → noble. */
  ecdh?(priv: Uint8Array, pub65: Uint8Array): Uint8Array | null;
}

export const nobleVerifier: SignatureVerifier = {
  name: 'noble',
  verify(digest, sig64, pub65) {
    try {
      return secp256k1.verify(sig64, digest, pub65, { prehash: false, lowS: true, format: 'compact' });
    } catch {
      return false;
    }
  },
  recover(digest, sig64, recovery) {
    try {
      const sig = secp256k1.Signature.fromBytes(sig64, 'compact').addRecoveryBit(recovery);
      return sig.recoverPublicKey(digest).toBytes(false);
    } catch {
      return null;
    }
  },
};

let current: SignatureVerifier = nobleVerifier;

/** Installs a verifier for all subsequent checks; `null` restores the noble fallback. */
export function setSignatureVerifier(verifier: SignatureVerifier | null): void {
  current = verifier ?? nobleVerifier;
}

export function getSignatureVerifier(): SignatureVerifier {
  return current;
}
