// Per-site rate limits (token buckets, in memory: a worker restart refills them, which is harmless).
// A site that exceeds one gets -32005 with data.retryAfterMs.
import { ErrorCode, RpcError } from '../../src/rpc.ts';

export type LimitKind = 'request' | 'send' | 'lookup';

export interface BucketConfig {
  /** burst size */
  capacity: number;
  /** tokens added per second */
  perSecond: number;
}

/** Defaults, documented in docs/provider.md. */
export const DEFAULT_LIMITS: Record<LimitKind, BucketConfig> = {
  /** every request of a site, all its frames together */
  request: { capacity: 300, perSecond: 50 },
  /** xmtp_sendMessage: 30 at once, then one every 2 s */
  send: { capacity: 30, perSecond: 0.5 },
  /** xmtp_canMessage (one token per address) and xmtp_newConversation: 200 at once, then 5 a second */
  lookup: { capacity: 200, perSecond: 5 },
};

const WHAT: Record<LimitKind, string> = { request: 'requests', send: 'messages sent', lookup: 'address lookups' };

export class RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limits: Record<LimitKind, BucketConfig> = DEFAULT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes `cost` tokens from the site's bucket or throws -32005 (taking nothing). */
  take(origin: string, kind: LimitKind, cost = 1): void {
    const cfg = this.limits[kind];
    const k = `${kind} ${origin}`;
    const t = this.now();
    const b = this.buckets.get(k) ?? { tokens: cfg.capacity, at: t };
    b.tokens = Math.min(cfg.capacity, b.tokens + ((t - b.at) / 1000) * cfg.perSecond);
    b.at = t;
    this.buckets.set(k, b);
    if (cost > b.tokens) {
      const retryAfterMs = Math.ceil(((Math.min(cost, cfg.capacity) - b.tokens) / cfg.perSecond) * 1000);
      throw new RpcError(ErrorCode.rateLimited, `Too many ${WHAT[kind]} from this site; try again in ${Math.ceil(retryAfterMs / 1000)} s`, { retryAfterMs });
    }
    b.tokens -= cost;
    if (this.buckets.size > 5000) this.sweep(t);
  }

  /** Forgets full buckets (nothing to remember about them). */
  private sweep(t: number): void {
    for (const [k, b] of this.buckets) {
      const cfg = this.limits[k.slice(0, k.indexOf(' ')) as LimitKind];
      if (b.tokens + ((t - b.at) / 1000) * cfg.perSecond >= cfg.capacity) this.buckets.delete(k);
    }
  }
}
