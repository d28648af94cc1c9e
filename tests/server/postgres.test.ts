// PostgreSQL: the same query semantics as SQLite, versioned migrations, and several node processes
// on one database — a subscriber on one process receives what is published on another, over NATS
// (the default) and over LISTEN/NOTIFY.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import WebSocket from 'ws';
import pg from 'pg';
import { startPostgres, type PgCluster } from '../support/postgres.ts';
import { TcpLink } from '../support/tcp-link.ts';
import { startNats } from './nats-server.ts';
import { PgStore } from '../../server/store/postgres.ts';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { LATEST_VERSION } from '../../server/store/migrations.ts';
import type { Store, StoredEnvelope } from '../../server/store/types.ts';
import { startNode } from '../../server/node.ts';
import { env, identity, mintToken, post, ROOT, sleep, spawnNode, StreamReader, type ChildNode } from './helpers.ts';

const alice = identity(0x11, 0x21);
const bob = identity(0x12, 0x22);
const auth = () => ({ Authorization: `Bearer ${mintToken(alice)}` });

let cluster: PgCluster;
before(async () => {
  cluster = await startPostgres();
});
after(async () => {
  await cluster?.stop();
});

function row(topic: string, ts: bigint, msg: string): StoredEnvelope {
  const message = Buffer.from(msg);
  return { topic, ts, message, digest: createHash('sha256').update(topic).update(message).digest() };
}

describe('store conformance: SQLite and PostgreSQL answer the same', () => {
  test('insert/dedup/query with bounds, cursors and several topics', async () => {
    const stores: Store[] = [new SqliteStore(':memory:'), await PgStore.open(await cluster.createDatabase())];
    try {
      const rows: StoredEnvelope[] = [];
      for (let i = 0; i < 60; i++) rows.push(row(`/xmtp/0/m-${i % 3}/proto`, 100n + BigInt(i % 7), `m${i}`));
      const results = [];
      for (const s of stores) {
        const first = await Promise.all([s.insert(rows.slice(0, 30)), s.insert(rows.slice(30)), s.insert(rows.slice(0, 5))]);
        assert.equal(first[0].length + first[1].length + first[2].length, 60, 'duplicates are not reported as new');
        assert.equal(await s.count(), 60);
        const out: string[][] = [];
        for (const ascending of [true, false]) {
          for (const topics of [['/xmtp/0/m-0/proto'], ['/xmtp/0/m-1/proto', '/xmtp/0/m-2/proto']]) {
            let cursor = null;
            const seen: string[] = [];
            for (;;) {
              const page = await s.query({ topics, startTimeNs: 101n, endTimeNs: 105n, cursor, ascending, limit: 4 });
              seen.push(...page.map((r) => `${r.topic}|${r.ts}|${r.message}`));
              if (page.length < 4) break;
              const last = page[page.length - 1]!;
              cursor = { digest: last.digest, senderTimeNs: last.ts };
            }
            out.push(seen);
          }
        }
        results.push(out);
        assert.equal(await s.schemaVersion(), LATEST_VERSION);
      }
      assert.deepEqual(results[1], results[0]);
      assert.ok(results[0]!.every((r) => r.length > 0));
    } finally {
      for (const s of stores) await s.close();
    }
  });

  test('group commit: concurrent requests, duplicates new once (the first), a bad request fails alone, exact round trip', async () => {
    const stores: Store[] = [new SqliteStore(':memory:'), await PgStore.open(await cluster.createDatabase())];
    try {
      for (const s of stores) {
        const a = row('/xmtp/0/m-grüße-€/proto', (1n << 63n) - 1n, 'largest timestamp, non-ASCII topic');
        const b = row('/xmtp/0/m-group/proto', 0n, '');
        const big = row('/xmtp/0/m-group/proto', 7n, 'x'.repeat(1_000_000));
        const bad = row('/xmtp/0/m-group/proto', 1n << 63n, 'timestamp out of range');
        // The first request goes out alone; the other three are queued meanwhile and go together.
        const results = await Promise.allSettled([s.insert([a, b, { ...a }]), s.insert([bad]), s.insert([{ ...a }, big]), s.insert([{ ...b }])]);
        const ok = results.map((r) => (r.status === 'fulfilled' ? r.value : null));
        assert.equal(results[1]!.status, 'rejected', `${s.kind}: the bad request fails`);
        assert.equal(ok[0]!.length, 2, `${s.kind}: a repeated envelope is new once`);
        assert.ok(ok[0]![0] === a && ok[0]![1] === b, `${s.kind}: the caller's objects, in order`);
        assert.deepEqual(ok[2], [big], `${s.kind}: the others of the group are stored`);
        assert.ok(ok[2]![0] === big);
        assert.deepEqual(ok[3], []);
        assert.equal(await s.count(), 3);
        const [got] = await s.query({ topics: [a.topic], startTimeNs: 0n, endTimeNs: 0n, cursor: null, ascending: true, limit: 10 });
        assert.equal(got!.ts, a.ts);
        assert.ok(got!.digest.equals(a.digest) && got!.message.equals(a.message));
        const group = await s.query({ topics: [b.topic], startTimeNs: 0n, endTimeNs: 0n, cursor: null, ascending: true, limit: 10 });
        assert.deepEqual(group.map((r) => [r.ts, r.message.length]), [[0n, 0], [7n, 1_000_000]]);
      }
    } finally {
      for (const s of stores) await s.close();
    }
  });

  test('migrations are versioned and idempotent, also when processes start together', async () => {
    const url = await cluster.createDatabase();
    const opened = await Promise.all([PgStore.open(url), PgStore.open(url), PgStore.open(url)]);
    for (const s of opened) await s.close();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const { rows } = await c.query('SELECT version, name FROM schema_migrations ORDER BY version');
    await c.end();
    assert.deepEqual(rows.map((r) => r.version), Array.from({ length: LATEST_VERSION }, (_, i) => i + 1));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts', 'migrate', '--db', url], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`schema version ${LATEST_VERSION} \\(postgres\\)`));
  });
});

