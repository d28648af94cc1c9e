// Benchmark of the network of nodes: `npm run bench -- network [--seconds S] [--rate N]
// [--missed N] [--idle-seconds S] [--cpu-prof DIR]` (--cpu-prof: each node process writes a V8 CPU
// profile to DIR when it stops). Three node processes (server/main.ts, SQLite files) on loopback
// in a line A–B–C; C reaches B through a TCP relay that counts the bytes on that link.
//   1. replication delay at N publishes/s (default 1,000; one envelope per request) to A, read from
//      live streams on A (the node's own fan-out: the floor), B (one hop) and C (two hops);
//   2. repair: C is stopped, N envelopes (default 100,000) are published at A meanwhile, C restarts
//      and repairs them from B; rate = N / (last stored − C connected);
//   3. idle cost: with nothing new, repair protocol bytes per minute (the nodes' own counters) and
//      all bytes on the B–C link (gossipsub, yamux, repair) per minute.
// Targets (issue 15, 2 cores): replication p99 ≤ 250 ms at 1,000/s; repair ≥ 20,000 envelopes/s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { identity, mintToken, spawnNode, sleep, type ChildNode } from '../tests/server/helpers.ts';
import { freePort } from '../tests/support/postgres.ts';
import { TcpLink } from '../tests/support/tcp-link.ts';
import { HttpClient, openSubscribers, summary } from './server/load.ts';

const { values: o } = parseArgs({
  options: { seconds: { type: 'string' }, rate: { type: 'string' }, missed: { type: 'string' }, 'idle-seconds': { type: 'string' }, 'cpu-prof': { type: 'string' } },
});
const SECONDS = Number(o.seconds ?? 10);
const RATE = Number(o.rate ?? 1000);
const MISSED = Number(o.missed ?? 100_000);
const IDLE_SECONDS = Number(o['idle-seconds'] ?? 60);
const NODE_ARGS = o['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', o['cpu-prof']] : [];
const AUTH = { Authorization: `Bearer ${mintToken(identity(0x31, 0x41))}`, 'Content-Type': 'application/json' };
const TOPIC = '/xmtp/0/m-network-bench/proto';
const fmt = (n: number, d = 1) => n.toFixed(d);

const dir = mkdtempSync(join(tmpdir(), 'xmtp-bench-net-'));
const nodes: ChildNode[] = [];
async function start(name: string, extra: string[], p2pPort = 0): Promise<ChildNode> {
  const n = await spawnNode(['--port', '0', '--db', join(dir, `${name}.sqlite`), '--no-rate-limit', '--log-level', 'warn', '--metrics-port', '0', '--p2p-listen', `/ip4/127.0.0.1/tcp/${p2pPort}`, ...extra], {}, NODE_ARGS);
  nodes.push(n);
  return n;
}
const health = async (n: ChildNode) => (await (await fetch(n.url + '/healthz')).json()) as { p2p: { peerId: string; addrs: string[]; peers: number } };
async function metric(n: ChildNode, name: string): Promise<number> {
  const text = await (await fetch(n.metricsUrl + '/metrics')).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}
async function until(what: string, fn: () => Promise<boolean>, ms = 120_000, every = 50): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(every);
  }
}
const envelope = (ts: bigint, body: string) => ({ contentTopic: TOPIC, timestampNs: String(ts), message: Buffer.from(body.padEnd(400, '.')).toString('base64') });

