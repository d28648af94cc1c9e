// PostgreSQL backend (pg): several node processes share one database. Concurrent publishes are
// group-committed (one INSERT … SELECT FROM unnest(arrays) … ON CONFLICT DO NOTHING per batch);
// the row is durable when the INSERT's implicit transaction has committed (synchronous_commit on).
import pg from 'pg';
import { MIGRATIONS } from './migrations.ts';
import type { AclEntry, EnvelopeId, EnvelopeKey, ListedEnvelope, ProvenEnvelope, QuerySpec, RangeFingerprint, Store, StoredEnvelope, TsRange } from './types.ts';
import { clampI64, cursorMode, MAX_INT64 } from './types.ts';

export interface PgStored extends StoredEnvelope {
  seq: bigint;
}

interface Pending {
  envelopes: StoredEnvelope[];
  resolve: (stored: PgStored[]) => void;
  reject: (err: unknown) => void;
}

export interface PgStoreOptions {
  poolSize?: number;
  onCommit?: (seconds: number, rows: number) => void;
  /** Most concurrent group-commit batches (default 1: one batch in flight, the next one filling). */
  maxInflightBatches?: number;
  /**
   * LISTEN/NOTIFY fan-out: announce the ids of new rows on this channel in the same statement
   * (hence the same transaction) as the insert, so the notification is sent exactly when the rows
   * commit and costs no extra round trip.
   */
  notify?: { channel: string; nodeId: string };
}

const MIGRATION_LOCK = 727_100_001;

export class PgStore implements Store {
  readonly kind = 'postgres' as const;
  readonly pool: pg.Pool;
  private queue: Pending[] = [];
  private inflight = 0;
  private maxInflight: number;
  private closed = false;
  private drained: (() => void) | null = null;

  private constructor(readonly url: string, private opts: PgStoreOptions) {
    this.pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
    this.pool.on('error', () => {
      /* idle client errors surface on the next query */
    });
    this.maxInflight = opts.maxInflightBatches ?? 1;
  }

  static async open(url: string, opts: PgStoreOptions = {}): Promise<PgStore> {
    const s = new PgStore(url, opts);
    try {
      await s.migrate();
    } catch (err) {
      await s.pool.end().catch(() => {});
      throw err;
    }
    return s;
  }

