// Content script (isolated world, every frame): the bridge between this frame's window.xmtp and the
// background. It trusts nothing from the page: it accepts only messages this very window posted to
// itself with our channel tag, checks method names, params shapes and sizes with the same validators
// the background uses, bounds the requests in flight, and keeps one runtime.Port per frame.
//
// Port lifetime: the port opens on the first request. When it drops (the MV3 worker stopped or
// restarted, the extension was updated) requests in flight fail with 4900; if the page had requests in
// flight or live subscriptions, the page gets `disconnect` at once and the bridge reconnects, then tells
// the page `connect` with the current accounts (the inpage script re-subscribes). An idle page without
// subscriptions reconnects silently on its next request, so open tabs do not keep the worker awake.
// It runs on every page, so it stays small: no polyfill, only runtime.connect / onMessage, which both
// browsers expose with the same shape.
import type { Runtime } from 'webextension-polyfill';
import { CHANNEL, fromThisWindow, isObject, isToContent, selfOrigin, type RpcErrorFrame, type ToPage } from './channel.ts';
import { PORT } from '../src/messages.ts';
import { ErrorCode, RpcError, type RpcEvent, type RpcResponse } from '../src/rpc.ts';
import { isProviderMethod, PROVIDER_LIMITS, PROVIDER_PARAMS } from '../src/provider-api.ts';

type Runtimeish = Pick<Runtime.Static, 'connect' | 'id'> & {
  /** the browsers' callback form: answer with sendResponse at once, return nothing */
  onMessage: { addListener(fn: (msg: unknown, sender: Runtime.MessageSender, sendResponse: (response: unknown) => void) => undefined): void };
};
const runtime: Runtimeish = ((globalThis as { browser?: { runtime: Runtimeish } }).browser ?? (globalThis as unknown as { chrome: { runtime: Runtimeish } }).chrome).runtime;

const post = (m: Record<string, unknown>) => window.postMessage({ channel: CHANNEL, dir: 'to-page', ...m } satisfies Partial<ToPage>, selfOrigin());
const reply = (id: number, error: RpcErrorFrame) => post({ id, error });
const event = (name: string, data: unknown) => post({ event: name, data });

interface InFlight {
  /** the page's request id */
  pageId: number;
  method: string;
  params: unknown;
}

let port: Runtime.Port | undefined;
/** the port dropped while the page needed it: `disconnect` was sent, `connect` is owed */
let reconnecting = false;
/** a port existed before: the next one re-checks the accounts for the page */
let hadPort = false;
/** the extension is gone (updated, disabled or removed): this script can never reach it again */
let dead = false;
let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
let attempts = 0;
let nextPortId = 1;
const inFlight = new Map<number, InFlight>();
/** background subscription ids this frame holds (to know whether to reconnect at once) */
const subs = new Set<string>();
/** wallet requests the page has been asked and not answered */
const walletPending = new Set<string>();

const GONE: RpcErrorFrame = { code: ErrorCode.disconnected, message: 'XMTP Inbox was updated or removed; reload the page to reconnect' };
const LOST: RpcErrorFrame = { code: ErrorCode.disconnected, message: 'XMTP Inbox restarted before answering; retry the request' };

function markDead() {
  if (dead) return;
  dead = true;
  clearTimeout(reconnectTimer);
  event('disconnect', GONE);
}

function send(method: string, params: unknown, pageId: number): void {
  const p = open();
  if (!p) {
    if (pageId) reply(pageId, GONE);
    return;
  }
  const id = nextPortId++;
  inFlight.set(id, { pageId, method, params });
  try {
    p.postMessage({ id, method: 'provider.request', params: { method, params } });
  } catch {
    inFlight.delete(id);
    if (pageId) reply(pageId, LOST);
  }
}

function open(): Runtime.Port | undefined {
  if (port) return port;
  if (dead || !runtime?.id) {
    markDead();
    return undefined;
  }
  let p: Runtime.Port;
  try {
    p = runtime.connect({ name: PORT.content });
  } catch {
    markDead(); // "Extension context invalidated"
    return undefined;
  }
  port = p;
  p.onMessage.addListener(onPortMessage);
  p.onDisconnect.addListener(() => onPortDrop(p));
  if (hadPort) send('xmtp_accounts', undefined, 0); // internal: tells the page the accounts after a gap
  hadPort = true;
  return p;
}

function onPortMessage(msg: unknown): void {
  const m = msg as RpcResponse & RpcEvent;
  if (!m || typeof m !== 'object') return;
  if (typeof m.event === 'string') return onEvent(m.event, m.data);
  const req = inFlight.get(m.id);
  if (!req) return;
  inFlight.delete(m.id);
  if ('error' in m) {
    if (req.pageId) return reply(req.pageId, m.error);
    reconnecting = false; // the background answered: reachable, even if it refused the check
    attempts = 0;
    return event('connect', {});
  }
  if (req.method === 'xmtp_subscribe' && typeof m.result === 'string') subs.add(m.result);
  if (req.method === 'xmtp_unsubscribe' && isObject(req.params) && typeof req.params.subscription === 'string') subs.delete(req.params.subscription);
  if (req.method === 'xmtp_disconnect') subs.clear();
  if (req.pageId) return post({ id: req.pageId, result: m.result });
  // The internal accounts check after a reconnect: the bridge works again.
  reconnecting = false;
  attempts = 0;
  event('connect', { accounts: m.result });
}

