// Minimal Prometheus text exposition (format 0.0.4): counters, gauges and histograms with labels.

type Labels = Record<string, string>;

function renderLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (!keys.length) return '';
  return '{' + keys.map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',') + '}';
}

// Label sets repeat on every request (method × code, outcome, …): the rendered form is looked up by
// a cheap key instead of being sorted and escaped each time. Label values are bounded by design;
// the cache is cleared if it ever grows large.
const rendered = new Map<string, string>();

function labelKey(labels: Labels): string {
  let raw = '';
  for (const k in labels) raw += k + '\u0000' + labels[k] + '\u0001';
  let key = rendered.get(raw);
  if (key === undefined) {
    if (rendered.size >= 10_000) rendered.clear();
    rendered.set(raw, (key = renderLabels(labels)));
  }
  return key;
}

abstract class Metric {
  constructor(readonly name: string, readonly help: string, readonly type: string) {}
  abstract render(): string[];
}

export class Counter extends Metric {
  private values = new Map<string, number>();
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  inc(labels: Labels = {}, n = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + n);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string[] {
    if (!this.values.size) return [`${this.name} 0`];
    return [...this.values].map(([k, v]) => `${this.name}${k} ${v}`);
  }
}

export class Gauge extends Metric {
  private values = new Map<string, number>();
  private fns: Array<() => Array<[Labels, number]>> = [];
  constructor(name: string, help: string) {
    super(name, help, 'gauge');
  }
  set(labels: Labels, v: number): void {
    this.values.set(labelKey(labels), v);
  }
  add(labels: Labels, n: number): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + n);
  }
  /** Computed at scrape time. */
  collect(fn: () => Array<[Labels, number]>): void {
    this.fns.push(fn);
  }
  render(): string[] {
    const out = [...this.values].map(([k, v]) => `${this.name}${k} ${v}`);
    for (const fn of this.fns) for (const [l, v] of fn()) out.push(`${this.name}${labelKey(l)} ${v}`);
    return out.length ? out : [`${this.name} 0`];
  }
}

export class Histogram extends Metric {
  private series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(name: string, help: string, readonly buckets: number[]) {
    super(name, help, 'histogram');
  }
  observe(labels: Labels, v: number): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { labels, counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) s.counts[i]!++;
    s.sum += v;
    s.count++;
  }
  render(): string[] {
    const out: string[] = [];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${labelKey({ ...s.labels, le: String(b) })} ${s.counts[i]}`));
      out.push(`${this.name}_bucket${labelKey({ ...s.labels, le: '+Inf' })} ${s.count}`);
      out.push(`${this.name}_sum${labelKey(s.labels)} ${s.sum}`);
      out.push(`${this.name}_count${labelKey(s.labels)} ${s.count}`);
    }
    return out;
  }
}

export class Registry {
  private metrics: Metric[] = [];
  register<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
  render(): string {
    const lines: string[] = [];
    for (const m of this.metrics) {
      lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.render());
    }
    return lines.join('\n') + '\n';
  }
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createMetrics() {
  const registry = new Registry();
  return {
    registry,
    requests: registry.register(new Counter('xmtp_api_requests_total', 'API requests by method and gRPC status code')),
    requestDuration: registry.register(new Histogram('xmtp_api_request_duration_seconds', 'API request latency (unary calls; streams: time to open)', LATENCY_BUCKETS)),
    envelopes: registry.register(new Counter('xmtp_envelopes_total', 'Published envelopes by outcome (stored, duplicate, ephemeral)')),
    storeWriteDuration: registry.register(new Histogram('xmtp_store_write_duration_seconds', 'Durable write (group commit) latency', LATENCY_BUCKETS)),
    subscribers: registry.register(new Gauge('xmtp_subscribers', 'Open subscriptions by transport')),
    delivered: registry.register(new Counter('xmtp_envelopes_delivered_total', 'Envelopes written to subscribers')),
    dropped: registry.register(new Counter('xmtp_envelopes_dropped_total', 'Envelopes not delivered to a subscriber whose buffer was full')),
    busReceived: registry.register(new Counter('xmtp_bus_received_total', 'Envelopes received from other node processes')),
    rateLimited: registry.register(new Counter('xmtp_rate_limited_total', 'Requests refused by the rate limiter, by bucket type')),
    authFailures: registry.register(new Counter('xmtp_auth_failures_total', 'Publishes refused by authentication or authorization')),
    connections: registry.register(new Gauge('xmtp_connections', 'Open client connections')),
    subscriberQueued: registry.register(new Gauge('xmtp_subscriber_queued_bytes', 'Bytes written to live subscribers and not yet read by them')),
    limitRefusals: registry.register(new Counter('xmtp_limit_refusals_total', 'Requests, connections and subscriptions refused by a limit (server/limits.ts), by limit')),
    truncatedResponses: registry.register(new Counter('xmtp_truncated_responses_total', 'Query pages ended early by the response byte limit, by method')),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
