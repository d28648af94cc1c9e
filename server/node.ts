// The XMTP node as a library: startNode(opts) → { url, port, close() }. Used by server/main.ts (the
// CLI), by tests and by the other engineers' integration tests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { AccessControl } from './acl.ts';
import { batchQuery, checkOwnership, publish, query, validateEnvelopes, type ApiDeps } from './api.ts';
import { TokenCache } from './auth.ts';
import { ApiError, Code } from './errors.ts';
import { Dispatcher, type OutEnvelope, type Subscriber } from './fanout/dispatcher.ts';
import type { Bus } from './fanout/bus.ts';
import { clientIp, CORS_HEADERS, PREFLIGHT_HEADERS, readBody, sendError, sendJson } from './http.ts';
import { parseBatchQueryRequest, parseBody, parsePublishRequest, parseQueryRequest, parseSubscribeRequest } from './json.ts';
import { createLogger, type Level, type LogSink, type Logger } from './log.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { DEFAULT_RATE_LIMITS, RateLimiter, type BucketType, type RateLimitConfig } from './ratelimit.ts';
import { openStore } from './store/open.ts';
import type { Store } from './store/types.ts';
import { validateTopic } from './topics.ts';
import { WS_PATH, WsEndpoint } from './ws.ts';

export type BusKind = 'none' | 'pg-notify' | 'nats';

export interface NodeOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 5555; 0 = an ephemeral port. */
  port?: number;
  /** SQLite file path, ':memory:' (the default), or a postgres:// URL. */
  db?: string;
  /** Require auth tokens on publish (default true). */
  auth?: boolean;
  /** Rate limits per client IP (default: the official node's numbers); false disables them. */
  rateLimits?: false | Partial<RateLimitConfig>;
  /** Allow/deny list file (reloaded on change); the database table `acl` is always read too. */
  aclFile?: string;
  /** How often the allow/deny lists are re-read, ms (default 5000; 0 = only at start and on reload()). */
  aclReloadMs?: number;
  /** Wallets allowed to publish to other wallets' contact-/privatestore- topics. */
  privilegedAddresses?: string[];
  /** Cross-process fan-out (PostgreSQL only). Default: 'nats' with PostgreSQL, 'none' with SQLite. */
  bus?: BusKind;
  /** NATS server URL for bus 'nats' (default $XMTP_NATS_URL or nats://127.0.0.1:4222). */
  natsUrl?: string;
  /** Trust X-Forwarded-For (the entry appended by our proxy) for the client IP. */
  trustProxy?: boolean;
  /** Keepalive interval of HTTP streams (a single space), ms. Default 20000. */
  streamKeepaliveMs?: number;
  /** WebSocket ping interval, ms. Default 20000. */
  wsPingMs?: number;
  /** Largest request body, bytes. Default 50 MiB (the official node's gRPC limit). */
  maxBodyBytes?: number;
  /** Per-subscriber send buffer before envelopes are dropped (HTTP) or the socket closed (WS). */
  maxSubscriberBufferBytes?: number;
  logLevel?: Level;
  logSink?: LogSink;
  /** Clock for token expiry (ms). */
  now?: () => number;
  /** Id of this node process on the bus (default: a random UUID). */
  nodeId?: string;
}

export interface XmtpNode {
  url: string;
  host: string;
  port: number;
  /** A unique id of this process's node, used on the bus. */
  id: string;
  store: Store;
  metrics: Metrics;
  log: Logger;
  /** Re-reads the allow/deny lists now. */
  reloadAcl(): Promise<void>;
  /** Open subscriptions right now (HTTP streams and WebSockets), and how many are on `topic`. */
  stats(topic?: string): { httpStreams: number; websockets: number; topicSubscribers: number };
  /** Graceful: stops accepting, ends streams and sockets, waits for requests, closes the database. */
  close(): Promise<void>;
}

const ROUTES = new Set(['/message/v1/publish', '/message/v1/query', '/message/v1/batch-query', '/message/v1/subscribe', '/message/v1/subscribe-all']);

