// Counted resources per client address and for the whole node: connections, requests in flight,
// request body bytes, uploads, streams, sockets, topic subscriptions. A client takes units before it uses a
// resource and gives them back when done; taking past a limit throws the documented error
// (RESOURCE_EXHAUSTED for the address's own limit, UNAVAILABLE when the node as a whole is full)
// and counts the refusal in xmtp_limit_refusals_total{limit}.
import { ApiError, Code } from './errors.ts';
import type { NodeLimits } from './limits.ts';
import type { Metrics } from './metrics.ts';

export type Resource = 'connections' | 'requests' | 'bodyBytes' | 'uploads' | 'streams' | 'sockets' | 'topics';

/** Limit names of each resource: per address, and node-wide (null: no node-wide one). */
const LIMITS: Record<Resource, [keyof NodeLimits, keyof NodeLimits | null]> = {
  connections: ['maxConnectionsPerAddress', 'maxConnections'],
  requests: ['maxRequestsPerAddress', 'maxRequests'],
  bodyBytes: ['maxBodyBytesInFlightPerAddress', 'maxBodyBytesInFlight'],
  uploads: ['maxUploadsPerAddress', 'maxUploads'],
  streams: ['maxStreamsPerAddress', null],
  sockets: ['maxSocketsPerAddress', null],
  topics: ['maxTopicsPerAddress', 'maxTopics'],
};

const WHAT: Record<Resource, string> = {
  connections: 'connections',
  requests: 'requests in progress',
  bodyBytes: 'request body bytes in progress',
  uploads: 'uploads in progress',
  streams: 'subscription streams',
  sockets: 'WebSockets',
  topics: 'subscribed topics',
};

type Counts = Record<Resource, number>;
/** The key of units without an address (not a valid address, so no client can share it). */
const NODE_ONLY = '(node-wide)';
const zero = (): Counts => ({ connections: 0, requests: 0, bodyBytes: 0, uploads: 0, streams: 0, sockets: 0, topics: 0 });

/** Units taken: resize() changes how many (checked like take when growing), release() gives all back. */
export class Held {
  private released = false;
  constructor(private quotas: Quotas, private ip: string, private resource: Resource, private n_: number) {}
  get n(): number {
    return this.n_;
  }
  resize(n: number): void {
    if (this.released) return;
    if (n > this.n_) this.quotas.check(this.ip, this.resource, n - this.n_);
    this.quotas.add(this.ip, this.resource, n - this.n_);
    this.n_ = n;
  }
  release(): void {
    if (this.released) return;
    this.released = true;
    this.quotas.add(this.ip, this.resource, -this.n_);
  }
}

export class Quotas {
  private byAddress = new Map<string, Counts>();
  private total = zero();

  constructor(private limits: NodeLimits, private metrics: Metrics) {
    metrics.connections.collect(() => [[{}, this.total.connections]]);
  }

  /** Takes n units of `resource` for `ip`, or throws without taking any. */
  take(ip: string, resource: Resource, n = 1): Held {
    this.check(ip, resource, n);
    this.add(ip, resource, n);
    return new Held(this, ip, resource, n);
  }

  /** Takes units that count only against the node-wide limit (connections from a trusted proxy). */
  takeNodeWide(resource: Resource, n = 1): Held {
    return this.take(NODE_ONLY, resource, n);
  }

  /** Units of a resource held now (by one address, or by everyone). */
  used(resource: Resource, ip?: string): number {
    return ip === undefined ? this.total[resource] : (this.byAddress.get(ip)?.[resource] ?? 0);
  }

  /** Throws the documented error if n more units would pass a limit. */
  check(ip: string, resource: Resource, n: number): void {
    const [perAddress, nodeWide] = LIMITS[resource];
    if (ip !== NODE_ONLY && this.used(resource, ip) + n > this.limits[perAddress]) {
      this.metrics.limitRefusals.inc({ limit: perAddress });
      throw new ApiError(Code.RESOURCE_EXHAUSTED, `too many ${WHAT[resource]} from ${ip} (limit ${this.limits[perAddress]})`);
    }
    if (nodeWide && this.total[resource] + n > this.limits[nodeWide]) {
      this.metrics.limitRefusals.inc({ limit: nodeWide });
      throw new ApiError(Code.UNAVAILABLE, `the node has too many ${WHAT[resource]} (limit ${this.limits[nodeWide]}); try again later`);
    }
  }

  /** Unchecked change (Held uses it). */
  add(ip: string, resource: Resource, n: number): void {
    let counts = this.byAddress.get(ip);
    if (!counts) this.byAddress.set(ip, (counts = zero()));
    counts[resource] += n;
    this.total[resource] += n;
    if (n < 0 && Object.values(counts).every((v) => v === 0)) this.byAddress.delete(ip);
  }
}
