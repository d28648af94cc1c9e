// The inbox as stored in IndexedDB: conversation and message views that the popup and pages read
// without touching the network, and the idempotent writes the sync engine and the outbox make. A
// conversation record carries its list preview, sort time, consent and unread count, so listing 1,000
// conversations reads one index and nothing else.
import type { ConsentState, ConversationView, MessageView } from '../src/views.ts';
import { ContentTypes } from '../src/views.ts';
import type { IDBPIndex } from 'idb';
import { termOf, termsOf, words } from './search-index.ts';
import { db, type ConsentRecord, type ConversationRecord, type InboxDB, type MessageRecord } from './db.ts';
import { toChecksumAddress } from '../src/xmtp/crypto/address.ts';

/** Content types that neither move a conversation up nor count as unread. */
const SILENT = new Set<string>([ContentTypes.readReceipt]);
/** Content types that move a conversation up but are not "unread messages". */
const NOT_UNREAD = new Set<string>([ContentTypes.readReceipt, ContentTypes.reaction]);
/** Neither moves its conversation up nor counts as unread: receipts, and messages that could not be shown. */
const silent = (m: { contentType: string; refused?: string }) => SILENT.has(m.contentType) || m.refused !== undefined;
const PREVIEW_TEXT = 200;

const lower = (a: string) => a.toLowerCase();
/** The protocol's consent key for a wallet address (spec 13.3: EIP-55, case-sensitive). */
export const consentKey = (address: string) => `address-${toChecksumAddress(address)}`;

export function toConversationView(r: ConversationRecord): ConversationView {
  const v: ConversationView = {
    id: r.topic,
    peerAddress: r.peerAddress,
    createdAt: r.createdAt,
    consent: r.consent,
    version: r.version,
    updatedAt: r.updatedAt,
    unreadCount: r.unreadCount,
  };
  if (r.context) v.context = r.context;
  if (r.lastMessage) v.lastMessage = r.lastMessage;
  return v;
}

export function toMessageView(r: MessageRecord): MessageView {
  const { account: _a, sentNs: _n, version: _v, recipientAddress: _r, payload: _p, ...view } = r;
  return view;
}

/** Content as small as a list preview needs: long text cut, attachments without their bytes (name kept). */
function previewContent(contentType: string, content: unknown): unknown {
  if (typeof content === 'string') return content.length > PREVIEW_TEXT ? content.slice(0, PREVIEW_TEXT) + '…' : content;
  if (!content || typeof content !== 'object') return content;
  if (contentType === ContentTypes.attachment) {
    const { data: _data, ...rest } = content as Record<string, unknown>;
    return rest;
  }
  if (contentType === ContentTypes.remoteAttachment) {
    // the name is what a preview shows; the URL and keys stay with the message itself
    const { filename } = content as { filename?: unknown };
    return { filename };
  }
  if (contentType === ContentTypes.reply) {
    const reply = content as { contentType?: unknown; content?: unknown };
    const inner = typeof reply.contentType === 'string' ? previewContent(reply.contentType, reply.content) : undefined;
    return { ...reply, content: typeof inner === 'object' && inner && !('filename' in inner) ? undefined : inner };
  }
  return content;
}

/** The newest message as a list preview: small, whatever the message. */
export function previewOf(m: MessageView): MessageView {
  return { ...m, content: previewContent(m.contentType, m.content) };
}

export interface NewConversation {
  topic: string;
  peerAddress: string;
  createdAt: number;
  createdNs: bigint;
  version: 'v1' | 'v2';
  context?: ConversationRecord['context'];
  sealed?: ConversationRecord['sealed'];
}

/** Adds conversations not seen before (existing ones keep their state). Returns the new topics. */
export async function addConversations(account: string, convos: NewConversation[]): Promise<string[]> {
  if (!convos.length) return [];
  const d = await db();
  const tx = d.transaction(['conversations', 'consent'], 'readwrite');
  const added: string[] = [];
  for (const c of convos) {
    if (await tx.objectStore('conversations').getKey([account, c.topic])) continue;
    const consent = (await tx.objectStore('consent').get([account, consentKey(c.peerAddress)]))?.value ?? 'unknown';
    await tx.objectStore('conversations').put({
      account,
      ...c,
      consent,
      updatedAt: c.createdAt,
      readUpTo: 0,
      unreadCount: 0,
    });
    added.push(c.topic);
  }
  await tx.done;
  return added;
}

