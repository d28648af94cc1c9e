// The one sync engine: reads topics from their stored positions to their end, in batch queries of up
// to 50 topics, a bounded number of requests at a time, and hands each page to its topic's task. Every
// topic has one position: the (timestamp, digest) of the newest envelope read, which is exactly the
// node's own paging order, so a query strictly after it returns only what is new.
//
// Senders choose their own timestamps, though: an envelope published after our last look can carry a
// time up to a clock skew earlier than that look. A topic looked at recently is therefore re-read
// from `last look − CLOCK_SKEW_NS` (the official SDK's 10 s); its task recognises what it already has.
//
// Poison-proof: a task refuses bad envelopes one by one (recording why) and the position moves past
// them. Only a page the task could not take at all (storage failed) keeps its topic where it was, and
// only that topic. Memory is bounded by the answer size the transport reads (MAX_RESPONSE_BYTES) times
// the requests in flight; a page larger than that is asked for again in smaller pieces.
import { MAX_BATCH_SIZE, MAX_PAGE_SIZE, type ApiClient } from '../api/api-client.ts';
import { ResponseTooLarge, type Cursor, type Envelope, type QueryRequest, type QueryResponse } from '../api/types.ts';
import { asXmtpError, type XmtpError } from '../errors.ts';
import type { SyncPosition, XmtpStorage } from '../storage/types.ts';
import { afterPosition, emptyPosition, pagingDigest } from './positions.ts';

/** Envelope timestamps are client-chosen: how much earlier than our last look a new one may be. */
export const CLOCK_SKEW_NS = 10n * 1_000_000_000n;
/** Batch requests in flight at once: one page decodes while the next is fetched. */
const REQUESTS_IN_FLIGHT = 2;
/** Page sizes tried, largest first, when a page is larger than the transport reads at once. */
const PAGE_SIZES = [MAX_PAGE_SIZE, 10, 1];

/** One topic to read and what to do with its envelopes. */
export interface SyncTask {
  readonly topic: string;
  /** Read the topic from its beginning this time (e.g. envelopes passed over became wanted). */
  restart?(position: SyncPosition): boolean;
  /**
   * Takes one page (ascending; envelopes already taken may come again: be idempotent). Problems with
   * single envelopes are handled here; a throw means the page could not be taken at all, and leaves
   * the position where it was. May update the position's bookkeeping (requestBytes, heldBack).
   */
  take(envelopes: Envelope[], position: SyncPosition): Promise<void>;
}

export interface SyncReport {
  /** topics that could not be read to their end this time (the next run resumes them) */
  failed: Array<{ topic: string; error: XmtpError }>;
}

interface Pending {
  task: SyncTask;
  startTimeNs?: bigint;
  cursor?: Cursor;
  /** index into PAGE_SIZES */
  size: number;
  /** asked for on its own (its batch's answer was too large) */
  alone: boolean;
  /** the first page of a restart: the position starts over */
  restart: boolean;
}

