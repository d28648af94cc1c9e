// Pure presentation logic of the inbox: address shortening, times, previews, grouping of messages by
// day and sender, reactions and read state. No DOM, no extension API: unit-tested under Node
// (format.test.ts beside this file).
import {
  ContentTypes,
  type AttachmentContent,
  type ConversationView,
  type MessageView,
  type NameView,
  type ReactionContent,
  type RemoteAttachmentContent,
  type ReplyContent,
} from '../../src/views.ts';
import { isAddress as isAddressString, sameAddress, shortAddress } from '../../src/address.ts';
import { ErrorCode, reasonOf } from '../../src/rpc.ts';
import { isDisplayableImage } from '../../src/inline-image.ts';
import { dayKey, formatDay } from '../../src/time-labels.ts';

// ---------------------------------------------------------------- addresses

export { shortAddress, sameAddress } from '../../src/address.ts';

/** Whether what the user typed is an address (surrounding spaces allowed). */
export function isAddress(s: string): boolean {
  return isAddressString(s.trim());
}

/** Avatar colours: each carries white text at ≥ 4.5:1 contrast. */
export const AVATAR_COLORS = ['#1d4ed8', '#7c3aed', '#be185d', '#b91c1c', '#c2410c', '#a16207', '#15803d', '#0f766e', '#0e7490', '#4338ca', '#9d174d', '#475569'];

/** A stable avatar colour for an address. */
export function addressColor(address: string): string {
  let h = 0;
  for (let i = 2; i < address.length; i++) h = (h * 31 + address.toLowerCase().charCodeAt(i)) >>> 0;
  return AVATAR_COLORS[h % AVATAR_COLORS.length];
}

// ---------------------------------------------------------------- times

// (shared with the background, which makes the first screen's list labels ahead)
export { daysBetween, dayKey, formatClock, formatDay, formatFull, formatListTime, prepareListTimes } from '../../src/time-labels.ts';

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// ---------------------------------------------------------------- content

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The content-type string without its version: `xmtp.org/text`. */
export function typeId(contentType: string): string {
  const i = contentType.lastIndexOf(':');
  return i < 0 ? contentType : contentType.slice(0, i);
}
const T = {
  text: typeId(ContentTypes.text),
  reply: typeId(ContentTypes.reply),
  reaction: typeId(ContentTypes.reaction),
  readReceipt: typeId(ContentTypes.readReceipt),
  attachment: typeId(ContentTypes.attachment),
  remoteAttachment: typeId(ContentTypes.remoteAttachment),
};

export function asText(m: { contentType: string; content: unknown }): string | undefined {
  return typeId(m.contentType) === T.text && typeof m.content === 'string' ? m.content : undefined;
}
export function asReply(m: { contentType: string; content: unknown }): ReplyContent | undefined {
  const c = m.content;
  return typeId(m.contentType) === T.reply && isObj(c) && typeof c.reference === 'string' && typeof c.contentType === 'string' ? (c as unknown as ReplyContent) : undefined;
}
export function asReaction(m: { contentType: string; content: unknown }): ReactionContent | undefined {
  const c = m.content;
  return typeId(m.contentType) === T.reaction && isObj(c) && typeof c.reference === 'string' && typeof c.content === 'string'
    ? (c as unknown as ReactionContent)
    : undefined;
}
export function asAttachment(m: { contentType: string; content: unknown }): AttachmentContent | undefined {
  const c = m.content;
  return typeId(m.contentType) === T.attachment && isObj(c) && typeof c.filename === 'string' && typeof c.data === 'string'
    ? (c as unknown as AttachmentContent)
    : undefined;
}
export function asRemoteAttachment(m: { contentType: string; content: unknown }): RemoteAttachmentContent | undefined {
  const c = m.content;
  return typeId(m.contentType) === T.remoteAttachment && isObj(c) && typeof c.url === 'string' ? (c as unknown as RemoteAttachmentContent) : undefined;
}
/** The file name of an attachment, inline or remote, also in a list preview (which has no bytes). */
export function attachmentName(m: { contentType: string; content: unknown }): string | undefined {
  const t = typeId(m.contentType);
  const c = m.content;
  return (t === T.attachment || t === T.remoteAttachment) && isObj(c) && typeof c.filename === 'string' ? c.filename : undefined;
}
export function isReadReceipt(m: { contentType: string }): boolean {
  return typeId(m.contentType) === T.readReceipt;
}
export function isReaction(m: { contentType: string }): boolean {
  return typeId(m.contentType) === T.reaction;
}

