// Publish authentication with XMTP auth tokens (xmtp-node-api.md §5.2, §5.3; xmtp-protocol.md §7.5).
// Protobuf codecs and crypto primitives come from the client core (src/xmtp).
import { api, decode, encode, mc, toBigInt } from '../src/xmtp/proto.ts';
import type { PublicKey, Signature } from '../src/xmtp/proto.ts';
import { bytesToHex } from '../src/xmtp/crypto/bytes.ts';
import { keccak256 } from '../src/xmtp/crypto/hashes.ts';
import { personalSignDigest } from '../src/xmtp/crypto/eip191.ts';
import { publicKeyToAddress } from '../src/xmtp/crypto/address.ts';
import { recoverPublicKey, verifyDigest } from '../src/xmtp/crypto/secp256k1.ts';
import { ApiError, Code } from './errors.ts';

export const TOKEN_MAX_AGE_NS = 3600n * 1_000_000_000n;
/** Default allowance for a client clock running fast (NodeLimits.tokenFutureSkewMs). */
export const TOKEN_FUTURE_SKEW_MS = 5 * 60_000;

const unauthenticated = (message: string) => new ApiError(Code.UNAUTHENTICATED, message);
class TokenError extends Error {}
/** Refused for its time (expired, or dated ahead): the same token can be valid at another time. */
class TokenTimeError extends TokenError {}
/** A token refused whatever the time (malformed, forged): the refusal can be remembered. */
class RefusedToken extends ApiError {
  constructor(message: string) {
    super(Code.UNAUTHENTICATED, message);
  }
}

export interface VerifiedToken {
  /** EIP-55 wallet address the identity key was created by. */
  walletAddress: string;
  createdNs: bigint;
}

/**
 * Parses `Authorization: Bearer <base64 Token>` and validates it; throws UNAUTHENTICATED. A token is
 * valid from futureSkewMs before its creation time (a fast client clock) until one hour after it.
 */
export function verifyAuthorization(header: string | undefined, nowMs: number = Date.now(), futureSkewMs = TOKEN_FUTURE_SKEW_MS): VerifiedToken {
  if (header === undefined || header === '') throw unauthenticated('authorization token is not provided');
  const parts = header.split(' ');
  if (parts.length !== 2) throw unauthenticated('invalid authorization header');
  if (parts[0] !== 'Bearer') throw unauthenticated(`unrecognized authorization scheme ${parts[0]}`);
  let token;
  try {
    token = decodeToken(parts[1]!);
  } catch (err) {
    throw new RefusedToken(`extracting token: ${(err as Error).message}`);
  }
  try {
    return validateToken(token, nowMs, futureSkewMs);
  } catch (err) {
    if (err instanceof TokenTimeError) throw unauthenticated(`validating token: ${err.message}`);
    throw new RefusedToken(`validating token: ${(err as Error).message}`);
  }
}

const STD_B64_PADDED = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeToken(b64: string) {
  if (!STD_B64_PADDED.test(b64)) throw new TokenError('illegal base64 data');
  const token = decode(api.Token, Buffer.from(b64, 'base64'));
  if (!token.identityKey || !token.identityKey.signature) throw new TokenError('missing identity key');
  return token;
}

function sigParts(sig: Signature | null | undefined, allowWallet: boolean): { bytes: Uint8Array; recovery: number } {
  if (!sig) throw new TokenError('missing signature');
  if (sig.ecdsaCompact) return { bytes: sig.ecdsaCompact.bytes ?? new Uint8Array(), recovery: sig.ecdsaCompact.recovery ?? 0 };
  if (allowWallet && sig.walletEcdsaCompact) {
    return { bytes: sig.walletEcdsaCompact.bytes ?? new Uint8Array(), recovery: sig.walletEcdsaCompact.recovery ?? 0 };
  }
  throw new TokenError('unknown signature type');
}

