// Keeps the popup's first-screen snapshot (src/cache/first-screen.ts) in storage.session up to date:
// after any change to the list, the lock state, the accounts, the unread counts or the cached names, the
// current account's first rows (one page, as the popup would read it) and their peers' cached names
// are read again and written, at most once per burst. Lock and account changes drop it first
// (session.ts, accounts.ts), so it never outlives them.
import { FIRST_SCREEN_ROWS, firstScreenNames, firstScreenRows } from '../src/cache/first-screen.ts';
import { listTimeLabels } from '../src/time-labels.ts';
import * as accounts from './accounts.ts';
import * as inbox from './inbox.ts';
import { onUnreadChanged } from './notify.ts';
import { getSession } from './session.ts';
import { names, onNamesChanged } from './names/index.ts';

/** A burst of changes (a sync writes many batches) is written once, shortly after it settles. */
const SETTLE_MS = 50;

let timer: ReturnType<typeof setTimeout> | undefined;
let wired = false;

export function keepFirstScreen(): void {
  if (wired) return;
  wired = true;
  inbox.onConversations(schedule);
  accounts.onStatus(schedule);
  onUnreadChanged(schedule);
  onNamesChanged(schedule);
}

function schedule(): void {
  clearTimeout(timer);
  timer = setTimeout(() => void writeFirstScreen().catch(() => {}), SETTLE_MS);
}

/** Reads the current account's first screen and keeps it (nothing while locked: lock removed it). */
export async function writeFirstScreen(): Promise<void> {
  const session = getSession();
  const generation = session.firstScreenVersion();
  const status = await accounts.status();
  if (status.state !== 'unlocked' || !status.address) return;
  const conversations = firstScreenRows(await inbox.listConversations(status.address, { limit: FIRST_SCREEN_ROWS }));
  const times = listTimeLabels(conversations.map((c) => c.updatedAt));
  const peerNames = firstScreenNames(conversations, await names().cached(conversations.map((c) => c.peerAddress)));
  await session.setFirstScreen({ account: status.address, status, conversations, times, names: peerNames }, generation);
}
