// Public key bundles: legacy (V1) ⇄ signed (V2) conversion exactly as the SDK does it (spec 3.4)
// and peer-bundle verification (spec 3.5). Verification recovers a wallet address (an EIP-191
// recovery) and checks the pre-key signature: both expensive, both only needed once per distinct
// bundle, so results are cached by the bundle's encoded bytes.
import { mc, encode, decode, toBigInt, type PublicKey, type PublicKeyBundle, type SignedPublicKey, type SignedPublicKeyBundle } from '../proto.ts';
import { equalBytes } from '../crypto/bytes.ts';
import { sha256 } from '../crypto/hashes.ts';
import { verifyDigest } from '../crypto/secp256k1.ts';
import { recoverPersonalSignAddress } from '../crypto/eip191.ts';
import { XmtpError } from '../errors.ts';
import { createIdentityText } from './signature-texts.ts';
import { readSignature, ecdsaSignature, walletSignature } from './signatures.ts';

/** Keys whose created_ns is below this carry milliseconds (converted from legacy keys). */
export const MS_NS_TIMESTAMP_THRESHOLD = 10n ** 18n;

export interface VerifiedBundle {
  /** EIP-55 wallet address that signed the identity key */
  walletAddress: string;
  /** 65-byte uncompressed identity public key */
  identityKey: Uint8Array;
  /** 65-byte uncompressed pre-key */
  preKey: Uint8Array;
}

const bundleError = (msg: string) => new XmtpError('invalid_key_bundle', msg);

// ---- legacy PublicKey ----

/** Canonical encoding of a legacy key without its signature: the bytes its signer signed. */
export function legacyBytesToSign(key: PublicKey): Uint8Array {
  return encode(mc.PublicKey, { timestamp: key.timestamp, secp256k1Uncompressed: key.secp256k1Uncompressed });
}

export function legacyPublicKeyBytes(key: PublicKey | null | undefined): Uint8Array {
  const pub = key?.secp256k1Uncompressed?.bytes;
  if (!pub || pub.length !== 65) throw bundleError('public key must be 65 bytes');
  return pub;
}

// ---- SignedPublicKey ----

export interface UnsignedKeyInfo {
  publicKey: Uint8Array;
  createdNs: bigint;
  /** converted from a legacy key: created_ns holds milliseconds */
  fromLegacy: boolean;
  timestampMs: number;
}

export function unsignedKeyInfo(keyBytes: Uint8Array | null | undefined): UnsignedKeyInfo {
  if (!keyBytes || !keyBytes.length) throw bundleError('missing key bytes');
  const k = decode(mc.UnsignedPublicKey, keyBytes);
  const pub = k.secp256k1Uncompressed?.bytes;
  if (!pub || pub.length !== 65) throw bundleError('public key must be 65 bytes');
  const createdNs = toBigInt(k.createdNs);
  const fromLegacy = createdNs < MS_NS_TIMESTAMP_THRESHOLD;
  return { publicKey: pub, createdNs, fromLegacy, timestampMs: Number(fromLegacy ? createdNs : createdNs / 1_000_000n) };
}

// ---- conversion (spec 3.4) ----

export function legacyToSignedBundle(bundle: PublicKeyBundle): SignedPublicKeyBundle {
  const id = bundle.identityKey;
  const pre = bundle.preKey;
  const idSig = readSignature(id?.signature);
  const preSig = readSignature(pre?.signature);
  if (!id || !pre || !idSig || !preSig) throw bundleError('incomplete legacy bundle');
  return {
    // The wallet signature is re-tagged from ecdsa_compact to wallet_ecdsa_compact.
    identityKey: { keyBytes: legacyBytesToSign(id), signature: walletSignature(idSig) },
    preKey: { keyBytes: legacyBytesToSign(pre), signature: ecdsaSignature(preSig) },
  };
}

/** Reverse conversion; only possible when both keys came from legacy keys. */
export function signedToLegacyBundle(bundle: SignedPublicKeyBundle): PublicKeyBundle | null {
  const toLegacy = (k: SignedPublicKey | null | undefined): PublicKey | null => {
    if (!k) return null;
    const info = unsignedKeyInfo(k.keyBytes);
    const sig = readSignature(k.signature);
    if (!info.fromLegacy || !sig) return null;
    const legacy = decode(mc.PublicKey, k.keyBytes!);
    return { timestamp: legacy.timestamp, signature: ecdsaSignature(sig), secp256k1Uncompressed: legacy.secp256k1Uncompressed };
  };
  const identityKey = toLegacy(bundle.identityKey);
  const preKey = toLegacy(bundle.preKey);
  return identityKey && preKey ? { identityKey, preKey } : null;
}

// ---- equality (keys and signatures, including the signature tag) ----

export const signedKeyEquals = (a: SignedPublicKey | null | undefined, b: SignedPublicKey | null | undefined): boolean =>
  !!a && !!b && equalBytes(encode(mc.SignedPublicKey, a), encode(mc.SignedPublicKey, b));