class HttpStreamSubscriber implements Subscriber {
  private socket: Socket | null;
  constructor(private res: ServerResponse, private metrics: Metrics, private maxBuffered: number) {
    // With chunked encoding the pre-framed chunk (built once per envelope) goes straight to the
    // socket: no per-subscriber encoding or framing work.
    this.socket = (res as unknown as { chunkedEncoding?: boolean }).chunkedEncoding === true ? res.socket : null;
  }
  deliver(env: OutEnvelope): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    const buffered = this.socket ? this.socket.writableLength : this.res.writableLength;
    if (buffered > this.maxBuffered) {
      // As the V2-era node: drop for this slow subscriber, keep the stream open.
      this.metrics.dropped.inc({ transport: 'http' });
      return;
    }
    if (this.socket) this.socket.write(env.chunk);
    else this.res.write(env.line);
  }
  keepalive(): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    // Whitespace without a newline is safe for the SDK's line parser (a bare "\n" is not).
    if (this.socket) this.socket.write(KEEPALIVE_CHUNK);
    else this.res.write(' ');
  }
}

const KEEPALIVE_CHUNK = Buffer.from('1\r\n \r\n');

export async function startNode(opts: NodeOptions = {}): Promise<XmtpNode> {
  const id = opts.nodeId ?? randomUUID();
  const log = createLogger({ level: opts.logLevel ?? 'info', sink: opts.logSink, fields: { node: id.slice(0, 8) } });
  const metrics = createMetrics();
  const dbSpec = opts.db ?? ':memory:';
  const { store, bus } = await openStore(dbSpec, {
    metrics,
    log,
    nodeId: id,
    bus: opts.bus,
    natsUrl: opts.natsUrl,
  });
  const dispatcher = new Dispatcher();
  const acl = new AccessControl({ store, file: opts.aclFile, reloadMs: opts.aclReloadMs, log });
  await acl.start();
  const privileged = new Set((opts.privilegedAddresses ?? []).map((a) => a.toLowerCase()));
  const deps: ApiDeps = { store, dispatcher, bus, acl, metrics, log, privileged };
  const limiter =
    opts.rateLimits === false
      ? null
      : new RateLimiter({
          publish: { ...DEFAULT_RATE_LIMITS.publish, ...opts.rateLimits?.publish },
          query: { ...DEFAULT_RATE_LIMITS.query, ...opts.rateLimits?.query },
        });
  const authOn = opts.auth ?? true;
  const tokens = new TokenCache();
  const now = opts.now ?? Date.now;
  const trustProxy = opts.trustProxy ?? false;
  const maxBody = opts.maxBodyBytes ?? 50 * 1024 * 1024;
  const maxSubBuffer = opts.maxSubscriberBufferBytes ?? 16 * 1024 * 1024;
  const keepaliveMs = opts.streamKeepaliveMs ?? 20_000;
  let closing = false;

  if (bus) {
    try {
      await bus.start((envs) => {
        metrics.busReceived.inc({}, envs.length);
        metrics.delivered.inc({}, dispatcher.dispatch(envs));
      });
    } catch (err) {
      acl.stop();
      await bus.close().catch(() => {});
      await store.close().catch(() => {});
      throw new Error(`starting the ${bus.name} fan-out: ${(err as Error).message}`);
    }
  }

  const spend = (req: IncomingMessage, type: BucketType, cost: number, priority = false) => {
    if (!limiter) return;
    try {
      limiter.spend(clientIp(req, trustProxy), type, cost, priority);
    } catch (err) {
      metrics.rateLimited.inc({ bucket: type });
      throw err;
    }
  };

  // ---- streams ----
  const streams = new Set<ServerResponse>();
  metrics.subscribers.collect(() => [[{ transport: 'http' }, streams.size]]);

  function openStream(req: IncomingMessage, res: ServerResponse, topics: string[] | 'all'): void {
    res.writeHead(200, {
      ...CORS_HEADERS,
      'Content-Type': 'application/json',
      'Grpc-Metadata-Subscribed': 'true',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    req.socket.setTimeout(0);
    const sub = new HttpStreamSubscriber(res, metrics, maxSubBuffer);
    if (topics === 'all') dispatcher.addAll(sub);
    else dispatcher.add(sub, topics);
    streams.add(res);
    const keepalive = setInterval(() => sub.keepalive(), keepaliveMs);
    const done = () => {
      clearInterval(keepalive);
      if (topics === 'all') dispatcher.removeAll(sub);
      else dispatcher.remove(sub, topics);
      streams.delete(res);
    };
    res.on('close', done);
  }

  // ---- request handling ----
  async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<string> {
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      if (req.headers['access-control-request-method']) {
        res.writeHead(200, PREFLIGHT_HEADERS);
        res.end();
        return 'preflight';
      }
      throw new ApiError(Code.UNIMPLEMENTED, 'Method Not Allowed');
    }
    if (path === '/healthz' && (method === 'GET' || method === 'HEAD')) {
      if (closing) throw new ApiError(Code.UNAVAILABLE, 'node is shutting down');
      await store.count().catch((err) => {
        throw new ApiError(Code.UNAVAILABLE, `database unavailable: ${(err as Error).message}`);
      });
      sendJson(res, 200, JSON.stringify({ status: 'ok', store: store.kind, bus: bus?.name ?? 'none', node: id }));
      return 'healthz';
    }
    if (path === '/metrics' && method === 'GET') {
      const body = metrics.registry.render();
      res.writeHead(200, { ...CORS_HEADERS, 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return 'metrics';
    }
    if (path === '/' && (method === 'GET' || method === 'HEAD')) {
      sendJson(res, 200, JSON.stringify({ name: 'xmtp-inbox node', api: 'xmtp.message_api.v1', websocket: WS_PATH }));
      return 'root';
    }
    if (!ROUTES.has(path) && path !== WS_PATH && path !== '/healthz' && path !== '/metrics') throw new ApiError(Code.NOT_FOUND, 'Not Found');
    if (method !== 'POST' || !ROUTES.has(path)) throw new ApiError(Code.UNIMPLEMENTED, 'Method Not Allowed');
    if (closing) throw new ApiError(Code.UNAVAILABLE, 'node is shutting down');

    const body = parseBody(await readBody(req, maxBody));
    switch (path) {
      case '/message/v1/publish': {
        const envelopes = parsePublishRequest(body);
        const cached = tokens.peek(req.headers.authorization);
        // Rate limit first (as the official node: an unauthenticated publish spends tokens too);
        // a known token of an allow-listed wallet gets the priority bucket.
        spend(req, 'publish', Math.max(1, envelopes.length), !!cached && acl.isAllowListed(cached.walletAddress));
        if (authOn) {
          try {
            const wallet = tokens.verify(req.headers.authorization, now()).walletAddress;
            acl.check(wallet);
            checkOwnership(envelopes, wallet, privileged);
          } catch (err) {
            metrics.authFailures.inc({ code: String((err as ApiError).code ?? '') });
            throw err;
          }
        }
        validateEnvelopes(envelopes);
        await publish(deps, envelopes);
        sendJson(res, 200, '{}');
        return 'publish';
      }
      case '/message/v1/query': {
        spend(req, 'query', 1);
        const q = parseQueryRequest(body);
        const r = await query(deps, q);
        sendJson(res, 200, r.json);
        return 'query';
      }
      case '/message/v1/batch-query': {
        const requests = parseBatchQueryRequest(body);
        spend(req, 'query', Math.max(1, requests.length));
        sendJson(res, 200, await batchQuery(deps, requests));
        return 'batch-query';
      }
      case '/message/v1/subscribe': {
        spend(req, 'query', 1);
        const topics = [...new Set(parseSubscribeRequest(body))];
        for (const t of topics) validateTopic(t);
        openStream(req, res, topics);
        return 'subscribe';
      }
      case '/message/v1/subscribe-all': {
        spend(req, 'query', 1);
        openStream(req, res, 'all');
        return 'subscribe-all';
      }
    }
    throw new ApiError(Code.NOT_FOUND, 'Not Found');
  }

  let inflight = 0;
  let idleResolve: (() => void) | null = null;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const path = (req.url ?? '/').split('?')[0]!;
    inflight++;
    let name = ROUTES.has(path) ? path.slice('/message/v1/'.length) : 'other'; // bounded label set
    let code = 0;
    try {
      name = await route(req, res, path);
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(Code.INTERNAL, (err as Error)?.message ?? String(err));
      code = e.code;
      const fields = {
        method: req.method,
        path,
        code: e.code,
        status: e.status,
        message: e.message,
        ip: req.socket.remoteAddress,
        client: req.headers['x-client-version'],
      };
      if (e.status >= 500) log.error('request failed', { ...fields, stack: err instanceof ApiError ? undefined : (err as Error)?.stack });
      else log.warn('request refused', fields);
      sendError(res, e);
      if (e.code === Code.RESOURCE_EXHAUSTED && !req.complete) {
        // Oversized body: do not read the rest.
        res.on('finish', () => req.destroy());
      }
    } finally {
      inflight--;
      const seconds = (performance.now() - t0) / 1000;
      metrics.requests.inc({ method: name, code: String(code) });
      metrics.requestDuration.observe({ method: name }, seconds);
      if (log.enabled('debug')) log.debug('request', { method: req.method, path, code, ms: Math.round(seconds * 1e4) / 10, ip: req.socket.remoteAddress });
      if (inflight === 0 && idleResolve) idleResolve();
    }
  }

  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 120_000 }, (req, res) => {
    void handle(req, res);
  });
  server.on('clientError', (err, socket) => {
    log.warn('malformed HTTP request', { err: String(err) });
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  const ws = new WsEndpoint({
    dispatcher,
    metrics,
    log,
    pingMs: opts.wsPingMs ?? 20_000,
    maxBufferedBytes: maxSubBuffer,
    admit: (req, cost) => {
      if (closing) throw new ApiError(Code.UNAVAILABLE, 'node is shutting down');
      spend(req, 'query', cost);
    },
  });
  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== WS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    ws.handleUpgrade(req, socket, head);
  });

  const host = opts.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 5555, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // e.g. EADDRINUSE: release what was opened before failing.
    ws.close();
    acl.stop();
    limiter?.close();
    await bus?.close().catch(() => {});
    await store.close().catch(() => {});
    throw err;
  }
  server.on('error', (err) => log.error('server error', { err: String(err) }));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info('node listening', { url, store: store.kind, bus: bus?.name ?? 'none', auth: authOn, rateLimits: !!limiter });

  let closed: Promise<void> | null = null;
  async function close(): Promise<void> {
    if (closed) return closed;
    closing = true;
    closed = (async () => {
      log.info('node shutting down', { streams: streams.size, websockets: ws.size, inflight });
      const serverClosed = new Promise<void>((r) => server.close(() => r()));
      for (const res of streams) res.end();
      ws.close();
      server.closeIdleConnections();
      if (inflight > 0) {
        await Promise.race([new Promise<void>((r) => (idleResolve = r)), sleep(10_000)]);
      }
      await Promise.race([serverClosed, sleep(2_000)]);
      server.closeAllConnections();
      ws.terminateAll();
      acl.stop();
      limiter?.close();
      if (bus) await bus.close().catch((err) => log.error('closing bus', { err: String(err) }));
      await store.close();
      log.info('node stopped');
    })();
    return closed;
  }

  return { url, host, port, id, store, metrics, log, reloadAcl: () => acl.reload(true), stats: (topic) => ({ httpStreams: streams.size, websockets: ws.size, topicSubscribers: topic ? dispatcher.count(topic) : 0 }), close };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
