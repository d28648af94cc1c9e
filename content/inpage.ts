// Inpage script (the page's main world): defines window.xmtp, the provider dapps call. It holds no
// secrets and trusts nothing from the page; it only frames requests for the content script.
import { CHANNEL, isToPage, type ToContent } from './channel.ts';

interface ProviderError extends Error {
  code: number;
  data?: unknown;
}
type Listener = (...args: unknown[]) => void;

const INFO = Object.freeze({
  uuid: crypto.randomUUID(),
  name: 'XMTP Inbox',
  icon: 'data:image/svg+xml,' + encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#4f46e5"/><path d="M7 8h18a3 3 0 0 1 3 3v7a3 3 0 0 1-3 3H13l-5 4v-4H7a3 3 0 0 1-3-3v-7a3 3 0 0 1 3-3z" fill="#fff"/></svg>'),
  rdns: 'dev.xmtp-inbox',
});

function providerError(code: number, message: string, data?: unknown): ProviderError {
  const e = new Error(message) as ProviderError;
  e.code = code;
  if (data !== undefined) e.data = data;
  return e;
}

(function install() {
  if ('xmtp' in window) return; // never replace another provider
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: ProviderError) => void }>();
  const listeners = new Map<string, Set<Listener>>();
  const emit = (event: string, data: unknown) => {
    for (const fn of [...(listeners.get(event) ?? [])]) {
      try {
        fn(data);
      } catch (e) {
        setTimeout(() => { throw e; }); // a dapp's listener error must not break the others
      }
    }
  };

  window.addEventListener('message', (ev: MessageEvent) => {
    if (ev.source !== window || !isToPage(ev.data)) return;
    const m = ev.data;
    if ('event' in m) return emit(m.event, m.data);
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if ('error' in m) p.reject(providerError(m.error.code, m.error.message, m.error.data));
    else p.resolve(m.result);
  });

  const provider = Object.freeze({
    isXmtpInbox: true,
    request(args: { method: string; params?: unknown }): Promise<unknown> {
      if (typeof args !== 'object' || args === null || typeof args.method !== 'string' || !args.method) {
        return Promise.reject(providerError(-32602, 'request expects { method: string, params?: object }'));
      }
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        const msg: ToContent = { channel: CHANNEL, dir: 'to-content', id, method: args.method, params: args.params };
        try {
          window.postMessage(msg, location.origin === 'null' ? '*' : location.origin);
        } catch {
          pending.delete(id);
          reject(providerError(-32602, 'params must be plain data (structured-cloneable)'));
        }
      });
    },
    on(event: string, fn: Listener) {
      if (typeof event !== 'string' || typeof fn !== 'function') throw providerError(-32602, 'on(event: string, listener: function)');
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(fn);
      return provider;
    },
    removeListener(event: string, fn: Listener) {
      listeners.get(event)?.delete(fn);
      return provider;
    },
  });

  Object.defineProperty(window, 'xmtp', { value: provider, writable: false, configurable: false, enumerable: true });
  const announce = () =>
    window.dispatchEvent(new CustomEvent('xmtp:announceProvider', { detail: Object.freeze({ info: INFO, provider }) }));
  window.addEventListener('xmtp:requestProvider', announce);
  announce();
  window.dispatchEvent(new Event('xmtp#initialized'));
})();
