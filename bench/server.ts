// Benchmark of the XMTP node: `npm run bench -- server [--envelopes N] [--seconds S] [--subscribers N]
// [--only sqlite|postgres] [--quick] [--fanout-only --rounds N] [--publish-only] [--repeat N]
// [--client raw|agent]` (--fanout-only: just the cross-process NATS vs LISTEN/NOTIFY comparison, N
// alternating rounds; --publish-only: just the publish throughput runs, --repeat N times each;
// --client: the publishers' HTTP client, `raw` lean keep-alive connections (default) or node:http
// with an Agent, which costs the shared 2 cores several times more CPU per request). The node runs
// in its own process (server/main.ts, as in production); this process is the load generator, over
// loopback, every subscriber and publisher from its own loopback address (as they are many machines;
// the node's per-address limits stay at their defaults). Stores are seeded directly (bulk insert), not through HTTP. PostgreSQL runs durable
// (fsync, synchronous_commit on).
// Targets (2 cores): ≥ 5,000 durable publishes/s with concurrent clients, query p99 ≤ 20 ms at
// 1,000,000 envelopes, fan-out to 1,000 subscribers ≤ 100 ms p99.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteStore } from '../server/store/sqlite.ts';
import { PgStore } from '../server/store/postgres.ts';
import type { Store, StoredEnvelope } from '../server/store/types.ts';
import { startPostgres } from '../tests/support/postgres.ts';
import { startNats } from '../tests/server/nats-server.ts';
import { identity, mintToken, ROOT, spawnNode, type ChildNode } from '../tests/server/helpers.ts';
import { HttpClient, runFor, summary } from './server/load.ts';

const { values: a } = parseArgs({
  options: {
    envelopes: { type: 'string' },
    seconds: { type: 'string' },
    subscribers: { type: 'string' },
    only: { type: 'string' },
    quick: { type: 'boolean' },
    'fanout-only': { type: 'boolean' },
    rounds: { type: 'string' },
    'publish-only': { type: 'boolean' },
    repeat: { type: 'string' },
    client: { type: 'string' },
  },
});
const ENVELOPES = Number(a.envelopes ?? (a.quick ? 100_000 : 1_000_000));
const SECONDS = Number(a.seconds ?? (a.quick ? 2 : 5));
const SUBSCRIBERS = Number(a.subscribers ?? 1000);
const TOPICS = Math.max(1, Math.round(ENVELOPES / 100));
const FANOUT_PUBLISHES = a.quick ? 20 : 50;
const ROUNDS = Number(a.rounds ?? (a.quick ? 1 : 2));
const FANOUT_ONLY = !!a['fanout-only'];
const PUBLISH_ONLY = !!a['publish-only'];
const REPEAT = Math.max(1, Number(a.repeat ?? 1));
const CLIENT = a.client === 'agent' ? 'agent' : 'raw';
const SUBSCRIBER_PROCESSES = 2;
const PUBLISHER_PROCESSES = 2;

const token = mintToken(identity(0x11, 0x21));
const AUTH = { Authorization: `Bearer ${token}` };
const results: string[] = [];
const fmt = (n: number, d = 1) => n.toFixed(d);
function report(line: string): void {
  results.push(line);
  console.log(line);
}

// ---- seeding ----
const PAD = Buffer.alloc(180, 0x5a);
function* seedChunks(chunk: number): Generator<StoredEnvelope[]> {
  let out: StoredEnvelope[] = [];
  const per = Math.ceil(ENVELOPES / TOPICS);
  let n = 0;
  for (let t = 0; t < TOPICS && n < ENVELOPES; t++) {
    const topic = `/xmtp/0/m-bench-${t.toString(16).padStart(8, '0')}/proto`;
    for (let j = 0; j < per && n < ENVELOPES; j++, n++) {
      const message = Buffer.concat([Buffer.from(`${t}:${j}:`), PAD]);
      out.push({ topic, ts: 1_600_000_000_000_000_000n + BigInt(j) * 1_000_000_000n, message, digest: createHash('sha256').update(topic).update(message).digest() });
      if (out.length === chunk) {
        yield out;
        out = [];
      }
    }
  }
  if (out.length) yield out;
}

async function seed(store: Store): Promise<void> {
  const t0 = performance.now();
  for (const rows of seedChunks(50_000)) await store.bulkInsert(rows);
  const s = (performance.now() - t0) / 1000;
  report(`  seeded ${ENVELOPES.toLocaleString('en')} envelopes on ${TOPICS.toLocaleString('en')} topics in ${fmt(s)} s (${Math.round(ENVELOPES / s).toLocaleString('en')}/s, direct bulk insert)`);
}

// ---- scenarios ----
let seq = 0;
const envJson = (topic: string, msg: Buffer) => `{"contentTopic":"${topic}","timestampNs":"${1_700_000_000_000_000_000n + BigInt(++seq)}","message":"${msg.toString('base64')}"}`;

