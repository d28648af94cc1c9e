// The route table: every HTTP endpoint of the node, each declaring what admission must check before
// its handler runs (method, auth, rate bucket, body limit). Admission (admission.ts) runs those
// checks in a fixed order, cheapest first; a handler only sees requests that passed them.
//
// To add an endpoint, add a Route to a list given to RouteTable.add (see apiRoutes below).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkOwnership, publish, validateEnvelopes, type ApiDeps } from './api.ts';
import { ApiError, Code, invalidArgument } from './errors.ts';
import type { Bus } from './fanout/bus.ts';
import { sendJson } from './http.ts';
import { parseBatchQueryRequest, parsePublishRequest, parseQueryRequest, parseSubscribeRequest } from './json.ts';
import { bodyLimits, type NodeLimits } from './limits.ts';
import type { Network } from './p2p/network.ts';
import type { BucketType } from './ratelimit.ts';
import { answerBatch, answerQuery } from './responses.ts';
import type { HttpStreams } from './streams.ts';
import { validateTopic } from './topics.ts';
import { WS_PATH } from './ws.ts';
import type { BlobStore } from './blobs/store.ts';
import { BLOB_PATH, blobRoutes } from './blobs/routes.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Route {
  method: Method;
  /** Exact path, or a path prefix when it ends with `/*` (the handler reads `call.path`). */
  path: string;
  /** Label in metrics and logs (a small fixed set). */
  name: string;
  /**
   * 'token': an XMTP auth token is verified (when the node requires auth) before the body is read;
   * 'operator': the node's operator token (--metrics-token) is required.
   */
  auth: 'token' | 'operator' | 'none';
  /** Rate bucket charged one token on admission (handlers charge the rest with `call.charge`). */
  bucket: BucketType | null;
  /** Largest body, bytes; a larger declared Content-Length is refused before reading. */
  bodyLimit: number;
  /**
   * The handler streams the body to storage and never holds it (blob uploads): admission counts the
   * request among uploads in progress instead of body bytes in flight (which bound what is parsed in
   * memory), requires a Content-Length, and charges it to the wallet's blob bucket before reading.
   */
  streamedBody?: boolean;
  handle(call: Call): Promise<void> | void;
}

/** One admitted request, as a handler sees it. */
export interface Call {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly path: string;
  /** Client address (rate limits, logs). */
  readonly ip: string;
  /** Wallet of the verified auth token (routes with auth 'token' when auth is on), else null. */
  readonly wallet: string | null;
  /** Reads the body within the route's limit. */
  body(): Promise<Buffer>;
  /** Reads the body as a JSON object (an empty body is `{}`). */
  json(): Promise<Record<string, unknown>>;
  /** The request's whole cost in its bucket, once the body tells it (admission charged 1 already). */
  charge(total: number): void;
}

export class RouteTable {
  private exact = new Map<string, Route[]>();
  private prefixed: Route[] = [];

  add(...routes: Route[]): this {
    for (const r of routes) {
      if (r.path.endsWith('/*')) this.prefixed.push(r);
      else this.exact.set(r.path, [...(this.exact.get(r.path) ?? []), r]);
    }
    return this;
  }

  /** The route for a request; 404 for an unknown path, 501 for a known path with another method. */
  match(method: string, path: string): Route {
    const candidates = this.exact.get(path) ?? this.prefixed.filter((r) => path.startsWith(r.path.slice(0, -1)));
    if (!candidates.length) throw new ApiError(Code.NOT_FOUND, 'Not Found');
    // HEAD is answered like GET (without the body).
    const route = candidates.find((r) => r.method === method || (method === 'HEAD' && r.method === 'GET'));
    if (!route) throw new ApiError(Code.UNIMPLEMENTED, 'Method Not Allowed');
    return route;
  }
}

/** What the API's handlers use. */
export interface NodeContext extends ApiDeps {
  id: string;
  bus: Bus | null;
  /** Membership of the network of nodes (server/p2p), when the node joined one. */
  network: Network | null;
  limits: NodeLimits;
  streams: HttpStreams;
  /** Serve /metrics on this address to holders of the operator token (else only on the operator address). */
  metricsOnMain: boolean;
  /** The blob store for remote attachments (--blobs), if the node has one. */
  blobs: BlobStore | null;
}

