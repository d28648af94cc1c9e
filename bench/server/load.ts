// Load-generation helpers for bench/server.ts: keep-alive HTTP client, percentiles, subscribers.
import http from 'node:http';
import net from 'node:net';

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summary(samples: number[]): { n: number; p50: number; p95: number; p99: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

/**
 * The i-th distinct loopback source address (127.1.x.y). Real subscribers and publishers are many
 * machines; from one address they would meet the node's per-address limits (server/limits.ts).
 */
export function loopbackAddress(i: number): string {
  return `127.1.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`;
}

export class HttpClient {
  readonly agent: http.Agent;
  private base: URL;
  constructor(url: string, sockets: number) {
    this.base = new URL(url);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  }

  post(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: this.base.hostname, port: this.base.port, path, method: 'POST', agent: this.agent, headers: { 'Content-Length': Buffer.byteLength(body), ...headers } },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (data += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * A lean HTTP/1.1 keep-alive connection for the publish load: one request at a time (the next is
 * sent only after the whole response has been read), the request head and body written with one
 * call, the response parsed just enough to get its status and body (Content-Length or chunked).
 * It does what node:http's client does on the wire, with a fraction of its CPU cost — which matters
 * because the load generators share this machine's two cores with the node under test.
 */
export class RawHttpConnection {
  private socket: net.Socket | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: { status: number; body: string }) => void; reject: (e: Error) => void } | null = null;
  constructor(private host: string, private port: number, private localAddress?: string) {}

  private connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: this.host, port: this.port, noDelay: true, localAddress: this.localAddress }, () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', reject);
      s.on('data', (d: Buffer) => {
        this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
        this.parse();
      });
      s.on('error', (e) => this.fail(e));
      s.on('close', () => {
        if (this.socket === s) this.socket = null;
        this.fail(new Error('connection closed'));
      });
    });
  }

  private fail(e: Error): void {
    const w = this.waiting;
    this.waiting = null;
    this.buf = Buffer.alloc(0);
    w?.reject(e);
  }

  private parse(): void {
    if (!this.waiting) return;
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const lower = head.toLowerCase();
    const cl = /\r\ncontent-length: *(\d+)/.exec(lower);
    let body: string;
    let used: number;
    if (cl) {
      const len = Number(cl[1]);
      if (this.buf.length < end + 4 + len) return;
      body = this.buf.toString('utf8', end + 4, end + 4 + len);
      used = end + 4 + len;
    } else if (/\r\ntransfer-encoding: *chunked/.test(lower)) {
      const parts: Buffer[] = [];
      let at = end + 4;
      for (;;) {
        const nl = this.buf.indexOf('\r\n', at);
        if (nl < 0) return;
        const size = parseInt(this.buf.toString('latin1', at, nl), 16);
        if (this.buf.length < nl + 2 + size + 2) return;
        parts.push(this.buf.subarray(nl + 2, nl + 2 + size));
        at = nl + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(parts).toString('utf8');
      used = at;
    } else {
      this.fail(new Error(`unsupported response framing: ${head}`));
      return;
    }
    this.buf = used === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(used);
    const w = this.waiting;
    this.waiting = null;
    if (/\r\nconnection: *close/.test(lower)) this.socket?.end();
    w.resolve({ status, body });
  }

  async post(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    if (this.waiting) throw new Error('one request at a time');
    const s = (this.socket ??= await this.connect());
    let head = `POST ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
    for (const k in headers) head += `${k}: ${headers[k]}\r\n`;
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      s.write(head + '\r\n' + body);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }
}

/** Runs `workers` loops of `fn` for `ms` milliseconds; returns completed operations. */
export async function runFor(ms: number, workers: number, fn: (worker: number, i: number) => Promise<void>): Promise<number> {
  const end = performance.now() + ms;
  let done = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; performance.now() < end; i++) {
        await fn(w, i);
        done++;
      }
    }),
  );
  return done;
}

/**
 * `count` HTTP stream subscribers (POST /message/v1/subscribe) on one topic; `onEnvelope` gets each
 * parsed envelope with the receive time.
 */
export async function openSubscribers(
  url: string,
  topic: string,
  count: number,
  /** Subscriber k connects from loopbackAddress(firstAddress + k). */
  firstAddress: number,
  onEnvelope: (env: { contentTopic: string; timestampNs: string; message: string }, at: number) => void,
): Promise<{ drain(): void; close(): void }> {
  const base = new URL(url);
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const reqs: http.ClientRequest[] = [];
  const chunks: Array<[number, Buffer, number]> = [];
  const rest: string[] = [];
  const body = JSON.stringify({ contentTopics: [topic] });
  await Promise.all(
    Array.from({ length: count }, (_, sub) =>
      new Promise<void>((resolve, reject) => {
        rest[sub] = '';
        const req = http.request(
          { host: base.hostname, port: base.port, path: '/message/v1/subscribe', method: 'POST', agent, localAddress: loopbackAddress(firstAddress + sub), headers: { 'Content-Length': Buffer.byteLength(body) } },
          (res) => {
            if (res.statusCode !== 200) reject(new Error(`subscribe: HTTP ${res.statusCode}`));
            // Keep the handler minimal (stamp and store); parse later, so that the receive time of
            // the 1000th subscriber is not inflated by the parsing work for the first 999.
            res.on('data', (d: Buffer) => chunks.push([sub, d, performance.now()]));
            res.on('error', () => {});
            resolve();
          },
        );
        req.on('error', () => {});
        req.end(body);
        reqs.push(req);
      }),
    ),
  );
  return {
    /** Parses what arrived so far; a line counts as received with the chunk that completes it. */
    drain() {
      for (const [sub, d, at] of chunks.splice(0)) {
        const lines = (rest[sub] + d.toString()).split('\n');
        rest[sub] = lines.pop()!;
        for (const line of lines) {
          const t = line.trim();
          if (t) onEnvelope(JSON.parse(t).result, at);
        }
      }
    },
    close() {
      for (const r of reqs) r.destroy();
      agent.destroy();
    },
  };
}
