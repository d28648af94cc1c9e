// The names cache (IndexedDB `names`): what each address's name was when last looked up. Reads and
// writes go in batches, one transaction each; the store is bounded, oldest lookups go first.
import { db, type NameRecord } from '../db.ts';

/** A found name is looked up again after a day; "no name" after six hours. */
export const FOUND_TTL_MS = 24 * 3600_000;
export const NONE_TTL_MS = 6 * 3600_000;
/** At most this many addresses are remembered. */
export const MAX_NAMES = 5000;

export const isFresh = (r: NameRecord, now: number): boolean => now - r.checkedAt < (r.name ? FOUND_TTL_MS : NONE_TTL_MS);

export async function readNames(addresses: readonly string[]): Promise<Map<string, NameRecord>> {
  const out = new Map<string, NameRecord>();
  if (!addresses.length) return out;
  const store = (await db()).transaction('names').store;
  const got = await Promise.all(addresses.map((a) => store.get(a)));
  got.forEach((r, i) => r && out.set(addresses[i], r));
  return out;
}

export async function writeNames(records: readonly NameRecord[], max = MAX_NAMES): Promise<void> {
  if (!records.length) return;
  const tx = (await db()).transaction('names', 'readwrite');
  await Promise.all(records.map((r) => tx.store.put(r)));
  const extra = (await tx.store.count()) - max;
  if (extra > 0) {
    // drop a tenth more than needed, so a full cache is not trimmed on every write
    let cursor = await tx.store.index('byChecked').openCursor();
    for (let n = extra + Math.ceil(max / 10); cursor && n > 0; n--) {
      await cursor.delete();
      cursor = await cursor.continue();
    }
  }
  await tx.done;
}

export async function clearNames(): Promise<void> {
  await (await db()).clear('names');
}
