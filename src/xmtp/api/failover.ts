// An ordered list of nodes of one network, used as one: every node holds every envelope, so when the
// node in use cannot be reached the next one answers the same queries (cursors are (timestamp,
// digest) pairs, the same on every node) and a subscription resumes there from where it was. The
// first node is preferred: while another is in use, the first is tried again every `retryFirstMs`.
import { ApiError, type Envelope, type QueryRequest, type QueryResponse, type StreamConnection, type SubscribeTransport, type Transport } from './types.ts';

export interface NodeTransports {
  unary: Transport;
  subscribe: SubscribeTransport;
}

export interface FailoverOptions {
  urls: string[];
  /** Builds the transports of one node (e.g. HTTP + WebSocket to that URL). */
  connect(url: string): NodeTransports;
  /** Called when another node comes into use (`reason`: what failed on the previous one). */
  onSwitch?(url: string, from: string, reason: string): void;
  /** While not on the first node, how often it is tried again (default 60 s). */
  retryFirstMs?: number;
  now?: () => number;
}

/** The node could not be reached or is not serving (as opposed to refusing the request). */
export function isUnreachable(e: unknown): boolean {
  if (e instanceof ApiError) return e.status === undefined || e.status === 502 || e.status === 503 || e.status === 504;
  // fetch() rejects with a TypeError on network failure; aborted/timed-out requests with DOMExceptions.
  return e instanceof TypeError || (typeof DOMException !== 'undefined' && e instanceof DOMException && e.name !== 'AbortError');
}

export class FailoverTransport implements Transport, SubscribeTransport {
  private readonly nodes: Array<{ url: string } & NodeTransports>;
  private index = 0;
  private leftFirstAt = 0;
  private readonly now: () => number;

  constructor(private readonly o: FailoverOptions) {
    if (!o.urls.length) throw new Error('no node URL');
    this.nodes = o.urls.map((url) => ({ url, ...o.connect(url) }));
    this.now = o.now ?? Date.now;
  }

  /** The node in use. */
  get current(): string {
    return this.nodes[this.index]!.url;
  }

  private use(i: number, reason: string): void {
    if (i === this.index) return;
    const from = this.current;
    if (this.index === 0) this.leftFirstAt = this.now();
    this.index = i;
    this.o.onSwitch?.(this.current, from, reason);
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
        const r = await fn(this.nodes[i]!.unary);
        this.use(i, last === undefined ? '' : String((last as Error)?.message ?? last));
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
   * a broken stream ends as usual and its subscription reconnects here (and catches up).
   */
  openStream(topics: string[], onEnvelope: (envelope: Envelope) => void): StreamConnection {
    const order = this.order();
    let current: StreamConnection | undefined;
    let closedByUser = false;
    const ready = (async () => {
      let last: unknown;
      for (const i of order) {
        if (closedByUser) throw new Error('closed');
        const conn = this.nodes[i]!.subscribe.openStream(topics, onEnvelope);
        conn.closed.catch(() => {});
        current = conn;
        try {
          await conn.ready;
          this.use(i, last === undefined ? '' : String((last as Error)?.message ?? last));
          return;
        } catch (e) {
          conn.close();
          last = e;
        }
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