async function main(): Promise<void> {
  console.log(`network benchmark: 3 node processes (SQLite) in a line A–B–C on loopback, ${process.env.CI ? 'CI' : 'this machine'}`);
  const a = await start('a', []);
  const b = await start('b', ['--peer', (await health(a)).p2p.addrs[0]!]);
  const hb = await health(b);
  const link = new TcpLink(Number(/\/tcp\/(\d+)/.exec(hb.p2p.addrs[0]!)![1]));
  const viaLink = `${await link.listen()}/p2p/${hb.p2p.peerId}`;
  const cPort = await freePort();
  let c = await start('c', ['--peer', viaLink], cPort);
  await until('line connected', async () => (await health(b)).p2p.peers === 2);
  await sleep(2000); // gossipsub heartbeats graft the mesh

  // 1. Replication delay.
  const sent = new Map<string, number>();
  const delays: Record<'A' | 'B' | 'C', number[]> = { A: [], B: [], C: [] };
  const subs = await Promise.all(
    (['A', 'B', 'C'] as const).map((k, i) =>
      openSubscribers([a, b, c][i]!.url, TOPIC, 1, 10 + i, (e, at) => {
        const id = Buffer.from(e.message, 'base64').toString().split('.')[0]!;
        const t = sent.get(id);
        if (t !== undefined) delays[k].push(at - t);
      }),
    ),
  );
  const client = new HttpClient(a.url, 64);
  const total = RATE * SECONDS;
  const t0 = performance.now();
  const inflight: Promise<unknown>[] = [];
  let failures = 0;
  for (let i = 0; i < total; i++) {
    // Paced: publish i goes out at t0 + i/RATE.
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const id = `r${i}`;
    sent.set(id, performance.now());
    inflight.push(client.post('/message/v1/publish', JSON.stringify({ envelopes: [envelope(BigInt(Date.now()) * 1_000_000n + BigInt(i), id)] }), AUTH).then((r) => r.status !== 200 && failures++));
    if (i % 200 === 0) subs.forEach((s) => s.drain());
  }
  await Promise.all(inflight);
  const achieved = total / ((performance.now() - t0) / 1000);
  await until('every publish seen on C', async () => (subs.forEach((s) => s.drain()), delays.C.length >= total - failures), 30_000);
  subs.forEach((s) => s.close());
  client.agent.destroy();
  const sA = summary(delays.A);
  const sB = summary(delays.B);
  const sC = summary(delays.C);
  console.log(`\n1. replication delay, ${total} publishes at ${fmt(achieved, 0)}/s to A (from just before the request to the line read from a live stream; ${failures} failed):`);
  console.log(`   A (its own fan-out: the floor)  p50 ${fmt(sA.p50)} ms  p99 ${fmt(sA.p99)} ms  (n=${sA.n})`);
  console.log(`   B (one hop)                      p50 ${fmt(sB.p50)} ms  p99 ${fmt(sB.p99)} ms  (n=${sB.n})`);
  console.log(`   C (two hops)                     p50 ${fmt(sC.p50)} ms  p99 ${fmt(sC.p99)} ms  (n=${sC.n})   target p99 ≤ 250 ms: ${sC.p99 <= 250 ? 'met' : 'NOT met'}`);
  console.log(`   ratio C / A: p50 ×${fmt(sC.p50 / sA.p50, 2)}, p99 ×${fmt(sC.p99 / sA.p99, 2)}`);

  // 2. Repair after MISSED envelopes.
  c.proc.kill('SIGTERM');
  await c.exited;
  const storedOnB = await metric(b, 'xmtp_envelopes_total{outcome="stored"}');
  const pub = new HttpClient(a.url, 8);
  const base = (BigInt(Date.now()) - 120_000n) * 1_000_000n; // older than the relay's settle window
  const batches = Math.ceil(MISSED / 100);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches) {
        const k = next++;
        const envs = Array.from({ length: Math.min(100, MISSED - k * 100) }, (_, j) => envelope(base + BigInt(k * 100 + j), `m${k * 100 + j}`));
        const r = await pub.post('/message/v1/publish', JSON.stringify({ envelopes: envs }), AUTH);
        if (r.status !== 200) throw new Error(`publish: ${r.status} ${r.body}`);
      }
    }),
  );
  pub.agent.destroy();
  await until('B relayed every missed envelope', async () => (await metric(b, 'xmtp_envelopes_total{outcome="stored"}')) - storedOnB >= MISSED, 120_000, 200);
  const restartAt = performance.now();
  c = await start('c', ['--peer', viaLink], cPort);
  await until('C connected', async () => (await health(c)).p2p.peers > 0, 30_000, 5);
  const connectedAt = performance.now();
  await until('C repaired', async () => (await metric(c, 'xmtp_repair_envelopes_total{outcome="stored"}')) >= MISSED, 300_000, 20);
  const doneAt = performance.now();
  const secs = (doneAt - connectedAt) / 1000;
  console.log(`\n2. repair: C was down while ${MISSED} envelopes were published; after its restart it fetched them from B`);
  console.log(`   ${fmt(secs, 2)} s from connected to the last one stored: ${fmt(MISSED / secs, 0)} envelopes/s   target ≥ 20,000/s: ${MISSED / secs >= 20_000 ? 'met' : 'NOT met'}`);
  console.log(`   (process start → connected ${fmt((connectedAt - restartAt) / 1000, 2)} s)`);

  // 3. Idle cost.
  await sleep(5000);
  const repairBytes = async () => {
    let s = 0;
    for (const n of [a, b, c]) s += await metric(n, 'xmtp_repair_bytes_total{direction="sent"}');
    return s;
  };
  const r0 = await repairBytes();
  const l0 = link.bytes;
  await sleep(IDLE_SECONDS * 1000);
  const perMin = 60 / IDLE_SECONDS;
  console.log(`\n3. idle (nothing new for ${IDLE_SECONDS} s, repair rounds every 30 s with each peer):`);
  console.log(`   repair protocol: ${fmt(((await repairBytes()) - r0) * perMin, 0)} bytes/min sent by the 3 nodes together (2 links, both directions)`);
  console.log(`   everything on the B–C link (gossipsub, yamux, noise, repair): ${fmt((link.bytes - l0) * perMin, 0)} bytes/min`);
  link.close();
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const n of nodes) if (n.proc.exitCode === null && n.proc.signalCode === null) n.proc.kill('SIGTERM');
    await Promise.all(nodes.map((n) => n.exited));
    rmSync(dir, { recursive: true, force: true });
  });