/** The Message API v1 endpoints and the node's own (health, index, metrics for the operator). */
export function apiRoutes(ctx: NodeContext): Route[] {
  const { store, limits, streams } = ctx;
  const body = bodyLimits(limits);
  const post = (name: string, bucket: BucketType, bodyLimit: number, handle: Route['handle'], auth: Route['auth'] = 'none'): Route => ({
    method: 'POST',
    path: `/message/v1/${name}`,
    name,
    auth,
    bucket,
    bodyLimit,
    handle,
  });
  const get = (path: string, name: string, handle: Route['handle'], auth: Route['auth'] = 'none'): Route => ({ method: 'GET', path, name, auth, bucket: null, bodyLimit: 0, handle });
  const routes = [
    post(
      'publish',
      'publish',
      body.publish,
      async (call) => {
        const envelopes = parsePublishRequest(await call.json());
        call.charge(Math.max(1, envelopes.length));
        if (call.wallet !== null) checkOwnership(envelopes, call.wallet, ctx.privileged);
        validateEnvelopes(envelopes);
        const news = await publish(ctx, envelopes, ctx.network || ctx.bus ? call.req.headers.authorization : undefined);
        // Stored first, then relayed to the network (as the official node: "store, then relay").
        if (ctx.network) await ctx.network.published(news);
        sendJson(call.res, 200, '{}');
      },
      'token',
    ),
    post('query', 'query', body.query, async (call) => {
      await answerQuery(ctx, call.res, parseQueryRequest(await call.json()), limits.maxQueryResponseBytes);
    }),
    post('batch-query', 'query', body.batchQuery, async (call) => {
      const requests = parseBatchQueryRequest(await call.json());
      call.charge(Math.max(1, requests.length));
      await answerBatch(ctx, call.res, requests, limits.maxQueryResponseBytes, limits.maxBatchResponseBytes);
    }),
    post('subscribe', 'query', body.subscribe, async (call) => {
      const topics = [...new Set(parseSubscribeRequest(await call.json()))];
      if (topics.length > limits.maxTopicsPerSubscription) throw invalidArgument(`cannot exceed ${limits.maxTopicsPerSubscription} topics per subscription`);
      for (const t of topics) validateTopic(t);
      streams.open(call, topics);
    }),
    post('subscribe-all', 'query', body.subscribeAll, async (call) => {
      await call.json();
      streams.open(call, 'all');
    }),
    get('/healthz', 'healthz', async (call) => {
      await store.count().catch((err) => {
        throw new ApiError(Code.UNAVAILABLE, `database unavailable: ${(err as Error).message}`);
      });
      const p2p = ctx.network?.info();
      sendJson(call.res, 200, JSON.stringify({ status: 'ok', store: store.kind, bus: ctx.bus?.name ?? 'none', node: ctx.id, ...(p2p ? { p2p } : {}) }));
    }),
    get('/', 'root', (call) => {
      const blobs = ctx.blobs ? { blobs: { path: BLOB_PATH, maxBytes: limits.maxBlobBytes } } : {};
      sendJson(call.res, 200, JSON.stringify({ name: 'xmtp-inbox node', api: 'xmtp.message_api.v1', websocket: WS_PATH, ...blobs }));
    }),
    // The WebSocket endpoint is reached by an upgrade (ws.ts); a plain GET is not served.
    get(WS_PATH, 'ws', () => {
      throw new ApiError(Code.UNIMPLEMENTED, 'Method Not Allowed');
    }),
  ];
  if (ctx.blobs) routes.push(...blobRoutes(ctx.blobs, limits.maxBlobBytes));
  if (ctx.metricsOnMain) routes.push(get('/metrics', 'metrics', (call) => sendMetrics(ctx, call.res), 'operator'));
  return routes;
}

/** Prometheus text exposition of the node's metrics. */
export function sendMetrics(ctx: Pick<ApiDeps, 'metrics'>, res: ServerResponse): void {
  sendJson(res, 200, ctx.metrics.registry.render(), { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
}
