// The XMTP node as a library: startNode(opts) → { url, port, close() }. Used by server/main.ts (the
// CLI), by tests and by the other engineers' integration tests.
// startNode composes the parts: the store and fan-out, the route table (routes.ts), admission
// (admission.ts), the request path (requests.ts), HTTP streams (streams.ts), WebSockets (ws.ts), and
// the listening server's start and stop (lifecycle.ts). Every client-facing bound is in limits.ts.
import { randomUUID } from 'node:crypto';
import { AccessControl } from './acl.ts';
import { digestOf } from './api.ts';
import { Admission } from './admission.ts';
import { TokenCache } from './auth.ts';
import { Dispatcher } from './fanout/dispatcher.ts';
import { httpServerFactory, Serving, type ServerFactory } from './lifecycle.ts';
import { resolveLimits, type NodeLimits } from './limits.ts';
import { createLogger, type Level, type LogSink, type Logger } from './log.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimitConfig } from './ratelimit.ts';
import { RequestPipeline } from './requests.ts';
import { apiRoutes, RouteTable, type NodeContext } from './routes.ts';
import { defaultKeyFile } from './p2p/identity.ts';
import { startNetwork, type Network, type NetworkOptions } from './p2p/network.ts';
import { openStore } from './store/open.ts';
import { tlsServerFactory, type TlsFiles } from './tls.ts';
import type { Store } from './store/types.ts';
import { HttpStreams } from './streams.ts';
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
  /** Bounds on clients (limits.ts); unset ones keep their defaults. */
  limits?: Partial<NodeLimits>;
  /** The listening server (default plain HTTP/1.1); e.g. HTTPS or HTTP/2 with HTTP/1.1 fallback. */
  serverFactory?: ServerFactory;
  /** Serve HTTPS: HTTP/2 with HTTP/1.1 fallback (and wss://) with this certificate and key (PEM files). */
  tls?: TlsFiles;
  logLevel?: Level;
  logSink?: LogSink;
  /** Clock for token expiry (ms). */
  now?: () => number;
  /** Id of this node process on the bus (default: a random UUID). */
  nodeId?: string;
  /** Join the network of nodes (server/p2p); without it the node runs standalone. */
  p2p?: Omit<NetworkOptions, 'keyFile'> & { keyFile?: string | null };
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
  /** The node's membership of the network, when it joined one. */
  network: Network | null;
  limits: NodeLimits;
  /** Open subscriptions right now (HTTP streams and WebSockets), and how many are on `topic`. */
  stats(topic?: string): { httpStreams: number; websockets: number; topicSubscribers: number };
  /** Graceful: stops accepting, ends streams and sockets, waits for requests, closes the database. */
  close(): Promise<void>;
}