export async function getConversationRecord(account: string, topic: string): Promise<ConversationRecord | undefined> {
  return (await db()).get('conversations', [account, topic]);
}

export async function listConversations(
  account: string,
  opts: { consent?: ConsentState; search?: string; limit?: number; offset?: number } = {},
): Promise<ConversationView[]> {
  const d = await db();
  const range = IDBKeyRange.bound([account, -Infinity], [account, Infinity]);
  const search = opts.search?.trim().toLowerCase();
  const limit = opts.limit ?? Infinity;
  const offset = opts.offset ?? 0;
  const out: ConversationView[] = [];
  const matches = (r: ConversationRecord) =>
    (!opts.consent || r.consent === opts.consent) &&
    (!search || r.peerAddress.toLowerCase().includes(search) || !!r.context?.conversationId.toLowerCase().includes(search));
  if (limit !== Infinity && !opts.consent && !search) {
    // A screenful or a chunk of the list (the popup's requests): a few requests, not one per record.
    return (await pageOfIndex(d.transaction('conversations').store.index('byUpdated'), range, { offset, limit }, 'prev')).map(toConversationView);
  }
  // Everything, or a filtered page: one bulk read is much faster than a cursor walk.
  const records = await d.getAllFromIndex('conversations', 'byUpdated', range);
  let skip = offset;
  for (let i = records.length - 1; i >= 0 && out.length < limit; i--) {
    if (matches(records[i]!) && skip-- <= 0) out.push(toConversationView(records[i]!));
  }
  return out;
}

/**
 * `limit` records of `range` in an index after skipping `offset`, in cursor order ('prev': newest
 * first), with a handful of requests whatever the sizes: a key cursor jumps to where the page starts
 * and to where it ends, and one getAll reads the page. A cursor walk would cost
 * a round trip per record: 25 ms for 40 conversations on a busy worker. Records sharing a boundary key
 * come in primary-key order, as a cursor gives them; the primary keys say where the page starts.
 */
async function pageOfIndex<S extends 'conversations' | 'messages'>(
  index: IDBPIndex<InboxDB, [S], S, any, 'readonly'>,
  range: IDBKeyRange,
  { offset = 0, limit }: { offset?: number; limit: number },
  direction: 'next' | 'prev',
): Promise<InboxDB[S]['value'][]> {
  if (limit <= 0) return [];
  let cursor = await index.openKeyCursor(range, direction);
  if (cursor && offset > 0) cursor = await cursor.advance(offset);
  if (!cursor) return [];
  const start = { key: cursor.key, primaryKey: cursor.primaryKey };
  if (limit > 1) cursor = await cursor.advance(limit - 1);
  const page =
    direction === 'prev'
      ? IDBKeyRange.bound(cursor ? cursor.key : range.lower, start.key, cursor ? false : range.lowerOpen, false)
      : IDBKeyRange.bound(start.key, cursor ? cursor.key : range.upper, false, cursor ? false : range.upperOpen);
  // With an offset, records before the start that share its key are in the page too: their primary
  // keys tell them apart. Without one, the start is the page's first record.
  const [records, keys] = await Promise.all([index.getAll(page), offset > 0 ? index.getAllKeys(page) : undefined]);
  if (direction === 'prev') {
    records.reverse();
    keys?.reverse();
  }
  const from = keys ? Math.max(0, keys.findIndex((k) => indexedDB.cmp(k, start.primaryKey) === 0)) : 0;
  return records.slice(from, from + limit);
}

/** Newest first, or oldest first with `direction: 'ascending'`; `before`/`after` are sent times (ms). */
export async function listMessages(
  account: string,
  topic: string,
  opts: { limit?: number; before?: number; after?: number; direction?: 'ascending' | 'descending' } = {},
): Promise<MessageView[]> {
  const d = await db();
  const lo = opts.after !== undefined ? opts.after + 1e-3 : -Infinity;
  const hi = opts.before !== undefined ? opts.before - 1e-3 : Infinity;
  if (lo > hi) return [];
  const range = IDBKeyRange.bound([account, topic, lo], [account, topic, hi]);
  const limit = opts.limit ?? 100;
  const index = d.transaction('messages').store.index('byConversation');
  return (await pageOfIndex(index, range, { limit }, opts.direction === 'ascending' ? 'next' : 'prev')).map(toMessageView);
}

