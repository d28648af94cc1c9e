// Bringing an account's cache under its current data key, in the background after an unlock or a
// password change: rows version 4 kept in the clear are sealed (db.ts v5 moved them to legacy stores),
// and rows sealed under an older data key are sealed again under the new one. Then the older keys are
// dropped. It works in batches, each one read, sealed and written under the account's write lock
// (inbox-store.ts write()), so nothing the inbox writes meanwhile is lost; a batch is one transaction,
// so an interruption (the worker stopped, the browser closed, a lock) loses nothing, and the next
// unlock carries on from what is left.
import { hexToBytes } from '../src/xmtp/crypto/bytes.ts';
import { open, openRow, sealRow, type CacheKeys, type RowStore } from '../src/cache/seal.ts';
import { sealConversation, sealMessage, sealOutbox } from '../src/cache/records.ts';
import type { StoreNames } from 'idb';
import { db, type ConversationRecord, type InboxDB, type LegacyConversation, type TermRow } from './db.ts';
import { termsOf } from './search-index.ts';
import { dropOldKeys } from './keystore.ts';
import { getAccount } from './account-store.ts';
import { write } from './inbox-store.ts';
import { getSession } from './session.ts';

/** Rows per batch: each batch is one read, one round of crypto and one write. */
export const RESEAL_BATCH = 200;

const ROW_STORES: RowStore[] = ['conversations', 'messages', 'outbox', 'consent'];
type Row = InboxDB[RowStore]['value'];
/** The part of a row's primary key after the account: what its seal is bound to. */
const rowKey = (row: Row): string => ('hkey' in row ? row.hkey : 'localId' in row ? row.localId : 'id' in row ? row.id : row.tid);

const running = new Map<string, Promise<void>>();
/** batches left before jobs stop (tests: a worker stopped mid-way); Infinity = never */
let batchesLeft = Infinity;

/** Runs (or joins) the account's resealing. */
export function reseal(account: string): Promise<void> {
  let job = running.get(account);
  if (!job) {
    job = run(account).finally(() => running.delete(account));
    running.set(account, job);
  }
  return job;
}

export function resealInBackground(account: string): void {
  void reseal(account).catch((e) => console.warn(`[xmtp-inbox] sealing the cache of ${account} stopped (it resumes at the next unlock):`, e instanceof Error ? e.message : e));
}

/** For tests: jobs stop after `batches` more full batches, as if the worker had been stopped there. */
export function haltResealing(batches = 0): void {
  batchesLeft = batches;
}
export function resumeResealing(): void {
  batchesLeft = Infinity;
}

class Halted extends Error {}

async function run(account: string): Promise<void> {
  await migrateLegacy(account);
  for (;;) {
    for (const store of ROW_STORES) await resealStore(account, store);
    if (await dropKeysIfDone(account)) return;
  }
}

/** Repeats `batch` (under the write lock) until it says it is done. */
async function inBatches(account: string, batch: (keys: CacheKeys) => Promise<boolean>): Promise<void> {
  for (;;) {
    if (batchesLeft <= 0) throw new Halted('halted');
    if (await write(account, batch)) return;
    batchesLeft--; // a full batch was done
  }
}

const accountRange = (account: string, after?: IDBValidKey) =>
  after === undefined ? IDBKeyRange.bound([account], [account, []]) : IDBKeyRange.bound(after, [account, []], true, false);

/** Seals again, under the current key, every row of one store sealed under another. */
async function resealStore(account: string, store: RowStore): Promise<void> {
  let after: IDBValidKey | undefined;
  await inBatches(account, async (keys) => {
    const d = await db();
    const rows: Row[] = await d.getAll(store, accountRange(account, after), RESEAL_BATCH);
    if (!rows.length) return true;
    after = [account, rowKey(rows.at(-1)!)];
    const stale = rows.filter((r) => r.k !== keys.current);
    const fresh = await Promise.all(
      stale.map(async (r) => {
        const { json, bytes } = await openRow(keys, store, rowKey(r), r);
        return { ...r, ...(await sealRow(keys, store, rowKey(r), json, bytes.length ? bytes : undefined)) };
      }),
    );
    if (fresh.length) {
      const tx = d.transaction(store, 'readwrite');
      // the same row, sealed again: its store's type (a union over the four stores here)
      await Promise.all(fresh.map((r) => tx.store.put(r as never)));
      await tx.done;
    }
    return rows.length < RESEAL_BATCH;
  });
}

