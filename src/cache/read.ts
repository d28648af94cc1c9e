// Reading the cache: pages of conversations and messages, opened with the account's keys. The
// background answers the popup and pages with this code, and the popup paints its first screen with
// the very same functions straight from IndexedDB (it never writes).
import { openDB, unwrap, wrap, type IDBPDatabase, type IDBPIndex } from 'idb';
import type { ConversationView, MessageView } from '../views.ts';
import { DB_NAME, DB_VERSION, type ConversationRecord, type ConversationRow, type InboxDB, type MessageRecord } from './schema.ts';
import { openConversation, openMessage, toConversationView, toMessageView, topicId } from './records.ts';
import type { CacheKeys } from './seal.ts';

export type CacheDb = IDBPDatabase<InboxDB>;

/**
 * The database for reading, from a page other than the background: never created or upgraded here (a
 * missing or older database is the background's to make), closed when the background upgrades it.
 */
export async function openForReading(): Promise<CacheDb | undefined> {
  let d: CacheDb;
  try {
    d = await openDB<InboxDB>(DB_NAME, undefined, {
      upgrade(_db, _old, _new, tx) {
        tx.abort(); // it does not exist yet: leave creating it to the background
      },
    });
  } catch {
    return undefined;
  }
  if (d.version !== DB_VERSION) {
    d.close();
    return undefined;
  }
  d.addEventListener('versionchange', () => d.close());
  return d;
}

declare global {
  /** IndexedDB 3 (Chromium 141+, not yet Firefox): records in either direction, in one request. */
  interface IDBIndex {
    getAllRecords?(options: { query?: IDBKeyRange; count?: number; direction?: IDBCursorDirection }): IDBRequest<{ value: any }[]>;
  }
}

/**
 * `limit` records of `range` in an index after skipping `offset`, in cursor order ('prev': newest
 * first), with a handful of requests whatever the sizes. From the start of the range, where the
 * browser has getAllRecords, that is one request (the popup's first screen waits on it). Otherwise a
 * key cursor jumps to where the page starts and to where it ends, and one getAll reads the page. A
 * cursor walk would cost a round trip per record: 25 ms for 40 conversations on a busy worker. Records
 * sharing a boundary key come in primary-key order, as a cursor gives them; the primary keys say where
 * the page starts.
 */
export async function pageOfIndex<S extends 'conversations' | 'messages'>(
  index: IDBPIndex<InboxDB, [S], S, any, 'readonly'>,
  range: IDBKeyRange,
  { offset = 0, limit }: { offset?: number; limit: number },
  direction: 'next' | 'prev',
): Promise<InboxDB[S]['value'][]> {
  if (limit <= 0) return [];
  const raw = unwrap(index);
  if (offset === 0 && raw.getAllRecords) return (await wrap(raw.getAllRecords({ query: range, count: limit, direction }))).map((r) => r.value);
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

/** Opens rows, leaving out (and reporting) any that do not open: one damaged row must not hide the rest. */
export async function openAll<R, T>(rows: R[], openOne: (row: R) => Promise<T>): Promise<T[]> {
  const opened = await Promise.allSettled(rows.map(openOne));
  const out: T[] = [];
  for (const r of opened) {
    if (r.status === 'fulfilled') out.push(r.value);
    else console.warn('[xmtp-inbox] a cached record does not open:', r.reason instanceof Error ? r.reason.message : r.reason);
  }
  return out;
}

const accountRange = (account: string) => IDBKeyRange.bound([account, -Infinity], [account, Infinity]);

/** The sealed rows of a page of an account's conversation list, newest first (reading needs no keys). */
export function conversationRows(d: CacheDb, account: string, page: { offset?: number; limit: number }): Promise<ConversationRow[]> {
  return pageOfIndex(d.transaction('conversations').store.index('byUpdated'), accountRange(account), page, 'prev');
}

export async function openConversationViews(keys: CacheKeys, rows: ConversationRow[]): Promise<ConversationView[]> {
  return (await openAll(rows, (r) => openConversation(keys, r))).map(toConversationView);
}

/** A page of the conversation list, newest first. */
export async function readConversationPage(d: CacheDb, keys: CacheKeys, page: { offset?: number; limit: number }): Promise<ConversationView[]> {
  return openConversationViews(keys, await conversationRows(d, keys.account, page));
}

/** Every conversation of the account, newest first. */
export async function readAllConversations(d: CacheDb, keys: CacheKeys): Promise<ConversationRecord[]> {
  const rows = await d.getAllFromIndex('conversations', 'byUpdated', accountRange(keys.account));
  return (await openAll(rows.reverse(), (r) => openConversation(keys, r)));
}

export async function readConversation(d: CacheDb, keys: CacheKeys, topic: string): Promise<ConversationRecord | undefined> {
  const row = await d.get('conversations', [keys.account, await topicId(keys, topic)]);
  return row && openConversation(keys, row);
}

export interface MessagePage {
  limit?: number;
  /** sent times (ms), exclusive */
  before?: number;
  after?: number;
  direction?: 'ascending' | 'descending';
}

/** Messages of a conversation, newest first (or oldest first, ascending), as stored. */
export async function readMessageRecords(d: CacheDb, keys: CacheKeys, topic: string, opts: MessagePage = {}): Promise<MessageRecord[]> {
  const lo = opts.after !== undefined ? opts.after + 1e-3 : -Infinity;
  const hi = opts.before !== undefined ? opts.before - 1e-3 : Infinity;
  if (lo > hi) return [];
  const tid = await topicId(keys, topic);
  const range = IDBKeyRange.bound([keys.account, tid, lo], [keys.account, tid, hi]);
  const index = d.transaction('messages').store.index('byConversation');
  const rows = await pageOfIndex(index, range, { limit: opts.limit ?? 100 }, opts.direction === 'ascending' ? 'next' : 'prev');
  return openAll(rows, (r) => openMessage(keys, r));
}

export async function readMessages(d: CacheDb, keys: CacheKeys, topic: string, opts: MessagePage = {}): Promise<MessageView[]> {
  return (await readMessageRecords(d, keys, topic, opts)).map(toMessageView);
}
