// The outbox: a send is written to IndexedDB first and shown as pending at once; delivery is retried
// with backoff for as long as the failure is transient (the node cannot be reached, is overloaded),
// also after a worker restart (the minute alarm calls deliverDue), and at once when the node is back
// (nodeBack: the live connection reopened). It fails for good only on an error retrying cannot fix,
// such as the node refusing the message; then it waits for the user to retry or discard it.
//
// No duplicates: an attempt whose outcome is unknown (the request may have reached the node) records
// its timestamp; before trying again we look for our message at exactly that time on the topic.
import type { MessageView, OutgoingContent } from '../src/views.ts';
import { ErrorCode, RpcError, reasonOf } from '../src/rpc.ts';
import { ApiError } from '../src/xmtp/api/types.ts';
import { XmtpError } from '../src/xmtp/errors.ts';
import { db, type OutboxRecord } from './db.ts';
import { contentFromJson } from '../src/xmtp/json-view.ts';
import { isXmtpError } from '../src/xmtp/errors.ts';
import { ContentTypes } from '../src/views.ts';
import * as inbox from './inbox-store.ts';
import { ingest } from './sync.ts';
import { nodeAnswered, noteNetworkError, technicalDetail } from './connection.ts';
import { unlockedAccounts, type ActiveClient } from './xmtp-session.ts';
import type { Conversation } from '../src/xmtp/conversations/conversation.ts';

const BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000];
/** Attempts after this long use the delivery time rather than the time the user pressed Send. */
const KEEP_ORIGINAL_TIME_MS = 60_000;

const SENDABLE = new Set<string>(Object.values(ContentTypes));

/** Content as the client core sends it; refuses what the user or a page got wrong with -32602. */
export function parseOutgoing(contentType: string | undefined, content: unknown) {
  const type = contentType ?? ContentTypes.text;
  if (!SENDABLE.has(type)) throw new RpcError(ErrorCode.invalidParams, `content type ${type} is not supported for sending`);
  try {
    return contentFromJson(type, content);
  } catch (e) {
    if (isXmtpError(e, 'invalid_content')) throw new RpcError(ErrorCode.invalidParams, e.message);
    throw e;
  }
}

export const backoffMs = (attempts: number) => BACKOFF_MS[Math.min(attempts - 1, BACKOFF_MS.length - 1)];

type Emit = (account: string, changed: Map<string, MessageView[]>) => void;

function pendingView(r: OutboxRecord, account: string): MessageView {
  const v: MessageView = {
    id: r.localId,
    localId: r.localId,
    conversation: r.topic,
    senderAddress: account,
    sent: r.createdAt,
    contentType: r.contentType,
    content: r.content,
    status: r.state,
  };
  if (r.error) v.error = r.error;
  if (r.errorDetail) v.errorDetail = r.errorDetail;
  return v;
}

/** Transient: the node could not be reached or was overloaded; the request may or may not have landed. */
export function isTransient(e: unknown): boolean {
  if (e instanceof ApiError) return e.status === undefined || e.status >= 500 || e.status === 429 || e.grpcCode === 14 || e.grpcCode === 8;
  if (e instanceof XmtpError || e instanceof RpcError) return false;
  return true; // fetch/network failures (TypeError), timeouts
}

/** Why a send failed for good, in words for the person who sent it. */
export function failureReason(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 413) return 'The message is too large for the node.';
    if (e.status === 401 || e.status === 403 || e.grpcCode === 7 || e.grpcCode === 16) return 'The node refused the message: it does not accept messages from this address.';
    return 'The node refused the message.';
  }
  return 'The message could not be prepared for sending.';
}
export class Outbox {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private delivering: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** the next pass takes every pending send, not only those whose backoff is over */
  private skipBackoff = false;

