// The prompt queue: requests that need the user (connect, consent, a named peer, unlock, onboarding)
// wait here, and one prompt window shows them one at a time, oldest first, whatever the site; the
// window moves on to the next request when one is answered, and closes when none is left.
//
// A page cannot flood the user:
// - requests are counted per top-level site (its iframes count toward it): at most
//   MAX_PENDING_PER_SITE waiting, and MAX_QUEUED in all (-32005 beyond);
// - a request equal to one already waiting (same frame origin, same key) gets -32002, except
//   requests that may share one answer (unlock), which join it;
// - after a Deny (closing the window is one) the site backs off: its other waiting requests are
//   rejected, and new ones get 4001 without a window for a growing interval (BACKOFF_MS);
// - the window takes focus once per request it shows, never for a request that only joined or queued.
// A page that goes away takes its requests along.
import type { Runtime } from 'webextension-polyfill';
import { ErrorCode, RpcError } from '../../src/rpc.ts';
import type { PromptView } from '../../src/messages.ts';
import type { GrantScope } from '../../src/views.ts';

export interface PromptAnswer {
  approved: boolean;
  scope?: GrantScope;
  /** on a Deny: how long the site now waits before it may ask again (set by the queue) */
  retryAfterMs?: number;
}

/** The window operations the queue needs (browser.windows in the extension; fakes in tests). */
export interface PromptWindows {
  open(url: string): Promise<{ windowId: number; tabId?: number }>;
  navigate(win: { windowId: number; tabId?: number }, url: string): Promise<void>;
  close(windowId: number): Promise<void>;
  focus(windowId: number): Promise<void>;
}

export interface Requester {
  port?: Runtime.Port;
  tabId?: number;
  frameId?: number;
}

type ViewBody = PromptView extends infer V ? (V extends PromptView ? Omit<V, 'id'> : never) : never;

interface Waiter extends Requester {
  resolve(a: PromptAnswer): void;
  reject(e: RpcError): void;
}
interface Item {
  view: PromptView;
  /** what the request asks, per frame origin */
  key: string;
  /** the top-level site it counts toward */
  site: string;
  waiters: Waiter[];
}

/** Requests of one top-level site waiting at once. */
export const MAX_PENDING_PER_SITE = 10;
/** Requests of every site waiting at once. */
export const MAX_QUEUED = 50;
/** After the n-th Deny in a row, a site waits BACKOFF_MS[n - 1] (the last one from then on) before it may ask again. */
export const BACKOFF_MS = [2_000, 10_000, 60_000, 5 * 60_000, 15 * 60_000];

export const userRejected = (message = 'User rejected the request.', retryAfterMs?: number) =>
  new RpcError(ErrorCode.userRejected, message, retryAfterMs === undefined ? undefined : { retryAfterMs });
/** The 4001 of a Deny, saying how long the site's back-off now lasts. */
export const denied = (answer: PromptAnswer) => userRejected(undefined, answer.retryAfterMs);

const backingOff = (retryAfterMs: number) =>
  new RpcError(ErrorCode.userRejected, `The user declined this site's last request; it may ask again in ${Math.ceil(retryAfterMs / 1000)} s`, {
    reason: 'backoff',
    retryAfterMs,
  });

export interface PromptQueueOptions {
  newId?: () => string;
  now?: () => number;
}

export class PromptQueue {
  /** waiting requests, oldest first; the first is on screen */
  private queue: Item[] = [];
  private win: { windowId: number; tabId?: number } | undefined;
  private opening = false;
  /** the item the window was last pointed at (focus once per item) */
  private showing: Item | undefined;
  private readonly denials = new Map<string, { count: number; until: number }>();
  private readonly newId: () => string;
  private readonly now: () => number;

  constructor(
    private readonly windows: PromptWindows,
    private readonly urlFor: (id: string) => string,
    opts: PromptQueueOptions = {},
  ) {
    this.newId = opts.newId ?? (() => crypto.randomUUID());
    this.now = opts.now ?? Date.now;
  }

