// Per-client-IP token buckets, one for publishes (cost = envelopes) and one for everything else
// (cost = sub-queries of a batch, else 1), like the official node (xmtp-node-api.md §9) but with a
// continuous refill; and one of bytes uploaded to the blob store per auth token's wallet (per address
// when auth is off). Wallets on the allow-list get a larger "priority" bucket.
import { ApiError, Code } from './errors.ts';
import { MAX_REMOTE_ATTACHMENT_BYTES } from '../src/xmtp/limits.ts';

export interface BucketConfig {
  /** Bucket size (burst). */
  burst: number;
  /** Tokens added per minute. */
  perMinute: number;
  /** Size and rate multiplier for priority (allow-listed) wallets. */
  priorityMultiplier: number;
}

export interface RateLimitConfig {
  publish: BucketConfig;
  query: BucketConfig;
  /** Bytes uploaded to the blob store, per wallet. */
  blob: BucketConfig;
}

const MiB = 1024 * 1024;

export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  publish: { burst: 1000, perMinute: 200, priorityMultiplier: 25 },
  query: { burst: 10000, perMinute: 2000, priorityMultiplier: 5 },
  // Four of the largest files at once, then 1 GiB an hour.
  blob: { burst: 4 * MAX_REMOTE_ATTACHMENT_BYTES, perMinute: Math.round((1024 * MiB) / 60), priorityMultiplier: 4 },
};

export type BucketType = 'publish' | 'query' | 'blob';
const KEY_SUFFIX: Record<BucketType, string> = { publish: 'PUB', query: 'DEF', blob: 'BLOB' };

const NO_BUCKET: BucketConfig = { burst: 0, perMinute: 0, priorityMultiplier: 1 };

interface Bucket {
  tokens: number;
  last: number;
}

export class RateLimiter {
  private buckets = new Map<string, Bucket>();
  private sweeper: NodeJS.Timeout;

  /** A bucket type without a config (the network's limiters have no blob bucket) refuses every spend. */
  constructor(readonly config: Partial<RateLimitConfig>, private now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), 10 * 60_000);
    this.sweeper.unref();
  }

  /** Spends `cost` tokens or throws RESOURCE_EXHAUSTED naming `shown` (the request's whole cost). */
  spend(ip: string, type: BucketType, cost: number, priority = false, shown = cost): void {
    const { b, key } = this.bucket(ip, type, priority);
    if (cost > b.tokens) throw new ApiError(Code.RESOURCE_EXHAUSTED, `${shown} exceeds rate limit ${key}`);
    b.tokens -= cost;
  }

  /** Tokens left in the address's regular bucket. */
  available(ip: string, type: BucketType): number {
    return this.bucket(ip, type, false).b.tokens;
  }

  /** The bucket, refilled up to now. */
  private bucket(ip: string, type: BucketType, priority: boolean): { b: Bucket; key: string } {
    const cfg = this.config[type] ?? NO_BUCKET;
    const mult = priority ? cfg.priorityMultiplier : 1;
    const max = cfg.burst * mult;
    const rate = (cfg.perMinute * mult) / 60_000;
    const key = `${priority ? 'P' : 'R'}${ip}${KEY_SUFFIX[type]}`;
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { tokens: max, last: t }));
    else {
      b.tokens = Math.min(max, b.tokens + (t - b.last) * rate);
      b.last = t;
    }
    return { b, key };
  }

  private sweep(): void {
    const cutoff = this.now() - 60 * 60_000;
    for (const [k, b] of this.buckets) if (b.last < cutoff) this.buckets.delete(k);
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}
