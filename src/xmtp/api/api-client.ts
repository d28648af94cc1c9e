// The client's view of a node: publish with auth tokens, paged queries, batch queries and
// self-healing subscriptions. Transport-agnostic (HTTP, WebSocket, test doubles).
import { bytesToHex } from '../crypto/bytes.ts';
import { sha256 } from '../crypto/hashes.ts';
import { XmtpError } from '../errors.ts';
import type { AuthCache } from '../auth/token.ts';
import {
  ApiError, GRPC_UNAUTHENTICATED, ResponseTooLarge, type Envelope, type QueryRequest, type QueryResponse, type SortDirection,
  type StreamConnection, type SubscribeTransport, type Transport,
} from './types.ts';

export const MAX_PAGE_SIZE = 100;
export const MAX_BATCH_SIZE = 50;

export interface ApiClientOptions {
  transport: Transport;
  /** defaults to `transport` when it can stream */
  subscribeTransport?: SubscribeTransport;
  /** attempts after the first for failed unary calls (default 5, 100 ms apart, like the SDK) */
  retries?: number;
  retryDelayMs?: number;
  now?: () => number;
}

export interface QueryOptions {
  startTimeNs?: bigint;
  endTimeNs?: bigint;
  direction?: SortDirection;
  /** stop after this many envelopes */
  limit?: number;
  pageSize?: number;
}

export interface SubscribeOptions {
  /** called when a connection drops; a new one is opened automatically */
  onConnectionLost?: (error?: unknown) => void;
  /** called after a reconnect once the gap has been filled */
  onReconnect?: () => void;
  /** called whenever a connection is open and delivering (the first one, and after each reconnect) */
  onConnected?: () => void;
  /** called when opening a connection (or filling the gap after one) fails: the node did not answer */
  onUnreachable?: (error: unknown) => void;
  /** longest wait between reconnect attempts (default 30 s); each wait is jittered by up to a fifth */
  maxBackoffMs?: number;
  /** query the gap after a reconnect (default true) */
  catchUp?: boolean;
  /**
   * How far before the last moment the old connection was known to be alive the catch-up query
   * starts; covers client clock skew (envelope timestamps are client-chosen). Default 30 s.
   */
  catchUpMarginMs?: number;
}

export interface Subscription {
  /** the current topic set */
  readonly topics: ReadonlySet<string>;
  /** Replaces the topic set; resolves when the node delivers for the new set. */
  updateTopics(topics: Iterable<string>): Promise<void>;
  /** Resolves once the first connection is registered (nothing published after it is missed). */
  readonly ready: Promise<void>;
  close(): void;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

/** Errors worth retrying: network failures, 5xx, 429. Client errors (4xx) are final. */
function isRetryable(e: unknown): boolean {
  if (e instanceof ResponseTooLarge) return false; // asking again gets the same answer
  if (e instanceof ApiError) return e.status === undefined || e.status >= 500 || e.status === 429;
  return !(e instanceof XmtpError);
}

export class ApiClient {
  readonly transport: Transport;
  readonly subscribeTransport: SubscribeTransport | undefined;
  private auth: AuthCache | undefined;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  readonly now: () => number;

  constructor(opts: ApiClientOptions) {
    this.transport = opts.transport;
    this.subscribeTransport =
      opts.subscribeTransport ?? ('openStream' in opts.transport ? (opts.transport as unknown as SubscribeTransport) : undefined);
    this.retries = opts.retries ?? 5;
    this.retryDelayMs = opts.retryDelayMs ?? 100;
    this.now = opts.now ?? Date.now;
  }

  setAuth(auth: AuthCache): void {
    this.auth = auth;
  }

