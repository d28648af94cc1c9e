// Catch-up sync: brings the IndexedDB cache up to date from per-topic cursors. New conversations come
// from the invite and intro topics (incremental in the client core), consent from the private
// preferences topic, and messages of every conversation from batch queries of up to 50 topics,
// starting a little before each topic's cursor (senders choose their own timestamps, so a message can
// arrive with a time older than what we already saw). Envelopes already stored are recognised by id
// before any decryption, so the overlap costs one hash each.
import type { Conversation } from '../src/xmtp/conversations/conversation.ts';
import type { Envelope, QueryRequest, Cursor } from '../src/xmtp/api/types.ts';
import { bytesToHex } from '../src/xmtp/crypto/bytes.ts';
import { sha256 } from '../src/xmtp/crypto/hashes.ts';
import type { SyncStats } from '../src/messages.ts';
import { db } from './db.ts';
import type { ActiveClient } from './xmtp-session.ts';

/** How far before a topic's cursor each sync looks again. */
export const OVERLAP_NS = 5n * 60n * 1_000_000_000n;
const PAGE = 100;

const log = (what: string) => (e: unknown) => console.warn(`[xmtp-inbox] ${what}:`, e instanceof Error ? e.message : e);

async function knownIds(account: string, ids: string[]): Promise<Set<string>> {
  const tx = (await db()).transaction('messages');
  const keys = await Promise.all(ids.map((id) => tx.store.getKey([account, id])));
  await tx.done;
  return new Set(ids.filter((_, i) => keys[i] !== undefined));
}

/**
 * Stores the valid messages among these envelopes of one conversation and advances its cursor.
 * Idempotent: envelopes already stored are skipped. Returns how many messages were new.
 */
export async function ingest(a: ActiveClient, conversation: Conversation, envelopes: Envelope[]): Promise<number> {
  if (!envelopes.length) return 0;
  const ids = envelopes.map((e) => bytesToHex(sha256(e.message)));
  const known = await knownIds(a.account, ids);
  const fresh = envelopes.filter((_, i) => !known.has(ids[i]));
  const stored = await conversation.decodeEnvelopes(fresh, ({ error }) => log(`rejected a message on ${conversation.topic}`)(error));
  if (stored.length) await a.storage.putMessages(stored);
  let newest = 0n;
  for (const e of envelopes) if (e.timestampNs > newest) newest = e.timestampNs;
  await a.storage.setCursors([[conversation.topic, newest]]);
  return stored.length;
}

/** Catches up the messages of these conversations, 50 topics per request, paging topics that have more. */
export async function syncConversations(a: ActiveClient, conversations: Conversation[]): Promise<number> {
  const cursors = await Promise.all(conversations.map((c) => a.storage.getCursor(c.topic)));
  let pending = conversations.map((conversation, i) => {
    const c = cursors[i];
    return { conversation, startTimeNs: c !== undefined && c > OVERLAP_NS ? c - OVERLAP_NS : undefined, cursor: undefined as Cursor | undefined };
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
        if (r.envelopes.length === PAGE && r.cursor) more.push({ ...p, cursor: r.cursor });
        return ingest(a, p.conversation, r.envelopes);
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
