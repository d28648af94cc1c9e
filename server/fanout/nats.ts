// Cross-process fan-out over NATS (core pub/sub): one subject, envelopes carried whole, so the
// receiving processes need no database read. Publishes handed over together (all the requests of
// one group commit resume in the same tick) leave in one frame, in the order they were handed over,
// and the connection asks the server not to echo its own frames back. A frame larger than the
// server's max_payload (a near-1 MiB envelope with the default 1 MB limit) is split into parts and
// reassembled; parts of one frame come from one connection, and NATS keeps their order. Stored
// envelopes carry their row id, so that after a reconnect the rows stored meanwhile can be handed on
// without repeating those already heard (missed-rows.ts).
import { randomUUID } from 'node:crypto';
import { connect, Events, type NatsConnection, type Subscription } from 'nats';
import type { Logger } from '../log.ts';
import type { PgStore } from '../store/postgres.ts';
import type { Bus, BusEnvelope } from './bus.ts';
import { OutEnvelope } from './dispatcher.ts';
import { MissedRows } from './missed-rows.ts';

export const SUBJECT = 'xmtp.envelopes';
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

// Frame: header JSON + "\n" + body.
//   {"n": nodeId, "e": [[topic, ts, length, seq?], ...]}  body = the messages back to back; seq: the
//                                                         row id of a stored envelope, as a string
//   {"n": nodeId, "p": [frameId, index, count]}      body = one slice of an encoded frame of the first kind
function frame(header: object, body: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from(JSON.stringify(header) + '\n'), ...body]);
}

type Entry = [topic: string, ts: string, length: number, seq?: string];

function parse(data: Uint8Array): { h: { n: string; e?: Entry[]; p?: [string, number, number] }; body: Buffer } {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const nl = buf.indexOf(10);
  return { h: JSON.parse(buf.subarray(0, nl).toString()), body: buf.subarray(nl + 1) };
}

export class NatsBus implements Bus {
  readonly name = 'nats';
  private nc: NatsConnection | null = null;
  private sub: Subscription | null = null;
  private parts = new Map<string, Buffer[]>();
  /** Envelopes handed over in this tick, sent together on the next process.nextTick. */
  private outgoing: BusEnvelope[] = [];
  private sending: Promise<void> | null = null;
  private missed: MissedRows;
  private catchingUp: Promise<void> = Promise.resolve();

  constructor(private url: string, private nodeId: string, private log: Logger, store: PgStore) {
    this.missed = new MissedRows(store, log);
  }

  async start(onEnvelopes: (envs: OutEnvelope[]) => void): Promise<void> {
    await this.missed.start();
    this.nc = await connect({
      servers: this.url,
      name: `xmtp-node-${this.nodeId.slice(0, 8)}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      // Our own frames are never delivered back to us (the node id check below stays as a guard).
      noEcho: true,
    });
    const deliver = (data: Uint8Array) => {
      const { h, body } = parse(data);
      if (h.n === this.nodeId) return;
      if (h.p) {
        const [id, index, count] = h.p;
        const got = this.parts.get(id) ?? [];
        got[index] = Buffer.from(body);
        this.parts.set(id, got);
        if (got.filter(Boolean).length === count) {
          this.parts.delete(id);
          deliver(Buffer.concat(got));
        }
        return;
      }
      let off = 0;
      const out: OutEnvelope[] = [];
      for (const [topic, ts, len, seq] of h.e ?? []) {
        const msg = body.subarray(off, off + len);
        off += len;
        // a row a catch-up already handed on is not handed on again
        if (seq === undefined || this.missed.note(BigInt(seq))) out.push(new OutEnvelope(topic, BigInt(ts), Buffer.from(msg)));
      }
      if (out.length) onEnvelopes(out);
    };
    this.sub = this.nc.subscribe(SUBJECT, {
      callback: (err, msg) => {
        if (err) {
          this.log.error('NATS subscription error', { err: String(err) });
          return;
        }
        try {
          deliver(msg.data);
        } catch (e) {
          this.log.error('bad NATS fan-out frame', { err: String(e) });
        }
      },
    });
    await this.nc.flush();
    void (async () => {
      for await (const s of this.nc!.status()) {
        this.log.info('NATS status', { type: s.type, data: String(s.data) });
        // subscribed again: what others stored from now on is heard; what they stored before is read
        if (s.type === Events.Reconnect) this.catchingUp = this.catchingUp.then(() => this.missed.catchUp(onEnvelopes)).catch((err) => this.log.error('reading the envelopes stored while NATS was away failed', { err: String(err) }));
      }
    })().catch(() => {});
  }

  publish(stored: BusEnvelope[], ephemeral: BusEnvelope[]): Promise<void> {
    if (!this.nc) return Promise.reject(new Error('NATS bus not started'));
    for (const e of stored) {
      // this process delivers its own rows itself: a catch-up must not hand them on again
      if (e.seq !== undefined) this.missed.note(e.seq);
      this.outgoing.push(e);
    }
    for (const e of ephemeral) this.outgoing.push(e);
    // The other requests of the same group commit resume in this same tick (microtasks): wait for
    // them, then send one frame for all.
    return (this.sending ??= new Promise<void>((resolve, reject) =>
      process.nextTick(() => {
        const all = this.outgoing;
        this.outgoing = [];
        this.sending = null;
        try {
          this.send(all);
          resolve();
        } catch (err) {
          reject(err);
        }
      }),
    ));
  }

  private send(all: BusEnvelope[]): void {
    const nc = this.nc;
    if (!nc) throw new Error('NATS bus not started');
    const max = nc.info?.max_payload ?? 1024 * 1024;
    // Frames of whole envelopes up to max_payload (the size estimate is an upper bound: JSON may
    // escape at most every topic character, twice as long); an envelope that alone does not fit
    // goes in parts.
    let group: BusEnvelope[] = [];
    let size = 64;
    const flush = () => {
      if (group.length) this.sendFrame(nc, group, max);
      group = [];
      size = 64;
    };
    for (const e of all) {
      const est = 2 * e.topic.length + 72 + e.message.length;
      if (group.length && size + est > max) flush();
      group.push(e);
      size += est;
    }
    flush();
  }

  private sendFrame(nc: NatsConnection, envs: BusEnvelope[], max: number): void {
    const entries = envs.map((e): Entry => (e.seq === undefined ? [e.topic, e.ts.toString(), e.message.length] : [e.topic, e.ts.toString(), e.message.length, e.seq.toString()]));
    const f = frame({ n: this.nodeId, e: entries }, envs.map((e) => e.message));
    if (f.length <= max) {
      nc.publish(SUBJECT, f);
      return;
    }
    const id = randomUUID();
    const size = max - 256; // room for the part header
    const count = Math.ceil(f.length / size);
    for (let i = 0; i < count; i++) nc.publish(SUBJECT, frame({ n: this.nodeId, p: [id, i, count] }, [f.subarray(i * size, (i + 1) * size)]));
  }

  async close(): Promise<void> {
    if (!this.nc) return;
    this.sub?.unsubscribe();
    await this.nc.drain().catch(() => {});
    await this.catchingUp;
    this.nc = null;
  }
}
