// Cross-process fan-out over PostgreSQL LISTEN/NOTIFY. A NOTIFY payload is limited to 8000 bytes,
// so stored envelopes are announced by row id (the receivers read the rows) — by the store's INSERT
// statement itself (PgStore option `notify`), so announcing costs no extra round trip — and ephemeral
// envelopes travel inline when they fit, else through the short-lived `relay` table (never queried
// by the API, purged after a minute).
import pg from 'pg';
import type { Logger } from '../log.ts';
import type { PgStore } from '../store/postgres.ts';
import type { StoredEnvelope } from '../store/types.ts';
import type { Bus, BusEnvelope } from './bus.ts';
import { OutEnvelope } from './dispatcher.ts';

export const CHANNEL = 'xmtp_envelopes';
const MAX_PAYLOAD = 7900;

type Note =
  | { n: string; s: string[] } // stored rows by seq
  | { n: string; e: [string, string, string] } // inline ephemeral: topic, ts, base64 message
  | { n: string; r: string }; // ephemeral parked in the relay table

export class PgNotifyBus implements Bus {
  readonly name = 'pg-notify';
  private listener: pg.Client | null = null;
  private onEnvelopes: ((envs: OutEnvelope[]) => void) | null = null;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private purgeTimer: NodeJS.Timeout | undefined;
  private reconnectDelay = 100;

  /** insertNotifies: the store announces stored rows itself (same statement as the INSERT). */
  constructor(private store: PgStore, private nodeId: string, private log: Logger, private insertNotifies = true) {}

  async start(onEnvelopes: (envs: OutEnvelope[]) => void): Promise<void> {
    this.onEnvelopes = onEnvelopes;
    await this.connect();
    this.purgeTimer = setInterval(() => {
      this.store.pool.query(`DELETE FROM relay WHERE created_at < now() - interval '1 minute'`).catch(() => {});
    }, 30_000);
    this.purgeTimer.unref();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.store.url, application_name: 'xmtp-listen' });
    client.on('notification', (msg) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      this.chain = this.chain.then(() => this.receive(msg.payload!)).catch((err) => this.log.error('fan-out receive failed', { err: String(err) }));
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
  }

  private reconnect(old: pg.Client): void {
    if (this.stopped || this.listener !== old) return;
    this.listener = null;
    old.end().catch(() => {});
    const retry = () => {
      if (this.stopped) return;
      this.connect().catch((err) => {
        this.log.error('LISTEN reconnect failed', { err: String(err) });
        this.reconnectDelay = Math.min(this.reconnectDelay * 2, 5000);
        setTimeout(retry, this.reconnectDelay).unref();
      });
    };
    setTimeout(retry, this.reconnectDelay).unref();
  }

  private async receive(payload: string): Promise<void> {
    const note = JSON.parse(payload) as Note;
    if (note.n === this.nodeId || !this.onEnvelopes) return;
    let rows: StoredEnvelope[];
    if ('s' in note) rows = await this.store.rowsBySeq(note.s.map((s) => BigInt(s)));
    else if ('e' in note) rows = [{ topic: note.e[0], ts: BigInt(note.e[1]), message: Buffer.from(note.e[2], 'base64'), digest: Buffer.alloc(0) }];
    else {
      const r = await this.store.pool.query<{ topic: string; ts: string; message: Buffer }>('SELECT topic, ts, message FROM relay WHERE id = $1', [note.r]);
      rows = r.rows.map((x) => ({ topic: x.topic, ts: BigInt(x.ts), message: x.message, digest: Buffer.alloc(0) }));
    }
    if (rows.length) this.onEnvelopes(rows.map((r) => new OutEnvelope(r.topic, r.ts, r.message)));
  }

  async publish(stored: BusEnvelope[], ephemeral: BusEnvelope[]): Promise<void> {
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
