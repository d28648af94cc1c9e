// Publish authentication tokens (spec 7.5): minting on the client, validation for the node.
import { api, mc, encode, decode, u64, toBigInt, type Token } from '../proto.ts';
import { fromBase64, toBase64 } from '../crypto/bytes.ts';
import { keccak256 } from '../crypto/hashes.ts';
import { verifyDigest } from '../crypto/secp256k1.ts';
import { XmtpError } from '../errors.ts';
import { recoverPersonalSignAddress } from '../crypto/eip191.ts';
import { createIdentityText } from '../keys/signature-texts.ts';
import { legacyBytesToSign } from '../keys/bundles.ts';
import { ecdsaSignature } from '../keys/signatures.ts';
import type { PrivateKeyBundle } from '../keys/private-key-bundle.ts';

/** Tokens are reused until this old (the node accepts one hour). */
export const TOKEN_MAX_AGE_MS = 3590_000;
export const NODE_TOKEN_MAX_AGE_MS = 3600_000;

export interface AuthToken {
  bytes: Uint8Array;
  /** value for `Authorization: Bearer <base64>` */
  base64: string;
  createdMs: number;
}

export function createAuthToken(keys: PrivateKeyBundle, nowMs: number = Date.now()): AuthToken {
  const authDataBytes = encode(api.AuthData, { walletAddr: keys.walletAddress, createdNs: u64(BigInt(nowMs) * 1_000_000n) });
  const token: Token = {
    identityKey: keys.identity.publicKey,
    authDataBytes,
    authDataSignature: ecdsaSignature(keys.signAuthData(authDataBytes)),
  };
  const bytes = encode(api.Token, token);
  return { bytes, base64: toBase64(bytes), createdMs: nowMs };
}

/** Caches one token and mints a new one when it gets old or the node rejected it (code 16). */
export class AuthCache {
  private token: AuthToken | null = null;
  constructor(
    private readonly keys: PrivateKeyBundle,
    private readonly now: () => number = Date.now,
  ) {}

  get(): AuthToken {
    const now = this.now();
    if (!this.token || now - this.token.createdMs > TOKEN_MAX_AGE_MS) this.token = createAuthToken(this.keys, now);
    return this.token;
  }

  invalidate(): void {
    this.token = null;
  }
}

export class AuthTokenError extends XmtpError {
  constructor(message: string) {
    super('invalid_signature', message);
    this.name = 'AuthTokenError';
  }
}

export interface ValidatedToken {
  /** EIP-55 address recovered from the identity key's wallet signature */
  walletAddress: string;
  createdNs: bigint;
  identityKey: Uint8Array;
}

/**
 * Validates a token as xmtp-node-go does (xmtp-node-api.md 5.2-5.3), with its error texts.
 * Accepts the base64 header value or the decoded bytes.
 */
export function validateAuthToken(token: string | Uint8Array, nowMs: number = Date.now()): ValidatedToken {
  let t: Token;
  try {
    t = decode(api.Token, typeof token === 'string' ? fromBase64(token) : token);
  } catch (e) {
    throw new AuthTokenError(`extracting token: ${(e as Error).message}`);
  }
  if (!t.identityKey || !t.identityKey.signature) throw new AuthTokenError('extracting token: missing identity key');
  const idKey = t.identityKey;
  const sig = idKey.signature!;
  const tagged = sig.ecdsaCompact ?? sig.walletEcdsaCompact;
  if (!tagged) throw new AuthTokenError('validating token: unknown signature type');
  if (!tagged.bytes || tagged.bytes.length !== 64) throw new AuthTokenError('validating token: invalid signature length');
  const walletAddress = recoverPersonalSignAddress(createIdentityText(legacyBytesToSign(idKey)), {
    bytes: tagged.bytes,
    recovery: tagged.recovery ?? 0,
  });
  if (!walletAddress) throw new AuthTokenError('validating token: invalid signature');
  const pub = idKey.secp256k1Uncompressed?.bytes;
  if (!idKey.secp256k1Uncompressed) throw new AuthTokenError('validating token: unknown public key type');
  if (!pub || pub.length !== 65) throw new AuthTokenError('validating token: invalid public key');
  if (!t.authDataBytes || !t.authDataBytes.length) throw new AuthTokenError('validating token: missing auth data');
  if (!t.authDataSignature) throw new AuthTokenError('validating token: missing auth data signature');
  const authSig = t.authDataSignature.ecdsaCompact;
  if (!authSig) throw new AuthTokenError('validating token: unknown signature type');
  if (!authSig.bytes || authSig.bytes.length !== 64) throw new AuthTokenError('validating token: invalid signature length');
  if (!verifyDigest(keccak256(t.authDataBytes), authSig.bytes, pub)) throw new AuthTokenError('validating token: invalid signature');
  const authData = decode(api.AuthData, t.authDataBytes);
  if (authData.walletAddr !== walletAddress) throw new AuthTokenError('validating token: wallet address mismatch');
  const createdNs = toBigInt(authData.createdNs);
  if (BigInt(nowMs) * 1_000_000n - createdNs > BigInt(NODE_TOKEN_MAX_AGE_MS) * 1_000_000n) {
    throw new AuthTokenError('validating token: token expired');
  }
  return { walletAddress, createdNs, identityKey: pub };
}

/** Wallet address that authorised a legacy identity PublicKey (either signature tag), or null. */
export function legacyIdentityWalletAddress(key: ReturnType<typeof mc.PublicKey.decode>): string | null {
  const s = key.signature?.ecdsaCompact ?? key.signature?.walletEcdsaCompact;
  if (!s?.bytes || s.bytes.length !== 64) return null;
  return recoverPersonalSignAddress(createIdentityText(legacyBytesToSign(key)), { bytes: s.bytes, recovery: s.recovery ?? 0 });
}
