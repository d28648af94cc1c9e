// The stored accounts: their records, the vault (the one password's parameters) and which account is
// current. Reads only; accounts.ts makes the changes.
import { db, type AccountRecord, type VaultRecord } from './db.ts';
import { oldestFirst } from '../src/cache/status.ts';

export async function currentAccount(): Promise<string | undefined> {
  return (await (await db()).get('meta', 'currentAccount')) as string | undefined;
}

export async function getVault(): Promise<VaultRecord | undefined> {
  return (await (await db()).get('meta', 'vault')) as VaultRecord | undefined;
}

export async function getAccount(address: string): Promise<AccountRecord | undefined> {
  return (await db()).get('accounts', address);
}

/** Every account, oldest first (the order the switcher shows). */
export async function listAccounts(): Promise<AccountRecord[]> {
  return (await (await db()).getAll('accounts')).sort(oldestFirst);
}
