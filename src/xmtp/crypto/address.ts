// Ethereum addresses: derivation from a public key and EIP-55 checksumming (spec 2.4).
import { bytesToHex, utf8 } from './bytes.ts';
import { keccak256 } from './hashes.ts';

/** 0x and 20 bytes of hex, any letter case: the one address pattern of the project. */
export const ADDRESS_PATTERN = /^0x[0-9a-fA-F]{40}$/;

export function isAddress(s: unknown): s is string {
  return typeof s === 'string' && ADDRESS_PATTERN.test(s);
}

/** EIP-55 checksummed form; throws on anything that is not 20 bytes of hex with a 0x prefix. */
export function toChecksumAddress(address: string): string {
  if (!isAddress(address)) throw new TypeError(`invalid address: ${address}`);
  const lower = address.slice(2).toLowerCase();
  const hash = bytesToHex(keccak256(utf8(lower)));
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const c = lower[i]!;
    out += parseInt(hash[i]!, 16) >= 8 ? c.toUpperCase() : c;
  }
  return out;
}

/** Address of an uncompressed (65-byte, 0x04-prefixed) secp256k1 public key. */
export function publicKeyToAddress(pub65: Uint8Array): string {
  if (pub65.length !== 65 || pub65[0] !== 4) throw new TypeError('expected a 65-byte uncompressed public key');
  const hash = keccak256(pub65.subarray(1));
  return toChecksumAddress('0x' + bytesToHex(hash.subarray(12)));
}
