// Repair after downtime or a partition: every `intervalMs`, and at once when a peer connects, the
// node reconciles its store with each connected peer (reconcile.ts) over a request/response stream
// protocol of its own (one length-prefixed RepairRequest, one RepairResponse, per stream). Answers
// are bounded (ranges, ids and bytes per answer) and requests are rate limited per peer; an answer
// that breaks the protocol or carries envelopes we did not ask for, or that a client could not have
// published, costs the peer score.
import { createHash } from 'node:crypto';
import type { PeerId } from '@libp2p/interface';
import { lpStream } from 'it-length-prefixed-stream';
import type { Logger } from '../log.ts';
import { RateLimiter } from '../ratelimit.ts';
import type { ProvenEnvelope, Store } from '../store/types.ts';
import { idKey, MAX_INT64 } from '../store/types.ts';
import type { Host, Penalties } from './host.ts';
import { LIMITS, reconcile, roundRanges, type RangeSource, type ReconcileResult } from './reconcile.ts';
import type { Trust } from './trust.ts';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, type Id, type RepairRequest, type RepairResponse, type WakuMessage } from './wire.ts';
import type { NetworkMetrics } from './metrics.ts';

export const REPAIR_PROTOCOL = '/xmtp-inbox/repair/1.0.0';

/** Bytes of envelopes in one fetch answer (a single envelope may exceed it: then it travels alone). */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
const MAX_REQUEST_BYTES = 256 * 1024;
const MAX_RESPONSE_BYTES = MAX_ANSWER_BYTES + 2 * 1024 * 1024;
// A request to a peer that went away (a cut link is noticed late) must not hold its peer's next round long.
const REQUEST_TIMEOUT_MS = 10_000;

const validRange = (r: { lo: bigint; hi: bigint }) => r.lo >= 0n && r.lo <= r.hi && r.hi <= MAX_INT64;

/** The answer to one request, from the local store, within the protocol's bounds. */
export async function answer(store: Store, req: RepairRequest): Promise<Partial<RepairResponse>> {
  switch (req.kind) {
    case 'fingerprints': {
      if (req.ranges.length > LIMITS.maxRanges) return { error: `at most ${LIMITS.maxRanges} ranges` };
      if (!req.ranges.every(validRange)) return { error: 'invalid range' };
      return { fingerprints: await store.fingerprints(req.ranges) };
    }
    case 'ids': {
      if (!validRange(req.range)) return { error: 'invalid range' };
      return { ids: await store.rangeIds(req.range, Math.min(Math.max(req.limit, 1), LIMITS.maxIds)) };
    }
    case 'fetch': {
      if (req.ids.length > LIMITS.maxIds) return { error: `at most ${LIMITS.maxIds} ids` };
      if (!req.ids.every((i) => i.ts >= 0n && i.ts <= MAX_INT64 && i.digest.length === 32)) return { error: 'invalid id' };
      const found = new Map((await store.getByIds(req.ids)).map((e) => [idKey(e), e]));
      const messages: WakuMessage[] = [];
      let bytes = 0;
      let done = 0;
      for (const id of req.ids) {
        const e = found.get(idKey(id));
        const size = e ? e.message.length + (e.meta?.length ?? 0) + e.topic.length : 0;
        if (done > 0 && bytes + size > MAX_ANSWER_BYTES) break;
        if (e) messages.push({ payload: e.message, contentTopic: e.topic, timestamp: e.ts, meta: e.meta });
        bytes += size;
        done++;
      }
      // `ids` echoes the prefix of the request this answer covers.
      return { messages, ids: req.ids.slice(0, done) };
    }
    case 'pull': {
      if (!validRange(req.range)) return { error: 'invalid range' };
      const rows = await store.rangeEnvelopes(req.range, req.after, LIMITS.maxIds);
      const messages: WakuMessage[] = [];
      let bytes = 0;
      for (const e of rows) {
        const size = e.message.length + (e.meta?.length ?? 0) + e.topic.length;
        if (messages.length > 0 && bytes + size > MAX_ANSWER_BYTES) break;
        messages.push({ payload: e.message, contentTopic: e.topic, timestamp: e.ts, meta: e.meta });
        bytes += size;
      }
      // `ids` holds the cursor to ask after when the range may hold more; empty when it is exhausted.
      const last = rows[messages.length - 1];
      return { messages, ids: messages.length < rows.length || rows.length === LIMITS.maxIds ? [{ ts: last!.ts, digest: last!.digest }] : [] };
    }
  }
}

