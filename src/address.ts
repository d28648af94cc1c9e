// Wallet addresses as people see them, for every context (popup, prompt, notifications, provider).
import { ADDRESS_PATTERN, isAddress, toChecksumAddress } from './xmtp/crypto/address.ts';

export { ADDRESS_PATTERN, isAddress };

/** `0x1234…abcd`. Anything that is not an address is returned as is. */
export function shortAddress(address: string): string {
  return isAddress(address) ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

/** The same address, whatever the letter case (EIP-55 or not). */
export function sameAddress(a: string | undefined, b: string | undefined): boolean {
  return !!a && !!b && a.toLowerCase() === b.toLowerCase();
}

/**
 * Why an address written with capital letters fails its EIP-55 checksum (the capitals encode a
 * checksum, so a wrong one means a typo), or undefined: it passes, or it is all one case (no checksum).
 */
export function checksumError(address: string): string | undefined {
  if (!isAddress(address)) return undefined;
  const hex = address.slice(2);
  if (hex === hex.toLowerCase() || hex === hex.toUpperCase()) return undefined;
  if (toChecksumAddress(address) === address) return undefined;
  return 'This address has a typo: its capital letters do not match its checksum (EIP-55). Copy it again from its source.';
}
