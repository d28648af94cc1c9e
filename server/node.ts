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
import { CorsPolicy, defaultOrigins } from './cors.ts';
import { startOperatorServer, type OperatorServer } from './operator.ts';
import { Quotas, type Resource } from './quotas.ts';
import { SendBudget } from './sendbudget.ts';
import { readFileSync } from 'node:fs';
import { WS_PATH, WsEndpoint } from './ws.ts';
import type { BlobStore } from './blobs/store.ts';
import { DiskBlobStore } from './blobs/disk.ts';
import { S3BlobStore, type S3Options } from './blobs/s3.ts';

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
  /** Web origins allowed to use the node from a browser (cors.ts; default depends on the host). */
  corsOrigins?: string[];
  /** Serve /metrics on this operator address (port 0 = any free port); default: no operator address. */
  metricsPort?: number;
  /** Host of the operator address (default 127.0.0.1). */
  metricsHost?: string;
  /** Serve /metrics on the main address too, to requests with `Authorization: Bearer <this token>`. */
  metricsToken?: string;
  logLevel?: Level;
  logSink?: LogSink;
  /** Clock for token expiry (ms). */
  now?: () => number;
  /** Id of this node process on the bus (default: a random UUID). */
  nodeId?: string;
  /**
   * Keep remote attachments' encrypted files: a directory (created if missing), or `s3://bucket[/prefix]`
   * with `s3` set. Without it the node has no blob routes.
   */
  blobs?: string;
  /** The S3-compatible service of `blobs: 's3://…'`. */
  s3?: Omit<S3Options, 'location'>;
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
  /** The operator address serving /metrics, if any. */
  metricsUrl: string | null;
  /** Re-reads the allow/deny lists now. */
  reloadAcl(): Promise<void>;
  /** The node's membership of the network, when it joined one. */
  network: Network | null;
  limits: NodeLimits;
  /** Resources held now by one address (or by everyone): connections, requests, streams, sockets, topics, body bytes. */
  usage(resource: Resource, ip?: string): number;
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
          blob: { ...DEFAULT_RATE_LIMITS.blob, ...opts.rateLimits?.blob },
        });
  let closing = false;
  let blobs: BlobStore | null = null;
  // Releases what was opened when start fails half-way.
  const release = async () => {
    await blobs?.close();
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

  if (opts.blobs) {
    try {
      blobs = await openBlobStore(opts.blobs, opts.s3, limits);
    } catch (err) {
      await release();
      throw new Error(`opening the blob store: ${(err as Error).message}`);
    }
  }

  const quotas = new Quotas(limits, metrics);
  const sendBudget = new SendBudget(limits);
  metrics.subscriberQueued.collect(() => [[{}, sendBudget.queued]]);
  const streams = new HttpStreams({ dispatcher, metrics, quotas, sendBudget, keepaliveMs: opts.streamKeepaliveMs ?? 20_000 });
  const privileged = new Set((opts.privilegedAddresses ?? []).map((a) => a.toLowerCase()));
  const metricsToken = opts.metricsToken ?? null;
  const ctx: NodeContext = { id, store, dispatcher, bus, acl, metrics, log, privileged, limits, streams, network: null, metricsOnMain: metricsToken !== null, blobs };
  if (opts.p2p) {
    try {
      network = ctx.network = await startNetwork({ ...opts.p2p, keyFile: opts.p2p.keyFile === undefined ? defaultKeyFile(opts.db ?? ':memory:') : opts.p2p.keyFile }, ctx);
    } catch (err) {
      await release();
      throw new Error(`joining the network: ${(err as Error).message}`);
    }
  }
  const authOn = opts.auth ?? true;
  const trustProxy = opts.trustProxy ?? false;
  const host = opts.host ?? '127.0.0.1';
  const cors = new CorsPolicy(opts.corsOrigins?.length ? opts.corsOrigins : defaultOrigins(host));
  const admission = new Admission({
    limiter,
    tokens: new TokenCache(limits.tokenFutureSkewMs),
    acl,
    metrics,
    quotas,
    authOn,
    operatorToken: metricsToken,
    trustProxy,
    now: opts.now ?? Date.now,
    isClosing: () => closing,
  });
  const pipeline = new RequestPipeline({ table: new RouteTable().add(...apiRoutes(ctx)), admission, cors, metrics, log });
  const ws = new WsEndpoint({
    dispatcher,
    metrics,
    log,
    quotas,
    pingMs: opts.wsPingMs ?? 20_000,
    sendBudget,
    maxTopics: limits.maxTopicsPerSubscription,
    maxFrameBytes: limits.wsMaxFrameBytes,
    admitUpgrade: (req) => {
      // Browsers send the page's Origin on every WebSocket handshake, and WebSockets know no CORS.
      cors.check(req.headers.origin);
      admission.checkOpen();
      const ip = admission.ip(req);
      const slot = quotas.take(ip, 'sockets');
      try {
        admission.spend(ip, 'query', 1);
      } catch (err) {
        slot.release();
        throw err;
      }
      return { ip, slot };
    },
    admitRequest: (ip) => admission.spend(ip, 'query', 1),
  });

  let serving: Serving | undefined;
  let operator: OperatorServer | null = null;
  try {
    serving = await Serving.start({
      factory: opts.tls ? tlsServerFactory(opts.tls) : (opts.serverFactory ?? httpServerFactory),
      scheme: opts.tls ? 'https' : 'http',
      listener: pipeline.listener,
      onUpgrade: (req, socket, head) => {
        if ((req.url ?? '/').split('?')[0] === WS_PATH) ws.handleUpgrade(req, socket, head);
        else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      },
      // Behind a trusted proxy every connection comes from the proxy: only the node-wide cap applies.
      onConnection: (socket) => {
        const held = trustProxy ? quotas.takeNodeWide('connections') : quotas.take(socket.remoteAddress ?? 'ip_unknown', 'connections');
        return () => held.release();
      },
      limits,
      host,
      port: opts.port ?? 5555,
      log,
    });
    if (opts.metricsPort !== undefined) operator = await startOperatorServer({ host: opts.metricsHost ?? '127.0.0.1', port: opts.metricsPort, metrics, log });
  } catch (err) {
    // e.g. EADDRINUSE
    ws.close();
    await ctx.network?.close();
    await serving?.stop({ endStreams: () => {}, idle: async () => {}, terminate: () => {} });
    await release();
    throw err;
  }
  const { url, port } = serving;
  const listening = serving;
  warnIfFewFileDescriptors(limits, log);
  log.info('node listening', { url, metrics: operator?.url ?? (metricsToken ? `${url}/metrics (operator token)` : 'off'), store: store.kind, bus: bus?.name ?? 'none', auth: authOn, rateLimits: !!limiter, cors: cors.origins, blobs: blobs?.kind ?? 'off' });

  let closed: Promise<void> | null = null;
  function close(): Promise<void> {
    closing = true;
    closed ??= (async () => {
      log.info('node shutting down', { streams: streams.size, websockets: ws.size, inflight: pipeline.inflight });
      await listening.stop({
        endStreams: () => {
          streams.endAll();
          ws.close();
        },
        idle: () => pipeline.idle(),
        terminate: () => ws.terminateAll(),
      });
      await ctx.network?.close().catch((err) => log.error('leaving the network', { err: String(err) }));
      await operator?.close();
      await blobs?.close();
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
    host,
    port,
    metricsUrl: operator?.url ?? null,
    id,
    store,
    metrics,
    log,
    limits,
    usage: (resource, ip) => quotas.used(resource, ip),
    reloadAcl: () => acl.reload(true),
    network: ctx.network,
    stats: (topic) => ({ httpStreams: streams.size, websockets: ws.size, topicSubscribers: topic ? dispatcher.count(topic) : 0 }),
    close,
  };
}

function openBlobStore(location: string, s3: NodeOptions['s3'], limits: NodeLimits): Promise<BlobStore> {
  if (!location.startsWith('s3://')) return DiskBlobStore.open(location, limits.maxBlobStoreBytes);
  if (!s3) throw new Error(`${location} needs an S3 endpoint and credentials`);
  return S3BlobStore.open({ location, ...s3 });
}

/** The connection limit is only real if the process may open that many files (`ulimit -n`). */
function warnIfFewFileDescriptors(limits: NodeLimits, log: Logger): void {
  let soft: number;
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m || m[1] === 'unlimited') return;
    soft = Number(m[1]);
  } catch {
    return; // not Linux
  }
  if (soft < limits.maxConnections + 256) {
    log.warn('the open-file limit is below the connection limit: raise `ulimit -n` or lower --max-connections', { openFiles: soft, maxConnections: limits.maxConnections });
  }
}
