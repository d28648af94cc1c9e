// The popup reads the cache on its own: extension pages share the background's origin, so the
// IndexedDB cache and the unlocked session's keys (storage.session) are readable here. The first screen
// (status, and the first page of conversations) paints from them without waiting for the background,
// which may not even be running; the background stays the only writer. Reads go through the same code
// the background answers with (src/cache/read.ts).
import type { Method, Params, Result } from '../src/messages.ts';
import type { AppStatus, ConversationView } from '../src/views.ts';
import type { PortClient } from '../src/port-client.ts';
import { readConversation, readConversationPage, readMessages, type CacheDb } from '../src/cache/read.ts';
import { cacheKeysFrom, type StoredSession } from '../src/cache/session-keys.ts';
import { early, readSession } from './lib/early-reads.ts';
import { oldestFirst, statusOf } from '../src/cache/status.ts';
import { toConversationView } from '../src/cache/records.ts';
import type { CacheKeys } from '../src/cache/seal.ts';
import type { AccountRecord } from '../src/cache/schema.ts';
import type { Bg } from './state.ts';

export class LocalCache {
  // Both started the moment the popup's code ran (early-reads.ts): the first screen waits on them.
  private readonly db = early.db;
  private stored = early.session;
  private imported: { stored: string; keys: CacheKeys } | undefined;

  /** An account's keys while unlocked (imported once per session entry: a password change brings new ones). */
  async keys(account: string, session?: StoredSession): Promise<CacheKeys | undefined> {
    const s = session ?? (await (this.stored = readSession()));
    const entry = s?.accounts[account];
    if (!s || !entry) return undefined;
    const stored = JSON.stringify([account, entry]);
    if (this.imported?.stored !== stored) {
      const keys = await cacheKeysFrom(s, account);
      if (!keys) return undefined;
      this.imported = { stored, keys };
    }
    return this.imported.keys;
  }

  /**
   * The first screen: the status as stored, and while unlocked the first page of the current account's
   * conversations, read side by side. Undefined when this page cannot read them (the background answers).
   */
  async firstScreen(limit: number): Promise<{ status: AppStatus; conversations?: ConversationView[] } | undefined> {
    const d = await this.db;
    if (!d) return undefined;
    const meta = Promise.all([
      d.getAll('accounts') as Promise<AccountRecord[]>,
      d.get('meta', 'currentAccount') as Promise<string | undefined>,
      d.get('meta', 'settings') as Promise<{ nodeUrls?: string[] } | undefined>,
    ]);
    const [session, [accounts, current, global]] = await Promise.all([this.stored, meta]);
    const address = accounts.some((a) => a.address === current) ? current : [...accounts].sort(oldestFirst)[0]?.address;
    const page = session && address ? this.keys(address, session).then((keys) => keys && readConversationPage(d, keys, { limit })) : undefined;
    const [own, counts, conversations] = await Promise.all([
      current ? (d.get('meta', `settings:${current}`) as Promise<{ nodeUrls?: string[] } | undefined>) : undefined,
      session ? Promise.all(accounts.map((a) => d.countFromIndex('conversations', 'byUnread', IDBKeyRange.only([a.address, 1])))) : [],
      page?.catch(() => undefined),
    ]);
    const unread = new Map(accounts.map((a, i) => [a.address, counts[i] ?? 0]));
    const status = statusOf({ accounts, current, unlocked: !!session, nodeUrl: own?.nodeUrls?.[0] ?? global?.nodeUrls?.[0] ?? '', unread });
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
