// HTTP streaming subscriptions (Subscribe, SubscribeAll): the response head goes out at once, then
// one `{"result":…}\n` line per envelope, and a single space every keepalive interval.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Dispatcher, OutEnvelope, Subscriber } from './fanout/dispatcher.ts';
import type { Metrics } from './metrics.ts';
import type { Quotas } from './quotas.ts';
import type { SendBudget, SubscriberQueue } from './sendbudget.ts';
import type { Call } from './routes.ts';

const KEEPALIVE_CHUNK = Buffer.from('1\r\n \r\n');

class HttpStreamSubscriber implements Subscriber {
  private socket: Socket | null;
  constructor(private res: ServerResponse, private metrics: Metrics, readonly queue: SubscriberQueue) {
    // With chunked encoding the pre-framed chunk (built once per envelope) goes straight to the
    // socket: no per-subscriber encoding or framing work.
    this.socket = (res as unknown as { chunkedEncoding?: boolean }).chunkedEncoding === true ? res.socket : null;
  }
  deliver(env: OutEnvelope): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    if (!this.queue.mayQueue(this.buffered())) {
      // As the V2-era node: drop for this slow subscriber, keep the stream open.
      this.metrics.dropped.inc({ transport: 'http' });
      return;
    }
    if (this.socket) this.socket.write(env.chunk);
    else this.res.write(env.line);
  }
  buffered(): number {
    // (An HTTP/2 response may not report it.)
    return (this.socket ? this.socket.writableLength : this.res.writableLength) ?? 0;
  }
  keepalive(): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    // Whitespace without a newline is safe for the SDK's line parser (a bare "\n" is not).
    if (this.socket) this.socket.write(KEEPALIVE_CHUNK);
    else this.res.write(' ');
  }
}

export interface HttpStreamsOptions {
  dispatcher: Dispatcher;
  metrics: Metrics;
  /** Bytes queued to subscribers (subscriberBufferBytes, subscriberBuffersBytes). */
  sendBudget: SendBudget;
  keepaliveMs: number;
  /** Streams and topics per address and for the node (maxStreamsPerAddress, maxTopicsPerAddress, maxTopics). */
  quotas: Quotas;
}

/** The open HTTP streams of a node. */
export class HttpStreams {
  private open_ = new Set<ServerResponse>();

  constructor(private o: HttpStreamsOptions) {
    o.metrics.subscribers.collect(() => [[{ transport: 'http' }, this.open_.size]]);
  }

  get size(): number {
    return this.open_.size;
  }

  /** Opens a stream for an admitted Subscribe/SubscribeAll, or throws the limit it would pass. */
  open(call: Call, topics: string[] | 'all'): void {
    const { req, res, ip } = call;
    const stream = this.o.quotas.take(ip, 'streams');
    let topicsHeld;
    try {
      topicsHeld = this.o.quotas.take(ip, 'topics', topics === 'all' ? 0 : topics.length);
    } catch (err) {
      stream.release();
      throw err;
    }
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Grpc-Metadata-Subscribed': 'true',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    req.socket.setTimeout(0);
    const { dispatcher } = this.o;
    const sub = new HttpStreamSubscriber(res, this.o.metrics, this.o.sendBudget.open());
    req.socket.on('drain', () => sub.queue.update(sub.buffered()));
    if (topics === 'all') dispatcher.addAll(sub);
    else dispatcher.add(sub, topics);
    this.open_.add(res);
    const keepalive = setInterval(() => sub.keepalive(), this.o.keepaliveMs);
    res.on('close', () => {
      stream.release();
      topicsHeld.release();
      sub.queue.close();
      clearInterval(keepalive);
      if (topics === 'all') dispatcher.removeAll(sub);
      else dispatcher.remove(sub, topics);
      this.open_.delete(res);
    });
  }

  /** Ends every stream (shutdown). */
  endAll(): void {
    for (const res of this.open_) res.end();
  }
}
