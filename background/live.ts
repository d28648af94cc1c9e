// The live subscription, held while the inbox is unlocked (index.ts) and while a page has an active
// window.xmtp subscription. It covers our invite and intro topics (new conversations) and every
// conversation topic, and it follows new conversations without reconnecting. Envelopes go through the
// same idempotent path as catch-up sync, and a reconnect runs a catch-up, so nothing is lost or doubled.
// When the last consumer leaves, the subscription stays a short while (a lock and unlock, a page reload).
import type { Subscription } from '../src/xmtp/api/api-client.ts';
import type { Envelope } from '../src/xmtp/api/types.ts';
import { introTopic, inviteTopic } from '../src/xmtp/topics.ts';
import { ingest, syncAll, syncConversations } from './sync.ts';
import type { ActiveClient } from './xmtp-session.ts';

const LINGER_MS = 15_000;
/** Longest wait between reconnect attempts: a node back from an outage is noticed within seconds. */
const MAX_RECONNECT_WAIT_MS = 5_000;

export interface LiveHooks {
  /** the subscription is open and delivering: the first time, and after each reconnect */
  onOpen?: () => void;
  /** an attempt to open it failed (it keeps trying) */
  onUnreachable?: (e: unknown) => void;
}
const log = (what: string) => (e: unknown) => console.warn(`[xmtp-inbox] live ${what}:`, e instanceof Error ? e.message : e);

export class Live {
  private consumers = 0;
  private sub: Subscription | undefined;
  private subFor: ActiveClient | undefined;
  private lingering: ReturnType<typeof setTimeout> | undefined;
  private starting: Promise<void> | undefined;
  private conversationsDirty: Promise<void> | undefined;
  private invitesPending = false;

  constructor(
    private readonly client: () => Promise<ActiveClient>,
    private readonly hooks: LiveHooks = {},
  ) {}

  get active(): boolean {
    return !!this.sub;
  }

  /** Holds the subscription until the returned release is called (once); `start: false` defers starting it to ensure(). */
  acquire(opts: { start?: boolean } = {}): () => void {
    this.consumers++;
    if (this.lingering) clearTimeout(this.lingering);
    this.lingering = undefined;
    if (opts.start !== false) void this.ensure();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.consumers = Math.max(0, this.consumers - 1);
      if (this.consumers === 0) {
        if (this.lingering) clearTimeout(this.lingering);
        this.lingering = setTimeout(() => this.stop(), LINGER_MS);
      }
    };
  }

  /** Starts the subscription if someone wants it and the inbox is unlocked (called on unlock too). */
  ensure(): Promise<void> {
    if (this.consumers === 0 || this.sub) return Promise.resolve();
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async start(): Promise<void> {
    let a: ActiveClient;
    try {
      a = await this.client();
    } catch {
      return; // locked: unlock calls ensure() again
    }
    if (this.sub || this.consumers === 0) return;
    const topics = await this.topicsOf(a);
    this.subFor = a;
    this.sub = a.client.api.subscribe(topics, (env) => void this.onEnvelope(a, env).catch(log('envelope')), {
      onReconnect: () => void syncAll(a).catch(log('catch-up after reconnect')),
      onConnected: () => this.hooks.onOpen?.(),
      onUnreachable: (e) => this.hooks.onUnreachable?.(e),
      maxBackoffMs: MAX_RECONNECT_WAIT_MS,
    });
    await this.sub.ready;
    // Conversations stored while the topics were read and the subscription opened (a sync running
    // beside it) found no subscription to update: follow them now.
    const now = await this.topicsOf(a);
    if (this.sub && (now.length !== topics.length || now.some((t, i) => t !== topics[i]))) await this.sub.updateTopics(now);
    // From now on nothing published is missed; what came before (the worker may have been asleep)
    // is fetched by a catch-up, through the same idempotent path.
    void syncAll(a).catch(log('catch-up at start'));
  }

  /** Ends the subscription (lock, account switch, nobody watching). */
  stop(): void {
    if (this.lingering) clearTimeout(this.lingering);
    this.lingering = undefined;
    this.sub?.close();
    this.sub = undefined;
    this.subFor = undefined;
  }

  /** The client changed (lock, node URL): drop the subscription and start again for whoever is watching. */
  restart(): void {
    this.stop();
    void this.ensure();
  }

  private async topicsOf(a: ActiveClient): Promise<string[]> {
    const conversations = await a.client.conversations.listLocal();
    return [inviteTopic(a.account), introTopic(a.account), ...conversations.map((c) => c.topic)];
  }

  /** New conversations appeared (sync, newConversation): follow their topics too. */
  async conversationsChanged(): Promise<void> {
    const a = this.subFor;
    if (!this.sub || !a) return;
    await this.sub.updateTopics(await this.topicsOf(a));
  }

  private async onEnvelope(a: ActiveClient, env: Envelope): Promise<void> {
    if (env.contentTopic === inviteTopic(a.account) || env.contentTopic === introTopic(a.account)) {
      // Coalesce bursts of invitations into one listing, and list again for an invitation that came
      // while a listing ran (its query may have been answered before that invitation was stored).
      this.invitesPending = true;
      this.conversationsDirty ??= (async () => {
        while (this.invitesPending) {
          this.invitesPending = false;
          const before = new Set((await a.client.conversations.listLocal()).map((c) => c.topic));
          await a.client.conversations.list();
          const fresh = (await a.client.conversations.listLocal()).filter((c) => !before.has(c.topic));
          await this.conversationsChanged();
          if (fresh.length) await syncConversations(a, fresh);
        }
      })().finally(() => (this.conversationsDirty = undefined));
      return this.conversationsDirty;
    }
    const conversation = await a.client.conversations.getByTopic(env.contentTopic);
    if (conversation) await ingest(a, conversation, [env]);
  }
}
