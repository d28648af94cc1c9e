// The popup reads the cache on its own: extension pages share the background's origin, so the
// IndexedDB cache and the unlocked session's keys (storage.session) are readable here. The first screen
// (status, and the first page of conversations) paints from them without waiting for the background,
// which may not even be running; the background stays the only writer. Reads go through the same code
// the background answers with (src/cache/read.ts).
import type { Method, Params, Result } from '../src/messages.ts';
import type { AppStatus, ConversationView } from '../src/views.ts';
import type { PortClient } from '../src/port-client.ts';
import { conversationRows, openConversationViews, readConversation, readConversationPage, readMessages, type CacheDb } from '../src/cache/read.ts';
import { cacheKeysFrom, type StoredSession } from '../src/cache/session-keys.ts';
import { early, readSession } from './lib/early-reads.ts';
import { oldestFirst, statusOf } from '../src/cache/status.ts';
import { toConversationView } from '../src/cache/records.ts';
import type { CacheKeys } from '../src/cache/seal.ts';
import type { Bg } from './state.ts';

/** Unlocked accounts whose first page is read before the current account is known. */
const SPECULATIVE_PAGES = 4;

export class LocalCache {
  // Both started the moment the popup's code ran (early-reads.ts): the first screen waits on them.
  private readonly db = early.db;
  private stored = early.session;
  /** per account, imported once per session entry (a password change brings new keys) */
  private readonly imported = new Map<string, { stored: string; keys: CacheKeys }>();

  /** An account's keys while unlocked. */
  async keys(account: string, session?: StoredSession): Promise<CacheKeys | undefined> {
    const s = session ?? (await (this.stored = readSession()));
    const entry = s?.accounts[account];
    if (!s || !entry) return undefined;
    const stored = JSON.stringify(entry);
    const hit = this.imported.get(account);
    if (hit?.stored === stored) return hit.keys;
    const keys = await cacheKeysFrom(s, account);
    if (keys) this.imported.set(account, { stored, keys });
    return keys;
  }

  /** An account's first page, opened; undefined when it cannot be read here. */
  private firstPage(d: CacheDb, account: string, session: StoredSession, limit: number): Promise<ConversationView[] | undefined> {
    const rows = conversationRows(d, account, { limit });
    return this.keys(account, session)
      .then(async (keys) => keys && openConversationViews(keys, await rows))
      .catch(() => undefined);
  }

  /**
   * The first screen: the status as stored, and while unlocked the first page of the current account's
   * conversations. Undefined when this page cannot read them (the background answers).
   *
   * One round trip: which account is current is itself a read, so alongside it each unlocked account's
   * unread count and first page are read, and the pages opened (usually one or two accounts; pages
   * only up to SPECULATIVE_PAGES of them); the current account's page is kept.
   */
  async firstScreen(limit: number): Promise<{ status: AppStatus; conversations?: ConversationView[] } | undefined> {
    const d = await this.db;
    if (!d) return undefined;
    const meta = d.transaction('meta').store;
    const records = Promise.all([d.getAll('accounts'), meta.getAllKeys(), meta.getAll()]);
    const session = await this.stored;
    const unlocked = session ? Object.keys(session.accounts) : [];
    const count = (a: string) => d.countFromIndex('conversations', 'byUnread', IDBKeyRange.only([a, 1])).catch(() => 0);
    const counts = new Map(unlocked.map((a) => [a, count(a)]));
    const pages = new Map(session && unlocked.length <= SPECULATIVE_PAGES ? unlocked.map((a) => [a, this.firstPage(d, a, session, limit)]) : []);

    const [accounts, keys, values] = await records;
    const stored = new Map(keys.map((k, i) => [k, values[i]]));
    const current = stored.get('currentAccount') as string | undefined;
    const address = accounts.some((a) => a.address === current) ? current : [...accounts].sort(oldestFirst)[0]?.address;
    const [conversations, unreadCounts] = await Promise.all([
      session && address ? (pages.get(address) ?? this.firstPage(d, address, session, limit)) : undefined,
      session ? Promise.all(accounts.map((a) => counts.get(a.address) ?? count(a.address))) : [],
    ]);
    const unread = new Map(accounts.map((a, i) => [a.address, unreadCounts[i] ?? 0]));
    const nodeUrls = (key: string) => (stored.get(key) as { nodeUrls?: string[] } | undefined)?.nodeUrls?.[0];
    const status = statusOf({ accounts, current, unlocked: !!session, nodeUrl: (current ? nodeUrls(`settings:${current}`) : undefined) ?? nodeUrls('settings') ?? '', unread });
    return conversations ? { status, conversations } : { status };
  }

