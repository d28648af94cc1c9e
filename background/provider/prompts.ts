// The prompt queue: requests that need the user (connect, consent, unlock, onboarding) wait here. Each
// site has at most one prompt window at a time, showing its oldest request; further requests queue
// and the same window moves on to them. A request equal to one already waiting (same site, same key)
// gets -32002, except requests that may share one answer (unlock), which join it. Closing the window
// rejects everything the site had waiting with 4001; a page that goes away takes its requests along.
import type { Runtime } from 'webextension-polyfill';
import { ErrorCode, RpcError } from '../../src/rpc.ts';
import type { PromptView } from '../../src/messages.ts';
import type { GrantScope } from '../../src/views.ts';

export interface PromptAnswer {
  approved: boolean;
  scope?: GrantScope;
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
  key: string;
  waiters: Waiter[];
}
interface SiteState {
  items: Item[];
  win?: { windowId: number; tabId?: number };
  /** the window is being opened */
  opening?: boolean;
}

export const MAX_PENDING_PER_SITE = 10;

export const userRejected = (message = 'User rejected the request.') => new RpcError(ErrorCode.userRejected, message);

export class PromptQueue {
  private sites = new Map<string, SiteState>();
  private byId = new Map<string, { origin: string; item: Item }>();

  constructor(
    private readonly windows: PromptWindows,
    private readonly urlFor: (id: string) => string,
    private readonly newId: () => string = () => crypto.randomUUID(),
  ) {}

  /**
   * Waits for the user's answer to a request of `view.origin`. `key` names what the request asks, so
   * an equal request gets -32002 — or, with `join`, shares the answer of the one waiting.
   */
  ask(body: ViewBody, opts: { key: string; join?: boolean; requester?: Requester }): Promise<PromptAnswer> {
    const origin = body.origin;
    let site = this.sites.get(origin);
    if (!site) this.sites.set(origin, (site = { items: [] }));
    const same = site.items.find((i) => i.key === opts.key);
    if (same && !opts.join) {
      if (site.win) void this.windows.focus(site.win.windowId);
      return Promise.reject(new RpcError(ErrorCode.requestPending, 'A request like this one is already waiting for the user; wait for it to finish'));
    }
    if (!same && site.items.length >= MAX_PENDING_PER_SITE) {
      return Promise.reject(new RpcError(ErrorCode.rateLimited, `This site already has ${MAX_PENDING_PER_SITE} requests waiting for the user`));
    }
    return new Promise<PromptAnswer>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, ...opts.requester };
      if (same) {
        same.waiters.push(waiter);
        if (site.win) void this.windows.focus(site.win.windowId);
        return;
      }
      const view = { ...body, id: this.newId() } as PromptView;
      const item: Item = { view, key: opts.key, waiters: [waiter] };
      site.items.push(item);
      this.byId.set(view.id, { origin, item });
      if (site.items.length === 1) void this.show(origin);
      else if (site.win) void this.windows.focus(site.win.windowId);
    });
  }

  /** The request a prompt window shows, while it is the one on screen. */
  get(id: string): PromptView | undefined {
    const e = this.byId.get(id);
    return e && this.sites.get(e.origin)?.items[0] === e.item ? e.item.view : undefined;
  }

  /** The frame that asked (for "sign in with this page's wallet"). */
  requesterOf(id: string): Requester | undefined {
    const e = this.byId.get(id);
    const w = e?.item.waiters.find((x) => x.tabId !== undefined);
    return w && { port: w.port, tabId: w.tabId, frameId: w.frameId };
  }

  /** The user answered the prompt on screen; false if it is not (any more) on screen. */
  resolve(id: string, answer: PromptAnswer): boolean {
    if (!this.get(id)) return false;
    const { origin, item } = this.byId.get(id)!;
    this.remove(origin, item);
    for (const w of item.waiters) w.resolve(answer);
    return true;
  }

  /** Answers every waiting request of a kind at once (e.g. all unlock prompts once the user unlocked). */
  resolveKind(kind: PromptView['kind'], answer: PromptAnswer): void {
    for (const { origin, item } of [...this.byId.values()]) {
      if (item.view.kind !== kind) continue;
      this.remove(origin, item);
      for (const w of item.waiters) w.resolve(answer);
    }
  }

  /** A prompt window was closed (by the user, or by us). */
  windowClosed(windowId: number): void {
    for (const [origin, site] of this.sites) {
      if (site.win?.windowId !== windowId) continue;
      site.win = undefined;
      const items = site.items.splice(0);
      this.sites.delete(origin);
      for (const item of items) {
        this.byId.delete(item.view.id);
        for (const w of item.waiters) w.reject(userRejected());
      }
    }
  }

  /** A page went away: its waiting requests go too. */
  portClosed(port: Runtime.Port): void {
    for (const { origin, item } of [...this.byId.values()]) {
      const gone = item.waiters.filter((w) => w.port === port);
      if (!gone.length) continue;
      item.waiters = item.waiters.filter((w) => w.port !== port);
      if (item.waiters.length === 0) this.remove(origin, item);
      for (const w of gone) w.reject(new RpcError(ErrorCode.disconnected, 'The page went away'));
    }
  }

  /** Number of requests waiting (for tests and the badge). */
  get size(): number {
    return this.byId.size;
  }

  private remove(origin: string, item: Item): void {
    const site = this.sites.get(origin);
    this.byId.delete(item.view.id);
    if (!site) return;
    const wasFirst = site.items[0] === item;
    site.items = site.items.filter((i) => i !== item);
    if (!wasFirst) return;
    if (site.items.length) void this.show(origin);
    else {
      const win = site.win;
      this.sites.delete(origin);
      if (win) void this.windows.close(win.windowId).catch(() => {});
    }
  }

  private async show(origin: string): Promise<void> {
    const site = this.sites.get(origin);
    const item = site?.items[0];
    if (!site || !item) return;
    const url = this.urlFor(item.view.id);
    if (site.opening) return; // the window being opened will be pointed at the first item
    try {
      if (site.win) {
        await this.windows.navigate(site.win, url);
        await this.windows.focus(site.win.windowId);
        return;
      }
      site.opening = true;
      const win = await this.windows.open(url);
      site.opening = false;
      if (this.sites.get(origin) !== site || !site.items.length) {
        await this.windows.close(win.windowId).catch(() => {});
        return;
      }
      site.win = win;
      if (site.items[0] !== item) await this.windows.navigate(win, this.urlFor(site.items[0].view.id));
    } catch (e) {
      site.opening = false;
      // No window could be shown: nobody can answer, so the site's requests fail now.
      this.sites.delete(origin);
      for (const it of site.items) {
        this.byId.delete(it.view.id);
        for (const w of it.waiters) w.reject(new RpcError(ErrorCode.internal, `Could not open the XMTP Inbox prompt: ${(e as Error)?.message ?? e}`));
      }
    }
  }
}