function oneLine(s: string, max = 120): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The fallback for content we cannot show, never empty. */
export function fallbackText(m: { fallback?: string; contentType: string }): string {
  return m.fallback?.trim() || `Unsupported message (${m.contentType})`;
}

/** One line describing a message, for the conversation list and reply quotes. */
export function previewOf(m: { contentType: string; content: unknown; fallback?: string; refused?: string }): string {
  if (m.refused !== undefined) return 'A message that could not be shown';
  const text = asText(m);
  if (text !== undefined) return oneLine(text) || ' ';
  const reaction = asReaction(m);
  if (reaction) return reaction.action === 'removed' ? 'Removed a reaction' : `Reacted ${reaction.schema === 'unicode' ? reaction.content : `:${reaction.content}:`}`;
  const reply = asReply(m);
  if (reply) return `Replied: ${previewOf({ contentType: reply.contentType, content: reply.content })}`;
  const file = attachmentName(m);
  if (file !== undefined) return `📎 ${file || 'file'}`;
  if (isReadReceipt(m)) return 'Read';
  return oneLine(fallbackText(m));
}

/** Preview with `You: ` before one's own messages. */
export function listPreview(c: ConversationView, me: string | undefined): string {
  const m = c.lastMessage;
  if (!m) return 'No messages yet';
  const p = previewOf(m);
  return sameAddress(m.senderAddress, me) ? `You: ${p}` : p;
}

// ---------------------------------------------------------------- conversation list

export type Tab = 'allowed' | 'unknown' | 'denied';