/** When every row is under the current key: the older keys go, from the account record and the session. */
async function dropKeysIfDone(account: string): Promise<boolean> {
  let done = false;
  await write(account, async (keys) => {
    const record = await getAccount(account);
    if (!record) return (done = true); // removed meanwhile
    if (record.keys[0]!.id !== keys.current) return; // a newer password came meanwhile: seal again
    if (record.keys.length > 1) await (await db()).put('accounts', dropOldKeys(record));
    if (keys.keys.size > 1) await getSession().setAccount({ ...keys, keys: new Map([[keys.current, keys.keys.get(keys.current)!]]) });
    done = true;
  });
  return done;
}

// ------------------------------------------------------------------ version 4's plain rows

type LegacyStore = 'legacyConversations' | 'legacyMessages' | 'legacyOutbox';

/** Seals the account's plain rows of version 4 into the cache and deletes them, a batch at a time. */
async function migrateLegacy(account: string): Promise<void> {
  const d = await db();
  if (!d.objectStoreNames.contains('legacyConversations')) return;
  await migrate(account, 'legacyConversations', 'conversations', async (keys, r) => [await sealConversation(keys, await legacyConversation(keys, r)), []], 'topic');
  // a message's words go (keyed) to the search index with it
  await migrate(account, 'legacyMessages', 'messages', async (keys, r) => Promise.all([sealMessage(keys, r), termsOf(keys, r)]), 'id');
  await migrate(account, 'legacyOutbox', 'outbox', async (keys, r) => [await sealOutbox(keys, r), []], 'localId');
}

async function migrate<L extends LegacyStore, T extends StoreNames<InboxDB>>(
  account: string,
  from: L,
  to: T,
  seal: (keys: CacheKeys, row: InboxDB[L]['value']) => Promise<[InboxDB[T]['value'], TermRow[]]>,
  key: string,
): Promise<void> {
  await inBatches(account, async (keys) => {
    const d = await db();
    const rows = await d.getAll(from, accountRange(account), RESEAL_BATCH);
    if (!rows.length) return true;
    // A row that cannot be read (damaged) is dropped rather than holding the rest back for ever.
    const sealed = (await Promise.allSettled(rows.map((r) => seal(keys, r)))).flatMap((r) => {
      if (r.status === 'fulfilled') return [r.value];
      console.warn(`[xmtp-inbox] a damaged ${from} row of ${account} is dropped:`, r.reason instanceof Error ? r.reason.message : r.reason);
      return [];
    });
    const tx = d.transaction([from, to, 'terms'], 'readwrite');
    await Promise.all([
      ...sealed.map(([r]) => tx.objectStore(to).put(r as never)),
      ...sealed.flatMap(([, terms]) => terms.map((t) => tx.objectStore('terms').put(t))),
      ...rows.map((r) => tx.objectStore(from).delete([account, (r as unknown as Record<string, string>)[key]!] as never)),
    ]);
    await tx.done;
    return rows.length < RESEAL_BATCH;
  });
}

/** A version 4 conversation: plain but for its secrets, sealed under data key 1. */
async function legacyConversation(keys: CacheKeys, r: LegacyConversation): Promise<ConversationRecord> {
  const { sealed, ...rest } = r;
  const out: ConversationRecord = { ...rest };
  const key = keys.keys.get(1);
  if (sealed && key) {
    const s = JSON.parse(new TextDecoder().decode(await open(key, sealed, `xmtp-inbox/conversation/v1/${r.account}/${r.topic}`))) as {
      keyMaterial?: string;
      peerBundle?: string;
      consentProof?: NonNullable<ConversationRecord['secrets']>['consentProof'];
    };
    out.secrets = {};
    if (s.keyMaterial) out.secrets.keyMaterial = hexToBytes(s.keyMaterial);
    if (s.peerBundle) out.secrets.peerBundle = hexToBytes(s.peerBundle);
    if (s.consentProof) out.secrets.consentProof = s.consentProof;
  }
  return out;
}