  /**
   * Waits for the user's answer to a request of `body.origin`, counted toward the top-level `site`
   * (default: the origin itself). `key` names what it asks: an equal request from the same origin gets
   * -32002 — or, with `join`, shares the answer of the one waiting.
   */
  ask(body: ViewBody, opts: { key: string; join?: boolean; requester?: Requester; site?: string }): Promise<PromptAnswer> {
    const site = opts.site ?? body.origin;
    const denied = this.denials.get(site);
    if (denied && denied.until > this.now()) return Promise.reject(backingOff(denied.until - this.now()));
    const same = this.queue.find((i) => i.view.origin === body.origin && i.key === opts.key);
    if (same && !opts.join) {
      return Promise.reject(new RpcError(ErrorCode.requestPending, 'A request like this one is already waiting for the user; wait for it to finish'));
    }
    if (!same && this.queue.filter((i) => i.site === site).length >= MAX_PENDING_PER_SITE) {
      return Promise.reject(new RpcError(ErrorCode.rateLimited, `This site already has ${MAX_PENDING_PER_SITE} requests waiting for the user`, { reason: 'busy' }));
    }
    if (!same && this.queue.length >= MAX_QUEUED) {
      return Promise.reject(new RpcError(ErrorCode.rateLimited, 'Too many requests are waiting for the user; try again later', { reason: 'busy' }));
    }
    return new Promise<PromptAnswer>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, ...opts.requester };
      if (same) return void same.waiters.push(waiter);
      const view = { ...body, id: this.newId() } as PromptView;
      this.queue.push({ view, key: opts.key, site, waiters: [waiter] });
      if (this.queue.length === 1) void this.show();
    });
  }

  /** The request the prompt window shows, while it is the one on screen. */
  get(id: string): PromptView | undefined {
    const first = this.queue[0];
    return first?.view.id === id ? first.view : undefined;
  }

  /** The frame that asked (for "sign in with this page's wallet"). */
  requesterOf(id: string): Requester | undefined {
    const w = this.queue.find((i) => i.view.id === id)?.waiters.find((x) => x.tabId !== undefined);
    return w && { port: w.port, tabId: w.tabId, frameId: w.frameId };
  }

  /** The user answered the prompt on screen; false if it is not (any more) on screen. */
  resolve(id: string, answer: PromptAnswer): boolean {
    const item = this.queue[0];
    if (item?.view.id !== id) return false;
    this.remove(item);
    if (answer.approved) this.denials.delete(item.site);
    const given = answer.approved ? answer : { ...answer, retryAfterMs: this.deny(item.site) };
    for (const w of item.waiters) w.resolve(given);
    void this.show();
    return true;
  }

  /** Answers every waiting request of a kind at once (e.g. all unlock prompts once the user unlocked). */
  resolveKind(kind: PromptView['kind'], answer: PromptAnswer): void {
    const done = this.queue.filter((i) => i.view.kind === kind);
    if (!done.length) return;
    this.queue = this.queue.filter((i) => i.view.kind !== kind);
    for (const item of done) for (const w of item.waiters) w.resolve(answer);
    void this.show();
  }

  /** The prompt window was closed (by the user, or by us): a Deny of what it showed; everything else waiting goes too. */
  windowClosed(windowId: number): void {
    if (this.win?.windowId !== windowId) return;
    this.win = undefined;
    this.showing = undefined;
    const [shown, ...rest] = this.queue.splice(0);
    if (!shown) return;
    const wait = this.deny(shown.site);
    for (const w of shown.waiters) w.reject(userRejected(undefined, wait));
    for (const item of rest) for (const w of item.waiters) w.reject(userRejected());
  }

  /** A page went away: its waiting requests go too. */
  portClosed(port: Runtime.Port): void {
    for (const item of [...this.queue]) {
      const gone = item.waiters.filter((w) => w.port === port);
      if (!gone.length) continue;
      item.waiters = item.waiters.filter((w) => w.port !== port);
      if (item.waiters.length === 0) this.remove(item);
      for (const w of gone) w.reject(new RpcError(ErrorCode.disconnected, 'The page went away'));
    }
    void this.show();
  }

  /** Number of requests waiting (for tests and the badge). */
  get size(): number {
    return this.queue.length;
  }

  /** A Deny: the site's other requests are refused too, and it waits longer each time before asking again (returned). */
  private deny(site: string): number {
    const count = (this.denials.get(site)?.count ?? 0) + 1;
    const wait = BACKOFF_MS[Math.min(count, BACKOFF_MS.length) - 1]!;
    this.denials.set(site, { count, until: this.now() + wait });
    const theirs = this.queue.filter((i) => i.site === site);
    this.queue = this.queue.filter((i) => i.site !== site);
    for (const item of theirs) for (const w of item.waiters) w.reject(backingOff(wait));
    if (this.denials.size > 1000) for (const [k, d] of this.denials) if (d.until <= this.now()) this.denials.delete(k);
    return wait;
  }

  private remove(item: Item): void {
    this.queue = this.queue.filter((i) => i !== item);
  }

  /** Points the window at the first waiting request (opening it if needed), or closes it when none is left. */
  private async show(): Promise<void> {
    const item = this.queue[0];
    if (!item) {
      const win = this.win;
      this.win = undefined;
      this.showing = undefined;
      if (win) await this.windows.close(win.windowId).catch(() => {});
      return;
    }
    if (this.opening || this.showing === item) return;
    try {
      if (this.win) {
        this.showing = item;
        await this.windows.navigate(this.win, this.urlFor(item.view.id));
        await this.windows.focus(this.win.windowId);
        return;
      }
      this.opening = true;
      const win = await this.windows.open(this.urlFor(item.view.id));
      this.opening = false;
      this.win = win;
      this.showing = item;
      // The queue moved on while the window opened: show what is first now (or close it).
      if (this.queue[0] !== item) await this.show();
    } catch (e) {
      this.opening = false;
      // No window could be shown: nobody can answer, so the waiting requests fail now.
      for (const it of this.queue.splice(0)) {
        for (const w of it.waiters) w.reject(new RpcError(ErrorCode.internal, `Could not open the XMTP Inbox prompt: ${(e as Error)?.message ?? e}`));
      }
    }
  }
}