function onEvent(name: string, data: unknown): void {
  if (name === 'provider') {
    if (!isObject(data) || typeof data.event !== 'string') return;
    if (data.event === 'accountsChanged') subs.clear(); // the background ends subscriptions when access changes
    return event(data.event, data.data);
  }
  if (name === 'wallet.request') return walletRequest(data);
}

function walletRequest(data: unknown): void {
  if (!isObject(data) || typeof data.requestId !== 'string' || (data.method !== 'eth_requestAccounts' && data.method !== 'personal_sign')) return;
  walletPending.add(data.requestId);
  post({ wallet: { requestId: data.requestId, method: data.method, params: Array.isArray(data.params) ? data.params : [] } });
}

function onPortDrop(p: Runtime.Port): void {
  if (port !== p) return;
  port = undefined;
  const lost = [...inFlight.values()];
  inFlight.clear();
  walletPending.clear();
  for (const r of lost) if (r.pageId) reply(r.pageId, LOST);
  const hadSubs = subs.size > 0;
  subs.clear();
  if (!runtime?.id) return markDead();
  if (!reconnecting && !hadSubs && !lost.some((r) => r.pageId)) return; // idle: reconnect on the next request
  if (!reconnecting) {
    reconnecting = true;
    attempts = 0;
    event('disconnect', { code: ErrorCode.disconnected, message: 'XMTP Inbox restarted; reconnecting' });
  }
  // At once, then backing off (0.5 s … 30 s) while the background keeps dropping the port; after that
  // the next request tries again.
  if (attempts >= 10) return;
  const delay = attempts === 0 ? 0 : Math.min(30_000, 250 * 2 ** attempts);
  attempts++;
  clearTimeout(reconnectTimer);
  reconnectTimer = setTimeout(() => {
    reconnectTimer = undefined;
    open();
  }, delay);
}

// A request from this frame's window.xmtp (or from page code posting on our channel: same checks).
function onRequest(id: unknown, method: unknown, params: unknown): void {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) return;
  const pageId = id;
  if (dead) return reply(pageId, GONE);
  if (!isProviderMethod(method)) return reply(pageId, { code: ErrorCode.methodNotFound, message: `unknown method ${String(method).slice(0, 100)}` });
  if (inFlight.size >= PROVIDER_LIMITS.maxInFlight) {
    return reply(pageId, { code: ErrorCode.rateLimited, message: `too many requests in flight (at most ${PROVIDER_LIMITS.maxInFlight}); wait for answers` });
  }
  let clean: unknown;
  try {
    const text = params === undefined ? undefined : JSON.stringify(params);
    if (text !== undefined && text.length > PROVIDER_LIMITS.maxParamsBytes) {
      throw new RpcError(ErrorCode.invalidParams, `params are larger than ${PROVIDER_LIMITS.maxParamsBytes} bytes`);
    }
    clean = PROVIDER_PARAMS[method](text === undefined ? undefined : JSON.parse(text), '');
  } catch (e) {
    const err = e instanceof RpcError ? e.toJSON() : { code: ErrorCode.invalidParams, message: 'params must be JSON data' };
    return reply(pageId, err);
  }
  send(method, clean, pageId);
}

function onWalletResponse(w: unknown): void {
  if (!isObject(w) || typeof w.requestId !== 'string' || !walletPending.delete(w.requestId)) return;
  const p = open();
  if (!p) return;
  const params: Record<string, unknown> = { requestId: w.requestId };
  try {
    if (w.error) {
      const e = isObject(w.error) ? w.error : {};
      params.error = { code: Number.isSafeInteger(e.code) ? e.code : ErrorCode.internal, message: String(e.message ?? 'wallet error').slice(0, 500) };
    } else params.result = JSON.parse(JSON.stringify(w.result ?? null));
  } catch {
    params.error = { code: ErrorCode.internal, message: 'the wallet answered with something that is not JSON' };
  }
  try {
    p.postMessage({ id: nextPortId++, method: 'wallet.response', params });
  } catch {
    // the port dropped; the background times the wallet request out
  }
}

window.addEventListener('message', (ev: MessageEvent) => {
  if (!fromThisWindow(ev) || !isToContent(ev.data)) return;
  const m = ev.data;
  if ('wallet' in m) return onWalletResponse(m.wallet);
  onRequest(m.id, m.method, m.params);
});

// The background asks this frame's wallet while no port is open (e.g. the popup's "sign in with this
// page's wallet"): open the port so the answer can travel back on it.
runtime.onMessage.addListener((msg, _sender, sendResponse) => {
  if (!isObject(msg)) return undefined;
  if (msg.walletRequest && open()) walletRequest(msg.walletRequest);
  // The popup's onboarding lists the open pages whose wallet can sign in (only top-level pages answer;
  // the extension has no access to tabs' addresses otherwise).
  if (msg.pageInfo === true && window.top === window) sendResponse({ origin: location.origin, title: document.title.slice(0, 120) });
  return undefined;
});

// Injected into a page that was already running (Firefox does this when the extension is updated or
// reinstalled): a provider from before may be listening; let it re-subscribe.
if (document.readyState !== 'loading') {
  hadPort = true;
  open();
}
