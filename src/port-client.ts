// Calls the background over a runtime.Port from an extension page (popup, prompt). Reconnects when the
// background restarts (an MV3 worker can be stopped at any time) and re-sends nothing: a request that
// was in flight when the port dropped fails with 4900 and the caller decides whether to retry.
// While the port is open it pings the background now and then: Firefox suspends an idle event page
// even with ports open, which would end the live updates the open page is showing.
import browser, { type Runtime } from './browser.ts';
import { ErrorCode, RpcError, type RpcEvent, type RpcResponse } from './rpc.ts';
import type { Caller, Method, Params, Result } from './messages.ts';

type Pending = { resolve: (v: unknown) => void; reject: (e: RpcError) => void };

export class PortClient {
  private port: Runtime.Port | undefined;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private listeners = new Map<string, Set<(data: unknown) => void>>();
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

  on(event: string, fn: (data: unknown) => void): () => void {
    this.connect();
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  private connect(): Runtime.Port {
    if (this.port) return this.port;
    const port = browser.runtime.connect({ name: this.name });
    port.onMessage.addListener((msg: unknown) => {
      const m = msg as RpcResponse & RpcEvent;
      if (typeof m.event === 'string') {
        for (const fn of this.listeners.get(m.event) ?? []) fn(m.data);
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if ('error' in m) p.reject(RpcError.from(m.error));
      else p.resolve(m.result);
    });
    port.onDisconnect.addListener(() => {
      this.port = undefined;
      for (const p of this.pending.values()) p.reject(new RpcError(ErrorCode.disconnected, 'the extension background restarted; try again'));
      this.pending.clear();
      for (const fn of this.listeners.get('reconnect') ?? []) fn(undefined);
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
