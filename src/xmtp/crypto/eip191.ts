// Wallet signatures: EIP-191 personal_sign digests, 65-byte r||s||v parsing and signer
// recovery (spec 2.3).
import { concatBytes, hexToBytes, utf8 } from './bytes.ts';
import { keccak256 } from './hashes.ts';
import { publicKeyToAddress } from './address.ts';
import { recoverPublicKey, type EcdsaSignature } from './secp256k1.ts';

export function personalSignDigest(message: string | Uint8Array): Uint8Array {
  const msg = typeof message === 'string' ? utf8(message) : message;
  return keccak256(concatBytes(utf8(`\x19Ethereum Signed Message:\n${msg.length}`), msg));
}

/** Splits a 65-byte wallet signature the way the SDK does: v in {0,1} is lifted to {27,28}. */
export function splitWalletSignature(sig: string | Uint8Array): EcdsaSignature {
  const bytes = typeof sig === 'string' ? hexToBytes(sig) : sig;
  if (bytes.length !== 65) throw new TypeError('wallet signature must be 65 bytes');
  let v = bytes[64]!;
  if (v === 0 || v === 1) v += 27;
  return { bytes: bytes.slice(0, 64), recovery: 1 - (v % 2) };
}

export function recoverPersonalSignPublicKey(message: string | Uint8Array, sig: EcdsaSignature): Uint8Array | null {
  return recoverPublicKey(personalSignDigest(message), sig.bytes, sig.recovery);
}

/** EIP-55 address that personal_signed `message`, or null if the signature does not recover. */
export function recoverPersonalSignAddress(message: string | Uint8Array, sig: EcdsaSignature): string | null {
  const pub = recoverPersonalSignPublicKey(message, sig);
  return pub ? publicKeyToAddress(pub) : null;
}
