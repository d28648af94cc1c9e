// WebSocket subscriptions (protocol documented in server/README.md): one socket, a topic set the
// client changes without reconnecting, envelopes in the same JSON form as the HTTP stream, and a
// server ping every 20 s (an application message, so MV3 service workers stay alive, plus a
// protocol ping to detect dead peers).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiError, Code, invalidArgument } from './errors.ts';
import type { Dispatcher, OutEnvelope, Subscriber } from './fanout/dispatcher.ts';
import { parseTopics } from './json.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import type { Held, Quotas } from './quotas.ts';
import type { SendBudget, SubscriberQueue } from './sendbudget.ts';
import { validateTopic } from './topics.ts';

export const WS_PATH = '/message/v1/ws';
export const WS_PROTOCOL_VERSION = 1;

export interface WsOptions {
  dispatcher: Dispatcher;
  metrics: Metrics;
  log: Logger;
  pingMs: number;
  /** Bytes queued to subscribers: over its share a socket is closed (1013). */
  sendBudget: SendBudget;
  /** Topics one socket may be subscribed to. */
  maxTopics: number;
  /** Largest frame a client may send (larger: closed with 1009). */
  maxFrameBytes: number;
  /** Checks an upgrade (origin, shutdown, sockets of the address, rate bucket); throws an ApiError. */
  admitUpgrade(req: IncomingMessage): { ip: string; slot: Held };
  /** Rate limiting of each subscribe/unsubscribe/set; throws an ApiError. */
  admitRequest(ip: string): void;
  /** Topic subscriptions per address and node-wide. */
  quotas: Quotas;
}

const CLOSE_GOING_AWAY = 1001;
const CLOSE_TRY_AGAIN_LATER = 1013;

class WsSubscriber implements Subscriber {
  readonly topics = new Set<string>();
  alive = true;
  readonly queue: SubscriberQueue;
  constructor(readonly ws: WebSocket, private opts: WsOptions, readonly ip: string, readonly slot: Held, readonly topicsHeld: Held) {
    this.queue = opts.sendBudget.open();
  }

  deliver(env: OutEnvelope): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (!this.queue.mayQueue(this.ws.bufferedAmount)) {
      this.opts.metrics.dropped.inc({ transport: 'ws' });
      this.ws.close(CLOSE_TRY_AGAIN_LATER, 'subscriber too slow; reconnect and catch up with query');
      return;
    }
    this.ws.send(env.wsFrame, { binary: false });
  }

  send(obj: unknown): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(obj));
  }
}

export class WsEndpoint {
  private wss: WebSocketServer;
  private subs = new Set<WsSubscriber>();
  private timer: NodeJS.Timeout;

  constructor(private opts: WsOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxFrameBytes, perMessageDeflate: false });
    opts.metrics.subscribers.collect(() => [[{ transport: 'ws' }, this.subs.size]]);
    this.timer = setInterval(() => this.pingAll(), opts.pingMs);
    this.timer.unref();
  }

  get size(): number {
    return this.subs.size;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    let admitted;
    try {
      admitted = this.opts.admitUpgrade(req);
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(Code.INTERNAL, String(err));
      this.opts.log.warn('websocket refused', { code: e.code, message: e.message, ip: req.socket.remoteAddress });
      const body = JSON.stringify(e.toJSON());
      socket.end(`HTTP/1.1 ${e.status} Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    const { ip, slot } = admitted;
    socket.once('close', () => slot.release());
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req, ip, slot));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage, ip: string, slot: Held): void {
    const sub = new WsSubscriber(ws, this.opts, ip, slot, this.opts.quotas.take(ip, 'topics', 0));
    this.subs.add(sub);
    const log = this.opts.log.child({ transport: 'ws', ip: req.socket.remoteAddress });
    log.debug('websocket opened');
    ws.on('pong', () => {
      sub.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      let id: unknown;
      try {
        if (isBinary) throw invalidArgument('binary frames are not supported; send JSON text');
        let msg: unknown;
        try {
          msg = JSON.parse(data.toString());
        } catch (err) {
          throw invalidArgument(`invalid JSON: ${(err as Error).message}`);
        }
        if (!msg || typeof msg !== 'object' || Array.isArray(msg)) throw invalidArgument('expected a JSON object');
        const m = msg as Record<string, unknown>;
        id = m.id;
        this.onMessage(sub, m);
      } catch (err) {
        const e = err instanceof ApiError ? err : new ApiError(Code.INTERNAL, String(err));
        log.warn('websocket request refused', { code: e.code, message: e.message });
        sub.send({ type: 'error', ...(id !== undefined ? { id } : {}), error: e.toJSON() });
      }
    });
    ws.on('close', () => {
      sub.slot.release();
      sub.topicsHeld.release();
      sub.queue.close();
      this.opts.dispatcher.remove(sub, sub.topics);
      this.subs.delete(sub);
      log.debug('websocket closed');
    });
    ws.on('error', (err) => log.warn('websocket error', { err: String(err) }));
    sub.send({ type: 'ready', protocol: WS_PROTOCOL_VERSION, pingIntervalMs: this.opts.pingMs, maxTopics: this.opts.maxTopics });
  }

  private onMessage(sub: WsSubscriber, m: Record<string, unknown>): void {
    const id = m.id;
    if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') throw invalidArgument('id must be a string or a number');
    const withId = id !== undefined ? { id } : {};
    switch (m.type) {
      case 'ping':
        sub.send({ type: 'pong', ...withId });
        return;
      case 'pong':
        sub.alive = true;
        return;
      case 'subscribe':
      case 'unsubscribe':
      case 'set': {
        const topics = parseTopics(m.topics ?? [], 'topics');
        for (const t of topics) validateTopic(t);
        this.opts.admitRequest(sub.ip);
        const d = this.opts.dispatcher;
        if (m.type === 'unsubscribe') {
          d.remove(sub, topics);
          for (const t of topics) sub.topics.delete(t);
          sub.topicsHeld.resize(sub.topics.size);
        } else {
          const next = new Set(m.type === 'set' ? topics : [...sub.topics, ...topics]);
          const max = this.opts.maxTopics;
          if (next.size > max) throw invalidArgument(`cannot exceed ${max} topics per subscription`);
          sub.topicsHeld.resize(next.size); // throws if the address or the node has too many
          const removed = [...sub.topics].filter((t) => !next.has(t));
          const added = [...next].filter((t) => !sub.topics.has(t));
          d.remove(sub, removed);
          for (const t of removed) sub.topics.delete(t);
          d.add(sub, added);
          for (const t of added) sub.topics.add(t);
        }
        // Sent after the set is in effect: everything published from now on is delivered.
        sub.send({ type: 'ack', ...withId, topics: sub.topics.size });
        return;
      }
      default:
        throw invalidArgument(`unknown message type ${JSON.stringify(m.type)}`);
    }
  }

  private pingAll(): void {
    const t = Date.now();
    for (const sub of this.subs) {
      sub.queue.update(sub.ws.bufferedAmount); // what was read since the last delivery
      if (!sub.alive) {
        sub.ws.terminate();
        continue;
      }
      sub.alive = false;
      sub.send({ type: 'ping', t });
      try {
        sub.ws.ping();
      } catch {
        /* closing */
      }
    }
  }

  /** Closes every socket with 1001 (going away). */
  close(): void {
    clearInterval(this.timer);
    for (const sub of this.subs) sub.ws.close(CLOSE_GOING_AWAY, 'node shutting down');
    this.wss.close();
  }

  terminateAll(): void {
    for (const sub of this.subs) sub.ws.terminate();
  }
}
