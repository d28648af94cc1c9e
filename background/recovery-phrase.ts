// BIP-39 recovery phrases (English word list) and the standard Ethereum derivation path
// m/44'/60'/0'/0/<index>, as wallets such as MetaMask use them: a phrase made here restores the same
// address there, and the other way round. Errors say what is wrong in words a person can act on.
import { generateMnemonic, mnemonicToSeedWebcrypto, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { HDKey } from '@scure/bip32';
import { ErrorCode, RpcError } from '../src/rpc.ts';

const WORD_COUNTS = [12, 15, 18, 21, 24];
const WORDS = new Set(wordlist);
/** The highest non-hardened child index BIP-32 allows. */
export const MAX_ACCOUNT_INDEX = 2 ** 31 - 1;

const invalid = (message: string) => new RpcError(ErrorCode.invalidParams, message, { reason: 'bad-phrase' });

/** A new 12-word phrase (128 bits of entropy). */
export function newPhrase(): string {
  return generateMnemonic(wordlist, 128);
}

/** The phrase as BIP-39 spells it: lower case, single spaces (people paste with line breaks and numbers). */
export function normalisePhrase(phrase: string): string {
  return phrase
    .normalize('NFKD')
    .toLowerCase()
    .replace(/\b\d+[.)]/g, ' ') // "1. word 2) word" as copied from a numbered list
    .split(/[\s,]+/)
    .filter(Boolean)
    .join(' ');
}

/** Checks a phrase; throws an RpcError that names the problem (unknown word, length, checksum). */
export function checkPhrase(phrase: string): string {
  const normal = normalisePhrase(phrase);
  const words = normal ? normal.split(' ') : [];
  const unknown = words.findIndex((w) => !WORDS.has(w));
  if (unknown >= 0) throw invalid(`Word ${unknown + 1} ("${words[unknown]!.slice(0, 20)}") is not in the recovery phrase word list. Check its spelling.`);
  if (!WORD_COUNTS.includes(words.length)) throw invalid(`A recovery phrase has 12, 15, 18, 21 or 24 words; this one has ${words.length}.`);
  if (!validateMnemonic(normal, wordlist)) throw invalid('These words are not a valid recovery phrase: the checksum does not match. Check the order of the words and that none is missing.');
  return normal;
}

/** The wallet key at m/44'/60'/0'/0/<index> of a (checked) phrase. */
export async function keyFromPhrase(phrase: string, index = 0): Promise<{ phrase: string; key: Uint8Array }> {
  if (!Number.isSafeInteger(index) || index < 0 || index > MAX_ACCOUNT_INDEX) throw invalid(`The account number must be between 0 and ${MAX_ACCOUNT_INDEX}.`);
  const normal = checkPhrase(phrase);
  const seed = await mnemonicToSeedWebcrypto(normal);
  const key = HDKey.fromMasterSeed(seed).derive(`m/44'/60'/0'/0/${index}`).privateKey;
  if (!key) throw invalid('This phrase gives no key at that account number; try another number.');
  return { phrase: normal, key };
}