export function sortConversations(list: ConversationView[]): ConversationView[] {
  return [...list].sort((a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** By the peer's address, its name (when known) or the conversation id a site gave it. */
export function matchesSearch(c: ConversationView, query: string, peerName?: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return c.peerAddress.toLowerCase().includes(q) || (peerName?.includes(q) ?? false) || (c.context?.conversationId.toLowerCase().includes(q) ?? false);
}

/** How a peer is called on screen: its verified name, else its short address. */
export function peerLabel(address: string, name?: NameView | null): string {
  return name?.name ?? shortAddress(address);
}

export interface TabCounts {
  /** conversations per tab */
  total: Record<Tab, number>;
  /** conversations with unread messages per tab */
  unread: Record<Tab, number>;
}
export function tabCounts(list: ConversationView[]): TabCounts {
  const total = { allowed: 0, unknown: 0, denied: 0 };
  const unread = { allowed: 0, unknown: 0, denied: 0 };
  for (const c of list) {
    total[c.consent]++;
    if (c.unreadCount > 0) unread[c.consent]++;
  }
  return { total, unread };
}

// ---------------------------------------------------------------- messages

/** Inserts or replaces messages by id, keeping the newest-last order; `localId` replaces a pending entry. */
export function mergeMessages(current: MessageView[], incoming: MessageView[]): MessageView[] {
  if (!incoming.length) return current;
  const byId = new Map(current.map((m) => [m.id, m]));
  for (const m of incoming) {
    const localId = m.localId;
    if (localId && localId !== m.id) byId.delete(localId);
    byId.set(m.id, m);
  }
  return [...byId.values()].sort(compareMessages);
}

export function compareMessages(a: MessageView, b: MessageView): number {
  return a.sent - b.sent || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export interface ReactionSummary {
  emoji: string;
  count: number;
  /** the current user's reaction is among them */
  mine: boolean;
}

/** Reactions per referenced message id: for each sender and emoji the latest action wins. */
export function summarizeReactions(messages: MessageView[], me: string | undefined): Map<string, ReactionSummary[]> {
  const state = new Map<string, Map<string, Map<string, boolean>>>(); // ref -> emoji -> sender -> on
  for (const m of messages) {
    const r = asReaction(m);
    if (!r || m.status === 'failed') continue;
    const emoji = r.schema === 'unicode' ? r.content : `:${r.content}:`;
    let byEmoji = state.get(r.reference);
    if (!byEmoji) state.set(r.reference, (byEmoji = new Map()));
    let bySender = byEmoji.get(emoji);
    if (!bySender) byEmoji.set(emoji, (bySender = new Map()));
    bySender.set(m.senderAddress.toLowerCase(), r.action !== 'removed');
  }
  const out = new Map<string, ReactionSummary[]>();
  const mine = me?.toLowerCase();
  for (const [ref, byEmoji] of state) {
    const list: ReactionSummary[] = [];
    for (const [emoji, bySender] of byEmoji) {
      let count = 0;
      for (const on of bySender.values()) if (on) count++;
      if (count) list.push({ emoji, count, mine: !!mine && bySender.get(mine) === true });
    }
    if (list.length) out.set(ref, list);
  }
  return out;
}

/** Sent time of the newest read receipt from someone other than me (0 if none). */
export function peerReadUpTo(messages: MessageView[], me: string | undefined): number {
  let t = 0;
  for (const m of messages) if (isReadReceipt(m) && !sameAddress(m.senderAddress, me) && m.sent > t) t = m.sent;
  return t;
}

export type Row =
  | { kind: 'day'; key: string; label: string }
  /** the line above the first message not read yet when the conversation was opened */
  | { kind: 'unread'; key: string; count: number }
  | {
      kind: 'message';
      key: string;
      message: MessageView;
      own: boolean;
      /** first / last message of a run by the same sender on the same day */
      first: boolean;
      last: boolean;
      /** the peer has read it (shown on the last own message only) */
      read: boolean;
    };

export interface RowOptions {
  me: string | undefined;
  now: number;
  locale?: string;
  /** a pause longer than this starts a new group even from the same sender */
  groupGapMs?: number;
  /** the first unread message: an "unread" line goes above it, saying how many there are */
  unread?: { from: string; count: number };
}

/**
 * The first of the `count` newest messages from the peer that count as unread (not reactions or read
 * receipts, as the background counts them), or undefined when none of them is in `messages`.
 */
export function firstUnreadId(messages: MessageView[], me: string | undefined, count: number): string | undefined {
  if (count <= 0) return undefined;
  const fromPeer = messages.filter((m) => isShown(m) && !sameAddress(m.senderAddress, me));
  return fromPeer[Math.max(0, fromPeer.length - count)]?.id;
}

/** Messages shown as bubbles: reactions and read receipts are folded into other messages. */
export function isShown(m: MessageView): boolean {
  return !isReaction(m) && !isReadReceipt(m);
}

/** Day separators and message rows, oldest first, grouped by day and by sender. */
export function buildRows(messages: MessageView[], opts: RowOptions): Row[] {
  const gap = opts.groupGapMs ?? 10 * 60_000;
  const shown = messages.filter(isShown);
  const readUpTo = peerReadUpTo(messages, opts.me);
  let lastOwnSent = -1;
  for (const m of shown) if (sameAddress(m.senderAddress, opts.me) && m.status === 'sent') lastOwnSent = Math.max(lastOwnSent, m.sent);
  const rows: Row[] = [];
  let prevDay = '';
  for (let i = 0; i < shown.length; i++) {
    const m = shown[i];
    const day = dayKey(m.sent);
    if (day !== prevDay) {
      rows.push({ kind: 'day', key: `day:${day}`, label: formatDay(m.sent, opts.now, opts.locale) });
      prevDay = day;
    }
    const prev = shown[i - 1];
    const next = shown[i + 1];
    const joins = (a: MessageView | undefined, b: MessageView | undefined) =>
      !!a && !!b && sameAddress(a.senderAddress, b.senderAddress) && dayKey(a.sent) === dayKey(b.sent) && Math.abs(b.sent - a.sent) <= gap;
    const own = sameAddress(m.senderAddress, opts.me);
    if (opts.unread?.from === m.id) rows.push({ kind: 'unread', key: 'unread', count: opts.unread.count });
    rows.push({
      kind: 'message',
      key: m.id,
      message: m,
      own,
      first: !joins(prev, m),
      last: !joins(m, next),
      read: own && m.status === 'sent' && m.sent === lastOwnSent && readUpTo >= m.sent,
    });
  }
  return rows;
}

/** A rough height (px) before a row is measured, so the first paint lands close to the truth. */
export function estimateRowHeight(row: Row): number {
  if (row.kind !== 'message') return 32;
  const m = row.message;
  let h = 38;
  const text = asText(m) ?? (asReply(m) ? previewOf(m) : undefined);
  if (text !== undefined) h = 22 + Math.ceil(Math.max(1, text.length) / 34) * 20;
  if (asReply(m)) h += 36;
  const att = asAttachment(m);
  if (att && isDisplayableImage(att.mimeType)) h = 200;
  else if (att || asRemoteAttachment(m)) h = 60;
  if (row.first) h += 6;
  if (row.last) h += 18;
  return h;
}

// ---------------------------------------------------------------- attachments

export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) s += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(s);
}


// ---------------------------------------------------------------- errors

/** A sentence for a person, from whatever a call threw. */
// ---------------------------------------------------------------- links

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'`]+/gi;

/**
 * Text split into plain parts and http(s) links, for showing links as links. Punctuation that ends a
 * sentence is not part of the link; nothing but http and https ever becomes one.
 */
export function linkParts(text: string): (string | { url: string })[] {
  const out: (string | { url: string })[] = [];
  let at = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    let url = match[0];
    while (/[.,;:!?]$/.test(url) || (url.endsWith(')') && !url.includes('('))) url = url.slice(0, -1);
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(url).protocol);
    } catch {
      ok = false;
    }
    if (!ok) continue;
    if (match.index > at) out.push(text.slice(at, match.index));
    out.push({ url });
    at = match.index + url.length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

/** An error as a person reads it: what happened and what to do, with the technical words apart. */
export interface Problem {
  text: string;
  /** what the browser, the background or the node said, for the "Details" a person can open */
  detail?: string;
}

const NETWORK = /failed to fetch|networkerror|network error|econnrefused|load failed|fetch failed|unreachable|websocket closed/i;

export function problemOf(e: unknown): Problem {
  const err = e as { code?: number; message?: string; data?: { reason?: string; detail?: string } };
  const msg = (typeof err?.message === 'string' ? err.message : String(e)).trim();
  const reason = reasonOf(e);
  const technical = [msg, typeof err?.code === 'number' && `code ${err.code}`, reason && `reason ${reason}`, err?.data?.detail].filter(Boolean).join(' · ');
  const text = (() => {
    if (err?.code === ErrorCode.disconnected) return 'The extension restarted. Please try again.';
    if (err?.code === ErrorCode.unsupportedMethod) return 'This version of the extension cannot do that yet.';
    if (reason === 'locked') return 'The inbox is locked. Unlock it and try again.';
    // A sentence of ours names the node already (and which one); the browser's words do not.
    if (NETWORK.test(msg) && !/node/i.test(msg)) return 'Cannot reach the XMTP node. Check your connection, or the node address in Settings.';
    // The background's own messages are written for people; keep them, minus a technical tail.
    const s = msg.replace(/:\s*(TypeError|NetworkError|Error|failed to fetch|fetch failed|load failed|network ?error)\b.*$/is, '') || 'Something went wrong.';
    return s[0]!.toUpperCase() + s.slice(1) + (/[.!?)]$/.test(s) ? '' : '.');
  })();
  return technical && technical !== text && technical + '.' !== text ? { text, detail: technical } : { text };
}

export function errorText(e: unknown): string {
  return problemOf(e).text;
}
