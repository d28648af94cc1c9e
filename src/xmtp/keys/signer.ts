/** Any wallet: EIP-191 personal_sign returning a 65-byte r||s||v hex signature. */
export interface Signer {
  getAddress(): Promise<string>;
  signMessage(message: string): Promise<string>;
}
