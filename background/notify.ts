// The toolbar badge (conversations with unread messages in every unlocked account, blocked senders
// never count) and system notifications for new messages in allowed conversations while the popup is
// closed, saying which account they are for when there are several.
import type { MessageView } from '../src/views.ts';
import { ContentTypes } from '../src/views.ts';
import { sameAddress, shortAddress } from '../src/address.ts';
import { names } from './names/index.ts';
import { db } from './db.ts';
import * as inbox from './inbox-store.ts';
import { platform } from './platform.ts';
import { getSettings } from './settings.ts';
import { listAccounts } from './account-store.ts';
import { unlockedAccounts } from './xmtp-session.ts';

const QUIET = new Set<string>([ContentTypes.readReceipt, ContentTypes.reaction]);
const markKey = (account: string) => `notifiedUpTo:${account}`;

let unread = new Map<string, number>();
const unreadListeners: (() => void)[] = [];

/** Runs when an account's unread count changed (the popup's account switcher shows them). */
export function onUnreadChanged(fn: () => void): void {
  unreadListeners.push(fn);
}

let recounting: Promise<void> = Promise.resolve();

/**
 * Counts again the unread conversations of `account` (default: every unlocked account) and shows the
 * total of all unlocked accounts on the badge; nothing while locked. One recount at a time: two at
 * once would each start from the counts before the other, and the last to finish would put back a
 * stale count of the other's account.
 */
export function updateBadge(account?: string): Promise<void> {
  const run = recounting.then(() => recount(account));
  recounting = run.catch(() => {});
  return run;
}

async function recount(account: string | undefined): Promise<void> {
  const open = await unlockedAccounts();
  const next = new Map<string, number>();
  for (const a of open) next.set(a, a === account || account === undefined || !unread.has(a) ? await inbox.unreadConversations(a) : unread.get(a)!);
  const changed = next.size !== unread.size || [...next].some(([a, n]) => unread.get(a) !== n);
  unread = next;
  const n = [...next.values()].reduce((x, y) => x + y, 0);
  await platform().setBadge(n === 0 ? '' : n > 99 ? '99+' : String(n));
  if (changed) for (const fn of unreadListeners) fn();
}

/** Where notifications start for an account: nothing older than this is ever announced. */
export async function startNotifyingFrom(account: string, ms: number): Promise<void> {
  const d = await db();
  if ((await d.get('meta', markKey(account))) === undefined) await d.put('meta', ms, markKey(account));
}

function previewText(m: MessageView): string {
  if (typeof m.content === 'string') return m.content;
  if (m.contentType === ContentTypes.reply) {
    const inner = (m.content as { content?: unknown } | undefined)?.content;
    return typeof inner === 'string' ? `Replied: ${inner}` : 'Replied to a message';
  }
  if (m.contentType === ContentTypes.attachment || m.contentType === ContentTypes.remoteAttachment) {
    return `Attachment: ${(m.content as { filename?: string } | undefined)?.filename ?? 'file'}`;
  }
  return m.fallback ?? 'New message';
}

/** How long a notification waits for its sender's name before it shows the address. */
const NAME_WAIT_MS = 2000;

/** A notification's id: which account and conversation a click opens. */
export const notificationId = (account: string, topic: string) => `msg:${account}:${topic}`;
export function parseNotificationId(id: string): { account: string; topic: string } | undefined {
  const m = /^msg:(0x[0-9a-fA-F]{40}):(\/xmtp\/.+)$/.exec(id);
  return m ? { account: m[1]!, topic: m[2]! } : undefined;
}

/** Announces newly stored messages: one notification per conversation, for its newest message. */
export async function announce(account: string, changed: Map<string, MessageView[]>): Promise<void> {
  await updateBadge(account);
  const settings = await getSettings(account);
  if (!settings.notifications || platform().popupOpen()) return;
  const d = await db();
  const since = ((await d.get('meta', markKey(account))) as number | undefined) ?? Date.now();
  const accounts = await listAccounts();
  const to = accounts.length > 1 ? ` → ${accounts.find((a) => a.address === account)?.label ?? shortAddress(account)}` : '';
  let newest = since;
  for (const [topic, messages] of changed) {
    const incoming = messages.filter((m) => !sameAddress(m.senderAddress, account) && !QUIET.has(m.contentType) && m.refused === undefined && m.sent > since);
    if (!incoming.length) continue;
    const convo = await inbox.getConversationRecord(account, topic);
    if (convo?.consent !== 'allowed' || convo.readUpTo >= Math.max(...incoming.map((m) => m.sent))) continue;
    const last = incoming.reduce((x, y) => (y.sent > x.sent ? y : x));
    newest = Math.max(newest, last.sent);
    const more = incoming.length > 1 ? ` (+${incoming.length - 1} more)` : '';
    // the sender's verified name and avatar: cached, or looked up now (a notification can wait a moment)
    const name = await Promise.race([names().lookupNow(last.senderAddress).catch(() => null), new Promise<null>((r) => setTimeout(r, NAME_WAIT_MS, null))]);
    // "sender" keeps what was written off the screen (someone looking over a shoulder, a shared screen).
    const body = settings.notificationPreview === 'sender' ? (incoming.length > 1 ? `${incoming.length} new messages` : 'New message') : previewText(last).slice(0, 180) + more;
    await platform().notify(notificationId(account, topic), (name?.name ?? shortAddress(last.senderAddress)) + to, body, name?.avatar);
  }
  if (newest > since) await d.put('meta', newest, markKey(account));
}