  private async migrate(): Promise<void> {
    const c = await this.pool.connect();
    try {
      // Several processes may start at once: one migrates, the others wait.
      await c.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await c.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
      const { rows } = await c.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((r) => r.version));
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await c.query('BEGIN');
        try {
          await c.query(m.postgres);
          await c.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await c.query('COMMIT');
        } catch (err) {
          await c.query('ROLLBACK');
          throw err;
        }
      }
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
      c.release();
    }
  }

  async schemaVersion(): Promise<number> {
    const { rows } = await this.pool.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    return rows[0]?.v ?? 0;
  }

  insert(envelopes: StoredEnvelope[]): Promise<PgStored[]> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    if (!envelopes.length) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ envelopes, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inflight < this.maxInflight && this.queue.length) {
      const batch = this.queue;
      this.queue = [];
      this.inflight++;
      void this.flush(batch);
    }
  }

  /** A batch is done with the database: the next one goes out at once. */
  private release(): void {
    this.inflight--;
    if (this.queue.length) this.pump();
    else if (this.inflight === 0 && this.drained) this.drained();
  }

  /**
   * One statement, one round trip: the rows go in as four binary arrays (no hex or array-literal
   * encoding on either side), and the answer is only the 1-based positions of the rows that were new
   * (with their ids), so nothing is decoded or re-keyed here. A row repeated within the same call is
   * inserted once and reported at its first position.
   */
  private async writeRows(rows: StoredEnvelope[]): Promise<Array<bigint | undefined>> {
    const values: unknown[] = [
      binaryArray(OID_TEXT, rows, (e) => Buffer.from(e.topic, 'utf8')),
      int8Array(rows),
      binaryArray(OID_BYTEA, rows, (e) => e.digest),
      binaryArray(OID_BYTEA, rows, (e) => e.message),
      String(BigInt(Date.now()) * 1_000_000n),
    ];
    const n = this.opts.notify;
    if (n) values.push(n.channel, n.nodeId);
    const res = await this.pool.query<{ i: number; seq: string }>({ name: n ? 'xmtp_insert_notify_2' : 'xmtp_insert_2', text: n ? INSERT_NOTIFY_SQL : INSERT_SQL, values });
    const inserted = new Array<bigint | undefined>(rows.length);
    for (const r of res.rows) inserted[r.i - 1] = BigInt(r.seq);
    return inserted;
  }

  private async flush(batch: Pending[]): Promise<void> {
    const t0 = performance.now();
    const claim = (inserted: Array<bigint | undefined>, offset: number, p: Pending): PgStored[] => {
      const out: PgStored[] = [];
      p.envelopes.forEach((e, j) => {
        const seq = inserted[offset + j];
        if (seq !== undefined) out.push(Object.assign(e, { seq })); // same object: the caller matches by identity
      });
      return out;
    };
    let inserted: Array<bigint | undefined>;
    try {
      inserted = await this.writeRows(batch.length === 1 ? batch[0]!.envelopes : batch.flatMap((p) => p.envelopes));
    } catch {
      // One bad request must not fail the others of its group: retry each on its own.
      for (const p of batch) {
        try {
          p.resolve(claim(await this.writeRows(p.envelopes), 0, p));
        } catch (err) {
          p.reject(err);
        }
      }
      this.release();
      return;
    }
    this.opts.onCommit?.((performance.now() - t0) / 1000, batch.length);
    // Send the next batch (queued meanwhile) before answering this one's requests, so the database
    // is not idle while the answers are written.
    this.release();
    let offset = 0;
    for (const p of batch) {
      p.resolve(claim(inserted, offset, p));
      offset += p.envelopes.length;
    }
  }

  private sqlFor(q: QuerySpec, topicParam: number, args: unknown[], message: string): string {
    const where = [`topic = $${topicParam}`];
    const p = (v: unknown) => {
      args.push(v);
      return `$${args.length}`;
    };
    if (q.startTimeNs !== 0n) where.push(`ts >= ${p(clampI64(q.startTimeNs).toString())}::bigint`);
    if (q.endTimeNs !== 0n) where.push(`ts <= ${p(clampI64(q.endTimeNs).toString())}::bigint`);
    const op = q.ascending ? '>' : '<';
    const mode = cursorMode(q.cursor);
    if (mode === 'tuple') where.push(`(ts, digest) ${op} (${p(clampI64(q.cursor!.senderTimeNs).toString())}::bigint, ${p(q.cursor!.digest)}::bytea)`);
    else if (mode === 'digest') where.push(`digest ${op} ${p(q.cursor!.digest)}::bytea`);
    const dir = q.ascending ? 'ASC' : 'DESC';
    return `SELECT topic, ts, digest, octet_length(message) AS size, ${message} FROM envelopes WHERE ${where.join(' AND ')} ORDER BY ts ${dir}, digest ${dir} LIMIT ${p(q.limit)}`;
  }

  /** With inlineMax, messages above it are left out (octet_length of a stored value does not detoast it). */
  private async select(q: QuerySpec, inlineMax: number | null): Promise<ListedEnvelope[]> {
    const topics = [...new Set(q.topics)];
    const args: unknown[] = [...topics];
    const message = inlineMax === null ? 'message' : `CASE WHEN octet_length(message) <= ${Math.floor(inlineMax)} THEN message END AS message`;
    const parts = topics.map((_, i) => this.sqlFor(q, i + 1, args, message));
    const dir = q.ascending ? 'ASC' : 'DESC';
    const text =
      parts.length === 1 ? parts[0]! : `${parts.map((s) => `(${s})`).join(' UNION ALL ')} ORDER BY ts ${dir}, digest ${dir} LIMIT ${q.limit}`;
    const res = await this.pool.query<{ topic: string; ts: string; digest: Buffer; size: number; message: Buffer | null }>({
      name: parts.length === 1 ? `xmtp_q_${hash(text)}` : undefined,
      text,
      values: args,
    });
    return res.rows.map((r) => ({ topic: r.topic, ts: BigInt(r.ts), digest: r.digest, size: r.size, message: r.message }));
  }

  async query(q: QuerySpec): Promise<StoredEnvelope[]> {
    return (await this.select(q, null)).map(({ topic, ts, digest, message }) => ({ topic, ts, digest, message: message! }));
  }

  async list(q: QuerySpec, inlineMaxBytes: number): Promise<ListedEnvelope[]> {
    return this.select(q, inlineMaxBytes);
  }

  async messages(keys: EnvelopeKey[]): Promise<Array<Buffer | null>> {
    if (!keys.length) return [];
    const res = await this.pool.query<{ i: number; message: Buffer }>({
      name: 'xmtp_messages_by_key',
      text: `SELECT k.i, e.message FROM unnest($1::text[], $2::bigint[], $3::bytea[]) WITH ORDINALITY AS k(topic, ts, digest, i)
        JOIN envelopes e ON e.topic = k.topic AND e.ts = k.ts AND e.digest = k.digest`,
      values: [keys.map((k) => k.topic), keys.map((k) => k.ts.toString()), keys.map((k) => k.digest)],
    });
    const out: Array<Buffer | null> = keys.map(() => null);
    for (const r of res.rows) out[Number(r.i) - 1] = r.message;
    return out;
  }

  /** Rows by store id, in id order (for the LISTEN/NOTIFY fan-out). */
  /** The highest row id (0 when empty). */
  async maxSeq(): Promise<bigint> {
    const res = await this.pool.query<{ m: string | null }>('SELECT max(seq) AS m FROM envelopes');
    return BigInt(res.rows[0]?.m ?? 0);
  }

  /** Row ids after `seq`, in order, at most `limit` (read from the primary key alone). */
  async seqsAfter(seq: bigint, limit: number): Promise<bigint[]> {
    const res = await this.pool.query<{ seq: string }>({ name: 'xmtp_seqs_after', text: 'SELECT seq FROM envelopes WHERE seq > $1 ORDER BY seq LIMIT $2', values: [seq.toString(), limit] });
    return res.rows.map((r) => BigInt(r.seq));
  }

  async rowsBySeq(seqs: bigint[]): Promise<PgStored[]> {
    const res = await this.pool.query<{ seq: string; topic: string; ts: string; digest: Buffer; message: Buffer }>({
      name: 'xmtp_by_seq',
      text: 'SELECT seq, topic, ts, digest, message FROM envelopes WHERE seq = ANY($1::bigint[]) ORDER BY seq',
      values: [seqs.map(String)],
    });
    return res.rows.map((r) => ({ seq: BigInt(r.seq), topic: r.topic, ts: BigInt(r.ts), digest: r.digest, message: r.message }));
  }

  async bulkInsert(envelopes: StoredEnvelope[]): Promise<void> {
    // Seeding: no fan-out, nothing returned.
    for (let i = 0; i < envelopes.length; i += 20_000) {
      const rows = envelopes.slice(i, i + 20_000);
      await this.pool.query({
        name: 'xmtp_bulk_insert',
        text: `INSERT INTO envelopes (topic, ts, digest, message, received_ns)
          SELECT t, s, d, m, $5::bigint FROM unnest($1::text[], $2::bigint[], $3::bytea[], $4::bytea[]) AS u(t, s, d, m)
          ON CONFLICT (topic, ts, digest) DO NOTHING`,
        values: [
          binaryArray(OID_TEXT, rows, (e) => Buffer.from(e.topic, 'utf8')),
          int8Array(rows),
          binaryArray(OID_BYTEA, rows, (e) => e.digest),
          binaryArray(OID_BYTEA, rows, (e) => e.message),
          String(BigInt(Date.now()) * 1_000_000n),
        ],
      });
    }
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM envelopes');
    return Number(rows[0]!.n);
  }

  async fingerprints(ranges: TsRange[]): Promise<RangeFingerprint[]> {
    if (!ranges.length) return [];
    // One statement for all ranges; each is an index-only scan of envelopes_ts_fp.
    const res = await this.pool.query<{ n: string; a: string; b: string }>({
      name: 'xmtp_fingerprints',
      text: `SELECT f.n, f.a, f.b FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS r(lo, hi, i)
        CROSS JOIN LATERAL (SELECT count(*) AS n, coalesce(sum(fp_a), 0) AS a, coalesce(sum(fp_b), 0) AS b
          FROM envelopes WHERE ts BETWEEN r.lo AND r.hi) f ORDER BY r.i`,
      values: [ranges.map((r) => r.lo.toString()), ranges.map((r) => r.hi.toString())],
    });
    return res.rows.map((r) => ({ count: BigInt(r.n), a: BigInt(r.a), b: BigInt(r.b) }));
  }

  async rangeIds(range: TsRange, limit: number): Promise<EnvelopeId[]> {
    const res = await this.pool.query<{ ts: string; digest: Buffer }>({
      name: 'xmtp_range_ids',
      text: 'SELECT ts, digest FROM envelopes WHERE ts >= $1 AND ts <= $2 ORDER BY ts, digest LIMIT $3',
      values: [range.lo.toString(), range.hi.toString(), limit],
    });
    return res.rows.map((r) => ({ ts: BigInt(r.ts), digest: r.digest }));
  }

  async rangeEnvelopes(range: TsRange, after: EnvelopeId | null, limit: number): Promise<ProvenEnvelope[]> {
    const res = await this.pool.query<{ topic: string; ts: string; digest: Buffer; message: Buffer; meta: Buffer | null }>({
      name: after ? 'xmtp_range_envelopes_after' : 'xmtp_range_envelopes',
      text: `SELECT e.topic, e.ts, e.digest, e.message, p.meta FROM envelopes e LEFT JOIN proofs p ON p.ts = e.ts AND p.digest = e.digest
        WHERE e.ts >= $1 AND e.ts <= $2 ${after ? 'AND (e.ts, e.digest) > ($4::bigint, $5::bytea)' : ''} ORDER BY e.ts, e.digest LIMIT $3`,
      values: [range.lo.toString(), range.hi.toString(), limit, ...(after ? [after.ts.toString(), after.digest] : [])],
    });
    return res.rows.map((r) => ({ topic: r.topic, ts: BigInt(r.ts), digest: r.digest, message: r.message, meta: r.meta ?? undefined }));
  }

  async getByIds(ids: EnvelopeId[]): Promise<ProvenEnvelope[]> {
    if (!ids.length) return [];
    const res = await this.pool.query<{ topic: string; ts: string; digest: Buffer; message: Buffer; meta: Buffer | null }>({
      name: 'xmtp_get_by_ids',
      text: `SELECT e.topic, e.ts, e.digest, e.message, p.meta
        FROM unnest($1::bigint[], $2::bytea[]) AS i(ts, digest)
        JOIN envelopes e ON e.ts = i.ts AND e.digest = i.digest
        LEFT JOIN proofs p ON p.ts = e.ts AND p.digest = e.digest`,
      values: [ids.map((i) => i.ts.toString()), ids.map((i) => i.digest)],
    });
    return res.rows.map((r) => ({ topic: r.topic, ts: BigInt(r.ts), digest: r.digest, message: r.message, meta: r.meta ?? undefined }));
  }

  async saveProofs(proofs: Array<EnvelopeId & { meta: Buffer }>): Promise<void> {
    if (!proofs.length) return;
    await this.pool.query({
      name: 'xmtp_save_proofs',
      text: 'INSERT INTO proofs (ts, digest, meta) SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[]) ON CONFLICT DO NOTHING',
      values: [proofs.map((p) => p.ts.toString()), proofs.map((p) => p.digest), proofs.map((p) => p.meta)],
    });
  }

  async aclList(): Promise<AclEntry[]> {
    const { rows } = await this.pool.query<AclEntry>('SELECT address, permission, comment FROM acl ORDER BY address');
    return rows;
  }

  async aclSet(e: AclEntry): Promise<void> {
    await this.pool.query(
      `INSERT INTO acl (address, permission, comment) VALUES ($1, $2, $3)
       ON CONFLICT (address) DO UPDATE SET permission = excluded.permission, comment = excluded.comment`,
      [e.address.toLowerCase(), e.permission, e.comment],
    );
  }

  async aclRemove(address: string): Promise<boolean> {
    const r = await this.pool.query('DELETE FROM acl WHERE address = $1', [address.toLowerCase()]);
    return (r.rowCount ?? 0) > 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pump();
    if (this.inflight > 0) await new Promise<void>((r) => (this.drained = r));
    await this.pool.end();
  }
}

