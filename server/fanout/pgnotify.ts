// Cross-process fan-out over PostgreSQL LISTEN/NOTIFY. A NOTIFY payload is limited to 8000 bytes,
// so stored envelopes are announced by row id (the receivers read the rows) — by the store's INSERT
// statement itself (PgStore option `notify`), so announcing costs no extra round trip — and ephemeral
// envelopes travel inline when they fit, else through the short-lived `relay` table (never queried
// by the API, purged after a minute).
//
// A reconnected listener hands on the rows stored while it was away (missed-rows.ts).
import pg from 'pg';
import type { Logger } from '../log.ts';
import type { PgStore } from '../store/postgres.ts';
import type { StoredEnvelope } from '../store/types.ts';
import type { Bus, BusEnvelope } from './bus.ts';
import { OutEnvelope } from './dispatcher.ts';
import { MissedRows } from './missed-rows.ts';

export const CHANNEL = 'xmtp_envelopes';
const MAX_PAYLOAD = 7900;
/** A request, queued with the notifications, to read the rows stored while LISTEN was down. */
const CATCH_UP = Symbol('catch-up');

type Note =
  | { n: string; s: string[] } // stored rows by seq
  | { n: string; e: [string, string, string] } // inline ephemeral: topic, ts, base64 message
  | { n: string; r: string }; // ephemeral parked in the relay table

export class PgNotifyBus implements Bus {
  readonly name = 'pg-notify';
  private listener: pg.Client | null = null;
  private onEnvelopes: ((envs: OutEnvelope[]) => void) | null = null;
  private chain: Promise<void> = Promise.resolve();
  private pending: Array<string | typeof CATCH_UP> = [];
  private missed: MissedRows;
  private draining = false;
  private stopped = false;
  private purgeTimer: NodeJS.Timeout | undefined;
  private reconnectDelay = 100;

  /** insertNotifies: the store announces stored rows itself (same statement as the INSERT). */
  constructor(private store: PgStore, private nodeId: string, private log: Logger, private insertNotifies = true) {
    this.missed = new MissedRows(store, log);
  }

  async start(onEnvelopes: (envs: OutEnvelope[]) => void): Promise<void> {
    this.onEnvelopes = onEnvelopes;
    await this.missed.start();
    await this.connect();
    this.purgeTimer = setInterval(() => {
      this.store.pool.query(`DELETE FROM relay WHERE created_at < now() - interval '1 minute'`).catch(() => {});
    }, 30_000);
    this.purgeTimer.unref();
  }

  private async connect(reconnecting = false): Promise<void> {
    const client = new pg.Client({ connectionString: this.store.url, application_name: 'xmtp-listen' });
    client.on('notification', (msg) => {
      if (msg.channel === CHANNEL && msg.payload) this.enqueue(msg.payload);
    });
    client.on('error', (err) => {
      this.log.error('LISTEN connection lost; reconnecting', { err: String(err) });
      this.reconnect(client);
    });
    client.on('end', () => this.reconnect(client));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
    this.reconnectDelay = 100;
    // Listening again: what was stored from now on is announced; what was stored before is read.
    if (reconnecting) this.enqueue(CATCH_UP);
  }

  private enqueue(item: string | typeof CATCH_UP): void {
    this.pending.push(item);
    if (!this.draining) this.chain = this.drain();
  }

  private reconnect(old: pg.Client): void {
    if (this.stopped || this.listener !== old) return;
    this.listener = null;
    old.end().catch(() => {});
    const retry = () => {
      if (this.stopped) return;
      this.connect(true).catch((err) => {
        this.log.error('LISTEN reconnect failed', { err: String(err) });
        this.reconnectDelay = Math.min(this.reconnectDelay * 2, 5000);
        setTimeout(retry, this.reconnectDelay).unref();
      });
    };
    setTimeout(retry, this.reconnectDelay).unref();
  }

