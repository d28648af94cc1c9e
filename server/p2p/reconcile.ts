// Range-based set reconciliation of stored envelopes between two nodes (the repairing node pulls).
// Both sides summarise a range of sender timestamps by a fingerprint (count, Σfp_a, Σfp_b; see
// store migration 4); equal fingerprints end the comparison of that range, so an idle network costs
// one small request per peer and round. Unequal ranges are split until they are small, then the
// peer's ids are compared with ours and what we lack is fetched and handed to `accept`.
// The repairing side only pulls: the peer repairs itself from us the same way.
import type { Store, TsRange } from '../store/types.ts';
import { idKey, MAX_INT64 } from '../store/types.ts';
import type { Fingerprint, Id, Range, WakuMessage } from './wire.ts';

/** What the peer answers (repair.ts carries these over a libp2p stream). */
export interface RangeSource {
  fingerprints(ranges: Range[]): Promise<Fingerprint[]>;
  ids(range: Range, limit: number): Promise<Id[]>;
  /** The envelopes of a prefix of `ids` (the peer caps an answer's bytes); `done` = how many ids it covered. */
  fetch(ids: Id[]): Promise<{ messages: WakuMessage[]; done: number }>;
  /** A page of a whole range after `after`; `next` = where to go on, null when the range is done. */
  pull(range: Range, after: Id | null): Promise<{ messages: WakuMessage[]; next: Id | null }>;
}

export const LIMITS = {
  /** Ranges per fingerprint request. */
  maxRanges: 256,
  /** A range is compared id by id once neither side holds more than this. */
  leaf: 2048,
  /** Ids per ids answer (and per fetch request). */
  maxIds: 2048,
  /** Sub-ranges a differing range is split into. */
  fanout: 16,
  /** Leaves compared (or ranges pulled) at once. */
  concurrency: 4,
  /** A range we hold nothing of is pulled whole (without splitting it further) up to this many pages. */
  pullPages: 4,
};

export interface ReconcileResult {
  /** Fingerprint comparisons made (ranges). */
  ranges: number;
  /** Envelopes the peer had that we lacked, fetched. */
  fetched: number;
  /** Of those, accepted (valid, now stored). */
  accepted: number;
}

const same = (x: Fingerprint, y: Fingerprint) => x.count === y.count && x.a === y.a && x.b === y.b;

/** Splits [lo, hi] into at most `n` contiguous parts of (nearly) equal width. */
export function split(r: TsRange, n: number): TsRange[] {
  const width = r.hi - r.lo + 1n;
  if (width <= BigInt(n)) {
    const out: TsRange[] = [];
    for (let t = r.lo; t <= r.hi; t++) out.push({ lo: t, hi: t });
    return out;
  }
  const step = width / BigInt(n);
  const out: TsRange[] = [];
  for (let i = 0n; i < BigInt(n); i++) {
    const lo = r.lo + i * step;
    out.push({ lo, hi: i === BigInt(n) - 1n ? r.hi : lo + step - 1n });
  }
  return out;
}

/** The ranges compared in one round: everything except the last/next `settleNs` around now (still in flight). */
export function roundRanges(nowNs: bigint, settleNs: bigint): TsRange[] {
  const lo = nowNs - settleNs;
  const hi = nowNs + settleNs;
  const out: TsRange[] = [];
  if (lo > 0n) out.push({ lo: 0n, hi: lo - 1n });
  if (hi < MAX_INT64) out.push({ lo: hi + 1n, hi: MAX_INT64 });
  return out;
}

export async function reconcile(
  local: Store,
  remote: RangeSource,
  ranges: TsRange[],
  accept: (messages: WakuMessage[]) => Promise<number>,
  limits = LIMITS,
): Promise<ReconcileResult> {
  const result: ReconcileResult = { ranges: 0, fetched: 0, accepted: 0 };
  let queue = ranges;
  const leaves: TsRange[] = [];
  // Ranges where we hold nothing (typically: the time we were down) are pulled whole, unsplit.
  const pulls: TsRange[] = [];
  while (queue.length) {
    const batch = queue.slice(0, limits.maxRanges);
    queue = queue.slice(limits.maxRanges);
    const [mine, theirs] = await Promise.all([local.fingerprints(batch), remote.fingerprints(batch)]);
    if (theirs.length !== batch.length) throw new Error(`peer answered ${theirs.length} fingerprints for ${batch.length} ranges`);
    result.ranges += batch.length;
    batch.forEach((r, i) => {
      const m = mine[i]!;
      const t = theirs[i]!;
      if (t.count === 0n || same(m, t)) return;
      // A range we hold nothing of is pulled whole once it is small enough for one worker; a larger one is
      // split by fingerprints first: the pages of one part come one after another, and timestamps may crowd
      // into a sliver of the range, so only parts of known size keep all workers busy.
      if (m.count === 0n) {
        if (t.count <= BigInt(limits.maxIds * limits.pullPages) || r.lo === r.hi) pulls.push(r);
        else queue.push(...split(r, Math.min(limits.maxRanges, Math.max(limits.fanout, Math.ceil(Number(t.count) / (limits.maxIds * limits.pullPages))))));
      } else if ((m.count <= BigInt(limits.leaf) && t.count <= BigInt(limits.leaf)) || r.lo === r.hi) leaves.push(r);
      else queue.push(...split(r, limits.fanout));
    });
  }
  const add = async (messages: WakuMessage[]) => {
    result.fetched += messages.length;
    // (not `+= await`: that would add to a value read before other workers' updates)
    const accepted = messages.length ? await accept(messages) : 0;
    result.accepted += accepted;
  };
  // Pull each range page by page; a page is stored while the next one travels.
  const pull = async (r: TsRange) => {
    let after: Id | null = null;
    let storing: Promise<void> = Promise.resolve();
    do {
      const page: { messages: WakuMessage[]; next: Id | null } = await remote.pull(r, after);
      await storing;
      storing = add(page.messages);
      after = page.next;
    } while (after);
    await storing;
  };
  // A leaf: compare ids, fetch what we lack.
  const compareLeaf = async (r: TsRange) => {
    const [mine, theirs] = await Promise.all([local.rangeIds(r, limits.maxIds), remote.ids(r, limits.maxIds)]);
    const have = new Set(mine.map(idKey));
    const missing = theirs.filter((i) => !have.has(idKey(i)));
    // The peer may answer a prefix (it caps an answer's bytes): ask again for the rest.
    while (missing.length) {
      const { messages, done } = await remote.fetch(missing);
      if (done <= 0) break;
      missing.splice(0, done);
      await add(messages);
    }
  };
  // Pulls and leaves, a few at a time.
  const work = [...pulls.map((r) => () => pull(r)), ...leaves.map((r) => () => compareLeaf(r))];
  let next = 0;
  const worker = async () => {
    while (next < work.length) await work[next++]!();
  };
  await Promise.all(Array.from({ length: limits.concurrency }, worker));
  return result;
}
