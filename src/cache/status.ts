// The extension's status (lock state, accounts, the current one) from what is stored: the background
// answers `app.status` with it, and the popup reads it on its own to paint its first screen.
import type { AccountView, AppStatus } from '../views.ts';
import type { AccountRecord } from './schema.ts';

/** Accounts oldest first: the order the switcher and the accounts screen show. */
export const oldestFirst = (a: AccountRecord, b: AccountRecord) => a.createdAt - b.createdAt || a.address.localeCompare(b.address);

export function accountView(a: AccountRecord, unread: number): AccountView {
  return { address: a.address, label: a.label, wallet: a.wallet, backup: a.backup, backedUp: a.backedUp, unread };
}

export function statusOf(s: {
  accounts: AccountRecord[];
  current: string | undefined;
  unlocked: boolean;
  nodeUrl: string;
  /** unread conversations per account (read only while unlocked) */
  unread: ReadonlyMap<string, number>;
}): AppStatus {
  const accounts = [...s.accounts].sort(oldestFirst);
  const status: AppStatus = {
    version: __VERSION__,
    target: __TARGET__,
    state: !accounts.length ? 'onboarding' : s.unlocked ? 'unlocked' : 'locked',
    nodeUrl: s.nodeUrl,
    accounts: accounts.map((a) => accountView(a, s.unlocked ? (s.unread.get(a.address) ?? 0) : 0)),
  };
  const address = accounts.find((a) => a.address === s.current)?.address ?? accounts[0]?.address;
  if (address) status.address = address;
  return status;
}
