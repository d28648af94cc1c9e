// Bytes queued to live subscribers (HTTP streams and WebSockets) that have not read them yet. Each
// subscriber may queue up to subscriberBufferBytes; all together up to subscriberBuffersBytes, beyond
// which only subscribers with almost nothing queued still get envelopes. A subscriber over either
// limit is treated as slow: its envelopes are dropped (HTTP) or its socket closed (WebSocket).
// The node-wide sum is brought up to date at each delivery, on drain, and when a subscriber leaves.
import type { NodeLimits } from './limits.ts';

/** Below this, a subscriber is never refused for the node-wide limit (it is keeping up). */
const KEEPING_UP_BYTES = 64 * 1024;

export class SendBudget {
  private total = 0;
  constructor(private limits: Pick<NodeLimits, 'subscriberBufferBytes' | 'subscriberBuffersBytes'>) {}

  /** Bytes queued to all subscribers, as last seen. */
  get queued(): number {
    return this.total;
  }

  open(): SubscriberQueue {
    return new SubscriberQueue(this);
  }

  /** @internal */
  adjust(delta: number): void {
    this.total += delta;
  }

  /** @internal */
  allows(queued: number): boolean {
    if (queued > this.limits.subscriberBufferBytes) return false;
    return queued <= KEEPING_UP_BYTES || this.total <= this.limits.subscriberBuffersBytes;
  }
}

/** One subscriber's share. */
export class SubscriberQueue {
  private counted = 0;
  constructor(private budget: SendBudget) {}

  /** Records what is queued now (the transport's buffered byte count). */
  update(queued: number): void {
    this.budget.adjust(queued - this.counted);
    this.counted = queued;
  }

  /** Whether another envelope may be queued behind `queued` bytes. */
  mayQueue(queued: number): boolean {
    this.update(queued);
    return this.budget.allows(queued);
  }

  close(): void {
    this.update(0);
  }
}