export async function getMessage(account: string, id: string): Promise<MessageView | undefined> {
  const r = await (await db()).get('messages', [account, id]);
  return r && toMessageView(r);
}

/**
 * Stores messages idempotently (by id): a message already stored is not counted again, so replays
 * and overlapping catch-up windows change nothing. Updates each touched conversation's preview, sort
 * time and unread count. `replacing` maps a delivered send's final id to the local id it had while
 * pending, whose record is removed. Returns the messages that were new or changed, per topic.
 */
export async function putMessages(
  account: string,
  messages: (MessageView | MessageRecord)[],
  opts: { replacing?: Map<string, string> } = {},
): Promise<Map<string, MessageView[]>> {
  const changed = new Map<string, MessageView[]>();
  if (!messages.length) return changed;
  const d = await db();
  const tx = d.transaction(['messages', 'conversations', 'terms'], 'readwrite');
  const msgs = tx.objectStore('messages');
  const convos = tx.objectStore('conversations');
  const terms = tx.objectStore('terms');
  const touched = new Map<string, ConversationRecord>();
  for (const m of messages) {
    const existing = await msgs.get([account, m.id]);
    const local = opts.replacing?.get(m.id);
    if (existing && existing.status === m.status && existing.error === m.error && existing.localId === m.localId && !local) continue;
    if (local && local !== m.id) await msgs.delete([account, local]);
    await msgs.put({ ...m, account });
    if (!existing) for (const t of termsOf(account, m)) await terms.put(t);
    const view = toMessageView({ ...m, account }); // what other contexts may see: never the payload or internal fields
    let convo = touched.get(m.conversation) ?? (await convos.get([account, m.conversation]));
    if (!convo) continue; // a message for a conversation we do not know (yet): kept, listed once it is
    touched.set(m.conversation, convo);
    if (!silent(m) && (m.sent >= convo.updatedAt || convo.lastMessage?.id === m.id || convo.lastMessage?.id === local)) {
      convo = { ...convo, updatedAt: Math.max(convo.updatedAt, m.sent), lastMessage: previewOf(view) };
      touched.set(m.conversation, convo);
    }
    const fromPeer = lower(m.senderAddress) !== lower(account);
    if (!existing && fromPeer && !silent(m) && !NOT_UNREAD.has(m.contentType) && m.sent > convo.readUpTo) {
      convo = { ...convo, unreadCount: convo.unreadCount + 1 };
      touched.set(m.conversation, convo);
    }
    const list = changed.get(m.conversation) ?? [];
    list.push(view);
    changed.set(m.conversation, list);
  }
  for (const c of touched.values()) await convos.put(c);
  await tx.done;
  return changed;
}

export async function deleteMessage(account: string, id: string): Promise<MessageView | undefined> {
  const d = await db();
  const tx = d.transaction(['messages', 'conversations'], 'readwrite');
  const m = await tx.objectStore('messages').get([account, id]);
  if (m) {
    await tx.objectStore('messages').delete([account, id]);
    // If it was the preview, fall back to the newest remaining message.
    const convo = await tx.objectStore('conversations').get([account, m.conversation]);
    if (convo?.lastMessage?.id === id) {
      const range = IDBKeyRange.bound([account, m.conversation, -Infinity], [account, m.conversation, Infinity]);
      let cursor = await tx.objectStore('messages').index('byConversation').openCursor(range, 'prev');
      while (cursor && silent(cursor.value)) cursor = await cursor.continue();
      const next = cursor ? toMessageView(cursor.value) : undefined;
      await tx.objectStore('conversations').put({
        ...convo,
        lastMessage: next && previewOf(next),
        updatedAt: next?.sent ?? convo.createdAt,
      });
    }
  }
  await tx.done;
  return m && toMessageView(m);
}

