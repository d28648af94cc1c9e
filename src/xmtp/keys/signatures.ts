// Reading and writing the protocol's Signature message.
import type { Signature } from '../proto.ts';
import type { EcdsaSignature } from '../crypto/secp256k1.ts';

export interface TaggedSignature extends EcdsaSignature {
  /** true when carried as wallet_ecdsa_compact (field 2), false for ecdsa_compact (field 1) */
  wallet: boolean;
}

/** First present member in field order, as the SDK checks it; null if none. */
export function readSignature(sig: Signature | null | undefined): TaggedSignature | null {
  if (!sig) return null;
  const ecdsa = sig.ecdsaCompact;
  if (ecdsa && ecdsa.bytes && ecdsa.bytes.length) {
    return { bytes: ecdsa.bytes, recovery: ecdsa.recovery ?? 0, wallet: false };
  }
  const wallet = sig.walletEcdsaCompact;
  if (wallet && wallet.bytes && wallet.bytes.length) {
    return { bytes: wallet.bytes, recovery: wallet.recovery ?? 0, wallet: true };
  }
  return null;
}

export function ecdsaSignature(s: EcdsaSignature): Signature {
  return { ecdsaCompact: { bytes: s.bytes, recovery: s.recovery } };
}

export function walletSignature(s: EcdsaSignature): Signature {
  return { walletEcdsaCompact: { bytes: s.bytes, recovery: s.recovery } };
}
