// Calls the background over a runtime.Port from an extension page (popup, prompt). Reconnects when the
// background restarts (an MV3 worker can be stopped at any time) and re-sends nothing: a request that
// was in flight when the port dropped fails with 4900 and the caller decides whether to retry.
// While the port is open it pings the background now and then: Firefox suspends an idle event page
// even with ports open, which would end the live updates the open page is showing.
import browser, { type Runtime } from './browser.ts';
import { ErrorCode, RpcError, isEvent, isResponse } from './rpc.ts';
import type { Caller, EventName, Events, Method, Params, Result } from './messages.ts';

/** What a PortClient reports: the catalogue's events, and `reconnect` when the port was re-opened after the background went away (events sent meanwhile are lost). */
export type ClientEvents = Events & { reconnect: undefined };

type Pending = { resolve: (v: unknown) => void; reject: (e: RpcError) => void };

export class PortClient {
  private port: Runtime.Port | undefined;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private listeners = new Map<keyof ClientEvents, Set<(data: never) => void>>();
  private keepAlive: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly name: Caller,
    private readonly keepAliveMs = 20_000,
  ) {}

  call<M extends Method>(method: M, ...params: Params<M> extends undefined ? [] : [Params<M>]): Promise<Result<M>> {
    const port = this.connect();
    const id = this.nextId++;
    return new Promise<Result<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      port.postMessage({ id, method, params: params[0] });
    });
  }

  on<E extends keyof ClientEvents>(event: E, fn: (data: ClientEvents[E]) => void): () => void {
    this.connect();
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  private fire<E extends keyof ClientEvents>(event: E, data: ClientEvents[E]): void {
    for (const fn of this.listeners.get(event) ?? []) (fn as (d: ClientEvents[E]) => void)(data);
  }

  private connect(): Runtime.Port {
    if (this.port) return this.port;
    const port = browser.runtime.connect({ name: this.name });
    port.onMessage.addListener((msg: unknown) => {
      if (isEvent(msg)) {
        // The background sends only the catalogue's events (background/events.ts types them).
        if (msg.event !== 'reconnect') this.fire(msg.event as EventName, msg.data as never);
        return;
      }
      if (!isResponse(msg)) return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if ('error' in msg) p.reject(RpcError.from(msg.error));
      else p.resolve(msg.result);
    });
    port.onDisconnect.addListener(() => {
      this.port = undefined;
      for (const p of this.pending.values()) p.reject(new RpcError(ErrorCode.disconnected, 'the extension background restarted; try again'));
      this.pending.clear();
      this.fire('reconnect', undefined);
    });
    this.port = port;
    if (this.keepAliveMs > 0 && !this.keepAlive) {
      // For the page's lifetime, through call(): a background that went away anyway is woken and the
      // port re-opened, so live updates resume.
      this.keepAlive = setInterval(() => void this.call('app.ping').catch(() => {}), this.keepAliveMs);
    }
    return port;
  }
}
