// Dispatches requests arriving on runtime Ports to the handlers of the catalogue (src/messages.ts):
// checks the caller may use the method, validates params, runs the handler, answers with the result or
// an RpcError. Also keeps the set of live ports so the background can push events.
import type { Runtime } from 'webextension-polyfill';
import { ErrorCode, RpcError, isRequest, type RpcResponse } from '../src/rpc.ts';
import { CALLERS, PORT, type Caller, type EventName, type Events, type Method, type Params, type Result } from '../src/messages.ts';
import { PARAMS } from './params.ts';

export interface RequestContext {
  caller: Caller;
  port: Runtime.Port;
  /** the browser-reported sender (tab, frame, origin); never data from the page */
  sender: Runtime.MessageSender | undefined;
}
type Handler<M extends Method> = (params: Params<M>, ctx: RequestContext) => Promise<Result<M>> | Result<M>;
export type Handlers = { [M in Method]: Handler<M> };

const callerOf = (name: string): Caller | undefined => ((Object.values(PORT) as string[]).includes(name) ? (name as Caller) : undefined);

export interface Router {
  attach(port: Runtime.Port): void;
  /** Sends an event to every connected port of these callers (or those matching `filter`). */
  broadcast<E extends EventName>(event: E, data: Events[E], to: readonly Caller[] | ((port: Runtime.Port, caller: Caller) => boolean)): void;
  ports(caller?: Caller): Runtime.Port[];
  onPortsChanged(fn: () => void): void;
}

export interface RouterOptions {
  /** Runs before each request is dispatched (after its caller was identified). */
  onRequest?: (caller: Caller, method: string) => void;
}

export function createRouter(handlers: Handlers, extensionBase: string, options: RouterOptions = {}): Router {
  const live = new Map<Runtime.Port, Caller>();
  const portListeners: (() => void)[] = [];
  const changed = () => portListeners.forEach((fn) => fn());

  async function dispatch(caller: Caller, port: Runtime.Port, msg: { method: string; params?: unknown }): Promise<unknown> {
    if (!Object.hasOwn(CALLERS, msg.method)) throw new RpcError(ErrorCode.methodNotFound, `unknown method ${msg.method}`);
    const method = msg.method as Method;
    if (!CALLERS[method].includes(caller)) throw new RpcError(ErrorCode.unauthorized, `${method} is not available to ${caller}`);
    const handler = handlers[method] as Handler<Method>;
    const params = PARAMS[method](msg.params, '') as Params<Method>;
    options.onRequest?.(caller, method);
    return handler(params, { caller, port, sender: port.sender });
  }

  return {
    attach(port) {
      const caller = callerOf(port.name);
      // Popup and prompt ports must come from this extension's own pages, content ports from web pages
      // (the popup may be open in a tab, so the tab alone says nothing).
      const fromExtensionPage = (port.sender?.url ?? '').startsWith(extensionBase);
      if (!caller || (caller === 'content') === fromExtensionPage) return port.disconnect();
      live.set(port, caller);
      changed();
      port.onDisconnect.addListener(() => {
        live.delete(port);
        changed();
      });
      port.onMessage.addListener(async (msg: unknown) => {
        if (!isRequest(msg)) return;
        let reply: RpcResponse;
        try {
          reply = { id: msg.id, result: await dispatch(caller, port, msg) };
        } catch (e) {
          reply = { id: msg.id, error: RpcError.from(e).toJSON() };
        }
        try {
          port.postMessage(reply);
        } catch {
          // The other side went away before the answer was ready; nothing to deliver it to.
        }
      });
    },
    broadcast(event, data, to) {
      for (const [port, caller] of live) {
        const wanted = typeof to === 'function' ? to(port, caller) : to.includes(caller);
        if (!wanted) continue;
        try {
          port.postMessage({ event, data });
        } catch {
          live.delete(port);
        }
      }
    },
    ports(caller) {
      return [...live].filter(([, c]) => !caller || c === caller).map(([p]) => p);
    },
    onPortsChanged(fn) {
      portListeners.push(fn);
    },
  };
}