// A received envelope's digest is needed to check the answer and again to store it: computed once.
const digests = new WeakMap<WakuMessage, Buffer>();
function digestOf(m: WakuMessage): Buffer {
  let d = digests.get(m);
  if (!d) digests.set(m, (d = createHash('sha256').update(m.contentTopic).update(m.payload).digest()));
  return d;
}
const compareIds = (x: Id, y: Id) => (x.ts !== y.ts ? (x.ts < y.ts ? -1 : 1) : Buffer.compare(x.digest, y.digest));

export interface RepairOptions {
  host: Host;
  store: Store;
  trust: Trust;
  penalties: Penalties;
  metrics: NetworkMetrics;
  log: Logger;
  /** Stores what was accepted; resolves with how many were new. */
  ingest: (envelopes: ProvenEnvelope[]) => Promise<number>;
  intervalMs: number;
  /** Envelopes stamped within this much of now are left to the relay (still in flight). */
  settleMs: number;
  /** Requests a peer may make (burst, per minute). */
  requestBurst: number;
  requestsPerMinute: number;
}

export class Repair {
  private timer: NodeJS.Timeout | undefined;
  private limiter: RateLimiter;
  /** One round at a time per peer; a request for another while one runs queues exactly one more. */
  private running = new Map<string, Promise<void>>();
  private again = new Set<string>();
  private stopped = false;

  constructor(private o: RepairOptions) {
    this.limiter = new RateLimiter({
      publish: { burst: 1, perMinute: 1, priorityMultiplier: 1 },
      query: { burst: o.requestBurst, perMinute: o.requestsPerMinute, priorityMultiplier: 1 },
    });
  }

  async start(): Promise<void> {
    await this.o.host.handle(REPAIR_PROTOCOL, ({ stream, connection }) => void this.serve(stream, connection.remotePeer), {
      maxInboundStreams: LIMITS.concurrency * 2,
      maxOutboundStreams: LIMITS.concurrency * 2,
    });
    this.timer = setInterval(() => this.all(), this.o.intervalMs);
    this.timer.unref();
  }

  /** Starts a round with every connected peer (those already in one get another after it). */
  all(): void {
    for (const p of this.o.host.getPeers()) this.with(p);
  }

  /** A round with one peer; resolves when it (and a round queued meanwhile) is over. */
  with(peer: PeerId): Promise<void> {
    const key = peer.toString();
    const cur = this.running.get(key);
    if (cur) {
      this.again.add(key);
      return cur;
    }
    const run = (async () => {
      do {
        this.again.delete(key);
        await this.round(peer);
      } while (this.again.has(key) && !this.stopped);
    })().finally(() => this.running.delete(key));
    this.running.set(key, run);
    return run;
  }

  private async round(peer: PeerId): Promise<void> {
    if (this.stopped) return;
    const key = peer.toString();
    const t0 = performance.now();
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    try {
      const r: ReconcileResult = await reconcile(this.o.store, this.source(peer), roundRanges(nowNs, BigInt(this.o.settleMs) * 1_000_000n), (msgs) => this.accept(peer, msgs));
      this.o.metrics.repairRounds.inc({ outcome: 'ok' });
      this.o.metrics.repairEnvelopes.inc({ outcome: 'fetched' }, r.fetched);
      this.o.metrics.repairEnvelopes.inc({ outcome: 'stored' }, r.accepted);
      if (r.fetched) this.o.log.info('repaired from peer', { peer: key, ranges: r.ranges, fetched: r.fetched, stored: r.accepted, ms: Math.round(performance.now() - t0) });
    } catch (err) {
      this.o.metrics.repairRounds.inc({ outcome: 'failed' });
      if (!this.stopped) this.o.log.warn('repair round failed', { peer: key, err: String((err as Error)?.message ?? err) });
    }
  }

