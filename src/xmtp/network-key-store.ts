// The network private key store, "Enable Identity" (spec 4): the key bundle encrypted with a
// wallet signature and published to the user's privatestore topic.
import { mc, encode, decode } from './proto.ts';
import { hexToBytes, randomBytes } from './crypto/bytes.ts';
import { toChecksumAddress } from './crypto/address.ts';
import { decryptAesGcmHkdf, encryptAesGcmHkdf, checkCiphertext } from './crypto/aes-gcm.ts';
import { recoverPersonalSignAddress, splitWalletSignature } from './crypto/eip191.ts';
import { XmtpError } from './errors.ts';
import { enableIdentityText } from './keys/signature-texts.ts';
import { PrivateKeyBundle } from './keys/private-key-bundle.ts';
import type { Signer } from './keys/signer.ts';
import type { ApiClient } from './api/api-client.ts';
import { privateStoreTopic } from './topics.ts';

export async function storeKeysOnNetwork(api: ApiClient, signer: Signer, keys: PrivateKeyBundle): Promise<void> {
  const address = toChecksumAddress(await signer.getAddress());
  const walletPreKey = randomBytes(32);
  const text = enableIdentityText(walletPreKey);
  const sigHex = await signer.signMessage(text);
  // Guards against wallets (e.g. some Ledger setups) returning signatures that do not recover.
  if (recoverPersonalSignAddress(text, splitWalletSignature(sigHex)) !== address) {
    throw new XmtpError('key_store', 'wallet signature does not recover to the wallet address');
  }
  const c = await encryptAesGcmHkdf(hexToBytes(sigHex), keys.encode());
  const message = encode(mc.EncryptedPrivateKeyBundle, { v1: { walletPreKey, ciphertext: { aes256GcmHkdfSha256: c } } });
  await api.publish([{ contentTopic: privateStoreTopic(address), timestampNs: BigInt(api.now()) * 1_000_000n, message }]);
}

type StoredBundle = { walletPreKey: Uint8Array; ciphertext: { hkdfSalt: Uint8Array; gcmNonce: Uint8Array; payload: Uint8Array } };

/** An envelope of the key store topic as an encrypted bundle, or undefined when it is not one. */
function storedBundle(message: Uint8Array): StoredBundle | undefined {
  let v1: import('./proto.ts').xmtp.message_contents.EncryptedPrivateKeyBundleV1.$Properties | null | undefined;
  try {
    v1 = decode(mc.EncryptedPrivateKeyBundle, message).v1;
    // legacy storage: a bare EncryptedPrivateKeyBundleV1
    if (!v1?.walletPreKey?.length) v1 = decode(mc.EncryptedPrivateKeyBundleV1, message);
  } catch {
    return undefined;
  }
  const c = v1.ciphertext?.aes256GcmHkdfSha256;
  if (!v1.walletPreKey?.length || !c) return undefined;
  const ciphertext = { hkdfSalt: c.hkdfSalt!, gcmNonce: c.gcmNonce!, payload: c.payload! };
  try {
    checkCiphertext(ciphertext);
  } catch {
    return undefined;
  }
  return { walletPreKey: v1.walletPreKey, ciphertext };
}

/** Envelopes of the key store looked at, newest first: something else written there cannot hide the keys. */
const KEY_STORE_CANDIDATES = 10;

/** Loads and decrypts the newest stored bundle (one wallet signature), or undefined if none. */
export async function loadKeysFromNetwork(api: ApiClient, signer: Signer): Promise<PrivateKeyBundle | undefined> {
  const address = toChecksumAddress(await signer.getAddress());
  const envelopes = await api.query(privateStoreTopic(address), { direction: 'descending', pageSize: KEY_STORE_CANDIDATES, limit: KEY_STORE_CANDIDATES });
  if (!envelopes.length) return undefined;
  const v1 = envelopes.map((e) => storedBundle(e.message)).find((b) => b !== undefined);
  if (!v1) throw new XmtpError('key_store', 'invalid stored key bundle');
  const ciphertext = v1.ciphertext;
  const sig = hexToBytes(await signer.signMessage(enableIdentityText(v1.walletPreKey)));
  let plaintext: Uint8Array;
  try {
    plaintext = await decryptAesGcmHkdf(sig, ciphertext);
  } catch (e) {
    if (sig.length !== 65) throw e;
    // Wallets disagree on v = 0/1 vs 27/28: retry with the other convention.
    const flipped = sig.slice();
    flipped[64] = flipped[64]! < 27 ? flipped[64]! + 27 : flipped[64]! - 27;
    plaintext = await decryptAesGcmHkdf(flipped, ciphertext);
  }
  const keys = PrivateKeyBundle.decode(plaintext);
  if (keys.walletAddress !== address) throw new XmtpError('key_store', 'stored keys belong to another wallet');
  return keys;
}
