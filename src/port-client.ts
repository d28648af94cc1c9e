// Calls the background over a runtime.Port from an extension page (popup, prompt). Reconnects when the
// background restarts (an MV3 worker can be stopped at any time) and re-sends nothing: a request that
// was in flight when the port dropped fails with 4900 and the caller decides whether to retry.
import browser, { type Runtime } from './browser.ts';
import { ErrorCode, RpcError, type RpcEvent, type RpcResponse } from './rpc.ts';
import type { Caller, Method, Params, Result } from './messages.ts';

type Pending = { resolve: (v: unknown) => void; reject: (e: RpcError) => void };

export class PortClient {
  private port: Runtime.Port | undefined;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private listeners = new Map<string, Set<(data: unknown) => void>>();

  constructor(private readonly name: Caller) {}

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
    return port;
  }
}
