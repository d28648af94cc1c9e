// The inbox's shared state: the conversation list, kept current from the background's events. Screens
// read it with `useStore`; it outlives screen changes, so going back to the inbox never reloads it.
import { useLayoutEffect, useState } from 'preact/hooks';
import type { PortClient } from '../src/port-client.ts';
import type { AppStatus, ConversationView, MessageView } from '../src/views.ts';
import { errorText, sortConversations } from './lib/format.ts';
import { ErrorCode } from '../src/rpc.ts';
import { FIRST_SCREEN_ROWS } from '../src/cache/first-screen.ts';

/** What the screens need of the background connection (the popup's or the prompt's PortClient). */
export type Bg = Pick<PortClient, 'call' | 'on'>;

export class Store<T> {
  private subs = new Set<() => void>();
  constructor(private value: T) {}
  get(): T {
    return this.value;
  }
  set(v: T): void {
    this.value = v;
    for (const fn of [...this.subs]) fn();
  }
  subscribe(fn: () => void): () => void {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }
}

export function useStore<T>(store: Store<T>): T {
  const [, force] = useState(0);
  const value = store.get();
  // a layout effect: subscribed before the first paint, so no answer waits for a frame
  useLayoutEffect(() => {
    const off = store.subscribe(() => force((n) => n + 1));
    // changed between this render and the subscription (an answer that arrived meanwhile)
    if (store.get() !== value) force((n) => n + 1);
    return off;
  }, [store]);
  return value;
}

export interface InboxState {
  /** sorted by updatedAt, newest first; null until the first answer */
  conversations: ConversationView[] | null;
  error: string | null;
  /** the last sync failed (node unreachable…): the list is the cache */
  offline: string | null;
  /** false while only the first page of the list is known (tab counts wait for the rest) */
  complete: boolean;
}

/**
 * How many conversations the popup asks for first: enough to fill the screen. The rest follows right
 * after the first paint. (A first answer shorter than this is the whole list.)
 */
export const FIRST_PAGE = FIRST_SCREEN_ROWS;
export const firstPageParams = { limit: FIRST_PAGE };
/** The rest of the list comes in chunks of this many (about 20 ms of the background's time each). */
export const REST_CHUNK = 200;

/** Where the inbox screen was left, so coming back from a conversation restores it. */
export interface InboxView {
  tab: 'allowed' | 'unknown' | 'denied';
  query: string;
  scroll: Record<'allowed' | 'unknown' | 'denied', { top: number }>;
  /** topic of the conversation last opened: its row gets focus back */
  lastOpened?: string;
}

export class Inbox {
  readonly store = new Store<InboxState>({ conversations: null, error: null, offline: null, complete: false });
  readonly view: InboxView = { tab: 'allowed', query: '', scroll: { allowed: { top: 0 }, unknown: { top: 0 }, denied: { top: 0 } } };
  private synced = false;
  private byTopic = new Map<string, ConversationView>();
  private loading: Promise<void> | null = null;
  /** topics updated one by one (events, sends) while the current load runs */
  private touched = new Set<string>();
  /** requests a person is waiting on (opening a conversation): loading the rest of the list waits */
  private waitedOn = new Set<Promise<unknown>>();
  /** bumped by clear(): answers to requests made before it (another account's list) are dropped */
  private generation = 0;

  constructor(private readonly bg: Bg) {
    bg.on('conversations', (d) => void this.refresh(d.topics));
    // The background restarted (MV3): events sent meanwhile are lost, so read the list again.
    bg.on('reconnect', () => {
      if (this.store.get().conversations) void this.load();
    });
  }

  get(topic: string): ConversationView | undefined {
    return this.byTopic.get(topic);
  }

  /**
   * Loads the whole list (from the background's cache). `first` is a call already in flight for the
   * first page (FIRST_PAGE): when it may not be everything, the rest follows once it is painted, in
   * chunks (REST_CHUNK), so a request made meanwhile (the click on a conversation) waits for one chunk
   * in the background, not for the whole list.
   */
  load(first?: Promise<ConversationView[]>, { quiet = false } = {}): Promise<void> {
    if (this.loading && !first) return this.loading;
    const touched = (this.touched = new Set());
    const gen = this.generation;
    const p = (async () => {
      try {
        let got: ConversationView[] = [];
        if (first) {
          got = await first;
          if (gen !== this.generation) return; // another account (or locked) since
          const partial = got.length === FIRST_PAGE;
          this.replace(got, !partial);
          if (!partial) return;
          await nextPaint();
        }
        for (;;) {
          await this.afterWaitedOn();
          const chunk = await this.bg.call('conversations.list', { offset: got.length, limit: REST_CHUNK });
          if (gen !== this.generation) return;
          got = got.concat(chunk);
          if (chunk.length < REST_CHUNK) break;
        }
        // A conversation that changed while the chunks were read can have moved past them; its event
        // already put it in byTopic, so keep it if the answers lack it.
        const answered = new Set(got.map((c) => c.id));
        for (const id of touched) {
          const c = this.byTopic.get(id);
          if (c && !answered.has(id)) got.push(c);
        }
        this.replace(got);
      } catch (e) {
        if (!quiet && gen === this.generation) this.store.set({ ...this.store.get(), error: errorText(e) });
      }
    })().finally(() => {
      if (this.loading === p) this.loading = null;
    });
    this.loading = p;
    return p;
  }