  private async withRetries<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (attempt >= this.retries || !isRetryable(e)) throw e;
        await sleep(this.retryDelayMs);
      }
    }
  }

  /** Publishes envelopes in one request; on UNAUTHENTICATED mints a new token and retries once. */
  async publish(envelopes: Envelope[]): Promise<void> {
    for (const e of envelopes) {
      if (!e.contentTopic) throw new XmtpError('invalid_message', 'empty content topic');
      if (!e.message.length) throw new XmtpError('invalid_message', 'empty message');
    }
    const auth = this.auth;
    if (!auth) throw new XmtpError('api_error', 'publishing needs keys (auth token)');
    try {
      await this.withRetries(() => this.transport.publish(envelopes, auth.get().base64));
    } catch (e) {
      if (!(e instanceof ApiError) || e.grpcCode !== GRPC_UNAUTHENTICATED) throw e;
      auth.invalidate();
      await this.transport.publish(envelopes, auth.get().base64);
    }
  }

  /** One page. */
  async queryPage(request: QueryRequest): Promise<QueryResponse> {
    return this.withRetries(() => this.transport.query(request));
  }

  /** Pages through one topic (ascending by default), yielding each page's envelopes in order. */
  async *queryPages(topic: string, opts: QueryOptions = {}): AsyncGenerator<Envelope[]> {
    const pageSize = Math.min(opts.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
    let remaining = opts.limit ?? Infinity;
    const request: QueryRequest = {
      contentTopics: [topic],
      startTimeNs: opts.startTimeNs,
      endTimeNs: opts.endTimeNs,
      direction: opts.direction ?? 'ascending',
      limit: Math.min(pageSize, remaining),
    };
    while (remaining > 0) {
      const page = await this.queryPage(request);
      const envelopes = page.envelopes.length > remaining ? page.envelopes.slice(0, remaining) : page.envelopes;
      remaining -= envelopes.length;
      if (envelopes.length) yield envelopes;
      if (!page.cursor || !page.envelopes.length) return;
      request.cursor = page.cursor;
    }
  }

  /** Pages through one topic (ascending by default), yielding envelopes in order. */
  async *queryIterator(topic: string, opts: QueryOptions = {}): AsyncGenerator<Envelope> {
    for await (const page of this.queryPages(topic, opts)) yield* page;
  }

  async query(topic: string, opts: QueryOptions = {}): Promise<Envelope[]> {
    const out: Envelope[] = [];
    for await (const e of this.queryIterator(topic, opts)) out.push(e);
    return out;
  }

  /** Any number of single-topic queries, sent in parallel chunks of at most 50; no paging. */
  async batchQuery(requests: QueryRequest[]): Promise<QueryResponse[]> {
    const chunks: QueryRequest[][] = [];
    for (let i = 0; i < requests.length; i += MAX_BATCH_SIZE) chunks.push(requests.slice(i, i + MAX_BATCH_SIZE));
    const results = await Promise.all(chunks.map((c) => this.withRetries(() => this.transport.batchQuery(c))));
    return results.flat();
  }

  /**
   * A live subscription that survives connection loss: it reconnects with backoff and, unlike the
   * official SDK, queries every topic for what was published while it was disconnected, delivering
   * each envelope exactly once.
   */
  subscribe(topics: Iterable<string>, onEnvelope: (envelope: Envelope) => void, opts: SubscribeOptions = {}): Subscription {
    const transport = this.subscribeTransport;
    if (!transport) throw new XmtpError('unsupported', 'transport cannot subscribe');
    return new ManagedSubscription(this, transport, new Set(topics), onEnvelope, opts);
  }
}

const SEEN_LIMIT = 20_000;