/**
 * $1…$4: topics, timestamps, digests, messages as arrays; $5: received_ns. Answers (i, seq) for each
 * new row: i = the 1-based position of its first occurrence in the arrays. With `notify` ($6 channel,
 * $7 node id) the same statement announces the new ids, at most 300 per notification (≤ 22 bytes
 * each) so every payload stays under 8000 bytes.
 */
function insertSql(notify: boolean): string {
  const notes = `,
    notes AS (
      SELECT pg_notify($6, json_build_object('n', $7::text, 's', array_agg(seq::text ORDER BY seq))::text)
      FROM (SELECT seq, (row_number() OVER (ORDER BY seq) - 1) / 300 AS g FROM ins) x GROUP BY g)`;
  return `WITH u AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::bytea[], $4::bytea[]) WITH ORDINALITY AS u(t, s, d, m, i)),
    ins AS (
      INSERT INTO envelopes (topic, ts, digest, message, received_ns)
      SELECT t, s, d, m, $5::bigint FROM u ORDER BY i
      ON CONFLICT (topic, ts, digest) DO NOTHING
      RETURNING seq, topic, ts, digest)${notify ? notes : ''}
    SELECT min(u.i)::int4 AS i, ins.seq${notify ? ', (SELECT count(*) FROM notes) AS notes' : ''}
    FROM ins JOIN u ON u.t = ins.topic AND u.s = ins.ts AND u.d = ins.digest
    GROUP BY ins.seq`;
}
const INSERT_SQL = insertSql(false);
const INSERT_NOTIFY_SQL = insertSql(true);

