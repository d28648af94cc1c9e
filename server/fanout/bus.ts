// Cross-process fan-out: every node process sharing one PostgreSQL database sees every envelope
// published on any of them. Implementations: PostgreSQL LISTEN/NOTIFY (pgnotify.ts) and NATS (nats.ts).
import type { StoredEnvelope } from '../store/types.ts';
import type { OutEnvelope } from './dispatcher.ts';

export interface BusEnvelope extends StoredEnvelope {
  /** Store row id, when stored (PostgreSQL). */
  seq?: bigint;
}

export interface Bus {
  readonly name: string;
  /** Starts receiving other processes' envelopes. Own envelopes are never handed back. */
  start(onEnvelopes: (envelopes: OutEnvelope[]) => void): Promise<void>;
  /** Sends envelopes that were just stored (durably) or that are ephemeral to the other processes. */
  publish(stored: BusEnvelope[], ephemeral: BusEnvelope[]): Promise<void>;
  close(): Promise<void>;
}