class ManagedSubscription implements Subscription {
  topics: Set<string>;
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private conn: StreamConnection | null = null;
  private readonly abort = new AbortController();
  private readonly seen = new Set<string>();
  /** wall-clock ms of the last sign of life of the current connection */
  private aliveAt = 0;
  private connStartedAt = 0;
  private topicChange: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: ApiClient,
    private readonly transport: SubscribeTransport,
    topics: Set<string>,
    private readonly onEnvelope: (envelope: Envelope) => void,
    private readonly opts: SubscribeOptions,
  ) {
    this.topics = topics;
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    void this.loop();
  }

  private deliver = (env: Envelope): void => {
    if (this.abort.signal.aborted) return;
    this.aliveAt = this.api.now();
    if (!this.topics.has(env.contentTopic)) return;
    const key = `${env.contentTopic}|${env.timestampNs}|${bytesToHex(sha256(env.message))}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.seen.size > SEEN_LIMIT) {
      // Drop the oldest half: catch-up only re-reads a short recent window.
      let n = SEEN_LIMIT / 2;
      for (const k of this.seen) {
        if (n-- <= 0) break;
        this.seen.delete(k);
      }
    }
    try {
      this.onEnvelope(env);
    } catch {
      /* a consumer error must not end the subscription */
    }
  };

  private async open(topics: Set<string>): Promise<StreamConnection> {
    const conn = this.transport.openStream([...topics], this.deliver);
    conn.closed.catch(() => {});
    await conn.ready;
    return conn;
  }

  private async catchUp(sinceMs: number): Promise<void> {
    const startTimeNs = BigInt(Math.max(0, Math.floor(sinceMs))) * 1_000_000n;
    const topics = [...this.topics];
    await Promise.all(
      topics.map(async (topic) => {
        for await (const env of this.api.queryIterator(topic, { startTimeNs, direction: 'ascending' })) this.deliver(env);
      }),
    );
  }

  private backoff(failures: number): Promise<void> {
    const ms = Math.min(1000 * 2 ** Math.min(failures - 1, 5), this.opts.maxBackoffMs ?? 30_000);
    // Jitter: clients cut off together (a node restart) do not all come back in the same instant.
    return sleep(ms * (1 - Math.random() * 0.2), this.abort.signal);
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    let lostAt: number | null = null;
    while (!signal.aborted) {
      let conn: StreamConnection;
      try {
        conn = await this.open(this.topics);
      } catch (e) {
        if (signal.aborted) return;
        this.opts.onConnectionLost?.(e);
        this.opts.onUnreachable?.(e);
        await this.backoff(++failures);
        continue;
      }
      if (signal.aborted) return conn.close();
      this.conn = conn;
      this.connStartedAt = this.aliveAt = this.api.now();
      if (lostAt !== null && this.opts.catchUp !== false) {
        try {
          await this.catchUp(lostAt - (this.opts.catchUpMarginMs ?? 30_000));
        } catch (e) {
          // The gap could not be filled: drop this connection and retry from the same point.
          this.conn = null;
          conn.close();
          if (signal.aborted) return;
          this.opts.onConnectionLost?.(e);
          this.opts.onUnreachable?.(e);
          await this.backoff(++failures);
          continue;
        }
        this.opts.onReconnect?.();
      }
      this.markReady();
      failures = 0;
      this.opts.onConnected?.();
      // Wait for the current connection to end; updateTopics may have swapped it meanwhile.
      let error: unknown;
      for (;;) {
        const current: StreamConnection = this.conn!;
        error = undefined;
        try {
          await current.closed;
        } catch (e) {
          error = e;
        }
        if (signal.aborted) return;
        if (this.conn && this.conn !== current) continue;
        break;
      }
      this.conn = null;
      lostAt = Math.max(this.aliveAt, this.connStartedAt);
      this.opts.onConnectionLost?.(error);
      if (this.api.now() - this.connStartedAt < 1000) await sleep(1000, signal);
    }
  }

  updateTopics(topics: Iterable<string>): Promise<void> {
    const next = new Set(topics);
    const change = this.topicChange.then(async () => {
      if (this.abort.signal.aborted) return;
      const conn = this.conn;
      this.topics = next;
      if (!conn) return; // the reconnect loop opens with the new set
      if (conn.setTopics) {
        await conn.setTopics([...next]);
        return;
      }
      // Open the new connection before closing the old one, so nothing falls in between.
      const replacement = await this.open(next);
      if (this.abort.signal.aborted || this.conn !== conn) {
        replacement.close();
        return;
      }
      this.conn = replacement;
      this.connStartedAt = this.api.now();
      conn.close();
    });
    this.topicChange = change.catch(() => {});
    return change;
  }

  close(): void {
    this.abort.abort();
    this.conn?.close();
    this.conn = null;
    this.markReady();
  }
}