// Array parameters in PostgreSQL's binary format (array_recv): pg sends a Buffer parameter as
// binary, so the server reads the elements as they are instead of parsing an array literal of
// hex-escaped bytea. Layout: ndim, has-nulls flag, element type OID, length, lower bound, then each
// element as int32 length + bytes.
const OID_BYTEA = 17;
const OID_INT8 = 20;
const OID_TEXT = 25;

/** A one-dimensional array without NULLs; the elements go from offset 20. */
function arrayHeader(oid: number, count: number, bodyBytes: number): Buffer {
  const buf = Buffer.allocUnsafe(20 + bodyBytes);
  buf.writeInt32BE(1, 0);
  buf.writeInt32BE(0, 4);
  buf.writeUInt32BE(oid, 8);
  buf.writeInt32BE(count, 12);
  buf.writeInt32BE(1, 16);
  return buf;
}

function binaryArray<T>(oid: number, rows: T[], bytes: (row: T) => Buffer): Buffer {
  const items = rows.map(bytes);
  let size = 0;
  for (const b of items) size += 4 + b.length;
  const buf = arrayHeader(oid, items.length, size);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  let at = 20;
  for (const b of items) {
    view.setInt32(at, b.length);
    buf.set(b, at + 4);
    at += 4 + b.length;
  }
  return buf;
}

function int8Array(rows: StoredEnvelope[]): Buffer {
  const buf = arrayHeader(OID_INT8, rows.length, rows.length * 12);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  let at = 20;
  for (const e of rows) {
    if (e.ts < -MAX_INT64 - 1n || e.ts > MAX_INT64) throw new RangeError(`timestamp ${e.ts} out of range for bigint`);
    view.setInt32(at, 8);
    view.setBigInt64(at + 4, e.ts); // big-endian
    at += 12;
  }
  return buf;
}

function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}
