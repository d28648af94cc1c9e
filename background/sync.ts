// Catch-up sync: brings the IndexedDB cache up to date from per-topic positions. New conversations come
// from the invite and intro topics (incremental in the client core), consent from the private
// preferences topic, and messages of every conversation from batch queries of up to 50 topics.
//
// A topic's position is the (timestamp, digest) of the newest envelope read, which is exactly the
// node's own paging order: a query strictly after it returns only what is new. Senders choose their
// own timestamps, though, so an envelope published after our last look can carry a time up to a
// clock skew earlier than that look. A topic looked at recently is therefore re-read from
// `last look - SKEW` (the official SDK's 10 s), and envelopes already stored are recognised by id
// before any decryption.
import type { Conversation } from '../src/xmtp/conversations/conversation.ts';
import type { Envelope, QueryRequest, Cursor } from '../src/xmtp/api/types.ts';
import { bytesToHex, concatBytes, utf8 } from '../src/xmtp/crypto/bytes.ts';
import { sha256 } from '../src/xmtp/crypto/hashes.ts';
import type { SyncStats } from '../src/messages.ts';
import { db, type SyncPosition } from './db.ts';
import type { ActiveClient } from './xmtp-session.ts';

/** How much earlier than our last look a new envelope's timestamp may be (sender clock skew). */
export const SKEW_NS = 10n * 1_000_000_000n;
const PAGE = 100;

const log = (what: string) => (e: unknown) => console.warn(`[xmtp-inbox] ${what}:`, e instanceof Error ? e.message : e);
const nowNs = () => BigInt(Date.now()) * 1_000_000n;

/** The node's paging digest of an envelope: sha256(topic ‖ message). */
const pagingDigest = (e: Envelope) => sha256(concatBytes(utf8(e.contentTopic), e.message));

function compareDigest(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
const after = (e: { ns: bigint; digest: Uint8Array }, p: { ns: bigint; digest: Uint8Array }) =>
  e.ns > p.ns || (e.ns === p.ns && compareDigest(e.digest, p.digest) > 0);

async function knownIds(account: string, ids: string[]): Promise<Set<string>> {
  const tx = (await db()).transaction('messages');
  const keys = await Promise.all(ids.map((id) => tx.store.getKey([account, id])));
  await tx.done;
  return new Set(ids.filter((_, i) => keys[i] !== undefined));
}

const positionKey = (topic: string) => `position:${topic}`;

async function positions(account: string, topics: string[]): Promise<(SyncPosition | undefined)[]> {
  const tx = (await db()).transaction('cursors');
  const out = await Promise.all(topics.map((t) => tx.store.get([account, positionKey(t)])));
  await tx.done;
  return out.map((r) => r?.position);
}

/**
 * Stores the valid messages among these envelopes of one conversation and moves its position forward
 * (never back). `lookedAtNs` is when the query that returned them was sent (absent for live envelopes).
 * Idempotent: envelopes already stored are skipped. Returns how many messages were new.
 */
export async function ingest(a: ActiveClient, conversation: Conversation, envelopes: Envelope[], lookedAtNs?: bigint): Promise<number> {
  let stored: Awaited<ReturnType<Conversation['decodeEnvelopes']>> = [];
  let newest: { ns: bigint; digest: Uint8Array } | undefined;
  if (envelopes.length) {
    const ids = envelopes.map((e) => bytesToHex(sha256(e.message)));
    const known = await knownIds(a.account, ids);
    const fresh = envelopes.filter((_, i) => !known.has(ids[i]!));
    stored = await conversation.decodeEnvelopes(fresh, ({ error }) => log(`rejected a message on ${conversation.topic}`)(error));
    if (stored.length) await a.storage.putMessages(stored);
    for (const e of envelopes) {
      const p = { ns: e.timestampNs, digest: pagingDigest(e) };
      if (!newest || after(p, newest)) newest = p;
    }
    await a.storage.setCursors([[conversation.topic, newest!.ns]]); // the client core's own cursor
  }
  if (newest || lookedAtNs !== undefined) {
    const d = await db();
    const tx = d.transaction('cursors', 'readwrite');
    const key: [string, string] = [a.account, positionKey(conversation.topic)];
    const prior = (await tx.store.get(key))?.position;
    const next: SyncPosition = { ns: prior?.ns ?? 0n, digest: prior?.digest ?? new Uint8Array(0), lookedAtNs: prior?.lookedAtNs ?? 0n };
    if (newest && (!prior || after(newest, prior))) Object.assign(next, newest);
    if (lookedAtNs !== undefined && lookedAtNs > next.lookedAtNs) next.lookedAtNs = lookedAtNs;
    await tx.store.put({ account: a.account, key: key[1], ns: next.ns, position: next });
    await tx.done;
  }
  return stored.length;
}

/** Catches up the messages of these conversations, 50 topics per request, paging topics that have more. */
export async function syncConversations(a: ActiveClient, conversations: Conversation[]): Promise<number> {
  const lookedAtNs = nowNs();
  const known = await positions(a.account, conversations.map((c) => c.topic));
  let pending = conversations.map((conversation, i) => {
    const p = known[i];
    // Strictly after our newest envelope, unless we looked so recently that skewed clocks could still
    // put new envelopes before it: then from our last look minus the skew.
    const recheckFrom = p ? p.lookedAtNs - SKEW_NS : 0n;
    const cursor: Cursor | undefined = p && p.ns > 0n && p.ns <= recheckFrom ? { senderTimeNs: p.ns, digest: p.digest } : undefined;
    const startTimeNs = p ? (cursor ? p.ns : recheckFrom > 0n ? recheckFrom : undefined) : undefined;
    return { conversation, startTimeNs, cursor };
  });
  let added = 0;
  while (pending.length) {
    const requests: QueryRequest[] = pending.map((p) => ({
      contentTopics: [p.conversation.topic],
      startTimeNs: p.startTimeNs,
      direction: 'ascending',
      limit: PAGE,
      cursor: p.cursor,
    }));
    const responses = await a.client.api.batchQuery(requests);
    const more: typeof pending = [];
    const counts = await Promise.all(
      pending.map(async (p, i) => {
        const r = responses[i];
        if (!r) return 0;
        // A cursor means "more after this": a node may end a page early to bound its size.
        const full = r.envelopes.length > 0 && r.cursor;
        if (full) more.push({ ...p, cursor: r.cursor });
        // The look counts once the topic's last page is read.
        return ingest(a, p.conversation, r.envelopes, full ? undefined : lookedAtNs);
      }),
    );
    added += counts.reduce((x, y) => x + y, 0);
    pending = more;
  }
  return added;
}

let running: Promise<SyncStats> | undefined;

/** One full catch-up at a time; a caller arriving during one waits for it. */
export function syncAll(a: ActiveClient): Promise<SyncStats> {
  running ??= (async () => {
    const t0 = performance.now();
    try {
      await a.client.conversations.list({ onError: ({ error }) => log('rejected an invitation')(error) });
      await a.client.contacts.refreshConsentList().catch(log('consent list'));
      const conversations = await a.client.conversations.listLocal();
      const newMessages = await syncConversations(a, conversations);
      return { conversations: conversations.length, newMessages, ms: Math.round(performance.now() - t0) };
    } finally {
      running = undefined;
    }
  })();
  return running;
}
