// Inpage script (the page's main world, every frame, document_start): window.xmtp, the provider dapps
// call (DESIGN.md "The dapp provider"). It holds no secrets and trusts nothing: requests are checked
// here (method, params shape and size) so a dapp gets a precise error before anything leaves the page,
// and checked again by the content script and the background. It also relays the extension's
// requests to the page's own wallet (window.ethereum) when the user signs in with it.
import { CHANNEL, fromThisWindow, isObject, isStrings, isToPage, selfOrigin, type ToContent } from './channel.ts';
import { isProviderMethod, PROVIDER_LIMITS, PROVIDER_PARAMS, type ProviderMethod } from '../src/provider-api.ts';
import { ErrorCode, RpcError } from '../src/rpc.ts';

interface ProviderError extends Error {
  code: number;
  data?: unknown;
}
type Listener = (data: unknown) => void;
/** The page's own wallet (EIP-1193), as far as this script uses it. */
type PageWallet = { request?: (a: { method: string; params?: unknown[] }) => Promise<unknown> };

const MARK = Symbol.for('xmtp-inbox.inpage');

function providerError(code: number, message: string, data?: unknown): ProviderError {
  const e = new Error(message) as ProviderError;
  e.code = code;
  if (data !== undefined) e.data = data;
  return e;
}

