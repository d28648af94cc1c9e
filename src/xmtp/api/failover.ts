// An ordered list of nodes of one network, used as one: every node holds every envelope, so when the
// node in use cannot be reached the next one answers the same queries (cursors are (timestamp,
// digest) pairs, the same on every node) and a subscription resumes there from where it was.
// One node is in use at a time: when another comes into use, live streams still open on the old one
// are ended, and their subscriptions reopen on the new one and catch up (ApiClient.subscribe).
// The first node is preferred: while another is in use, the first is tried again every
// `retryFirstMs`, by the next request due then; when it answers, everything moves back to it.
import { ApiError, type Envelope, type QueryRequest, type QueryResponse, type StreamConnection, type SubscribeTransport, type Transport } from './types.ts';

export interface NodeTransports {
  unary: Transport;
  subscribe: SubscribeTransport;
}

export interface FailoverOptions<N extends NodeTransports> {
  urls: readonly string[];
  /** Builds the transports of one node (e.g. HTTP + WebSocket to that URL). */
  connect(url: string): N;
  /** Called when another node comes into use (`reason`: what failed on the previous one; empty when moving back to the first). */
  onSwitch?(url: string, from: string, reason: string): void;
  /** While not on the first node, how often it is tried again (default 60 s). */
  retryFirstMs?: number;
  now?: () => number;
}

/** The node could not be reached or is not serving (as opposed to refusing the request, which is an answer). */
export function isUnreachable(e: unknown): boolean {
  if (e instanceof ApiError) return e.status === undefined || e.status === 502 || e.status === 503 || e.status === 504;
  // fetch() rejects with a TypeError on network failure; a request past its time limit with a TimeoutError.
  return e instanceof TypeError || (typeof DOMException !== 'undefined' && e instanceof DOMException && (e.name === 'TimeoutError' || e.name === 'NetworkError'));
}

const why = (e: unknown) => (e === undefined ? '' : e instanceof Error ? e.message : String(e));

export class FailoverTransport<N extends NodeTransports = NodeTransports> implements Transport, SubscribeTransport {
  private readonly nodes: Array<{ url: string; t: N }>;
  private index = 0;
  private leftFirstAt = 0;
  private readonly now: () => number;
  /** open streams and the node each is on */
  private readonly streams = new Set<{ index: number; end(): void }>();

  constructor(private readonly o: FailoverOptions<N>) {
    if (!o.urls.length) throw new Error('no node URL');
    this.nodes = o.urls.map((url) => ({ url, t: o.connect(url) }));
    this.now = o.now ?? Date.now;
  }

  /** The node in use. */
  get current(): string {
    return this.nodes[this.index]!.url;
  }

  /** Its place in the list (0: the first, preferred node). */
  get currentIndex(): number {
    return this.index;
  }

  /** The transports of the node in use. */
  get currentNode(): N {
    return this.nodes[this.index]!.t;
  }

  private use(i: number, failure: unknown): void {
    if (i === this.index) return;
    const from = this.current;
    if (this.index === 0) this.leftFirstAt = this.now();
    this.index = i;
    for (const s of this.streams) if (s.index !== i) s.end();
    this.o.onSwitch?.(this.current, from, why(failure));
  }

  /** The order to try nodes in: the one in use, then the others; the first again once its retry is due. */
  private order(): number[] {
    const n = this.nodes.length;
    const start = this.index !== 0 && this.now() - this.leftFirstAt >= (this.o.retryFirstMs ?? 60_000) ? 0 : this.index;
    if (start === 0 && this.index !== 0) this.leftFirstAt = this.now();
    return Array.from({ length: n }, (_, k) => (start + k) % n);
  }

  private async call<T>(fn: (t: Transport) => Promise<T>): Promise<T> {
    let last: unknown;
    for (const i of this.order()) {
      try {
        const r = await fn(this.nodes[i]!.t.unary);
        this.use(i, last);
        return r;
      } catch (e) {
        if (!isUnreachable(e)) throw e;
        last = e;
      }
    }
    throw last;
  }

  publish(envelopes: Envelope[], authToken: string): Promise<void> {
    return this.call((t) => t.publish(envelopes, authToken));
  }

  query(request: QueryRequest): Promise<QueryResponse> {
    return this.call((t) => t.query(request));
  }

  batchQuery(requests: QueryRequest[]): Promise<QueryResponse[]> {
    return this.call((t) => t.batchQuery(requests));
  }

  /**
   * Opens the stream on the node in use; if it cannot be opened there, on the next ones. Once open,
   * a broken stream ends as usual and its subscription reconnects here (and catches up); so does one
   * ended because another node came into use.
   */
  openStream(topics: string[], onEnvelope: (envelope: Envelope) => void): StreamConnection {
    const order = this.order();
    let current: StreamConnection | undefined;
    let closedByUser = false;
    const ready = (async () => {
      let last: unknown;
      for (const i of order) {
        if (closedByUser) throw new Error('closed');
        const conn = this.nodes[i]!.t.subscribe.openStream(topics, onEnvelope);
        conn.closed.catch(() => {});
        current = conn;
        try {
          await conn.ready;
        } catch (e) {
          conn.close();
          last = e;
          continue;
        }
        this.use(i, last);
        const entry = { index: i, end: () => conn.close() };
        this.streams.add(entry);
        void conn.closed.catch(() => {}).finally(() => this.streams.delete(entry));
        if (closedByUser) conn.close();
        return;
      }
      throw last;
    })();
    ready.catch(() => {});
    const closed = ready.then(() => current!.closed);
    closed.catch(() => {});
    const conn: StreamConnection = {
      ready,
      closed,
      close: () => {
        closedByUser = true;
        current?.close();
      },
    };
    Object.defineProperty(conn, 'setTopics', {
      get: () => (current?.setTopics ? (t: string[]) => current!.setTopics!(t) : undefined),
    });
    return conn;
  }
}