export async function startNode(opts: NodeOptions = {}): Promise<XmtpNode> {
  const id = opts.nodeId ?? randomUUID();
  const log = createLogger({ level: opts.logLevel ?? 'info', sink: opts.logSink, fields: { node: id.slice(0, 8) } });
  const metrics = createMetrics();
  const limits = resolveLimits(opts.limits);
  const { store, bus } = await openStore(opts.db ?? ':memory:', { metrics, log, nodeId: id, bus: opts.bus, natsUrl: opts.natsUrl });
  const dispatcher = new Dispatcher();
  const acl = new AccessControl({ store, file: opts.aclFile, reloadMs: opts.aclReloadMs, log });
  await acl.start();
  const limiter =
    opts.rateLimits === false
      ? null
      : new RateLimiter({
          publish: { ...DEFAULT_RATE_LIMITS.publish, ...opts.rateLimits?.publish },
          query: { ...DEFAULT_RATE_LIMITS.query, ...opts.rateLimits?.query },
        });
  let closing = false;
  // Releases what was opened when start fails half-way.
  const release = async () => {
    acl.stop();
    limiter?.close();
    await bus?.close().catch(() => {});
    await store.close().catch(() => {});
  };

  let network: Network | null = null;
  if (bus) {
    try {
      await bus.start((envs) => {
        metrics.busReceived.inc({}, envs.length);
        metrics.delivered.inc({}, dispatcher.dispatch(envs));
        // Another process of this node took them from its clients; this one speaks for the node on the network.
        network?.relay(envs.map((e) => ({ topic: e.topic, ts: e.ts, message: e.message, digest: digestOf(e.topic, e.message) }))).catch((err) => log.error('relaying failed', { err: String(err) }));
      });
    } catch (err) {
      await release();
      throw new Error(`starting the ${bus.name} fan-out: ${(err as Error).message}`);
    }
  }

  const streams = new HttpStreams({ dispatcher, metrics, maxBufferedBytes: limits.subscriberBufferBytes, keepaliveMs: opts.streamKeepaliveMs ?? 20_000 });
  const privileged = new Set((opts.privilegedAddresses ?? []).map((a) => a.toLowerCase()));
  const ctx: NodeContext = { id, store, dispatcher, bus, acl, metrics, log, privileged, limits, streams, network: null };
  if (opts.p2p) {
    try {
      network = ctx.network = await startNetwork({ ...opts.p2p, keyFile: opts.p2p.keyFile === undefined ? defaultKeyFile(opts.db ?? ':memory:') : opts.p2p.keyFile }, ctx);
    } catch (err) {
      await release();
      throw new Error(`joining the network: ${(err as Error).message}`);
    }
  }
  const authOn = opts.auth ?? true;
  const admission = new Admission({
    limiter,
    tokens: new TokenCache(),
    acl,
    metrics,
    authOn,
    trustProxy: opts.trustProxy ?? false,
    now: opts.now ?? Date.now,
    isClosing: () => closing,
  });
  const pipeline = new RequestPipeline({ table: new RouteTable().add(...apiRoutes(ctx)), admission, metrics, log });
  const ws = new WsEndpoint({
    dispatcher,
    metrics,
    log,
    pingMs: opts.wsPingMs ?? 20_000,
    maxBufferedBytes: limits.subscriberBufferBytes,
    maxTopics: limits.wsMaxTopics,
    maxFrameBytes: limits.wsMaxFrameBytes,
    admit: (req, cost) => {
      admission.checkOpen();
      admission.spend(admission.ip(req), 'query', cost);
    },
  });

  let serving: Serving;
  try {
    serving = await Serving.start({
      factory: opts.tls ? tlsServerFactory(opts.tls) : (opts.serverFactory ?? httpServerFactory),
      scheme: opts.tls ? 'https' : 'http',
      listener: pipeline.listener,
      onUpgrade: (req, socket, head) => {
        if ((req.url ?? '/').split('?')[0] === WS_PATH) ws.handleUpgrade(req, socket, head);
        else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      },
      limits,
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 5555,
      log,
    });
  } catch (err) {
    // e.g. EADDRINUSE
    ws.close();
    await ctx.network?.close();
    await release();
    throw err;
  }
  const { url, port } = serving;
  log.info('node listening', { url, store: store.kind, bus: bus?.name ?? 'none', auth: authOn, rateLimits: !!limiter });

  let closed: Promise<void> | null = null;
  function close(): Promise<void> {
    closing = true;
    closed ??= (async () => {
      log.info('node shutting down', { streams: streams.size, websockets: ws.size, inflight: pipeline.inflight });
      await serving.stop({
        endStreams: () => {
          streams.endAll();
          ws.close();
        },
        idle: () => pipeline.idle(),
        terminate: () => ws.terminateAll(),
      });
      await ctx.network?.close().catch((err) => log.error('leaving the network', { err: String(err) }));
      acl.stop();
      limiter?.close();
      if (bus) await bus.close().catch((err) => log.error('closing bus', { err: String(err) }));
      await store.close();
      log.info('node stopped');
    })();
    return closed;
  }

  return {
    url,
    host: opts.host ?? '127.0.0.1',
    port,
    id,
    store,
    metrics,
    log,
    limits,
    reloadAcl: () => acl.reload(true),
    network: ctx.network,
    stats: (topic) => ({ httpStreams: streams.size, websockets: ws.size, topicSubscribers: topic ? dispatcher.count(topic) : 0 }),
    close,
  };
}
