// A Signer backed by a raw wallet private key (the extension's own wallet, imported keys, tests).
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '../crypto/bytes.ts';
import { publicKeyToAddress } from '../crypto/address.ts';
import { personalSignDigest } from '../crypto/eip191.ts';
import type { Signer } from './signer.ts';

export interface PrivateKeySigner extends Signer {
  readonly address: string;
}

export function privateKeySigner(privateKey: Uint8Array | string): PrivateKeySigner {
  const priv = typeof privateKey === 'string' ? hexToBytes(privateKey) : privateKey;
  const address = publicKeyToAddress(secp256k1.getPublicKey(priv, false));
  return {
    address,
    getAddress: async () => address,
    async signMessage(message: string) {
      const sig = secp256k1.sign(personalSignDigest(message), priv, { prehash: false, lowS: true, format: 'recovered' });
      // Wallets return r || s || v with v in {27, 28}.
      return '0x' + bytesToHex(sig.subarray(1)) + (27 + sig[0]!).toString(16);
    },
  };
}
