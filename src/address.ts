// Wallet addresses as people see them, for every context (popup, prompt, notifications, provider).
import { ADDRESS_PATTERN, isAddress } from './xmtp/crypto/address.ts';

export { ADDRESS_PATTERN, isAddress };

/** `0x1234…abcd`. Anything that is not an address is returned as is. */
export function shortAddress(address: string): string {
  return isAddress(address) ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

/** The same address, whatever the letter case (EIP-55 or not). */
export function sameAddress(a: string | undefined, b: string | undefined): boolean {
  return !!a && !!b && a.toLowerCase() === b.toLowerCase();
}