  /** Resolves once no request the person is waiting on is in flight (background work goes after). */
  async afterWaitedOn(): Promise<void> {
    while (this.waitedOn.size) await Promise.allSettled([...this.waitedOn]);
  }

  /**
   * Marks a request the person is waiting on: the next chunk of the list (and the sync after the
   * list) is asked for only once it is answered, so the background serves it first.
   */
  waitingOn<T>(request: Promise<T>): Promise<T> {
    this.waitedOn.add(request);
    const done = () => void this.waitedOn.delete(request);
    request.then(done, done);
    return request;
  }

  replace(list: ConversationView[], complete = true): void {
    this.byTopic = new Map(list.map((c) => [c.id, c]));
    this.store.set({ ...this.store.get(), conversations: sortConversations([...this.byTopic.values()]), error: null, complete });
  }

  upsert(c: ConversationView): void {
    this.touched.add(c.id);
    this.byTopic.set(c.id, c);
    this.store.set({ ...this.store.get(), conversations: sortConversations([...this.byTopic.values()]), error: null });
  }

  /** Asks the background to sync now (once per popup unless `again`); only a failure is worth a word. */
  async sync(again = false): Promise<void> {
    if (this.synced && !again) return;
    this.synced = true;
    // The list first: a sync's work in the background would only delay it.
    if (this.loading) await this.loading;
    return this.bg.call('sync.now').then(
      () => this.store.set({ ...this.store.get(), offline: null }),
      (e: { code?: number }) => {
        if (e?.code !== ErrorCode.unsupportedMethod) this.store.set({ ...this.store.get(), offline: errorText(e) });
      },
    );
  }

  patch(topic: string, p: Partial<ConversationView>): void {
    const c = this.byTopic.get(topic);
    if (c) this.upsert({ ...c, ...p });
  }

  /** A conversation's last message changed (e.g. our own send), before the background says so. */
  noteMessage(m: MessageView): void {
    const c = this.byTopic.get(m.conversation);
    if (c && m.sent >= (c.lastMessage?.sent ?? 0)) this.upsert({ ...c, lastMessage: m, updatedAt: Math.max(c.updatedAt, m.sent) });
  }

  async refresh(topics: string[]): Promise<void> {
    if (!this.store.get().conversations || topics.length === 0 || topics.length > 20) return this.load();
    const gen = this.generation;
    const got = await Promise.all(topics.map((topic) => this.bg.call('conversations.get', { topic }).catch(() => null)));
    if (gen !== this.generation) return;
    // one could not be read (not stored yet, worker restarting): read the whole list instead
    if (got.some((c) => !c)) return this.load();
    for (const c of got) {
      if (!c) continue;
      this.touched.add(c.id);
      this.byTopic.set(c.id, c);
    }
    this.store.set({ ...this.store.get(), conversations: sortConversations([...this.byTopic.values()]), error: null });
  }

  clear(): void {
    this.generation++;
    this.loading = null;
    this.byTopic.clear();
    this.synced = false;
    this.view.tab = 'allowed';
    this.view.query = '';
    this.view.lastOpened = undefined;
    for (const s of Object.values(this.view.scroll)) s.top = 0;
    this.store.set({ conversations: null, error: null, offline: null, complete: false });
  }
}

export interface SessionState {
  /** null until the background first answers */
  status: AppStatus | null;
  /** the background could not be reached */
  fatal: string | null;
}

/**
 * Lock state and account, from `app.status` and the background's `status` events. Lives outside the
 * component tree so the first answer is applied the moment it arrives, not after the first paint.
 */
export class Session {
  readonly store = new Store<SessionState>({ status: null, fatal: null });

  constructor(
    private readonly bg: Bg,
    first?: Promise<AppStatus>,
  ) {
    bg.on('status', (s) => this.set(s));
    bg.on('reconnect', () => void this.refresh());
    void this.refresh(first);
  }

  set(status: AppStatus): void {
    this.store.set({ status, fatal: null });
  }

  fail(e: unknown): void {
    this.store.set({ ...this.store.get(), fatal: errorText(e) });
  }

  refresh(p: Promise<AppStatus> = this.bg.call('app.status')): Promise<void> {
    return p.then(
      (s) => this.set(s),
      (e) => this.fail(e),
    );
  }
}

/** Resolves once the next frame has been painted (at once where there are no frames, e.g. tests). */
export function nextPaint(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => setTimeout(resolve, 0));
    else setTimeout(resolve, 0);
  });
}