  constructor(
    /** an unlocked account's client (getClient): every unlocked account's queue is delivered */
    private readonly client: (account: string) => Promise<ActiveClient>,
    private readonly emit: Emit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Queues a send and returns its pending view; delivery starts right away. */
  async enqueue(account: string, topic: string, outgoing: OutgoingContent): Promise<MessageView> {
    parseOutgoing(outgoing.contentType, outgoing.content); // refuse bad content before queueing it
    const record: OutboxRecord = {
      account,
      localId: `local-${crypto.randomUUID()}`,
      topic,
      contentType: outgoing.contentType ?? ContentTypes.text,
      content: outgoing.content,
      createdAt: this.now(),
      attempts: 0,
      nextAttemptAt: 0,
      state: 'pending',
      ambiguousNs: [],
    };
    const view = pendingView(record, account);
    await inbox.putOutbox(record);
    this.emit(account, await inbox.putMessages(account, [view]));
    this.kick();
    return view;
  }

  async retry(account: string, localId: string): Promise<MessageView> {
    const r = await inbox.getOutbox(account, localId);
    if (!r) throw new RpcError(ErrorCode.invalidParams, 'That message is no longer waiting to be sent');
    const { error: _e, errorDetail: _d, ...rest } = r;
    const next: OutboxRecord = { ...rest, state: 'pending', nextAttemptAt: 0 };
    await inbox.putOutbox(next);
    const view = pendingView(next, account);
    this.emit(account, await inbox.putMessages(account, [view]));
    this.kick();
    return view;
  }

  async discard(account: string, localId: string): Promise<void> {
    const r = await inbox.getOutbox(account, localId);
    if (!r) throw new RpcError(ErrorCode.invalidParams, 'That message is no longer waiting to be sent');
    await inbox.deleteOutbox(account, localId);
    const removed = await inbox.deleteMessage(account, localId);
    if (removed) this.emit(account, new Map([[removed.conversation, []]]));
  }

  /** Starts delivery now (in the background). */
  kick(): void {
    if (this.stopped) return;
    void this.deliverDue().catch((e) => console.warn('[xmtp-inbox] delivering queued sends failed:', e instanceof Error ? e.message : e));
  }

  /** No more deliveries from this instance (the worker is going away; tests). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The node answers again (the live connection reopened): pending sends go now, not after their backoff. */
  nodeBack(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.skipBackoff = true;
    return this.deliverDue();
  }

  /**
   * Delivers every pending send that is due. Safe to call any time (alarm, unlock, node back): one
   * delivery runs at a time, and a call during one makes it run once more when it ends.
   */
  deliverDue(): Promise<void> {
    if (this.delivering) {
      this.again = true;
      return this.delivering;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.delivering = (async () => {
      do {
        this.again = false;
        try {
          await this.deliverOnce();
        } catch (e) {
          if (reasonOf(e) === 'locked') return; // locked meanwhile (its queue is sealed): the next unlock kicks us
          throw e;
        }
      } while (this.again);
    })().finally(() => (this.delivering = undefined));
    return this.delivering;
  }

  private async deliverOnce(): Promise<void> {
    const upTo = this.skipBackoff ? Infinity : this.now();
    this.skipBackoff = false;
    let nextAt = Infinity;
    // Every unlocked account's queue: a send written before switching accounts still goes.
    for (const account of await unlockedAccounts()) {
      const due = (await inbox.outboxDue(account, upTo)).filter((r) => r.state === 'pending');
      if (due.length) {
        let a: ActiveClient;
        try {
          a = await this.client(account);
        } catch {
          continue; // locked meanwhile: the next unlock kicks us
        }
        // One conversation's sends go out in order; a transient failure holds back the later ones.
        const blocked = new Set<string>();
        for (const r of due) {
          if (blocked.has(r.topic)) continue;
          const ok = await this.attempt(a, r);
          if (!ok) blocked.add(r.topic);
        }
      }
      for (const r of await inbox.outboxDue(account)) if (r.state === 'pending') nextAt = Math.min(nextAt, r.nextAttemptAt);
    }
    if (nextAt !== Infinity && !this.stopped) {
      const wait = Math.max(0, nextAt - this.now());
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.kick(), wait);
    }
  }


  /** Returns false when the send is still pending (it will be retried). */
  private async attempt(a: ActiveClient, r: OutboxRecord): Promise<boolean> {
    const conversation = await a.client.conversations.getByTopic(r.topic);
    if (!conversation) return this.fail(a, r, 'The conversation is not available on this device.');
    // Set once a publish has been tried: from then on the node may have the message.
    let sentNs: bigint | undefined;
    try {
      if (await this.landedEarlier(a, conversation, r)) return true;
      const when = this.now() - r.createdAt < KEEP_ORIGINAL_TIME_MS ? r.createdAt : this.now();
      const { contentType, content } = parseOutgoing(r.contentType, r.content);
      sentNs = BigInt(when) * 1_000_000n;
      a.storage.expectSend(r.topic, sentNs, r.localId);
      try {
        await conversation.send(content, { contentType, timestamp: new Date(when) });
      } finally {
        a.storage.forgetSend(r.topic, sentNs);
      }
    } catch (e) {
      if (!isTransient(e)) return this.fail(a, r, failureReason(e), technicalDetail(e));
      // Every transient failure, the duplicate check's included, waits and tries again.
      noteNetworkError(e);
      const ambiguousNs = sentNs === undefined || r.ambiguousNs.includes(sentNs) ? r.ambiguousNs : [...r.ambiguousNs, sentNs];
      await inbox.putOutbox({ ...r, attempts: r.attempts + 1, nextAttemptAt: this.now() + backoffMs(r.attempts + 1), ambiguousNs });
      return false;
    }
    nodeAnswered();
    await inbox.deleteOutbox(r.account, r.localId);
    return true;
  }

  /** Did an earlier attempt land after all? Looks exactly where it would be (throws when the node cannot be asked). */
  private async landedEarlier(a: ActiveClient, conversation: Conversation, r: OutboxRecord): Promise<boolean> {
    for (const ns of r.ambiguousNs) {
      const envelopes = await a.client.api.query(r.topic, { startTimeNs: ns, endTimeNs: ns, direction: 'ascending' });
      const mine = envelopes.filter((e) => e.timestampNs === ns);
      if (!mine.length) continue;
      a.storage.expectSend(r.topic, ns, r.localId);
      await ingest(a, conversation, mine);
      if (await this.delivered(a, r)) return true;
    }
    return false;
  }

  private async delivered(a: ActiveClient, r: OutboxRecord): Promise<boolean> {
    if (await (await db()).getKey('messages', [a.account, r.localId])) return false; // still the pending record
    await inbox.deleteOutbox(r.account, r.localId);
    return true;
  }

  private async fail(a: ActiveClient, r: OutboxRecord, error: string, errorDetail?: string): Promise<boolean> {
    const failed: OutboxRecord = { ...r, state: 'failed', error, attempts: r.attempts + 1 };
    if (errorDetail) failed.errorDetail = errorDetail;
    await inbox.putOutbox(failed);
    this.emit(a.account, await inbox.putMessages(a.account, [pendingView(failed, a.account)]));
    return true; // not pending any more: later sends in the conversation may go
  }
}
