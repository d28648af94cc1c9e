// Live subscriptions over our node's WebSocket endpoint (server/ws.ts, /message/v1/ws):
// the topic set changes without reconnecting, and application-level keep-alives (the node pings every
// ~20 s; we ping when nothing has passed for 25 s) keep an MV3 service worker alive (Chrome counts
// WebSocket messages, not protocol pings, within its 30 s window) and detect a dead connection.
//   server → {type:'ready', protocol, pingIntervalMs, maxTopics}
//   client → {type:'set', id, topics}          server → {type:'ack', id, topics}
//   server → {type:'envelope', result: <Envelope JSON>}
//   server → {type:'ping', t}                  client → {type:'pong'}
//   client → {type:'ping'}                     server → {type:'pong'}
//   server → {type:'error', id?, error:{code, message}}
import { ApiError, type Envelope, type StreamConnection, type SubscribeTransport } from './types.ts';
import { envelopeFromJson } from './json.ts';

/** The subset of the WHATWG WebSocket API we use (browsers, workers, the `ws` package). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface WsTransportOptions {
  /** the node's HTTP base URL; ws(s):// is derived from it */
  apiUrl: string;
  /** defaults to globalThis.WebSocket (Node 20 has none: pass the `ws` package's class) */
  WebSocket?: WebSocketConstructor;
  /** close the socket when nothing arrives for this long after the first ready (default 2.5 × ping interval) */
  idleTimeoutMs?: number;
  /** send our own ping when nothing has been sent or received for this long (default 25 s: inside Chrome's 30 s window) */
  keepAliveMs?: number;
  /** called on each keep-alive exchange (ours or the node's): the connection is alive and so should the worker be */
  onKeepAlive?: () => void;
}

export function wsUrlFor(apiUrl: string): string {
  return apiUrl.replace(/\/+$/, '').replace(/^http/, 'ws') + '/message/v1/ws';
}

export class WebSocketTransport implements SubscribeTransport {
  private readonly url: string;
  private readonly Ctor: WebSocketConstructor;

  constructor(private readonly opts: WsTransportOptions) {
    this.url = wsUrlFor(opts.apiUrl);
    const Ctor = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) throw new Error('no WebSocket implementation available');
    this.Ctor = Ctor;
  }

  openStream(topics: string[], onEnvelope: (envelope: Envelope) => void): StreamConnection {
    const ws = new this.Ctor(this.url);
    let nextId = 1;
    const pending = new Map<number, { resolve: () => void; reject: (e: unknown) => void }>();
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    let idleMs = this.opts.idleTimeoutMs ?? 50_000;
    let quietTimer: ReturnType<typeof setTimeout> | undefined;
    const quietMs = this.opts.keepAliveMs ?? 25_000;
    let closedByUs = false;
    let markReady!: () => void;
    let failReady!: (e: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    ready.catch(() => {});
    let settleClosed!: (e?: unknown) => void;
    const closed = new Promise<void>((resolve, reject) => {
      settleClosed = (e) => (e === undefined ? resolve() : reject(e));
    });

    const send = (obj: unknown) => {
      ws.send(JSON.stringify(obj));
      exchanged();
    };
    // Our own ping, only when the node has been quiet (its pings normally come first): one message
    // each way per interval is all the keep-alive costs.
    const exchanged = () => {
      if (quietTimer) clearTimeout(quietTimer);
      quietTimer = setTimeout(() => {
        try {
          send({ type: 'ping' });
        } catch {
          /* closing */
        }
      }, quietMs);
    };
    const setTopics = (t: string[]): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        try {
          send({ type: 'set', id, topics: t });
        } catch (e) {
          pending.delete(id);
          reject(e);
        }
      });
    const touch = () => {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = setTimeout(() => ws.close(4000, 'idle timeout'), idleMs);
    };
    const finish = (err?: unknown) => {
      if (idleTimer) clearTimeout(idleTimer);
      if (quietTimer) clearTimeout(quietTimer);
      const e = err ?? new ApiError('websocket closed', undefined);
      for (const p of pending.values()) p.reject(e);
      pending.clear();
      failReady(e);
      settleClosed(closedByUs ? undefined : e);
    };

    ws.onmessage = (ev) => {
      touch();
      exchanged();
      let m: { type?: string; id?: number; result?: unknown; pingIntervalMs?: number; error?: { code?: number; message?: string } };
      try {
        m = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      switch (m.type) {
        case 'ready':
          if (!this.opts.idleTimeoutMs && typeof m.pingIntervalMs === 'number') idleMs = m.pingIntervalMs * 2.5;
          setTopics(topics).then(markReady, (e) => {
            failReady(e);
            ws.close(1000, 'subscribe refused');
          });
          return;
        case 'envelope': {
          let env: Envelope;
          try {
            env = envelopeFromJson(m.result);
          } catch {
            return;
          }
          onEnvelope(env);
          return;
        }
        case 'ack': {
          const p = typeof m.id === 'number' ? pending.get(m.id) : undefined;
          if (p) {
            pending.delete(m.id!);
            p.resolve();
          }
          return;
        }
        case 'ping':
          try {
            send({ type: 'pong' });
          } catch {
            /* closing */
          }
          this.opts.onKeepAlive?.();
          return;
        case 'pong':
          this.opts.onKeepAlive?.();
          return;
        case 'error': {
          const err = new ApiError(m.error?.message ?? 'websocket error', m.error?.code);
          const p = typeof m.id === 'number' ? pending.get(m.id) : undefined;
          if (p) {
            pending.delete(m.id!);
            p.reject(err);
          }
          return;
        }
      }
    };
    ws.onclose = (ev) => finish(closedByUs ? undefined : new ApiError(`websocket closed (${ev.code}${ev.reason ? ': ' + ev.reason : ''})`, undefined));
    ws.onerror = () => {
      /* onclose follows */
    };
    touch();

    return {
      ready,
      closed,
      setTopics,
      close: () => {
        closedByUs = true;
        try {
          ws.close(1000, 'unsubscribe');
        } catch {
          /* already closed */
        }
        finish();
      },
    };
  }
}