  /**
   * Handles notifications in arrival order. Everything that arrived while the previous read was in
   * flight is handled together, with one read for all announced rows, so a slow database never
   * builds a growing backlog of one-row reads. A catch-up is done in its turn, after what was heard
   * before it.
   */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.length) {
        let notes: Note[] = [];
        for (const item of this.pending.splice(0)) {
          if (item !== CATCH_UP) {
            const note = this.parse(item);
            if (note && note.n !== this.nodeId) notes.push(note);
            continue;
          }
          await this.deliver(notes).catch((err) => this.log.error('fan-out receive failed', { err: String(err) }));
          notes = [];
          await this.catchUp().catch((err) => this.log.error('reading the envelopes stored while LISTEN was down failed', { err: String(err) }));
        }
        await this.deliver(notes).catch((err) => this.log.error('fan-out receive failed', { err: String(err) }));
      }
    } finally {
      this.draining = false;
    }
  }

  private parse(payload: string): Note | null {
    try {
      return JSON.parse(payload) as Note;
    } catch (err) {
      this.log.error('bad fan-out notification', { err: String(err) });
      return null;
    }
  }

  private async deliver(notes: Note[]): Promise<void> {
    if (!notes.length || !this.onEnvelopes) return;
    // a row the catch-up already handed on may be announced too (committed while it read)
    const fresh = new Map<Note, bigint[]>();
    for (const n of notes) if ('s' in n) fresh.set(n, n.s.map((s) => BigInt(s)).filter((s) => this.missed.note(s)));
    const seqs = [...fresh.values()].flat();
    const bySeq = new Map<bigint, StoredEnvelope>();
    if (seqs.length) for (const r of await this.store.rowsBySeq(seqs)) bySeq.set(r.seq, r);
    const out: OutEnvelope[] = [];
    for (const note of notes) {
      if ('s' in note) {
        for (const s of fresh.get(note)!) {
          const r = bySeq.get(s);
          if (r) out.push(new OutEnvelope(r.topic, r.ts, r.message));
        }
      } else if ('e' in note) {
        out.push(new OutEnvelope(note.e[0], BigInt(note.e[1]), Buffer.from(note.e[2], 'base64')));
      } else {
        const r = await this.store.pool.query<{ topic: string; ts: string; message: Buffer }>('SELECT topic, ts, message FROM relay WHERE id = $1', [note.r]);
        for (const x of r.rows) out.push(new OutEnvelope(x.topic, BigInt(x.ts), x.message));
      }
    }
    if (out.length) this.onEnvelopes(out);
  }

  private async catchUp(): Promise<void> {
    if (this.onEnvelopes) await this.missed.catchUp(this.onEnvelopes);
  }

  async publish(stored: BusEnvelope[], ephemeral: BusEnvelope[]): Promise<void> {
    // this process delivered its own rows itself: a catch-up must not hand them on again
    for (const e of stored) if (e.seq !== undefined) this.missed.note(e.seq);
    const payloads: string[] = [];
    const n = this.nodeId;
    let seqs: string[] = [];
    let size = 0;
    for (const e of this.insertNotifies ? [] : stored) {
      if (e.seq === undefined) continue;
      const s = e.seq.toString();
      if (size + s.length + 3 > MAX_PAYLOAD - 60) {
        payloads.push(JSON.stringify({ n, s: seqs }));
        seqs = [];
        size = 0;
      }
      seqs.push(s);
      size += s.length + 3;
    }
    if (seqs.length) payloads.push(JSON.stringify({ n, s: seqs }));
    for (const e of ephemeral) {
      const inline = JSON.stringify({ n, e: [e.topic, e.ts.toString(), e.message.toString('base64')] });
      if (Buffer.byteLength(inline) <= MAX_PAYLOAD) payloads.push(inline);
      else {
        const r = await this.store.pool.query<{ id: string }>('INSERT INTO relay (topic, ts, message) VALUES ($1, $2, $3) RETURNING id', [
          e.topic,
          e.ts.toString(),
          e.message,
        ]);
        payloads.push(JSON.stringify({ n, r: r.rows[0]!.id }));
      }
    }
    if (!payloads.length) return;
    await this.store.pool.query({
      name: 'xmtp_notify',
      text: `SELECT pg_notify('${CHANNEL}', p) FROM unnest($1::text[]) WITH ORDINALITY AS u(p, i) ORDER BY i`,
      values: [payloads],
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.purgeTimer);
    const l = this.listener;
    this.listener = null;
    if (l) await l.end().catch(() => {});
    await this.chain.catch(() => {});
  }
}
