// Load-generation helpers for bench/server.ts: keep-alive HTTP client, percentiles, subscribers.
import http from 'node:http';

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summary(samples: number[]): { n: number; p50: number; p95: number; p99: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
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
          { host: base.hostname, port: base.port, path: '/message/v1/subscribe', method: 'POST', agent, headers: { 'Content-Length': Buffer.byteLength(body) } },
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
