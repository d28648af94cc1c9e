// The inbox as stored in IndexedDB: conversation and message records that the popup and pages read
// without touching the network, and the idempotent writes the sync engine and the outbox make. A
// conversation record carries its list preview, sort time, consent and unread count, so listing 1,000
// conversations reads one index and nothing else.
//
// Every row is sealed under the account's data key (src/cache/). Sealing is asynchronous crypto, which
// an IndexedDB transaction cannot wait for, so a write reads in one transaction, seals, and writes in
// the next; the background is the only writer and runs an account's writes one at a time (write()),
// so no other write lands between the two.
import type { ConsentState, ConversationView, MessageView } from '../src/views.ts';
import { ContentTypes } from '../src/views.ts';
import { toChecksumAddress } from '../src/xmtp/crypto/address.ts';
import type { CacheKeys } from '../src/cache/seal.ts';
import {
  consentId,
  openConsent,
  openConversation,
  openMessage,
  openOutbox,
  sealConsent,
  sealConversation,
  sealMessage,
  sealOutbox,
  toConversationView,
  toMessageView,
  topicId,
} from '../src/cache/records.ts';
import { openAll, readAllConversations, readConversation, readConversationPage, readMessages, type MessagePage } from '../src/cache/read.ts';
import { db, type ConsentRecord, type ConversationRecord, type MessageRecord, type MessageRow, type OutboxRecord } from './db.ts';
import { cacheKeys } from './session.ts';
import { termOf, termsOf, words } from './search-index.ts';

export { toConversationView, toMessageView };

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
const accountRange = (account: string) => IDBKeyRange.bound([account, ''], [account, '\uffff']);

const writing = new Map<string, Promise<unknown>>();
/** Runs an account's writes one at a time, with its cache keys ('locked' when it is not unlocked). */
export function write<T>(account: string, fn: (keys: CacheKeys) => Promise<T>): Promise<T> {
  const run = (writing.get(account) ?? Promise.resolve()).then(async () => fn(await cacheKeys(account)));
  const settled = run.catch(() => {});
  writing.set(account, settled);
  void settled.then(() => writing.get(account) === settled && writing.delete(account));
  return run;
}

