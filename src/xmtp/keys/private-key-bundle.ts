// The user's XMTP keys: an identity key authorised by the wallet ("Create Identity") and a pre-key
// signed by the identity key. The final SDK only ever creates PrivateKeyBundleV1 (spec 3.1); V2
// structures are derived views of it (spec 3.4).
import { mc, encode, decode, u64, toNumber, type PublicKey, type PublicKeyBundle, type SignedPublicKeyBundle, type PrivateKeyBundleV1 } from '../proto.ts';
import { bytesToHex, concatBytes, equalBytes } from '../crypto/bytes.ts';
import { sha256, keccak256 } from '../crypto/hashes.ts';
import { generatePrivateKey, getPublicKey, signDigest, sharedSecret, type EcdsaSignature } from '../crypto/secp256k1.ts';
import { splitWalletSignature } from '../crypto/eip191.ts';
import { toChecksumAddress } from '../crypto/address.ts';
import { XmtpError } from '../errors.ts';
import { createIdentityText } from './signature-texts.ts';
import { ecdsaSignature } from './signatures.ts';
import { legacyBytesToSign, legacyToSignedBundle, verifyLegacyBundle } from './bundles.ts';
import type { Signer } from './signer.ts';

export interface KeyPair {
  privateKey: Uint8Array;
  /** legacy PublicKey including its signature */
  publicKey: PublicKey;
  /** 65-byte uncompressed public key */
  publicKeyBytes: Uint8Array;
  timestampMs: number;
}

const SECRET_CACHE_LIMIT = 1024;

export interface GenerateOptions {
  now?: () => number;
  identityKey?: Uint8Array;
  preKey?: Uint8Array;
  identityTimestampMs?: number;
  preKeyTimestampMs?: number;
}

export class PrivateKeyBundle {
  readonly identity: KeyPair;
  /** newest first; the current pre-key is preKeys[0] */
  readonly preKeys: KeyPair[];
  /** EIP-55 wallet address recovered from the identity key's wallet signature */
  readonly walletAddress: string;
  readonly publicBundle: PublicKeyBundle;
  readonly signedPublicBundle: SignedPublicKeyBundle;
  /** encoded signedPublicBundle, for SignedContent.sender and invitation headers */
  readonly signedPublicBundleBytes: Uint8Array;
  readonly publicBundleBytes: Uint8Array;
  private readonly secrets = new Map<string, Uint8Array>();

  private constructor(identity: KeyPair, preKeys: KeyPair[]) {
    if (!preKeys.length) throw new XmtpError('invalid_key_bundle', 'key bundle has no pre-key');
    this.identity = identity;
    this.preKeys = preKeys;
    this.publicBundle = { identityKey: identity.publicKey, preKey: preKeys[0]!.publicKey };
    // Validates the wallet signature and the pre-key signature of our own keys, once.
    this.walletAddress = verifyLegacyBundle(this.publicBundle).walletAddress;
    this.signedPublicBundle = legacyToSignedBundle(this.publicBundle);
    this.signedPublicBundleBytes = encode(mc.SignedPublicKeyBundle, this.signedPublicBundle);
    this.publicBundleBytes = encode(mc.PublicKeyBundle, this.publicBundle);
  }

  get preKey(): KeyPair {
    return this.preKeys[0]!;
  }

  /**
   * New identity + pre-key; asks the wallet for one "Create Identity" signature. The options fix
   * keys and timestamps (known-answer tests); normally both are random and "now".
   */
  static async generate(signer: Signer, opts: GenerateOptions = {}): Promise<PrivateKeyBundle> {
    const now = opts.now ?? Date.now;
    const idPriv = opts.identityKey ?? generatePrivateKey();
    const idPublic: PublicKey = {
      timestamp: u64(opts.identityTimestampMs ?? now()),
      secp256k1Uncompressed: { bytes: getPublicKey(idPriv) },
    };
    const walletSig = splitWalletSignature(await signer.signMessage(createIdentityText(legacyBytesToSign(idPublic))));
    // The wallet signature is stored as ecdsa_compact in the legacy key (spec 3.1 step 2).
    idPublic.signature = ecdsaSignature(walletSig);
    const prePriv = opts.preKey ?? generatePrivateKey();
    const prePublic: PublicKey = {
      timestamp: u64(opts.preKeyTimestampMs ?? now()),
      secp256k1Uncompressed: { bytes: getPublicKey(prePriv) },
    };
    prePublic.signature = ecdsaSignature(signDigest(sha256(legacyBytesToSign(prePublic)), idPriv));
    const bundle = new PrivateKeyBundle(pair(idPriv, idPublic), [pair(prePriv, prePublic)]);
    const expected = toChecksumAddress(await signer.getAddress());
    if (bundle.walletAddress !== expected) {
      throw new XmtpError('invalid_key_bundle', `identity signed by ${bundle.walletAddress}, expected ${expected}`);
    }
    return bundle;
  }

