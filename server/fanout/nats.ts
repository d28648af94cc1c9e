// Cross-process fan-out over NATS (core pub/sub): one subject, envelopes carried whole (no database
// read on the receiving side). The server's max_payload must exceed the largest envelope (set it to
// at least 2 MB; nats-server's default is 1 MB).
import { connect, type NatsConnection, type Subscription } from 'nats';
import type { Logger } from '../log.ts';
import type { Bus, BusEnvelope } from './bus.ts';
import { OutEnvelope } from './dispatcher.ts';

export const SUBJECT = 'xmtp.envelopes';

// Frame: header JSON {"n": nodeId, "e": [[topic, ts, length], ...]} + "\n" + the messages back to back.
function encode(nodeId: string, envs: BusEnvelope[]): Uint8Array {
  const header = Buffer.from(JSON.stringify({ n: nodeId, e: envs.map((e) => [e.topic, e.ts.toString(), e.message.length]) }) + '\n');
  return Buffer.concat([header, ...envs.map((e) => e.message)]);
}

function decode(data: Uint8Array): { n: string; envs: OutEnvelope[] } {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const nl = buf.indexOf(10);
  const h = JSON.parse(buf.subarray(0, nl).toString()) as { n: string; e: Array<[string, string, number]> };
  let off = nl + 1;
  const envs = h.e.map(([topic, ts, len]) => {
    const msg = Buffer.from(buf.subarray(off, off + len));
    off += len;
    return new OutEnvelope(topic, BigInt(ts), msg);
  });
  return { n: h.n, envs };
}

export class NatsBus implements Bus {
  readonly name = 'nats';
  private nc: NatsConnection | null = null;
  private sub: Subscription | null = null;

  constructor(private url: string, private nodeId: string, private log: Logger) {}

  async start(onEnvelopes: (envs: OutEnvelope[]) => void): Promise<void> {
    this.nc = await connect({ servers: this.url, name: `xmtp-node-${this.nodeId.slice(0, 8)}`, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    this.sub = this.nc.subscribe(SUBJECT, {
      callback: (err, msg) => {
        if (err) {
          this.log.error('NATS subscription error', { err: String(err) });
          return;
        }
        try {
          const { n, envs } = decode(msg.data);
          if (n !== this.nodeId) onEnvelopes(envs);
        } catch (e) {
          this.log.error('bad NATS fan-out frame', { err: String(e) });
        }
      },
    });
    await this.nc.flush();
    void (async () => {
      for await (const s of this.nc!.status()) this.log.info('NATS status', { type: s.type, data: String(s.data) });
    })().catch(() => {});
  }

  async publish(stored: BusEnvelope[], ephemeral: BusEnvelope[]): Promise<void> {
    const nc = this.nc;
    if (!nc) throw new Error('NATS bus not started');
    const all = [...stored, ...ephemeral];
    const max = nc.info?.max_payload ?? 1024 * 1024;
    const frame = encode(this.nodeId, all);
    if (frame.length <= max) {
      nc.publish(SUBJECT, frame);
      return;
    }
    for (const e of all) {
      const f = encode(this.nodeId, [e]);
      if (f.length > max) throw new Error(`envelope of ${e.message.length} bytes exceeds the NATS max_payload ${max}`);
      nc.publish(SUBJECT, f);
    }
  }

  async close(): Promise<void> {
    if (!this.nc) return;
    this.sub?.unsubscribe();
    await this.nc.drain().catch(() => {});
    this.nc = null;
  }
}