/** Resolves once the account's writes queued so far have run. */
export async function writesDone(account: string): Promise<void> {
  await writing.get(account);
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

export type NewConversation = Pick<ConversationRecord, 'topic' | 'peerAddress' | 'createdAt' | 'createdNs' | 'version' | 'context' | 'secrets'>;

/** Adds conversations not seen before (existing ones keep their state). Returns the new topics. */
export function addConversations(account: string, convos: NewConversation[]): Promise<string[]> {
  if (!convos.length) return Promise.resolve([]);
  return write(account, async (keys) => {
    const d = await db();
    const tids = await Promise.all(convos.map((c) => topicId(keys, c.topic)));
    const hkeys = await Promise.all(convos.map((c) => consentId(keys, consentKey(c.peerAddress))));
    const tx = d.transaction(['conversations', 'consent']);
    const [known, consentRows] = await Promise.all([
      Promise.all(tids.map((tid) => tx.objectStore('conversations').getKey([account, tid]))),
      Promise.all(hkeys.map((h) => tx.objectStore('consent').get([account, h]))),
    ]);
    await tx.done;
    const added: ConversationRecord[] = [];
    const seen = new Set<string>();
    for (const [i, c] of convos.entries()) {
      if (known[i] !== undefined || seen.has(c.topic)) continue;
      seen.add(c.topic);
      const row = consentRows[i];
      const consent = row ? (await openConsent(keys, row)).value : 'unknown';
      added.push({ ...c, account, consent, updatedAt: c.createdAt, readUpTo: 0, unreadCount: 0 });
    }
    const rows = await Promise.all(added.map((r) => sealConversation(keys, r)));
    const wtx = d.transaction('conversations', 'readwrite');
    await Promise.all(rows.map((r) => wtx.store.put(r)));
    await wtx.done;
    return added.map((r) => r.topic);
  });
}

export async function getConversationRecord(account: string, topic: string): Promise<ConversationRecord | undefined> {
  return readConversation(await db(), await cacheKeys(account), topic);
}

/** Every conversation of the account (opened), newest first. */
export async function allConversations(account: string): Promise<ConversationRecord[]> {
  return readAllConversations(await db(), await cacheKeys(account));
}

export async function listConversations(
  account: string,
  opts: { consent?: ConsentState; search?: string; limit?: number; offset?: number } = {},
): Promise<ConversationView[]> {
  const d = await db();
  const keys = await cacheKeys(account);
  const search = opts.search?.trim().toLowerCase();
  const limit = opts.limit ?? Infinity;
  const offset = opts.offset ?? 0;
  // A screenful or a chunk of the list (the popup's requests): a few requests, not one per record.
  if (limit !== Infinity && !opts.consent && !search) return readConversationPage(d, keys, { offset, limit });
  // Everything, or a filtered page: one bulk read is much faster than a cursor walk.
  const matches = (r: ConversationRecord) =>
    (!opts.consent || r.consent === opts.consent) &&
    (!search || r.peerAddress.toLowerCase().includes(search) || !!r.context?.conversationId.toLowerCase().includes(search));
  return (await readAllConversations(d, keys)).filter(matches).slice(offset, offset + limit).map(toConversationView);
}

/** Newest first, or oldest first with `direction: 'ascending'`; `before`/`after` are sent times (ms). */
export async function listMessages(account: string, topic: string, opts: MessagePage = {}): Promise<MessageView[]> {
  return readMessages(await db(), await cacheKeys(account), topic, opts);
}

export async function getMessageRecord(account: string, id: string): Promise<MessageRecord | undefined> {
  const row = await (await db()).get('messages', [account, id]);
  return row && openMessage(await cacheKeys(account), row);
}

export async function getMessage(account: string, id: string): Promise<MessageView | undefined> {
  const r = await getMessageRecord(account, id);
  return r && toMessageView(r);
}

/**
 * Stores messages idempotently (by id): a message already stored is not counted again, so replays
 * and overlapping catch-up windows change nothing. Updates each touched conversation's preview, sort
 * time and unread count. `replacing` maps a delivered send's final id to the local id it had while
 * pending, whose record is removed. Returns the messages that were new or changed, per topic.
 */
export function putMessages(account: string, messages: (MessageView | MessageRecord)[], opts: { replacing?: Map<string, string> } = {}): Promise<Map<string, MessageView[]>> {
  const changed = new Map<string, MessageView[]>();
  if (!messages.length) return Promise.resolve(changed);
  return write(account, async (keys) => {
    const d = await db();
    const topics = [...new Set(messages.map((m) => m.conversation))];
    const tids = new Map(await Promise.all(topics.map(async (t) => [t, await topicId(keys, t)] as const)));
    const rtx = d.transaction(['messages', 'conversations']);
    const [existingRows, convoRows] = await Promise.all([
      Promise.all(messages.map((m) => rtx.objectStore('messages').get([account, m.id]))),
      Promise.all(topics.map((t) => rtx.objectStore('conversations').get([account, tids.get(t)!]))),
    ]);
    await rtx.done;
    const existing = await Promise.all(existingRows.map((r) => r && openMessage(keys, r)));
    const convos = new Map<string, ConversationRecord>();
    for (const c of await openAll(convoRows.filter((r) => r !== undefined), (r) => openConversation(keys, r))) convos.set(c.topic, c);
    const touched = new Set<string>();
    const puts: MessageRecord[] = [];
    /** new messages: their words go to the search index (a status change keeps the words it had) */
    const fresh: MessageView[] = [];
    const deletes: string[] = [];
    for (const [i, m] of messages.entries()) {
      const before = existing[i];
      const local = opts.replacing?.get(m.id);
      if (before && before.status === m.status && before.error === m.error && before.localId === m.localId && !local) continue;
      if (local && local !== m.id) deletes.push(local);
      puts.push({ ...m, account });
      if (!before) fresh.push(m);
      const view = toMessageView({ ...m, account });
      let convo = convos.get(m.conversation);
      if (convo) {
        if (!silent(m) && (m.sent >= convo.updatedAt || convo.lastMessage?.id === m.id || convo.lastMessage?.id === local)) {
          convo = { ...convo, updatedAt: Math.max(convo.updatedAt, m.sent), lastMessage: previewOf(view) };
          touched.add(m.conversation);
        }
        const fromPeer = lower(m.senderAddress) !== lower(account);
        if (!before && fromPeer && !silent(m) && !NOT_UNREAD.has(m.contentType) && m.sent > convo.readUpTo) {
          convo = { ...convo, unreadCount: convo.unreadCount + 1 };
          touched.add(m.conversation);
        }
        convos.set(m.conversation, convo);
      } // else a message for a conversation we do not know (yet): kept, listed once it is
      const list = changed.get(m.conversation) ?? [];
      list.push(view);
      changed.set(m.conversation, list);
    }
    const [messageRows, conversationRows, terms] = await Promise.all([
      Promise.all(puts.map((m) => sealMessage(keys, m))),
      Promise.all([...touched].map((t) => sealConversation(keys, convos.get(t)!))),
      Promise.all(fresh.map((m) => termsOf(keys, m))),
    ]);
    const wtx = d.transaction(['messages', 'conversations', 'terms'], 'readwrite');
    await Promise.all([
      ...deletes.map((id) => wtx.objectStore('messages').delete([account, id])),
      ...messageRows.map((r) => wtx.objectStore('messages').put(r)),
      ...conversationRows.map((r) => wtx.objectStore('conversations').put(r)),
      ...terms.flat().map((t) => wtx.objectStore('terms').put(t)),
    ]);
    await wtx.done;
    return changed;
  });
}

/** The newest message of a conversation that is not silent (what its preview shows), and the newest of all. */
async function newestOf(keys: CacheKeys, topic: string): Promise<{ shown?: MessageView; newest?: MessageView }> {
  const d = await db();
  let shown: MessageView | undefined;
  let newest: MessageView | undefined;
  let before: number | undefined;
  for (let page = 0; page < 10 && !shown; page++) {
    const batch = await readMessages(d, keys, topic, { limit: 20, before });
    if (!batch.length) break;
    newest ??= batch[0];
    shown = batch.find((m) => !silent(m));
    before = batch.at(-1)!.sent;
  }
  return { shown, newest };
}

export function deleteMessage(account: string, id: string): Promise<MessageView | undefined> {
  return write(account, async (keys) => {
    const d = await db();
    const row = await d.get('messages', [account, id]);
    if (!row) return undefined;
    const m = await openMessage(keys, row);
    await d.delete('messages', [account, id]);
    // If it was the preview, fall back to the newest remaining message.
    const convo = await readConversation(d, keys, m.conversation);
    if (convo?.lastMessage?.id === id) {
      const { shown } = await newestOf(keys, m.conversation);
      await d.put('conversations', await sealConversation(keys, { ...convo, lastMessage: shown && previewOf(shown), updatedAt: shown?.sent ?? convo.createdAt }));
    }
    return toMessageView(m);
  });
}

/** Marks the conversation read up to its newest message. Returns the previous unread count. */
export function markRead(account: string, topic: string): Promise<number> {
  return write(account, async (keys) => {
    const d = await db();
    const convo = await readConversation(d, keys, topic);
    if (!convo) return 0;
    const { newest } = await newestOf(keys, topic);
    if (convo.unreadCount === 0 && convo.readUpTo >= (newest?.sent ?? 0)) return 0;
    await d.put('conversations', await sealConversation(keys, { ...convo, unreadCount: 0, readUpTo: Math.max(convo.readUpTo, newest?.sent ?? 0) }));
    return convo.unreadCount;
  });
}

/**
 * Stores consent entries and stamps each address's state on its conversations. Entries merge by time:
 * one older than what is stored (replayed from the network) never overrides a newer one. Returns the
 * topics whose consent changed.
 */
export function putConsent(account: string, entries: Omit<ConsentRecord, 'account'>[]): Promise<string[]> {
  if (!entries.length) return Promise.resolve([]);
  return write(account, async (keys) => {
    const d = await db();
    const hkeys = await Promise.all(entries.map((e) => consentId(keys, e.key)));
    const prior = await Promise.all(hkeys.map(async (h) => {
      const row = await d.get('consent', [account, h]);
      return row && openConsent(keys, row);
    }));
    const changedAddresses = new Map<string, 'allowed' | 'denied'>();
    const puts: ConsentRecord[] = [];
    for (const [i, e] of entries.entries()) {
      if (prior[i] && prior[i]!.updatedNs > e.updatedNs) continue;
      puts.push({ account, ...e });
      if (e.key.startsWith('address-')) changedAddresses.set(lower(e.key.slice('address-'.length)), e.value);
    }
    const stamped: ConversationRecord[] = [];
    if (changedAddresses.size) {
      for (const c of await readAllConversations(d, keys)) {
        const state = changedAddresses.get(lower(c.peerAddress));
        if (state && c.consent !== state) stamped.push({ ...c, consent: state });
      }
    }
    const [consentRows, conversationRows] = await Promise.all([Promise.all(puts.map((r) => sealConsent(keys, r))), Promise.all(stamped.map((c) => sealConversation(keys, c)))]);
    const tx = d.transaction(['consent', 'conversations'], 'readwrite');
    await Promise.all([...consentRows.map((r) => tx.objectStore('consent').put(r)), ...conversationRows.map((r) => tx.objectStore('conversations').put(r))]);
    await tx.done;
    return stamped.map((c) => c.topic);
  });
}

export async function listConsent(account: string): Promise<ConsentRecord[]> {
  const keys = await cacheKeys(account);
  return openAll(await (await db()).getAll('consent', accountRange(account)), (r) => openConsent(keys, r));
}

export async function consentOf(account: string, peerAddress: string): Promise<ConsentState> {
  const keys = await cacheKeys(account);
  const row = await (await db()).get('consent', [account, await consentId(keys, consentKey(peerAddress))]);
  return row ? (await openConsent(keys, row)).value : 'unknown';
}

/** Conversations with unread messages, for the badge; blocked senders never count. Reads one index: nothing to open. */
export async function unreadConversations(account: string): Promise<number> {
  return (await db()).countFromIndex('conversations', 'byUnread', IDBKeyRange.only([account, 1]));
}

/**
 * Messages whose text has every word of `query` (whole words, any case), newest first: walks the index
 * records of the query's longest word from the newest, checks its other words per hit, and stops at
 * `limit`, so a common word costs no more than a rare one.
 */
export async function searchMessages(account: string, query: string, limit = 50): Promise<MessageView[]> {
  const wanted = words(query);
  if (!wanted.length) return [];
  const keys = await cacheKeys(account);
  const [first, ...rest] = await Promise.all([...wanted].sort((a, b) => b.length - a.length).map((w) => termOf(keys, w)));
  const d = await db();
  const tx = d.transaction(['terms', 'messages'], 'readonly');
  const terms = tx.objectStore('terms');
  const messages = tx.objectStore('messages');
  const rows: MessageRow[] = [];
  let cursor = await terms.openKeyCursor(IDBKeyRange.bound([account, first!, -Infinity, ''], [account, first!, Infinity, '\uffff']), 'prev');
  while (cursor && rows.length < limit) {
    const [, , sent, id] = cursor.key;
    const all = (await Promise.all(rest.map((t) => terms.count([account, t, sent, id])))).every((n) => n > 0);
    const row = all ? await messages.get([account, id]) : undefined;
    if (row) rows.push(row); // a delivered send's pending record is gone: its words stay behind, harmlessly
    cursor = await cursor.continue();
  }
  await tx.done;
  return (await openAll(rows, (r) => openMessage(keys, r))).map(toMessageView);
}

// ------------------------------------------------------------------ the outbox's rows

export function putOutbox(r: OutboxRecord): Promise<void> {
  return write(r.account, async (keys) => {
    await (await db()).put('outbox', await sealOutbox(keys, r));
  });
}

export async function getOutbox(account: string, localId: string): Promise<OutboxRecord | undefined> {
  const row = await (await db()).get('outbox', [account, localId]);
  return row && openOutbox(await cacheKeys(account), row);
}

export function deleteOutbox(account: string, localId: string): Promise<void> {
  return write(account, async () => (await db()).delete('outbox', [account, localId]));
}

/** The account's queued sends whose next attempt is due by `upTo` (ms), oldest first. */
export async function outboxDue(account: string, upTo = Infinity): Promise<OutboxRecord[]> {
  const keys = await cacheKeys(account);
  const rows = await (await db()).getAllFromIndex('outbox', 'byNextAttempt', IDBKeyRange.bound([account, -Infinity], [account, upTo]));
  return (await openAll(rows, (r) => openOutbox(keys, r))).sort((x, y) => x.createdAt - y.createdAt);
}
