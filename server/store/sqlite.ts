// SQLite backend (better-sqlite3 12): WAL, synchronous=FULL so an acknowledged publish survives a
// crash or power loss. Concurrent publishes are group-committed: everything queued while one
// transaction commits goes into the next one, so durability (one fsync per commit) does not cost
// throughput. For a database file, commits (and WAL checkpoints) run in a writer thread with its own
// connection, so the event loop keeps serving requests and queries while the disk syncs; queries use
// the main connection (WAL lets readers run beside the writer). ':memory:' writes inline.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { MIGRATIONS } from './migrations.ts';
import type { AclEntry, EnvelopeId, EnvelopeKey, ListedEnvelope, ProvenEnvelope, QuerySpec, RangeFingerprint, Store, StoredEnvelope, TsRange } from './types.ts';
import { clampI64, compareRows, cursorMode, PROOF_TOPIC_PREFIX } from './types.ts';

interface Pending {
  envelopes: StoredEnvelope[];
  resolve: (stored: StoredEnvelope[]) => void;
  reject: (err: unknown) => void;
}

export interface SqliteStoreOptions {
  /** Called with the duration of each group commit in seconds. */
  onCommit?: (seconds: number, rows: number) => void;
  /** Commit in a writer thread (default true for a file; ':memory:' always writes inline). */
  writerThread?: boolean;
}

const INSERT_SQL = 'INSERT OR IGNORE INTO envelopes (topic, ts, digest, message, received_ns) VALUES (?, ?, ?, ?, ?)';