async function twoNodes(bus: 'pg-notify' | 'nats', natsUrl?: string): Promise<[ChildNode, ChildNode]> {
  const db = await cluster.createDatabase();
  const args = ['--port', '0', '--db', db, '--no-rate-limit', '--log-level', 'warn', '--bus', bus, ...(natsUrl ? ['--nats-url', natsUrl] : [])];
  return Promise.all([spawnNode(args), spawnNode(args)]);
}

async function stopNodes(nodes: ChildNode[]): Promise<void> {
  for (const n of nodes) n.proc.kill('SIGTERM');
  const exits = await Promise.all(nodes.map((n) => n.exited));
  for (const e of exits) assert.equal(e.code, 0, 'graceful exit on SIGTERM');
}

async function crossProcess(a: ChildNode, b: ChildNode): Promise<void> {
  const T = '/xmtp/0/m-cross/proto';
  const E = '/xmtp/0/mE-cross/proto';
  // HTTP stream on b, publishes on a: stored, ephemeral small (inline) and large (> 8000 bytes).
  const s = await StreamReader.open(b.url, '/message/v1/subscribe', { contentTopics: [T, E] });
  await sleep(50);
  // 1,048,000 bytes: beyond a NOTIFY payload (→ relay table) and beyond NATS's default max_payload (→ parts).
  const big = Buffer.alloc(1_048_000, 7);
  for (const e of [env(T, 1, 'stored'), env(E, 2, 'typing'), env(E, 3, big), env(T, 4, 'stored 2')]) {
    const r = await post(a.url, '/message/v1/publish', { envelopes: [e] }, auth());
    assert.equal(r.status, 200, r.text);
  }
  const lines = await s.take(4);
  assert.deepEqual(lines.map((l) => l.result.timestampNs), ['1', '2', '3', '4']);
  assert.ok(Buffer.from(lines[2].result.message, 'base64').equals(big));
  assert.equal(Buffer.from(lines[0].result.message, 'base64').toString(), 'stored');
  // Stored on a, queryable on b; ephemeral nowhere.
  const q = await post(b.url, '/message/v1/query', { contentTopics: [T], pagingInfo: { direction: 'SORT_DIRECTION_ASCENDING' } });
  assert.deepEqual(q.json.envelopes.map((e: { timestampNs: string }) => e.timestampNs), ['1', '4']);
  assert.deepEqual((await post(b.url, '/message/v1/query', { contentTopics: [E] })).json.envelopes, []);
  // A duplicate published on b is not delivered again.
  await post(b.url, '/message/v1/publish', { envelopes: [env(T, 1, 'stored')] }, auth());
  // WebSocket on a, publish on b.
  const ws = new WebSocket(a.url.replace('http', 'ws') + '/message/v1/ws');
  const frames: any[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ type: 'subscribe', id: 1, topics: [T] }));
  while (!frames.some((f) => f.type === 'ack')) await sleep(10);
  await post(b.url, '/message/v1/publish', { envelopes: [env(T, 5, 'from b')] }, auth());
  const deadline = Date.now() + 15_000;
  while (!frames.some((f) => f.type === 'envelope') && Date.now() < deadline) await sleep(10);
  assert.deepEqual(frames.find((f) => f.type === 'envelope')?.result, { contentTopic: T, timestampNs: '5', message: Buffer.from('from b').toString('base64') });
  ws.close();
  await sleep(100);
  assert.deepEqual(s.received.map((l) => l.result.timestampNs), ['1', '2', '3', '4', '5']);
  // One publish of 700 envelopes (several NOTIFY payloads of ≤ 300 row ids each) arrives whole and in order.
  const many = Array.from({ length: 700 }, (_, i) => env(T, 1000 + i, `bulk ${i}`));
  assert.equal((await post(a.url, '/message/v1/publish', { envelopes: many }, auth())).status, 200);
  const all = await s.take(705);
  assert.deepEqual(all.slice(5).map((l) => Number(l.result.timestampNs)), many.map((_, i) => 1000 + i));
  s.close();
}

