// The toolbar badge (conversations with unread messages, blocked senders never count) and system
// notifications for new messages in allowed conversations while the popup is closed.
import type { MessageView } from '../src/views.ts';
import { ContentTypes } from '../src/views.ts';
import { sameAddress, shortAddress } from '../src/address.ts';
import { db } from './db.ts';
import * as inbox from './inbox-store.ts';
import { platform } from './platform.ts';
import { getSettings } from './settings.ts';

const QUIET = new Set<string>([ContentTypes.readReceipt, ContentTypes.reaction]);
const markKey = (account: string) => `notifiedUpTo:${account}`;

export async function updateBadge(account: string | undefined): Promise<void> {
  const n = account ? await inbox.unreadConversations(account) : 0;
  await platform().setBadge(n === 0 ? '' : n > 99 ? '99+' : String(n));
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

/** Announces newly stored messages: one notification per conversation, for its newest message. */
export async function announce(account: string, changed: Map<string, MessageView[]>): Promise<void> {
  await updateBadge(account);
  const settings = await getSettings();
  if (!settings.notifications || platform().popupOpen()) return;
  const d = await db();
  const since = ((await d.get('meta', markKey(account))) as number | undefined) ?? Date.now();
  let newest = since;
  for (const [topic, messages] of changed) {
    const incoming = messages.filter((m) => !sameAddress(m.senderAddress, account) && !QUIET.has(m.contentType) && m.sent > since);
    if (!incoming.length) continue;
    const convo = await inbox.getConversationRecord(account, topic);
    if (convo?.consent !== 'allowed' || convo.readUpTo >= Math.max(...incoming.map((m) => m.sent))) continue;
    const last = incoming.reduce((x, y) => (y.sent > x.sent ? y : x));
    newest = Math.max(newest, last.sent);
    const more = incoming.length > 1 ? ` (+${incoming.length - 1} more)` : '';
    await platform().notify(`msg:${topic}`, shortAddress(last.senderAddress), previewText(last).slice(0, 180) + more);
  }
  if (newest > since) await d.put('meta', newest, markKey(account));
}