/** Runs bench/server/publisher.ts in `procs` processes at once; returns envelopes/s and requests/s. */
async function publishLoad(url: string, procs: number, workers: number, batch: number, seconds: number): Promise<{ envs: number; reqs: number }> {
  const runs = await Promise.all(
    Array.from({ length: procs }, (_, i) => {
      const p = spawn(process.execPath, ['--import', 'tsx', 'bench/server/publisher.ts', url, String(workers), String(batch), String(seconds), token, `${Date.now()}-${i}`, CLIENT, String(i * workers)], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      p.stdout!.on('data', (d) => (out += d));
      return new Promise<{ envelopes: number; requests: number; seconds: number }>((resolve, reject) =>
        p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`publisher exited ${code}`)))),
      );
    }),
  );
  const secs = Math.max(...runs.map((r) => r.seconds));
  return { envs: runs.reduce((a, r) => a + r.envelopes, 0) / secs, reqs: runs.reduce((a, r) => a + r.requests, 0) / secs };
}

async function publishes(url: string): Promise<void> {
  await publishLoad(url, 1, 16, 1, 1); // warm-up (JIT, statement caches), not reported
  // Clients in two processes, as real publishers are many machines: one process alone cannot
  // generate enough HTTP requests per second on this machine to load the node.
  for (let rep = 1; rep <= REPEAT; rep++) {
    for (const [workers, batch] of [[32, 1], [8, 50]] as const) {
      const r = await publishLoad(url, PUBLISHER_PROCESSES, workers, batch, SECONDS);
      report(
        `  publish ${batch === 1 ? 'single ' : `batch ${batch}`} ${workers * PUBLISHER_PROCESSES} clients: ${Math.round(r.envs).toLocaleString('en')} envelopes/s (${Math.round(r.reqs).toLocaleString('en')} requests/s), durable${REPEAT > 1 ? ` (run ${rep}/${REPEAT})` : ''}`,
      );
    }
  }
}

async function queries(url: string): Promise<void> {
  for (const workers of [1, 4]) {
    const c = new HttpClient(url, workers);
    const lat: number[] = [];
    let rows = 0;
    const t0 = performance.now();
    await runFor(SECONDS * 1000, workers, async (_w, i) => {
      const t = Math.floor(Math.random() * TOPICS);
      const topic = `/xmtp/0/m-bench-${t.toString(16).padStart(8, '0')}/proto`;
      const direction = i % 2 ? 'SORT_DIRECTION_ASCENDING' : 'SORT_DIRECTION_DESCENDING';
      const bounds = i % 3 === 0 ? `,"startTimeNs":"${1_600_000_000_000_000_000n + 20n * 1_000_000_000n}"` : '';
      const body = `{"contentTopics":["${topic}"]${bounds},"pagingInfo":{"limit":100,"direction":"${direction}"}}`;
      const q0 = performance.now();
      const r = await c.post('/message/v1/query', body);
      lat.push(performance.now() - q0);
      if (r.status !== 200) throw new Error(`query: ${r.status} ${r.body}`);
      rows += (r.body.match(/"contentTopic"/g) ?? []).length;
    });
    const s = (performance.now() - t0) / 1000;
    c.close();
    const m = summary(lat);
    report(
      `  query (1 topic, page of ≤100) ${workers} client${workers > 1 ? 's' : ''}: p50 ${fmt(m.p50, 2)} ms, p95 ${fmt(m.p95, 2)} ms, p99 ${fmt(m.p99, 2)} ms (${Math.round(m.n / s).toLocaleString('en')} queries/s, ${Math.round(rows / m.n)} rows each)`,
    );
  }
}

/** Starts a subscriber process (bench/server/subscribers.ts) with `count` subscriptions. */
function subscriberProcess(url: string, topic: string, count: number, firstAddress: number): Promise<{ report(): Promise<Array<[number, number]>> }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/server/subscribers.ts', url, topic, String(count), String(firstAddress)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  const lineAfter = (prefix: number) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const nl = out.indexOf('\n', prefix);
        if (nl >= 0) {
          proc.stdout!.off('data', check);
          resolve(out.slice(prefix, nl));
        }
      };
      proc.stdout!.on('data', check);
      proc.once('exit', (code) => reject(new Error(`subscriber process exited (${code})`)));
      check();
    });
  return lineAfter(0).then(() => ({
    async report() {
      const start = out.indexOf('\n') + 1;
      const p = lineAfter(start);
      proc.stdin!.write('report\n');
      return JSON.parse(await p) as Array<[number, number]>;
    },
  }));
}

/**
 * Fan-out delay: SUBSCRIBERS HTTP streams on one topic, spread over SUBSCRIBER_PROCESSES processes
 * (as real subscribers are spread over many machines), one publish every 50 ms; delay = receive
 * wall-clock time − the publisher's wall-clock time just before sending the publish request.
 */