/** Marks the conversation read up to its newest message. Returns the previous unread count. */
export async function markRead(account: string, topic: string): Promise<number> {
  const d = await db();
  const tx = d.transaction(['conversations', 'messages'], 'readwrite');
  const convo = await tx.objectStore('conversations').get([account, topic]);
  if (!convo) {
    await tx.done;
    return 0;
  }
  const range = IDBKeyRange.bound([account, topic, -Infinity], [account, topic, Infinity]);
  const newest = await tx.objectStore('messages').index('byConversation').openCursor(range, 'prev');
  const before = convo.unreadCount;
  await tx.objectStore('conversations').put({ ...convo, unreadCount: 0, readUpTo: Math.max(convo.readUpTo, newest?.value.sent ?? 0) });
  await tx.done;
  return before;
}

/**
 * Stores consent entries and stamps each address's state on its conversations. Entries merge by time:
 * one older than what is stored (replayed from the network) never overrides a newer one. Returns the
 * topics whose consent changed.
 */
export async function putConsent(account: string, entries: Omit<ConsentRecord, 'account'>[]): Promise<string[]> {
  if (!entries.length) return [];
  const d = await db();
  const tx = d.transaction(['consent', 'conversations'], 'readwrite');
  const changedAddresses = new Map<string, 'allowed' | 'denied'>();
  for (const e of entries) {
    const prior = await tx.objectStore('consent').get([account, e.key]);
    if (prior && prior.updatedNs > e.updatedNs) continue;
    await tx.objectStore('consent').put({ account, ...e });
    if (e.key.startsWith('address-')) changedAddresses.set(lower(e.key.slice('address-'.length)), e.value);
  }
  const topics: string[] = [];
  if (changedAddresses.size) {
    let cursor = await tx.objectStore('conversations').openCursor(IDBKeyRange.bound([account, ''], [account, '\uffff']));
    while (cursor) {
      const state = changedAddresses.get(lower(cursor.value.peerAddress));
      if (state && cursor.value.consent !== state) {
        await cursor.update({ ...cursor.value, consent: state });
        topics.push(cursor.value.topic);
      }
      cursor = await cursor.continue();
    }
  }
  await tx.done;
  return topics;
}

export async function listConsent(account: string): Promise<ConsentRecord[]> {
  return (await db()).getAll('consent', IDBKeyRange.bound([account, ''], [account, '\uffff']));
}

export async function consentOf(account: string, peerAddress: string): Promise<ConsentState> {
  return (await (await db()).get('consent', [account, consentKey(peerAddress)]))?.value ?? 'unknown';
}

/** Conversations with unread messages, for the badge; blocked senders never count. */
export async function unreadConversations(account: string): Promise<number> {
  const d = await db();
  const all = await d.getAll('conversations', IDBKeyRange.bound([account, ''], [account, '\uffff']));
  return all.filter((c) => c.unreadCount > 0 && c.consent !== 'denied').length;
}

/**
 * Messages whose text has every word of `query` (whole words, any case), newest first: walks the index
 * records of the query's longest word from the newest, checks its other words per hit, and stops at
 * `limit`, so a common word costs no more than a rare one.
 */
export async function searchMessages(account: string, query: string, limit = 50): Promise<MessageView[]> {
  const wanted = words(query);
  if (!wanted.length) return [];
  const [first, ...rest] = [...wanted].sort((a, b) => b.length - a.length).map((w) => termOf(account, w));
  const d = await db();
  const tx = d.transaction(['terms', 'messages'], 'readonly');
  const terms = tx.objectStore('terms');
  const messages = tx.objectStore('messages');
  const hits: MessageView[] = [];
  let cursor = await terms.openKeyCursor(IDBKeyRange.bound([account, first!, -Infinity, ''], [account, first!, Infinity, '\uffff']), 'prev');
  while (cursor && hits.length < limit) {
    const [, , sent, id] = cursor.key;
    const all = (await Promise.all(rest.map((t) => terms.count([account, t, sent, id])))).every((n) => n > 0);
    const m = all ? await messages.get([account, id]) : undefined;
    if (m) hits.push(toMessageView(m)); // a delivered send's pending record is gone: its words stay behind, harmlessly
    cursor = await cursor.continue();
  }
  await tx.done;
  return hits;
}