describe('two node processes on one PostgreSQL', () => {
  test('NATS (the default): a subscriber on one process receives what is published on the other', async () => {
    const nats = await startNats();
    try {
      const [a, b] = await twoNodes('nats', nats.url);
      try {
        await crossProcess(a, b);
      } finally {
        await stopNodes([a, b]);
      }
    } finally {
      await nats.stop();
    }
  });

  test('LISTEN/NOTIFY (--bus pg-notify): the same without a NATS server', async () => {
    const [a, b] = await twoNodes('pg-notify');
    try {
      await crossProcess(a, b);
    } finally {
      await stopNodes([a, b]);
    }
  });

  test('a lost LISTEN connection is re-established and fan-out resumes', async () => {
    const db = await cluster.createDatabase();
    const a = await startNode({ port: 0, db, bus: 'pg-notify', auth: false, rateLimits: false, logLevel: 'silent' });
    const b = await startNode({ port: 0, db, bus: 'pg-notify', auth: false, rateLimits: false, logLevel: 'silent' });
    try {
      const T = '/xmtp/0/m-relisten/proto';
      const s = await StreamReader.open(b.url, '/message/v1/subscribe', { contentTopics: [T] });
      const admin = new pg.Client({ connectionString: db });
      await admin.connect();
      const killed = await admin.query<{ pid: number }>(`SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'xmtp-listen'`);
      assert.equal(killed.rowCount, 2);
      // Wait until both listeners are back, their LISTEN finished (idle), not merely sent. A terminated
      // backend can still be listed, idle after its LISTEN, for a moment: only new connections count.
      const old = killed.rows.map((r) => r.pid);
      const deadline = Date.now() + 15_000;
      while ((await admin.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'xmtp-listen' AND query LIKE 'LISTEN%' AND state = 'idle' AND NOT (pid = ANY($1::int[]))`, [old])).rowCount! < 2) {
        assert.ok(Date.now() < deadline, 'listeners did not reconnect');
        await sleep(50);
      }
      await admin.end();
      assert.equal((await post(a.url, '/message/v1/publish', { envelopes: [env(T, 1, 'after reconnect')] })).status, 200);
      assert.equal(Buffer.from((await s.take(1))[0].result.message, 'base64').toString(), 'after reconnect');
      s.close();
    } finally {
      await a.close();
      await b.close();
    }
  });

  // The bus connection of b is cut (b reaches PostgreSQL, or NATS, through a link the test cuts), a
  // publishes meanwhile, the link heals: b's subscriber gets what was stored meanwhile, and nothing twice.
  for (const bus of ['pg-notify', 'nats'] as const) {
    test(`${bus}: envelopes stored while a process's bus connection was down reach its subscribers after it is back, once each`, async () => {
      const db = await cluster.createDatabase();
      const nats = bus === 'nats' ? await startNats() : null;
      const direct = new URL(nats?.url ?? db);
      const link = new TcpLink(Number(direct.port));
      await link.listen();
      const viaLink = new URL(direct);
      viaLink.port = String(link.port);
      const a = await startNode({ port: 0, db, bus, natsUrl: nats?.url, auth: false, rateLimits: false, logLevel: 'silent' });
      const b = await startNode({ port: 0, db: nats ? db : viaLink.toString(), bus, natsUrl: nats ? viaLink.toString() : undefined, auth: false, rateLimits: false, logLevel: 'silent' });
      const T = '/xmtp/0/m-gap/proto';
      const s = await StreamReader.open(b.url, '/message/v1/subscribe', { contentTopics: [T] });
      const publish = async (node: { url: string }, ts: number) => assert.equal((await post(node.url, '/message/v1/publish', { envelopes: [env(T, ts, `m${ts}`)] })).status, 200);
      try {
        await publish(a, 1);
        await s.take(1);
        link.cut();
        for (const ts of [2, 3, 4]) await publish(a, ts); // stored while b hears nothing
        await sleep(300);
        link.heal();
        await s.take(4, 20_000);
        await publish(a, 5);
        await s.take(5); // it travels through the bus: b's own next row could overtake it
        await publish(b, 6); // b's own row: b delivers it itself, a catch-up must not again
        await s.take(6);
        await sleep(300);
        assert.deepEqual(s.received.map((l) => l.result.timestampNs), ['1', '2', '3', '4', '5', '6']);
      } finally {
        s.close();
        await a.close();
        await b.close();
        link.close();
        await nats?.stop();
      }
    });
  }

  test('the acl table is shared: `acl deny` via the CLI, SIGHUP reloads, both processes refuse', async () => {
    const [a, b] = await twoNodes('pg-notify');
    try {
      const db = (a.proc.spawnargs[a.proc.spawnargs.indexOf('--db') + 1])!;
      const bobAuth = { Authorization: `Bearer ${mintToken(bob)}` };
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts', 'acl', 'deny', bob.wallet, 'abuse', '--db', db], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const list = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts', 'acl', 'list', '--db', db], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(list.stdout.trim(), `deny ${bob.wallet.toLowerCase()} abuse`);
      a.proc.kill('SIGHUP');
      b.proc.kill('SIGHUP');
      await sleep(300);
      for (const n of [a, b]) {
        const res = await post(n.url, '/message/v1/publish', { envelopes: [env('/xmtp/0/m-acl/proto', 1, 'x')] }, bobAuth);
        assert.deepEqual([res.status, res.json.message], [403, 'wallet is deny listed']);
      }
      assert.equal((await post(a.url, '/message/v1/publish', { envelopes: [env('/xmtp/0/m-acl/proto', 1, 'x')] }, auth())).status, 200);
    } finally {
      await stopNodes([a, b]);
    }
  });
});