  static fromV1(v1: PrivateKeyBundleV1): PrivateKeyBundle {
    const toPair = (k: typeof v1.identityKey): KeyPair => {
      const priv = k?.secp256k1?.bytes;
      const pub = k?.publicKey;
      if (!priv || priv.length !== 32 || !pub) throw new XmtpError('invalid_key_bundle', 'incomplete private key');
      const derived = getPublicKey(priv);
      if (!equalBytes(derived, pub.secp256k1Uncompressed?.bytes)) {
        throw new XmtpError('invalid_key_bundle', 'private key does not match its public key');
      }
      return pair(priv, pub);
    };
    return new PrivateKeyBundle(toPair(v1.identityKey), (v1.preKeys ?? []).map(toPair));
  }

  /** Decodes an encoded PrivateKeyBundle (v1 only); falls back to a bare PrivateKeyBundleV1. */
  static decode(bytes: Uint8Array): PrivateKeyBundle {
    let wrapped: ReturnType<typeof mc.PrivateKeyBundle.decode> | null = null;
    try {
      wrapped = decode(mc.PrivateKeyBundle, bytes);
      if (wrapped.v1?.identityKey) return PrivateKeyBundle.fromV1(wrapped.v1);
    } catch {
      // fall through: older clients stored a bare PrivateKeyBundleV1
    }
    try {
      return PrivateKeyBundle.fromV1(decode(mc.PrivateKeyBundleV1, bytes));
    } catch (e) {
      if (wrapped?.v2 && !wrapped.v1) throw new XmtpError('unsupported', 'PrivateKeyBundleV2 is not supported');
      throw e;
    }
  }

  toV1(): PrivateKeyBundleV1 {
    const priv = (k: KeyPair) => ({ timestamp: u64(k.timestampMs), secp256k1: { bytes: k.privateKey }, publicKey: k.publicKey });
    return { identityKey: priv(this.identity), preKeys: this.preKeys.map(priv) };
  }

  /** Encoded `PrivateKeyBundle{ v1 }`: the format of privateKeyOverride and the network store. */
  encode(): Uint8Array {
    return encode(mc.PrivateKeyBundle, { v1: this.toV1() });
  }

  findPreKey(publicKey: Uint8Array): KeyPair | undefined {
    return this.preKeys.find((k) => equalBytes(k.publicKeyBytes, publicKey));
  }

  signWithPreKey(digest: Uint8Array): EcdsaSignature {
    return signDigest(digest, this.preKey.privateKey);
  }

  /** Auth tokens sign keccak256 of the AuthData bytes with the identity key (spec 7.5). */
  signAuthData(authDataBytes: Uint8Array): EcdsaSignature {
    return signDigest(keccak256(authDataBytes), this.identity.privateKey);
  }

  /**
   * The 195-byte "3DH" secret (spec 8.1). Cached per (peer keys, own pre-key, side): ECDH is
   * the most expensive operation in the client and V1 messages need it for every message.
   */
  sharedSecret(peerIdentityKey: Uint8Array, peerPreKey: Uint8Array, myPreKey: Uint8Array, isRecipient: boolean): Uint8Array {
    const cacheKey = bytesToHex(peerIdentityKey) + bytesToHex(peerPreKey) + bytesToHex(myPreKey) + (isRecipient ? '1' : '0');
    const hit = this.secrets.get(cacheKey);
    if (hit) return hit;
    const pre = this.findPreKey(myPreKey);
    if (!pre) throw new XmtpError('invalid_key_bundle', 'no matching own pre-key');
    const idPriv = this.identity.privateKey;
    const dh1 = isRecipient ? sharedSecret(pre.privateKey, peerIdentityKey) : sharedSecret(idPriv, peerPreKey);
    const dh2 = isRecipient ? sharedSecret(idPriv, peerPreKey) : sharedSecret(pre.privateKey, peerIdentityKey);
    const dh3 = sharedSecret(pre.privateKey, peerPreKey);
    const secret = concatBytes(dh1, dh2, dh3);
    if (this.secrets.size >= SECRET_CACHE_LIMIT) this.secrets.delete(this.secrets.keys().next().value!);
    this.secrets.set(cacheKey, secret);
    return secret;
  }
}

function pair(privateKey: Uint8Array, publicKey: PublicKey): KeyPair {
  return {
    privateKey,
    publicKey,
    publicKeyBytes: publicKey.secp256k1Uncompressed!.bytes!,
    timestampMs: toNumber(publicKey.timestamp),
  };
}