export class SyncEngine {
  /** Positions as last read or written: this engine is their only writer while it lives. */
  private readonly positions = new Map<string, SyncPosition>();
  /** One page at a time per topic, live or caught up, so positions move in order. */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    private readonly api: ApiClient,
    private readonly storage: XmtpStorage,
    private readonly now: () => number,
  ) {}

  /** The positions of these topics (loaded from storage once). */
  async positionsOf(topics: string[]): Promise<SyncPosition[]> {
    const missing = [...new Set(topics.filter((t) => !this.positions.has(t)))];
    if (missing.length) {
      const stored = await this.storage.getPositions(missing);
      missing.forEach((t, i) => {
        if (!this.positions.has(t)) this.positions.set(t, stored[i] ?? emptyPosition());
      });
    }
    return topics.map((t) => this.positions.get(t)!);
  }

  /** Reads every task's topic from its position to its end. Throws when the node cannot be asked at all. */
  async run(tasks: SyncTask[]): Promise<SyncReport> {
    const lookedAtNs = BigInt(this.now()) * 1_000_000n;
    const positions = await this.positionsOf(tasks.map((t) => t.topic));
    const run = new Run(tasks.map((task, i) => ({ task, ...this.start(task, positions[i]!), size: 0, alone: false })));
    await run.drain(async (chunk) => {
      let responses: QueryResponse[];
      try {
        responses = await this.api.batchQuery(chunk.map(requestOf));
      } catch (e) {
        if (!(e instanceof ResponseTooLarge)) throw e;
        for (const p of shrink(chunk)) (p.size < PAGE_SIZES.length ? run.queue.unshift(p) : run.fail(p.task.topic, e));
        return;
      }
      // The next pages are queued before this one is taken, so another request fetches them meanwhile.
      const taking = chunk.map((p, i) => {
        const r = responses[i] ?? { envelopes: [] };
        // A cursor means "more after this": a node may end a page early to bound its size.
        const more = !!r.cursor && r.envelopes.length > 0;
        if (more) run.add({ ...p, cursor: r.cursor, restart: false });
        return this.page(p, r.envelopes, more ? undefined : lookedAtNs, run.failed).catch((e) => run.fail(p.task.topic, e));
      });
      await Promise.all(taking);
    });
    return { failed: run.report };
  }

  /** Envelopes that arrived live: taken by their task in order with its pages. The position's read point stays (a catch-up re-reads around them). */
  ingest(task: SyncTask, envelopes: Envelope[]): Promise<void> {
    return this.serial(task.topic, async () => {
      const [position] = await this.positionsOf([task.topic]);
      const next = { ...position! };
      await task.take(envelopes, next);
      await this.save(task.topic, next);
    });
  }

  /** Where a run starts reading this topic. */
  private start(task: SyncTask, p: SyncPosition): { startTimeNs?: bigint; cursor?: Cursor; restart: boolean } {
    if (task.restart?.(p)) return { restart: true };
    // Strictly after our newest envelope, unless we looked so recently that skewed clocks could still
    // put new envelopes before it: then from our last look minus the skew.
    const recheckFrom = p.lookedAtNs - CLOCK_SKEW_NS;
    if (p.ns > 0n && p.ns <= recheckFrom) return { startTimeNs: p.ns, cursor: { senderTimeNs: p.ns, digest: p.digest }, restart: false };
    return { startTimeNs: recheckFrom > 0n ? recheckFrom : undefined, restart: false };
  }

  /** One page of a run: taken, then the position moves to its newest envelope (and to the look, on the last page). */
  private page({ task, restart }: Pending, envelopes: Envelope[], lookedAtNs: bigint | undefined, failed: Set<string>): Promise<void> {
    return this.serial(task.topic, async () => {
      if (failed.has(task.topic)) return; // an earlier page of it failed: nothing after it may count as read
      const [position] = await this.positionsOf([task.topic]);
      const next = restart ? emptyPosition() : { ...position! };
      if (envelopes.length) await task.take(envelopes, next);
      for (const e of envelopes) {
        const p = { ns: e.timestampNs, digest: pagingDigest(e) };
        if (afterPosition(p, next)) Object.assign(next, p);
      }
      if (lookedAtNs !== undefined && lookedAtNs > next.lookedAtNs) next.lookedAtNs = lookedAtNs;
      await this.save(task.topic, next);
    });
  }

  private async save(topic: string, position: SyncPosition): Promise<void> {
    await this.storage.setPositions([[topic, position]]);
    this.positions.set(topic, position);
  }

  private serial<T>(topic: string, fn: () => Promise<T>): Promise<T> {
    const prior = this.chains.get(topic) ?? Promise.resolve();
    const run = prior.then(fn, fn);
    const tail = run.catch(() => {});
    this.chains.set(topic, tail);
    void tail.then(() => this.chains.get(topic) === tail && this.chains.delete(topic));
    return run;
  }
}

/** The queue of one run and its workers: REQUESTS_IN_FLIGHT requests at a time until nothing is left. */
class Run {
  readonly failed = new Set<string>();
  readonly report: SyncReport['failed'] = [];
  private busy = 0;
  private idle: Array<() => void> = [];

  constructor(readonly queue: Pending[]) {}

  add(p: Pending): void {
    this.queue.push(p);
    this.idle.shift()?.();
  }

  fail(topic: string, e: unknown): void {
    if (this.failed.has(topic)) return;
    this.failed.add(topic);
    this.report.push({ topic, error: asXmtpError(e, 'api_error') });
  }

  /** Runs `step` on chunks of the queue; a worker with nothing to do waits while others may still add pages. */
  async drain(step: (chunk: Pending[]) => Promise<void>): Promise<void> {
    let stop: { error: unknown } | undefined;
    const worker = async () => {
      while (!stop) {
        if (!this.queue.length) {
          if (!this.busy) break;
          await new Promise<void>((r) => this.idle.push(r));
          continue;
        }
        // A topic whose pages were too large goes alone, so it cannot hold back 49 others.
        const chunk = this.queue[0]!.alone ? this.queue.splice(0, 1) : takeBatch(this.queue);
        this.busy++;
        try {
          await step(chunk);
        } catch (error) {
          stop ??= { error };
        } finally {
          this.busy--;
        }
      }
      for (const wake of this.idle.splice(0)) wake();
    };
    await Promise.all(Array.from({ length: REQUESTS_IN_FLIGHT }, worker));
    if (stop) throw stop.error;
  }
}

function requestOf(p: Pending): QueryRequest {
  return { contentTopics: [p.task.topic], startTimeNs: p.startTimeNs, cursor: p.cursor, direction: 'ascending', limit: PAGE_SIZES[p.size] };
}

/** Up to a batch of full-size requests from the front of the queue. */
function takeBatch(queue: Pending[]): Pending[] {
  let n = 0;
  while (n < queue.length && n < MAX_BATCH_SIZE && !queue[n]!.alone) n++;
  return queue.splice(0, n);
}

/** A batch whose answer was too large: each topic alone; a topic alone: smaller pages. */
function shrink(chunk: Pending[]): Pending[] {
  if (chunk.length > 1 || !chunk[0]!.alone) return chunk.map((p) => ({ ...p, alone: true }));
  return chunk.map((p) => ({ ...p, size: p.size + 1 }));
}
