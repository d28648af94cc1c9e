// Dispatches requests arriving on runtime Ports to the handlers of the catalogue (src/messages.ts).
import type { Runtime } from 'webextension-polyfill';
import { ErrorCode, RpcError, isRequest, type RpcResponse } from '../src/rpc.ts';
import { CALLERS, PORT, type Caller, type Method, type Params, type Result } from '../src/messages.ts';

export interface RequestContext {
  caller: Caller;
  port: Runtime.Port;
}
type Handler<M extends Method> = (params: Params<M>, ctx: RequestContext) => Promise<Result<M>> | Result<M>;
export type Handlers = { [M in Method]: Handler<M> };

const callerOf = (name: string): Caller | undefined => (Object.values(PORT) as string[]).includes(name) ? (name as Caller) : undefined;

export function createRouter(handlers: Handlers) {
  return function attach(port: Runtime.Port): void {
    const caller = callerOf(port.name);
    if (!caller) return port.disconnect();
    port.onMessage.addListener(async (msg: unknown) => {
      if (!isRequest(msg)) return;
      let reply: RpcResponse;
      try {
        const handler = (handlers as Record<string, Handler<Method> | undefined>)[msg.method];
        if (!handler || !Object.hasOwn(handlers, msg.method)) throw new RpcError(ErrorCode.methodNotFound, `unknown method ${msg.method}`);
        if (!CALLERS[msg.method as Method].includes(caller)) throw new RpcError(ErrorCode.unauthorized, `${msg.method} is not available to ${caller}`);
        reply = { id: msg.id, result: await handler(msg.params as never, { caller, port }) };
      } catch (e) {
        reply = { id: msg.id, error: RpcError.from(e).toJSON() };
      }
      try {
        port.postMessage(reply);
      } catch {
        // The other side went away before the answer was ready; nothing to deliver it to.
      }
    });
  };
}
