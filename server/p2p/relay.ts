// Waku Relay for XMTP envelopes: each envelope travels as one WakuMessage (payload = the envelope's
// message, content_topic, timestamp = timestampNs, meta = the publisher's proof where its topic needs
// one) on the network's single pubsub topic. Every message from a peer passes a per-peer rate limit
// and the same checks as a client's publish (trust.ts) inside gossipsub's validator, so a refused
// message is neither stored nor forwarded and counts against the peer's score.
import { createHash } from 'node:crypto';
import { TopicValidatorResult, type Message, type PeerId } from '@libp2p/interface';
import type { Logger } from '../log.ts';
import { RateLimiter } from '../ratelimit.ts';
import type { ProvenEnvelope } from '../store/types.ts';
import type { Host, Penalties } from './host.ts';
import type { NetworkMetrics } from './metrics.ts';
import type { Trust } from './trust.ts';
import { decodeWakuMessage, encodeWakuMessage, PUBSUB_TOPIC, type WakuMessage } from './wire.ts';

export interface RelayOptions {
  host: Host;
  trust: Trust;
  penalties: Penalties;
  metrics: NetworkMetrics;
  log: Logger;
  /** Stores and delivers what peers relayed (batched). */
  ingest: (envelopes: ProvenEnvelope[]) => Promise<number>;
  /** Messages a peer may relay to us: burst and per minute. */
  burst: number;
  perMinute: number;
}

export class Relay {
  private limiter: RateLimiter;
  private pending: ProvenEnvelope[] = [];
  private flushing = false;
  private refusals = new Map<string, { count: number; lastLog: number; reason: string }>();

  constructor(private o: RelayOptions) {
    this.limiter = new RateLimiter({
      publish: { burst: o.burst, perMinute: o.perMinute, priorityMultiplier: 1 },
      query: { burst: 1, perMinute: 1, priorityMultiplier: 1 },
    });
  }

  start(): void {
    const pubsub = this.o.host.services.pubsub;
    pubsub.topicValidators.set(PUBSUB_TOPIC, (peer, msg) => this.validate(peer, msg));
    pubsub.subscribe(PUBSUB_TOPIC);
  }

  /** Sends envelopes this node accepted (from its clients) to the network. */
  async publish(envelopes: ProvenEnvelope[]): Promise<void> {
    const pubsub = this.o.host.services.pubsub;
    for (const e of envelopes) {
      const data = encodeWakuMessage({ payload: e.message, contentTopic: e.topic, timestamp: e.ts, meta: e.meta });
      await pubsub.publish(PUBSUB_TOPIC, data);
      this.o.metrics.relay.inc({ direction: 'out' });
    }
  }

  private validate(peer: PeerId, msg: Message): TopicValidatorResult {
    const key = peer.toString();
    let m: WakuMessage;
    try {
      this.limiter.spend(key, 'publish', 1);
    } catch {
      return this.refuse(key, 'rate limited');
    }
    try {
      m = decodeWakuMessage(msg.data);
    } catch {
      return this.refuse(key, 'not a WakuMessage');
    }
    const v = this.o.trust.check(m, true);
    if (!v.ok) return this.refuse(key, v.reason);
    this.queue({ topic: m.contentTopic, ts: m.timestamp, message: m.payload, digest: createHash('sha256').update(m.contentTopic).update(m.payload).digest(), meta: m.meta });
    this.o.metrics.relay.inc({ direction: 'in', outcome: 'accepted' });
    return TopicValidatorResult.Accept;
  }

  /** Reject: gossipsub drops the message, does not forward it, and lowers the peer's score. */
  private refuse(peer: string, reason: string): TopicValidatorResult {
    this.o.metrics.relay.inc({ direction: 'in', outcome: 'refused' });
    // One log line per peer per 10 s, with the count, so a flood cannot flood the log too.
    const now = Date.now();
    const r = this.refusals.get(peer) ?? { count: 0, lastLog: 0, reason };
    r.count++;
    r.reason = reason;
    if (now - r.lastLog > 10_000) {
      this.o.log.warn('refused envelopes relayed by a peer', { peer, count: r.count, reason });
      r.count = 0;
      r.lastLog = now;
    }
    this.refusals.set(peer, r);
    if (this.refusals.size > 10_000) this.refusals.delete(this.refusals.keys().next().value!);
    return TopicValidatorResult.Reject;
  }

  private queue(e: ProvenEnvelope): void {
    this.pending.push(e);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => void this.flush());
    }
  }

  private async flush(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.o.ingest(batch);
      } catch (err) {
        // Not lost for good: repair fetches it again from a peer.
        this.o.log.error('storing relayed envelopes failed', { count: batch.length, err: String(err) });
      }
    }
    this.flushing = false;
  }

  stop(): void {
    this.limiter.close();
  }
}
