// In-process fan-out: topic → subscribers. Every envelope is serialized to JSON once and the same
// string is written to every subscriber of its topic.
import { envelopeJson } from '../json.ts';

export class OutEnvelope {
  private _json: string | undefined;
  private _line: Buffer | undefined;
  private _chunk: Buffer | undefined;
  private _ws: Buffer | undefined;
  constructor(readonly topic: string, readonly ts: bigint, readonly message: Buffer) {}
  /** proto3 JSON of the Envelope, computed once. */
  get json(): string {
    return (this._json ??= envelopeJson(this.topic, this.ts, this.message));
  }
  /** The HTTP stream line `{"result":…}\n`, encoded once for every subscriber. */
  get line(): Buffer {
    return (this._line ??= Buffer.from(`{"result":${this.json}}\n`));
  }
  /** The same line framed as one HTTP/1.1 chunk, ready for the socket. */
  get chunk(): Buffer {
    return (this._chunk ??= Buffer.concat([Buffer.from(`${this.line.length.toString(16)}\r\n`), this.line, CRLF]));
  }
  /** The WebSocket text frame payload. */
  get wsFrame(): Buffer {
    return (this._ws ??= Buffer.from(`{"type":"envelope","result":${this.json}}`));
  }
}

const CRLF = Buffer.from('\r\n');

export interface Subscriber {
  deliver(env: OutEnvelope): void;
}

export class Dispatcher {
  private byTopic = new Map<string, Set<Subscriber>>();
  private wildcard = new Set<Subscriber>();

  add(sub: Subscriber, topics: Iterable<string>): void {
    for (const t of topics) {
      let set = this.byTopic.get(t);
      if (!set) this.byTopic.set(t, (set = new Set()));
      set.add(sub);
    }
  }

  remove(sub: Subscriber, topics: Iterable<string>): void {
    for (const t of topics) {
      const set = this.byTopic.get(t);
      if (!set) continue;
      set.delete(sub);
      if (!set.size) this.byTopic.delete(t);
    }
  }

  /** SubscribeAll: every envelope on an /xmtp/0/ topic. */
  addAll(sub: Subscriber): void {
    this.wildcard.add(sub);
  }

  removeAll(sub: Subscriber): void {
    this.wildcard.delete(sub);
  }

  /** Subscribers of one topic (SubscribeAll subscribers not included). */
  count(topic: string): number {
    return this.byTopic.get(topic)?.size ?? 0;
  }

  get topicCount(): number {
    return this.byTopic.size;
  }

  /** Delivers in order; returns the number of deliveries. */
  dispatch(envelopes: OutEnvelope[]): number {
    let n = 0;
    for (const env of envelopes) {
      const set = this.byTopic.get(env.topic);
      if (set) {
        for (const sub of set) {
          sub.deliver(env);
          n++;
        }
      }
      if (this.wildcard.size && env.topic.startsWith('/xmtp/0/')) {
        for (const sub of this.wildcard) {
          sub.deliver(env);
          n++;
        }
      }
    }
    return n;
  }
}
