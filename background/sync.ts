// Catch-up sync of the IndexedDB cache, through the client core's one sync engine (src/xmtp/sync):
// new conversations from the invite and intro topics, consent from the private preferences topic,
// then the messages of every conversation, 50 topics per batch query, each from its stored position.
// Live envelopes (live.ts) and delivered sends (outbox.ts) take the same path, one envelope at a time.
import type { Conversation } from '../src/xmtp/conversations/conversation.ts';
import type { Envelope } from '../src/xmtp/api/types.ts';
import type { MessageError } from '../src/xmtp/conversations/context.ts';
import type { SyncStats } from '../src/messages.ts';
import type { ActiveClient } from './xmtp-session.ts';

const log = (what: string) => (e: unknown) => console.warn(`[xmtp-inbox] ${what}:`, e instanceof Error ? e.message : e);
const refused = ({ error, envelope }: MessageError) => log(`refused an envelope on ${envelope.contentTopic}`)(error);

/** Stores what is new among these envelopes of one conversation (live or just sent). Returns how many messages were stored. */
export async function ingest(a: ActiveClient, conversation: Conversation, envelopes: Envelope[]): Promise<number> {
  const task = conversation.syncTask({ onError: refused });
  await a.client.sync.ingest(task, envelopes);
  return task.stored;
}

/** Catches up the messages of these conversations. Returns how many messages were stored. */
export async function syncConversations(a: ActiveClient, conversations: Conversation[]): Promise<number> {
  const tasks = conversations.map((c) => c.syncTask({ onError: refused }));
  const report = await a.client.sync.run(tasks);
  for (const f of report.failed) log(`could not read ${f.topic} to its end; the next sync resumes it`)(f.error);
  return tasks.reduce((n, t) => n + t.stored, 0);
}

const running = new Map<string, Promise<SyncStats>>();
const following = new Map<string, Promise<SyncStats>>();

/**
 * One full catch-up per account at a time. A caller arriving during a run gets the run after it (one
 * for everyone arriving meanwhile): the run in progress may have listed conversations before what
 * that caller expects had arrived.
 */
export function syncAll(a: ActiveClient): Promise<SyncStats> {
  const current = running.get(a.account);
  if (!current) return startSync(a);
  let next = following.get(a.account);
  if (!next) {
    next = current
      .catch(() => {})
      .then(() => {
        following.delete(a.account);
        return startSync(a);
      });
    following.set(a.account, next);
  }
  return next;
}

function startSync(a: ActiveClient): Promise<SyncStats> {
  const run = (async () => {
    const t0 = performance.now();
    try {
      await a.client.conversations.list({ onError: refused });
      await a.client.contacts.refreshConsentList().catch(log('consent list'));
      const conversations = await a.client.conversations.listLocal();
      const newMessages = await syncConversations(a, conversations);
      return { conversations: conversations.length, newMessages, ms: Math.round(performance.now() - t0) };
    } finally {
      running.delete(a.account);
    }
  })();
  running.set(a.account, run);
  return run;
}