async function fanout(pubUrl: string, subUrl: string, label: string): Promise<number[]> {
  const topic = `/xmtp/0/m-fanout-${Date.now()}/proto`;
  const per = Math.ceil(SUBSCRIBERS / SUBSCRIBER_PROCESSES);
  const procs = await Promise.all(
    Array.from({ length: SUBSCRIBER_PROCESSES }, (_, i) => subscriberProcess(subUrl, topic, Math.min(per, SUBSCRIBERS - i * per), i * per)),
  );
  await new Promise((r) => setTimeout(r, 500));
  const sent = new Map<number, number>();
  const c = new HttpClient(pubUrl, 1);
  for (let i = 0; i < FANOUT_PUBLISHES; i++) {
    const body = `{"envelopes":[${envJson(topic, Buffer.from(`fanout ${i} ${'x'.repeat(200)}`))}]}`;
    sent.set(i, performance.timeOrigin + performance.now());
    const r = await c.post('/message/v1/publish', body, AUTH);
    if (r.status !== 200) throw new Error(`publish: ${r.status} ${r.body}`);
    await new Promise((res) => setTimeout(res, 50));
  }
  await new Promise((r) => setTimeout(r, 1000));
  c.close();
  const delays: number[] = [];
  for (const p of procs) for (const [id, at] of await p.report()) delays.push(at - sent.get(id)!);
  const expected = FANOUT_PUBLISHES * SUBSCRIBERS;
  const m = summary(delays);
  report(
    `  fan-out ${label}, ${SUBSCRIBERS} subscribers × ${FANOUT_PUBLISHES} publishes: p50 ${fmt(m.p50)} ms, p99 ${fmt(m.p99)} ms, max ${fmt(m.max)} ms (${delays.length}/${expected} delivered)`,
  );
  return delays;
}

async function stop(nodes: ChildNode[]): Promise<void> {
  for (const n of nodes) n.proc.kill('SIGTERM');
  await Promise.all(nodes.map((n) => n.exited));
}

const nodeArgs = (db: string, extra: string[] = []) => ['--port', '0', '--db', db, '--no-rate-limit', '--log-level', 'warn', ...extra];

async function benchSqlite(): Promise<void> {
  report(`SQLite (better-sqlite3, WAL, synchronous=FULL)`);
  const dir = mkdtempSync(join(tmpdir(), 'xmtp-bench-'));
  try {
    const file = join(dir, 'xmtp.sqlite');
    const store = new SqliteStore(file);
    await seed(store);
    await store.close();
    await measureNode(nodeArgs(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Publish throughput, then (unless --publish-only) query latency and one-process fan-out, on a node started with these arguments. */
async function measureNode(args: string[]): Promise<void> {
  const node = await spawnNode(args);
  try {
    await publishes(node.url);
    if (!PUBLISH_ONLY) {
      await queries(node.url);
      await fanout(node.url, node.url, '(one process)');
    }
  } finally {
    await stop([node]);
  }
}

async function benchPostgres(): Promise<void> {
  report(`PostgreSQL (pg, fsync + synchronous_commit on; NATS fan-out unless noted)`);
  const cluster = await startPostgres({ durable: true, settings: { shared_buffers: '256MB', max_wal_size: '2GB' } });
  const nats = await startNats();
  try {
    const db = await cluster.createDatabase('xmtp_bench');
    if (!FANOUT_ONLY) {
      const store = await PgStore.open(db);
      await seed(store);
      await store.pool.query('ANALYZE envelopes');
      await store.close();
      await measureNode(nodeArgs(db, ['--nats-url', nats.url]));
    }
    if (PUBLISH_ONLY) return;
    // Cross-process fan-out: subscribers on B, publishes on A, over each bus; rounds alternate
    // between the buses so that background load on a shared machine hits both alike.
    const delays: Record<string, number[]> = { 'pg-notify': [], nats: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const bus of ['pg-notify', 'nats'] as const) {
        const extra = ['--bus', bus, ...(bus === 'nats' ? ['--nats-url', nats.url] : [])];
        const [a, b] = await Promise.all([spawnNode(nodeArgs(db, extra)), spawnNode(nodeArgs(db, extra))]);
        try {
          delays[bus]!.push(...(await fanout(a.url, b.url, `across 2 processes via ${bus === 'nats' ? 'NATS' : 'LISTEN/NOTIFY'} (round ${round + 1})`)));
        } finally {
          await stop([a, b]);
        }
      }
    }
    const pn = summary(delays['pg-notify']!);
    const nt = summary(delays.nats!);
    report(`  cross-process fan-out, all rounds: LISTEN/NOTIFY p50 ${fmt(pn.p50)} ms p99 ${fmt(pn.p99)} ms; NATS p50 ${fmt(nt.p50)} ms p99 ${fmt(nt.p99)} ms`);
  } finally {
    await nats.stop();
    await cluster.stop();
  }
}

const t0 = performance.now();
console.log(
  `XMTP node benchmark: ${ENVELOPES.toLocaleString('en')} stored envelopes, ${SECONDS} s per throughput run, ${SUBSCRIBERS} subscribers, publishers: ${PUBLISHER_PROCESSES} processes with the ${CLIENT === 'raw' ? 'lean keep-alive' : 'node:http Agent'} client\n`,
);
if (a.only !== 'postgres' && !FANOUT_ONLY) await benchSqlite();
if (a.only !== 'sqlite') await benchPostgres();
console.log(`\nsummary (${fmt((performance.now() - t0) / 1000, 0)} s)\n${results.join('\n')}`);