(function install() {
  // Once per window: a second copy (Firefox injects again when the extension is updated) keeps the
  // provider the page already has, which the new content script serves just as well.
  if (MARK in window) return;
  Object.defineProperty(window, MARK, { value: true });

  // Captured now, before any page script runs and could replace them.
  const postMessage = window.postMessage.bind(window);
  const stringify = JSON.stringify;
  const parse = JSON.parse;

  // Request ids start at a random point so two providers in one window never share ids.
  let nextId = Math.floor(Math.random() * 2 ** 40) + 1;
  const pending = new Map<number, { method: ProviderMethod; params: unknown; resolve: (v: unknown) => void; reject: (e: ProviderError) => void }>();
  const listeners = new Map<string, Set<Listener>>();
  /** accounts as this page last heard them (undefined: never asked) */
  let accounts: string[] | undefined;
  let disconnected = false;
  /** page-visible subscription id → what it subscribed to and its id in the background now */
  const subs = new Map<string, { params: unknown; live: string }>();
  const byLive = new Map<string, string>();

  const emit = (event: string, data: unknown) => {
    for (const fn of [...(listeners.get(event) ?? [])]) {
      try {
        fn(data);
      } catch (e) {
        setTimeout(() => {
          throw e; // a dapp's listener error must not break the others
        });
      }
    }
  };
  const dropSubs = () => {
    subs.clear();
    byLive.clear();
  };
  const setAccounts = (next: string[], announce: boolean) => {
    const changed = !accounts || accounts.length !== next.length || accounts.some((a, i) => a !== next[i]);
    const known = accounts !== undefined;
    accounts = next;
    if (changed) dropSubs();
    if (changed && (announce || known)) emit('accountsChanged', next);
  };

  function send(method: ProviderMethod, params: unknown): Promise<unknown> {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { method, params, resolve, reject });
      const msg: ToContent = { channel: CHANNEL, dir: 'to-content', id, method, params };
      postMessage(msg, selfOrigin());
    });
  }

  function onResult(method: ProviderMethod, params: unknown, result: unknown): unknown {
    switch (method) {
      case 'xmtp_accounts':
        if (isStrings(result)) setAccounts(result, false);
        break;
      case 'xmtp_connect':
        if (isObject(result) && typeof result.address === 'string') setAccounts([result.address], true);
        break;
      case 'xmtp_disconnect':
        setAccounts([], true);
        break;
      case 'xmtp_subscribe':
        if (typeof result === 'string') {
          subs.set(result, { params, live: result });
          byLive.set(result, result);
        }
        break;
    }
    return result;
  }

  // After the bridge reconnected: tell the dapp if its access changed meanwhile, else re-subscribe
  // (same page-visible ids) and report `connect` if `disconnect` was reported.
  async function reconnected(data: unknown) {
    const now = isObject(data) && isStrings(data.accounts) ? data.accounts : undefined;
    if (now && accounts && (now.length !== accounts.length || now.some((a, i) => a !== accounts![i]))) setAccounts(now, true);
    else {
      if (now) accounts = now;
      byLive.clear();
      await Promise.all(
        [...subs].map(async ([pageSub, s]) => {
          try {
            const live = await send('xmtp_subscribe', s.params);
            if (typeof live !== 'string') throw new Error('not a subscription id');
            s.live = live;
            byLive.set(live, pageSub);
          } catch {
            subs.delete(pageSub);
          }
        }),
      );
    }
    if (disconnected) {
      disconnected = false;
      emit('connect', { accounts: accounts ?? [] });
    }
  }

  async function wallet(w: unknown) {
    if (!isObject(w) || typeof w.requestId !== 'string' || typeof w.method !== 'string') return;
    const { requestId, method } = w;
    const params = Array.isArray(w.params) ? w.params : undefined;
    const answer = (m: { result?: unknown; error?: { code: number; message: string } }) =>
      postMessage({ channel: CHANNEL, dir: 'to-content', wallet: { requestId, ...m } } satisfies ToContent, selfOrigin());
    const eth = (window as Window & { ethereum?: PageWallet }).ethereum;
    if (!eth || typeof eth.request !== 'function') return answer({ error: { code: ErrorCode.unsupportedMethod, message: 'This page has no Ethereum wallet (window.ethereum)' } });
    if (method !== 'eth_requestAccounts' && method !== 'personal_sign') return answer({ error: { code: ErrorCode.unsupportedMethod, message: 'unsupported wallet method' } });
    try {
      const result = await eth.request({ method, params });
      answer({ result: parse(stringify(result ?? null)) });
    } catch (e) {
      const err = isObject(e) ? e : {};
      answer({ error: { code: typeof err.code === 'number' ? err.code : ErrorCode.internal, message: String(err.message ?? 'wallet error').slice(0, 500) } });
    }
  }

  window.addEventListener('message', (ev: MessageEvent) => {
    if (!fromThisWindow(ev) || !isToPage(ev.data)) return;
    const m = ev.data;
    if (m.wallet) return void wallet(m.wallet);
    if (typeof m.event === 'string') {
      if (m.event === 'connect') return void reconnected(m.data);
      if (m.event === 'disconnect') {
        if (disconnected) return;
        disconnected = true;
        return emit('disconnect', m.data);
      }
      if (m.event === 'accountsChanged') return isStrings(m.data) ? setAccounts(m.data, true) : undefined;
      if (m.event === 'message') {
        const d = m.data;
        if (!isObject(d) || typeof d.subscription !== 'string') return;
        const pageSub = byLive.get(d.subscription);
        return pageSub === undefined ? undefined : emit('message', { subscription: pageSub, message: d.message });
      }
      return;
    }
    const { id, error } = m;
    const p = typeof id === 'number' ? pending.get(id) : undefined;
    if (!p || typeof id !== 'number') return;
    pending.delete(id);
    if (!error) return p.resolve(onResult(p.method, p.params, m.result));
    const e = isObject(error) ? error : {};
    p.reject(providerError(typeof e.code === 'number' ? e.code : ErrorCode.internal, String(e.message ?? 'error'), e.data));
  });

  const provider = Object.freeze({
    isXmtpInbox: true,
    request(args: { method: string; params?: unknown }): Promise<unknown> {
      try {
        if (typeof args !== 'object' || args === null || typeof args.method !== 'string' || !args.method) {
          throw providerError(ErrorCode.invalidParams, 'request expects { method: string, params?: object }');
        }
        const method = args.method;
        if (!isProviderMethod(method)) throw providerError(ErrorCode.methodNotFound, `unknown method ${method.slice(0, 100)}`);
        let text: string | undefined;
        try {
          text = args.params === undefined ? undefined : stringify(args.params);
        } catch {
          throw providerError(ErrorCode.invalidParams, 'params must be JSON data');
        }
        if (text !== undefined && text.length > PROVIDER_LIMITS.maxParamsBytes) {
          throw providerError(ErrorCode.invalidParams, `params are larger than ${PROVIDER_LIMITS.maxParamsBytes} bytes`);
        }
        let params = PROVIDER_PARAMS[method](text === undefined ? undefined : parse(text), '');
        if (method === 'xmtp_unsubscribe') {
          // The page knows its subscription by the id it was first given; the background by the live one.
          const pageSub = (params as { subscription: string }).subscription;
          const s = subs.get(pageSub);
          if (s) {
            subs.delete(pageSub);
            byLive.delete(s.live);
            params = { subscription: s.live };
          }
        }
        return send(method, params);
      } catch (e) {
        const err = e instanceof RpcError ? providerError(e.code, e.message, e.data) : (e as ProviderError);
        return Promise.reject(err);
      }
    },
    on(event: string, fn: Listener) {
      if (typeof event !== 'string' || typeof fn !== 'function') throw providerError(ErrorCode.invalidParams, 'on(event: string, listener: function)');
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

  const info = Object.freeze({
    uuid: crypto.randomUUID(),
    name: 'XMTP Inbox',
    icon:
      'data:image/svg+xml,' +
      encodeURIComponent(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#4f46e5"/><path d="M7 8h18a3 3 0 0 1 3 3v7a3 3 0 0 1-3 3H13l-5 4v-4H7a3 3 0 0 1-3-3v-7a3 3 0 0 1 3-3z" fill="#fff"/></svg>',
      ),
    rdns: 'dev.xmtp-inbox',
  });
  // Defined only if absent: never replace another extension's provider (discovery still finds ours).
  if (!('xmtp' in window)) {
    Object.defineProperty(window, 'xmtp', { value: provider, writable: false, configurable: false, enumerable: true });
  }
  const announce = () => window.dispatchEvent(new CustomEvent('xmtp:announceProvider', { detail: Object.freeze({ info, provider }) }));
  window.addEventListener('xmtp:requestProvider', announce);
  announce();
  window.dispatchEvent(new Event('xmtp#initialized'));
})();
