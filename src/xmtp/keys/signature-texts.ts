// Exact texts the wallet is asked to personal_sign (spec 3.3, 4, 13.4). Byte-exact: the node and
// other clients rebuild them to recover addresses.
import { bytesToHex } from '../crypto/bytes.ts';

const MORE_INFO = 'For more info: https://xmtp.org/signatures/';

/** "Create Identity": authorises an identity key (its legacy bytes-to-sign or V2 key_bytes). */
export function createIdentityText(keyBytes: Uint8Array): string {
  return `XMTP : Create Identity\n${bytesToHex(keyBytes)}\n\n${MORE_INFO}`;
}

/** "Enable Identity": its signature is the secret protecting the network key store. */
export function enableIdentityText(walletPreKey: Uint8Array): string {
  return `XMTP : Enable Identity\n${bytesToHex(walletPreKey)}\n\n${MORE_INFO}`;
}

/** XIP-43 consent proof; the SDK formats the time with Date#toUTCString. */
export function consentProofText(timestampMs: number, senderAddress: string): string {
  return (
    `XMTP : Grant inbox consent to sender\n\nCurrent Time: ${new Date(timestampMs).toUTCString()}\n` +
    `From Address: ${senderAddress}\n\n${MORE_INFO}`
  );
}