  /** Runs a read with the account's keys; undefined when it cannot be done here. */
  async read<T>(account: string, fn: (d: CacheDb, keys: CacheKeys) => Promise<T>): Promise<T | undefined> {
    const [d, keys] = await Promise.all([this.db, this.keys(account)]);
    return d && keys ? fn(d, keys) : undefined;
  }
}

const NOT_HERE = Symbol('not here');

/**
 * The popup's connection to the background, reading the cache itself where it can: the conversation
 * list, a conversation and its messages. Everything else, and every write, goes to the background. The
 * port opens (and the background wakes) once the first screen is read, or at the first request that
 * needs it; events are listened for from then on.
 */
export class LocalFirst implements Bg {
  private connected = false;
  private readonly queued: (() => void)[] = [];

  constructor(
    private readonly port: PortClient,
    private readonly cache: LocalCache,
    /** the current account, as the popup shows it */
    private readonly account: () => string | undefined,
  ) {}

  connect(): void {
    if (this.connected) return;
    this.connected = true;
    for (const fn of this.queued.splice(0)) fn();
  }

  on: PortClient['on'] = (event, fn) => {
    let off: (() => void) | undefined;
    let gone = false;
    const subscribe = () => {
      if (!gone) off = this.port.on(event, fn);
    };
    if (this.connected) subscribe();
    else this.queued.push(subscribe);
    return () => {
      gone = true;
      off?.();
    };
  };

  call<M extends Method>(method: M, ...params: Params<M> extends undefined ? [] : [Params<M>]): Promise<Result<M>> {
    return this.local(method, params[0]).then((r) => {
      if (r !== NOT_HERE) return r;
      this.connect();
      return this.port.call(method, ...params);
    });
  }

  private async local<M extends Method>(method: M, params: Params<M> | undefined): Promise<Result<M> | typeof NOT_HERE> {
    const account = this.account();
    const read = LOCAL_READS[method] as LocalRead<M> | undefined; // the table pairs each method with its own params
    if (!account || !read) return NOT_HERE;
    let r: Result<M> | undefined;
    try {
      r = await read(this.cache, account, params as Params<M>);
    } catch {
      r = undefined; // not readable here (a damaged row, a key not unlocked yet): the background answers
    }
    return r === undefined ? NOT_HERE : r;
  }
}

type LocalRead<M extends Method> = (cache: LocalCache, account: string, params: Params<M>) => Promise<Result<M> | undefined>;

/** The requests the popup answers from the cache itself (undefined: ask the background). */
const LOCAL_READS: { [M in Method]?: LocalRead<M> } = {
  // a page of the whole list; filtered lists are the background's
  'conversations.list': async (cache, account, p) =>
    p?.limit === undefined || p.consent || p.search ? undefined : cache.read(account, (d, keys) => readConversationPage(d, keys, { offset: p.offset, limit: p.limit! })),
  'conversations.get': (cache, account, { topic }) =>
    cache.read(account, async (d, keys) => {
      const r = await readConversation(d, keys, topic);
      return r && toConversationView(r);
    }),
  'messages.list': (cache, account, { topic, limit, before }) => cache.read(account, (d, keys) => readMessages(d, keys, topic, { limit: limit ?? 100, before })),
};