/** Wallet address that signed "XMTP : Create Identity" for this legacy identity key (EIP-55). */
export function walletOfIdentityKey(key: PublicKey): string {
  if (!key.signature) throw new TokenError('identity key is not signed');
  const { bytes, recovery } = sigParts(key.signature, true);
  if (bytes.length !== 64) throw new TokenError('invalid signature length');
  const unsigned = encode(mc.PublicKey, { timestamp: key.timestamp, secp256k1Uncompressed: key.secp256k1Uncompressed });
  const text = `XMTP : Create Identity\n${bytesToHex(unsigned)}\n\nFor more info: https://xmtp.org/signatures/`;
  const pub = recoverPublicKey(personalSignDigest(text), bytes, recovery);
  if (!pub) throw new TokenError('invalid signature');
  return publicKeyToAddress(pub);
}

function validateToken(token: ReturnType<typeof decodeToken>, nowMs: number, futureSkewMs: number): VerifiedToken {
  const key = token.identityKey!;
  const wallet = walletOfIdentityKey(key);
  const pub = key.secp256k1Uncompressed?.bytes;
  if (!pub) throw new TokenError('unknown public key type');
  if (pub.length !== 65) throw new TokenError('invalid public key');
  const authBytes = token.authDataBytes;
  if (!authBytes || authBytes.length === 0) throw new TokenError('missing auth data');
  if (!token.authDataSignature) throw new TokenError('missing auth data signature');
  const { bytes } = sigParts(token.authDataSignature, false);
  if (bytes.length !== 64) throw new TokenError('invalid signature length');
  if (!verifyDigest(keccak256(authBytes), bytes, pub)) throw new TokenError('invalid signature');
  const auth = decode(api.AuthData, authBytes);
  if (auth.walletAddr !== wallet) throw new TokenError('wallet address mismatch');
  const createdNs = toBigInt(auth.createdNs);
  const nowNs = BigInt(nowMs) * 1_000_000n;
  if (nowNs - createdNs > TOKEN_MAX_AGE_NS) throw new TokenTimeError('token expired');
  // Without this a token dated years ahead would never expire.
  if (createdNs - nowNs > BigInt(futureSkewMs) * 1_000_000n) throw new TokenTimeError(`token created in the future (more than ${futureSkewMs / 1000} s ahead of the node's clock)`);
  return { walletAddress: wallet, createdNs };
}

/**
 * Verification results cached by token string: the SDK reuses one token for up to an hour, so a
 * publish normally costs a map lookup and an age check instead of two signature operations.
 * Only successful verifications are cached; age is re-checked on every use.
 */
export class TokenCache {
  private cache = new Map<string, VerifiedToken>();
  /** Forged or malformed tokens, refused again without signature work when replayed. */
  private refused = new Map<string, string>();
  constructor(private futureSkewMs = TOKEN_FUTURE_SKEW_MS, private max = 10_000) {}

  /** Whether verify() would answer from the cache (no signature work). */
  has(header: string | undefined): boolean {
    return header !== undefined && (this.cache.has(header) || this.refused.has(header));
  }

  verify(header: string | undefined, nowMs: number): VerifiedToken {
    const refusal = header ? this.refused.get(header) : undefined;
    if (refusal !== undefined) throw unauthenticated(refusal);
    const hit = header ? this.cache.get(header) : undefined;
    if (hit) {
      if (BigInt(nowMs) * 1_000_000n - hit.createdNs > TOKEN_MAX_AGE_NS) {
        this.cache.delete(header!);
        throw unauthenticated('validating token: token expired');
      }
      return hit;
    }
    // A cached token passed the future check when it was cached; time only brings it closer.
    let v: VerifiedToken;
    try {
      v = verifyAuthorization(header, nowMs, this.futureSkewMs);
    } catch (err) {
      if (err instanceof RefusedToken && header) remember(this.refused, header, err.message, this.max);
      throw err;
    }
    remember(this.cache, header!, v, this.max);
    return v;
  }
}

/** Bounded: the oldest entry goes first. */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  if (map.size >= max) map.delete(map.keys().next().value!);
  map.set(key, value);
}
