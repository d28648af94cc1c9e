// What a node process's subscribers missed while its bus connection was down. Neither bus keeps
// messages for a receiver that is away (NATS core pub/sub is at most once; PostgreSQL drops the
// notifications of a listener that is gone), but every stored envelope is a row with an id: after
// a reconnect the bus reads the rows stored meanwhile and hands on those this process has neither
// stored nor handed on already. Ephemeral envelopes are not stored and stay missed, as they would
// for a client that was offline.
import type { Logger } from '../log.ts';
import type { PgStore } from '../store/postgres.ts';
import { OutEnvelope } from './dispatcher.ts';

/**
 * Row ids are taken at INSERT but the rows are announced after COMMIT, so a row committed after the
 * connection dropped may have a lower id than the last one heard: the catch-up looks this many ids
 * further back, and skips what it already handed on (remembered for more ids than that).
 */
const SLACK = 10_000;
const REMEMBERED = 50_000;
/** At most this many missed rows are handed on after one reconnect (the rest stay queryable). */
const MAX_HANDED_ON = 100_000;
/** Rows read at once: envelopes are up to ~1 MiB each. */
const PAGE = 200;

export class MissedRows {
  /** Row ids stored or handed on by this process lately; a Set iterates oldest first. */
  private seen = new Set<bigint>();
  /** the highest row id seen */
  private high = 0n;

  constructor(private store: PgStore, private log: Logger) {}

  /** Rows stored before this process started are not news to its subscribers. */
  async start(): Promise<void> {
    const max = await this.store.maxSeq();
    if (max > this.high) this.high = max;
  }

  /** Notes a row this process stored or is handing on. False when it was noted before (a repeat). */
  note(seq: bigint): boolean {
    if (seq > this.high) this.high = seq;
    if (this.seen.has(seq)) return false;
    this.seen.add(seq);
    if (this.seen.size > REMEMBERED) this.seen.delete(this.seen.values().next().value!);
    return true;
  }

  /** Hands on, in id order, the rows stored since the connection dropped that were not seen. */
  async catchUp(onEnvelopes: (envs: OutEnvelope[]) => void): Promise<void> {
    const from = this.high > BigInt(SLACK) ? this.high - BigInt(SLACK) : 0n;
    const missed = (await this.store.seqsAfter(from, SLACK + MAX_HANDED_ON)).filter((s) => !this.seen.has(s));
    if (missed.length > MAX_HANDED_ON) this.log.warn('the bus was down long: only the first envelopes stored meanwhile reach live subscribers', { missed: missed.length, handedOn: MAX_HANDED_ON });
    const todo = missed.slice(0, MAX_HANDED_ON);
    for (let i = 0; i < todo.length; i += PAGE) {
      // a row announced live while this read was under way is not handed on twice
      const rows = (await this.store.rowsBySeq(todo.slice(i, i + PAGE))).filter((r) => this.note(r.seq));
      if (rows.length) onEnvelopes(rows.map((r) => new OutEnvelope(r.topic, r.ts, r.message)));
    }
    if (todo.length) this.log.info('handed on the envelopes stored while the bus was down', { count: todo.length });
  }
}