  private async accept(peer: PeerId, msgs: WakuMessage[]): Promise<number> {
    const ok: ProvenEnvelope[] = [];
    for (const m of msgs) {
      const v = this.o.trust.check(m, false);
      if (!v.ok) {
        // An honest node stores only what passed these same checks.
        this.o.penalties.add(peer.toString(), 10);
        this.o.metrics.repairEnvelopes.inc({ outcome: 'refused' });
        this.o.log.warn('refused a repaired envelope', { peer: peer.toString(), topic: m.contentTopic.slice(0, 80), reason: v.reason });
        continue;
      }
      ok.push({ topic: m.contentTopic, ts: m.timestamp, message: m.payload, digest: digestOf(m), meta: m.meta });
    }
    return ok.length ? this.o.ingest(ok) : 0;
  }

  /** The peer's store, as reconcile() sees it. */
  private source(peer: PeerId): RangeSource {
    const call = async (req: RepairRequest): Promise<RepairResponse> => {
      // negotiateFully: false sends the protocol id with the request (one round trip per request, not two).
      const stream = await this.o.host.dialProtocol(peer, REPAIR_PROTOCOL, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), negotiateFully: false });
      try {
        const lp = lpStream(stream, { maxDataLength: MAX_RESPONSE_BYTES });
        const bytes = encodeRequest(req);
        await lp.write(bytes, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        const data = (await lp.read({ signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })).subarray();
        this.o.metrics.repairBytes.inc({ direction: 'sent' }, bytes.length);
        this.o.metrics.repairBytes.inc({ direction: 'received' }, data.length);
        const res = decodeResponse(data);
        if (res.error) throw new Error(`peer refused: ${res.error}`);
        return res;
      } finally {
        await stream.close().catch(() => stream.abort(new Error('closing')));
      }
    };
    const misbehaved = (what: string): never => {
      this.o.penalties.add(peer.toString(), 20);
      throw new Error(`peer broke the repair protocol: ${what}`);
    };
    return {
      fingerprints: async (ranges) => {
        const r = await call({ kind: 'fingerprints', ranges });
        if (r.fingerprints.length !== ranges.length) misbehaved('wrong number of fingerprints');
        return r.fingerprints;
      },
      ids: async (range, limit) => {
        const r = await call({ kind: 'ids', range, limit });
        if (r.ids.length > limit || r.ids.some((i) => i.ts < range.lo || i.ts > range.hi || i.digest.length !== 32)) misbehaved('ids outside the range');
        return r.ids;
      },
      fetch: async (ids: Id[]) => {
        const r = await call({ kind: 'fetch', ids });
        const asked = new Set(ids.slice(0, r.ids.length).map(idKey));
        if (r.ids.length > ids.length || r.ids.some((i, n) => idKey(i) !== idKey(ids[n]!))) misbehaved('answer does not cover a prefix of the request');
        for (const m of r.messages) {
          if (!asked.has(idKey({ ts: m.timestamp, digest: digestOf(m) }))) misbehaved('an envelope that was not asked for');
        }
        return { messages: r.messages, done: r.ids.length };
      },
      pull: async (range, after) => {
        const r = await call({ kind: 'pull', range, after });
        let prev = after;
        for (const m of r.messages) {
          const id = { ts: m.timestamp, digest: digestOf(m) };
          if (id.ts < range.lo || id.ts > range.hi || (prev && compareIds(id, prev) <= 0)) misbehaved('pulled envelopes out of the range or order');
          prev = id;
        }
        const next = r.ids[0] ?? null;
        if (next && (!prev || compareIds(next, prev) !== 0)) misbehaved('a pull cursor that is not the last envelope');
        return { messages: r.messages, next };
      },
    };
  }

  private async serve(stream: Parameters<Parameters<Host['handle']>[1]>[0]['stream'], peer: PeerId): Promise<void> {
    const lp = lpStream(stream, { maxDataLength: MAX_REQUEST_BYTES });
    try {
      const data = (await lp.read({ signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })).subarray();
      this.o.metrics.repairBytes.inc({ direction: 'received' }, data.length);
      let res: Partial<RepairResponse>;
      try {
        this.limiter.spend(peer.toString(), 'query', 1);
        res = await answer(this.o.store, decodeRequest(data));
      } catch (err) {
        this.o.penalties.add(peer.toString(), 1);
        res = { error: String((err as Error)?.message ?? err) };
      }
      const out = encodeResponse(res);
      this.o.metrics.repairBytes.inc({ direction: 'sent' }, out.length);
      await lp.write(out, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      await stream.close();
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.limiter.close();
    await Promise.allSettled([...this.running.values()]);
  }
}
