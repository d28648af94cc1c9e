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

// noble fallback: a public key that keeps verifying (a sender's pre-key across a conversation)
// gets a precomputed multiplication table after a few uses, which makes each check several times
// faster. Tables are large (~0.4 MB), so only a few are kept.
const { Point } = secp256k1;
const N = Point.Fn.ORDER;
const PRECOMPUTE_AFTER = 8;
const MAX_TABLES = 8;
const uses = new Map<string, number>();
const tables = new Map<string, InstanceType<typeof Point>>();

function keyOf(b: Uint8Array): string {
  return String.fromCharCode.apply(null, b as unknown as number[]);
}

function precomputedPoint(pub65: Uint8Array): InstanceType<typeof Point> | null {
  const k = keyOf(pub65);
  const hit = tables.get(k);
  if (hit) return hit;
  const n = (uses.get(k) ?? 0) + 1;
  if (uses.size > 4096) uses.clear();
  uses.set(k, n);
  if (n < PRECOMPUTE_AFTER) return null;
  const P = Point.fromBytes(pub65);
  P.precompute(8, false);
  if (tables.size >= MAX_TABLES) tables.delete(tables.keys().next().value!);
  tables.set(k, P);
  uses.delete(k);
  return P;
}

const toBigInt = (b: Uint8Array): bigint => {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
};

/** Textbook ECDSA verification with a precomputed public point (same rules as noble's verify). */
function verifyWithTable(digest: Uint8Array, sig64: Uint8Array, P: InstanceType<typeof Point>): boolean {
  const sig = secp256k1.Signature.fromBytes(sig64, 'compact'); // r, s in [1, n-1]
  if (sig.hasHighS()) return false;
  const h = toBigInt(digest) % N;
  const sInv = Point.Fn.inv(sig.s);
  const R = Point.BASE.multiplyUnsafe((h * sInv) % N).add(P.multiplyUnsafe((sig.r * sInv) % N));
  if (R.is0()) return false;
  return R.toAffine().x % N === sig.r;
}

export const nobleVerifier: SignatureVerifier = {
  name: 'noble',
  verify(digest, sig64, pub65) {
    try {
      const P = precomputedPoint(pub65);
      if (P) return verifyWithTable(digest, sig64, P);
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
