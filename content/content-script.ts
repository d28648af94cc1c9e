// Content script (isolated world, every frame): the bridge between this frame's window.xmtp and the
// background. It accepts only messages that this very window posted to itself with our channel tag,
// and keeps one runtime.Port per frame, opened on the first request.
// It runs on every page, so it stays tiny: no polyfill, only runtime.connect, which both browsers
// expose with the same shape.
import type { Runtime } from 'webextension-polyfill';
import { CHANNEL, isToContent, type ToPage } from './channel.ts';
import { PORT } from '../src/messages.ts';
import { ErrorCode, type RpcEvent, type RpcResponse } from '../src/rpc.ts';

// Opaque origins ("null": sandboxed frames, data: URLs) cannot be named as a target; the message is
// posted to this window only either way.
const targetOrigin = location.origin === 'null' ? '*' : location.origin;
const toPage = (m: Omit<ToPage, 'channel' | 'dir'>) => window.postMessage({ channel: CHANNEL, dir: 'to-page', ...m }, targetOrigin);

const runtime: Runtime.Static = ((globalThis as { browser?: { runtime: Runtime.Static } }).browser ?? (globalThis as unknown as { chrome: { runtime: Runtime.Static } }).chrome).runtime;
let port: Runtime.Port | undefined;
const inFlight = new Set<number>();

function connect(): Runtime.Port {
  if (port) return port;
  const p = runtime.connect({ name: PORT.content });
  p.onMessage.addListener((msg: unknown) => {
    const m = msg as RpcResponse & RpcEvent;
    if (typeof m.event === 'string') return toPage({ event: m.event, data: m.data });
    if (!inFlight.delete(m.id)) return;
    toPage('error' in m ? { id: m.id, error: m.error } : { id: m.id, result: m.result });
  });
  p.onDisconnect.addListener(() => {
    port = undefined;
    // Requests the background never answered fail clearly instead of hanging the dapp.
    for (const id of inFlight) toPage({ id, error: { code: ErrorCode.disconnected, message: 'XMTP Inbox restarted; retry the request' } });
    inFlight.clear();
    toPage({ event: 'disconnect', data: { code: ErrorCode.disconnected, message: 'XMTP Inbox disconnected' } });
  });
  port = p;
  return p;
}

window.addEventListener('message', (ev: MessageEvent) => {
  if (ev.source !== window || !isToContent(ev.data)) return;
  const { id, method, params } = ev.data;
  inFlight.add(id);
  try {
    connect().postMessage({ id, method: 'provider.request', params: { method, params } });
  } catch {
    inFlight.delete(id);
    toPage({ id, error: { code: ErrorCode.disconnected, message: 'XMTP Inbox is not available (was it updated or removed?)' } });
  }
});
