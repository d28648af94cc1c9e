// Site grants: which origin may use which account's inbox, and with which scope. Stored in IndexedDB
// (`grants`, keyed [account, origin], index byOrigin) so they survive worker restarts. Addresses are
// stored as the account modules give them (one spelling
// per account); origins are as the browser reports them (already canonical).
import type { GrantScope, SiteGrantView } from '../../src/views.ts';
import { db, type GrantRecord } from '../db.ts';

const key = (account: string, origin: string): [string, string] => [account, origin];

export async function getGrant(account: string, origin: string): Promise<GrantRecord | undefined> {
  return (await db()).get('grants', key(account, origin));
}

export async function putGrant(account: string, origin: string, scope: GrantScope, now = Date.now()): Promise<GrantRecord> {
  const [a, o] = key(account, origin);
  const record: GrantRecord = { account: a, origin: o, scope, grantedAt: now };
  await (await db()).put('grants', record);
  return record;
}

/** Removes one account's grant to a site; true if there was one. */
export async function revokeGrant(account: string, origin: string): Promise<boolean> {
  const d = await db();
  const tx = d.transaction('grants', 'readwrite');
  const had = (await tx.store.getKey(key(account, origin))) !== undefined;
  if (had) await tx.store.delete(key(account, origin));
  await tx.done;
  return had;
}

/** Removes every account's grant to a site (the popup's "Disconnect"); returns what was removed. */
export async function revokeOrigin(origin: string): Promise<GrantRecord[]> {
  const d = await db();
  const tx = d.transaction('grants', 'readwrite');
  const removed = await tx.store.index('byOrigin').getAll(origin);
  for (const g of removed) await tx.store.delete([g.account, g.origin]);
  await tx.done;
  return removed;
}

/** Every grant, newest first (optionally one account's). */
export async function listGrants(account?: string): Promise<SiteGrantView[]> {
  const all = await (await db()).getAll('grants');
  return all
    .filter((g) => account === undefined || g.account === account)
    .sort((a, b) => b.grantedAt - a.grantedAt || a.origin.localeCompare(b.origin))
    .map(({ origin, scope, account: acc, grantedAt }) => ({ origin, scope, account: acc, grantedAt }));
}