// The writer thread: {id, rows: [topic, ts, digest, message][][] (one array per request), now}
// → {id, inserted: boolean[][]} | {id, error}. Each message is one transaction; a failing group
// is retried request by request so one bad request cannot fail the others.
const WRITER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
db.pragma('cache_size = -65536');
const stmt = db.prepare(${JSON.stringify(INSERT_SQL)});
const run = db.transaction((groups, now) => groups.map((rows) => rows.map((r) => stmt.run(r[0], r[1], r[2], r[3], now).changes > 0)));
parentPort.on('message', (m) => {
  if (m === 'close') { db.close(); parentPort.postMessage('closed'); return; }
  try {
    parentPort.postMessage({ id: m.id, inserted: run.immediate(m.groups, m.now) });
  } catch (err) {
    const results = m.groups.map((g) => { try { return run.immediate([g], m.now)[0]; } catch (e) { return String(e && e.message || e); } });
    parentPort.postMessage({ id: m.id, inserted: results });
  }
});
`;

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private db: Database.Database;
  private insertStmt: Statement;
  private queue: Pending[] = [];
  private scheduled = false;
  private queries = new Map<string, Statement>();
  private closed = false;
  private writer: Worker | null = null;
  private inflight: { id: number; batch: Pending[]; t0: number } | null = null;
  private nextId = 1;
  private drained: (() => void) | null = null;

  constructor(readonly path: string, private opts: SqliteStoreOptions = {}) {
    const isFile = path !== ':memory:' && !path.startsWith('file:');
    if (isFile) mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('cache_size = -65536'); // 64 MiB page cache
    this.migrate();
    this.insertStmt = this.db.prepare(INSERT_SQL);
    if (isFile && (opts.writerThread ?? true)) {
      this.writer = new Worker(WRITER, {
        eval: true,
        workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), path: resolve(path) },
      });
      this.writer.unref();
      this.writer.on('message', (m) => this.onWriterMessage(m));
      this.writer.on('error', (err) => this.onWriterError(err));
    }
  }

  private migrate(): void {
    this.db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
    const applied = new Set(
      (this.db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version),
    );
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      this.db.transaction(() => {
        this.db.exec(m.sqlite);
        this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      }).immediate();
    }
  }

  async schemaVersion(): Promise<number> {
    const r = this.db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
    return r.v ?? 0;
  }

  insert(envelopes: StoredEnvelope[]): Promise<StoredEnvelope[]> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    if (!envelopes.length) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ envelopes, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (!this.queue.length) return;
    if (this.writer) {
      if (this.inflight) return; // sent when the commit in flight is done
      const batch = this.queue;
      this.queue = [];
      const id = this.nextId++;
      this.inflight = { id, batch, t0: performance.now() };
      this.writer.postMessage({
        id,
        now: BigInt(Date.now()) * 1_000_000n,
        groups: batch.map((p) => p.envelopes.map((e) => [e.topic, e.ts, e.digest, e.message])),
      });
      return;
    }
    const batch = this.queue;
    this.queue = [];
    const t0 = performance.now();
    const now = BigInt(Date.now()) * 1_000_000n;
    const run = (items: Pending[]) =>
      this.db.transaction(() =>
        items.map((p) => p.envelopes.filter((e) => this.insertStmt.run(e.topic, e.ts, e.digest, e.message, now).changes > 0)),
      ).immediate();
    let results: StoredEnvelope[][];
    try {
      results = run(batch);
    } catch {
      // One bad request must not fail the others of its group: retry each on its own.
      for (const p of batch) {
        try {
          p.resolve(run([p])[0]!);
        } catch (err) {
          p.reject(err);
        }
      }
      return;
    }
    this.opts.onCommit?.((performance.now() - t0) / 1000, batch.length);
    batch.forEach((p, i) => p.resolve(results[i]!));
  }

  private onWriterMessage(m: { id: number; inserted: Array<boolean[] | string> } | 'closed'): void {
    if (m === 'closed') return;
    const f = this.inflight;
    if (!f || f.id !== m.id) return;
    this.inflight = null;
    this.opts.onCommit?.((performance.now() - f.t0) / 1000, f.batch.length);
    f.batch.forEach((p, i) => {
      const r = m.inserted[i]!;
      if (typeof r === 'string') p.reject(new Error(r));
      else p.resolve(p.envelopes.filter((_, j) => r[j]));
    });
    if (this.queue.length) this.flush();
    else if (this.drained) this.drained();
  }

  private onWriterError(err: unknown): void {
    // The writer thread died: fail what it held (not acknowledged, so not lost), write inline from now on.
    this.writer = null;
    const f = this.inflight;
    this.inflight = null;
    f?.batch.forEach((p) => p.reject(err));
    if (this.queue.length) this.flush();
    else if (this.drained) this.drained();
  }

  private stmt(sql: string): Statement {
    let s = this.queries.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      s.safeIntegers(true);
      this.queries.set(sql, s);
    }
    return s;
  }

  /** One indexed range scan; with inlineMax, messages above it are left out (length() reads no overflow page). */
  private queryTopic(topic: string, q: QuerySpec, inlineMax: number | null): ListedEnvelope[] {
    const where = ['topic = ?'];
    const args: unknown[] = [topic];
    if (q.startTimeNs !== 0n) {
      where.push('ts >= ?');
      args.push(clampI64(q.startTimeNs));
    }
    if (q.endTimeNs !== 0n) {
      where.push('ts <= ?');
      args.push(clampI64(q.endTimeNs));
    }
    const op = q.ascending ? '>' : '<';
    const mode = cursorMode(q.cursor);
    if (mode === 'tuple') {
      where.push(`(ts, digest) ${op} (?, ?)`);
      args.push(clampI64(q.cursor!.senderTimeNs), q.cursor!.digest);
    } else if (mode === 'digest') {
      where.push(`digest ${op} ?`);
      args.push(q.cursor!.digest);
    }
    const dir = q.ascending ? 'ASC' : 'DESC';
    const message = inlineMax === null ? 'message' : `CASE WHEN length(message) <= ${Math.floor(inlineMax)} THEN message END AS message`;
    const sql = `SELECT ts, digest, length(message) AS size, ${message} FROM envelopes WHERE ${where.join(' AND ')} ORDER BY ts ${dir}, digest ${dir} LIMIT ?`;
    args.push(q.limit);
    const rows = this.stmt(sql).all(...args) as Array<{ ts: bigint; digest: Buffer; size: bigint; message: Buffer | null }>;
    return rows.map((r) => ({ topic, ts: r.ts, digest: r.digest, size: Number(r.size), message: r.message }));
  }

  private select(q: QuerySpec, inlineMax: number | null): ListedEnvelope[] {
    const topics = [...new Set(q.topics)];
    if (topics.length === 1) return this.queryTopic(topics[0]!, q, inlineMax);
    // Several topics: one indexed range scan per topic, merged in (ts, digest) order.
    const all = topics.flatMap((t) => this.queryTopic(t, q, inlineMax));
    all.sort(q.ascending ? compareRows : (a, b) => compareRows(b, a));
    return all.slice(0, q.limit);
  }

  async query(q: QuerySpec): Promise<StoredEnvelope[]> {
    return this.select(q, null).map(({ topic, ts, digest, message }) => ({ topic, ts, digest, message: message! }));
  }

  async list(q: QuerySpec, inlineMaxBytes: number): Promise<ListedEnvelope[]> {
    return this.select(q, inlineMaxBytes);
  }

  async messages(keys: EnvelopeKey[]): Promise<Array<Buffer | null>> {
    const s = this.stmt('SELECT message FROM envelopes WHERE topic = ? AND ts = ? AND digest = ?');
    return keys.map((k) => (s.get(k.topic, k.ts, k.digest) as { message: Buffer } | undefined)?.message ?? null);
  }

  async bulkInsert(envelopes: StoredEnvelope[]): Promise<void> {
    const now = BigInt(Date.now()) * 1_000_000n;
    this.db.transaction(() => {
      for (const e of envelopes) this.insertStmt.run(e.topic, e.ts, e.digest, e.message, now);
    }).immediate();
  }

  async count(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM envelopes').get() as { n: number }).n;
  }

  async fingerprints(ranges: TsRange[]): Promise<RangeFingerprint[]> {
    // An index-only scan of envelopes_ts_fp per range.
    const s = this.stmt('SELECT count(*) AS n, coalesce(sum(fp_a), 0) AS a, coalesce(sum(fp_b), 0) AS b FROM envelopes WHERE ts >= ? AND ts <= ?');
    return ranges.map((r) => {
      const row = s.get(r.lo, r.hi) as { n: bigint; a: bigint; b: bigint };
      return { count: row.n, a: row.a, b: row.b };
    });
  }

  async rangeIds(range: TsRange, limit: number): Promise<EnvelopeId[]> {
    return this.stmt('SELECT ts, digest FROM envelopes WHERE ts >= ? AND ts <= ? ORDER BY ts, digest LIMIT ?').all(range.lo, range.hi, limit) as EnvelopeId[];
  }

  async rangeEnvelopes(range: TsRange, after: EnvelopeId | null, limit: number): Promise<ProvenEnvelope[]> {
    const cols = 'SELECT topic, ts, digest, message FROM envelopes';
    const rows = (
      after
        ? this.stmt(`${cols} WHERE ts >= ? AND ts <= ? AND (ts, digest) > (?, ?) ORDER BY ts, digest LIMIT ?`).all(range.lo, range.hi, after.ts, after.digest, limit)
        : this.stmt(`${cols} WHERE ts >= ? AND ts <= ? ORDER BY ts, digest LIMIT ?`).all(range.lo, range.hi, limit)
    ) as ProvenEnvelope[];
    // Proofs exist for key store writes only: looked up for those rows alone.
    const proof = this.stmt('SELECT meta FROM proofs WHERE ts = ? AND digest = ?');
    for (const r of rows) {
      if (!r.topic.startsWith(PROOF_TOPIC_PREFIX)) continue;
      const p = proof.get(r.ts, r.digest) as { meta: Buffer } | undefined;
      if (p) r.meta = p.meta;
    }
    return rows;
  }

  async getByIds(ids: EnvelopeId[]): Promise<ProvenEnvelope[]> {
    const s = this.stmt(
      'SELECT e.topic, e.ts, e.digest, e.message, p.meta FROM envelopes e LEFT JOIN proofs p ON p.ts = e.ts AND p.digest = e.digest WHERE e.ts = ? AND e.digest = ?',
    );
    const out: ProvenEnvelope[] = [];
    for (const id of ids) {
      for (const r of s.all(id.ts, id.digest) as Array<ProvenEnvelope & { meta: Buffer | null }>) {
        out.push({ topic: r.topic, ts: r.ts, digest: r.digest, message: r.message, meta: r.meta ?? undefined });
      }
    }
    return out;
  }

  async saveProofs(proofs: Array<EnvelopeId & { meta: Buffer }>): Promise<void> {
    if (!proofs.length) return;
    const s = this.db.prepare('INSERT OR IGNORE INTO proofs (ts, digest, meta) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const p of proofs) s.run(p.ts, p.digest, p.meta);
    }).immediate();
  }

  async aclList(): Promise<AclEntry[]> {
    return this.db.prepare('SELECT address, permission, comment FROM acl ORDER BY address').all() as AclEntry[];
  }

  async aclSet(e: AclEntry): Promise<void> {
    this.db
      .prepare(`INSERT INTO acl (address, permission, comment, created_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (address) DO UPDATE SET permission = excluded.permission, comment = excluded.comment`)
      .run(e.address.toLowerCase(), e.permission, e.comment, Date.now());
  }

  async aclRemove(address: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM acl WHERE address = ?').run(address.toLowerCase()).changes > 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.queue.length && !this.inflight) this.flush();
    const w = this.writer;
    if (w) {
      if (this.inflight || this.queue.length) await new Promise<void>((r) => (this.drained = r));
      await new Promise<void>((r) => {
        const t = setTimeout(r, 5000);
        w.on('message', (m) => {
          if (m === 'closed') {
            clearTimeout(t);
            r();
          }
        });
        w.postMessage('close');
      });
      await w.terminate();
      this.writer = null;
    }
    this.db.close();
  }
}