export const signedBundleEquals = (a: SignedPublicKeyBundle | null | undefined, b: SignedPublicKeyBundle | null | undefined): boolean =>
  !!a && !!b && equalBytes(encode(mc.SignedPublicKeyBundle, a), encode(mc.SignedPublicKeyBundle, b));

export const legacyBundleEquals = (a: PublicKeyBundle | null | undefined, b: PublicKeyBundle | null | undefined): boolean =>
  !!a && !!b && equalBytes(encode(mc.PublicKeyBundle, a), encode(mc.PublicKeyBundle, b));

// ---- verification (spec 3.5) ----

function verifyPreKey(identityKey: Uint8Array, preKeyBytesToSign: Uint8Array, preSig: ReturnType<typeof readSignature>): void {
  if (!preSig) throw bundleError('pre-key is not signed');
  if (!verifyDigest(sha256(preKeyBytesToSign), preSig.bytes, identityKey)) {
    throw new XmtpError('invalid_signature', 'pre-key signature does not verify against the identity key');
  }
}

function recoverWallet(keyBytes: Uint8Array, sig: NonNullable<ReturnType<typeof readSignature>>): string {
  const address = recoverPersonalSignAddress(createIdentityText(keyBytes), sig);
  if (!address) throw new XmtpError('invalid_signature', 'identity key wallet signature does not recover');
  return address;
}

export function verifyLegacyBundle(bundle: PublicKeyBundle | null | undefined): VerifiedBundle {
  if (!bundle?.identityKey || !bundle.preKey) throw bundleError('bundle is missing keys');
  const identityKey = legacyPublicKeyBytes(bundle.identityKey);
  const preKey = legacyPublicKeyBytes(bundle.preKey);
  // Legacy identity keys accept either signature tag (old Flutter clients used the wallet tag).
  const idSig = readSignature(bundle.identityKey.signature);
  if (!idSig) throw bundleError('identity key is not signed');
  const walletAddress = recoverWallet(legacyBytesToSign(bundle.identityKey), idSig);
  verifyPreKey(identityKey, legacyBytesToSign(bundle.preKey), readSignature(bundle.preKey.signature));
  return { walletAddress, identityKey, preKey };
}

export function verifySignedBundle(bundle: SignedPublicKeyBundle | null | undefined): VerifiedBundle {
  if (!bundle?.identityKey || !bundle.preKey) throw bundleError('bundle is missing keys');
  const id = unsignedKeyInfo(bundle.identityKey.keyBytes);
  const pre = unsignedKeyInfo(bundle.preKey.keyBytes);
  const idSig = readSignature(bundle.identityKey.signature);
  if (!idSig || !idSig.wallet) throw new XmtpError('invalid_signature', 'key was not signed by a wallet');
  const preSig = readSignature(bundle.preKey.signature);
  if (preSig?.wallet) throw new XmtpError('invalid_signature', 'pre-key signature must not be a wallet signature');
  const walletAddress = recoverWallet(bundle.identityKey.keyBytes!, idSig);
  verifyPreKey(id.publicKey, bundle.preKey.keyBytes!, preSig);
  return { walletAddress, identityKey: id.publicKey, preKey: pre.publicKey };
}

// ---- cache by bytes ----

type CacheEntry = VerifiedBundle | XmtpError;
const CACHE_LIMIT = 4096;
const cache = new Map<string, CacheEntry>();

/** A compact exact key for a byte string (one UTF-16 unit per byte). */
function bytesKey(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[]);
  return s;
}

function cached(kind: string, bytes: Uint8Array, compute: () => VerifiedBundle): VerifiedBundle {
  const key = kind + bytesKey(bytes);
  let hit = cache.get(key);
  if (hit === undefined) {
    try {
      hit = compute();
    } catch (e) {
      hit = e instanceof XmtpError ? e : bundleError((e as Error).message);
    }
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(key, hit);
  }
  if (hit instanceof XmtpError) throw hit;
  return hit;
}

/** Verifies an encoded SignedPublicKeyBundle, once per distinct byte string. */
export function verifySignedBundleBytes(bytes: Uint8Array): VerifiedBundle {
  return cached('s', bytes, () => verifySignedBundle(decode(mc.SignedPublicKeyBundle, bytes)));
}

/** Verifies an encoded legacy PublicKeyBundle, once per distinct byte string. */
export function verifyLegacyBundleBytes(bytes: Uint8Array): VerifiedBundle {
  return cached('l', bytes, () => verifyLegacyBundle(decode(mc.PublicKeyBundle, bytes)));
}

export const verifySignedBundleCached = (b: SignedPublicKeyBundle): VerifiedBundle =>
  verifySignedBundleBytes(encode(mc.SignedPublicKeyBundle, b));
export const verifyLegacyBundleCached = (b: PublicKeyBundle): VerifiedBundle =>
  verifyLegacyBundleBytes(encode(mc.PublicKeyBundle, b));

export function clearBundleCache(): void {
  cache.clear();
}
