// The provider API of DESIGN.md for pages: every window.xmtp method, per-site grants and scopes, the
// prompts, rate limits, subscriptions and the events pages get. Each request comes with its content
// port; the site is what the browser reports about that port's sender (site.ts), never page data.
import type { Runtime } from 'webextension-polyfill';
import { ErrorCode, RpcError } from '../../src/rpc.ts';
import {
  isProviderMethod,
  PROVIDER_LIMITS,
  PROVIDER_PARAMS,
  type ProviderMethod,
  type ProviderParams,
  type ProviderResult,
} from '../../src/provider-api.ts';
import { ContentTypes, type ConversationView, type GrantScope, type MessageView } from '../../src/views.ts';
import type { GrantRecord } from '../db.ts';
import type { BackendStatus, ProviderBackend } from './backend.ts';
import type { PromptQueue } from './prompts.ts';
import { denied, userRejected } from './prompts.ts';
import type { RateLimiter } from './ratelimit.ts';
import { covers, inScope, scopedConversationId, toPageConversation, toPageMessage } from './scope.ts';
import { siteOf, type Site } from './site.ts';
import * as grantStore from './grants.ts';
import { isAddress } from '../../src/address.ts';
import { sameAddress } from '../../src/address.ts';

export type ProviderEvent = 'accountsChanged' | 'message';

export interface ServiceDeps {
  backend: ProviderBackend;
  prompts: PromptQueue;
  limiter: RateLimiter;
  /** pushes a provider event to one content port */
  send(port: Runtime.Port, event: ProviderEvent, data: unknown): void;
  grants?: Pick<typeof grantStore, 'getGrant' | 'putGrant' | 'revokeGrant'>;
  newId?: () => string;
}

interface Subscription {
  /** one conversation, or every conversation in the grant */
  conversation?: string;
}
interface PortState {
  site: Site;
  port: Runtime.Port;
  /** the accounts this port was last told (or answered) */
  accounts: string[];
  /** at most PROVIDER_LIMITS.maxSubscriptions, one per filter: subscribing again to the same returns the same id */
  subs: Map<string, Subscription>;
  /** message ids already delivered to this page (a message may be reported again when its state changes) */
  delivered: Set<string>;
}

type MethodTable = { [M in ProviderMethod]: (st: PortState, params: ProviderParams<M>) => Promise<ProviderResult<M>> | ProviderResult<M> };

const LIST_DEFAULT = 100;
/** What pages see of a conversation: messages that were sent and could be read (not failed sends, not refused envelopes). */
const forPages = (m: MessageView) => m.status !== 'failed' && m.refused === undefined;
const MESSAGES_DEFAULT = 50;
/** Message ids remembered per page as delivered. */
const DELIVERED_MEMORY = 1000;

const notConnected = () => new RpcError(ErrorCode.unauthorized, 'This site is not connected to XMTP Inbox; call xmtp_connect first');
const outsideGrant = () => new RpcError(ErrorCode.unauthorized, 'That conversation is not within what this site may access');
const sameAccounts = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export class ProviderService {
  private ports = new Map<Runtime.Port, PortState>();
  private liveRelease: (() => void) | undefined;
  private readonly grants: NonNullable<ServiceDeps['grants']>;
  private readonly newId: () => string;

  constructor(private readonly deps: ServiceDeps) {
    this.grants = deps.grants ?? grantStore;
    this.newId = deps.newId ?? (() => crypto.randomUUID());
    deps.backend.onStatus((s) => void this.statusChanged(s));
    deps.backend.onMessages((account, messages) => void this.deliver(account, messages).catch((e) => console.warn('provider: delivering messages failed', e)));
  }

  /** One window.xmtp request relayed by a content port. */
  async request(method: string, rawParams: unknown, port: Runtime.Port): Promise<unknown> {
    if (!isProviderMethod(method)) throw new RpcError(ErrorCode.methodNotFound, `unknown method ${method.slice(0, 100)}`);
    const site = siteOf(port.sender);
    const st = this.stateOf(port, site);
    this.deps.limiter.take(site.origin, 'request');
    try {
      return await this.dispatch(method, rawParams, st);
    } catch (e) {
      if (e instanceof RpcError) throw e;
      console.warn(`provider: ${method} failed`, e);
      throw new RpcError(ErrorCode.internal, 'XMTP Inbox could not complete the request', { reason: 'internal' });
    }
  }

  /** A content port closed: its subscriptions end and its waiting prompts go. */
  portClosed(port: Runtime.Port): void {
    const st = this.ports.get(port);
    if (!st) return;
    this.ports.delete(port);
    st.subs.clear();
    this.updateLive();
    this.deps.prompts.portClosed(port);
  }

  /** A site's grant changed outside a page request (the popup revoked it). */
  async grantsChanged(origin: string): Promise<void> {
    const accounts = await this.accountsFor(origin);
    for (const st of this.ports.values()) if (st.site.origin === origin) this.tell(st, accounts);
  }

  /** Number of live subscriptions (tests). */
  get subscriptionCount(): number {
    let n = 0;
    for (const st of this.ports.values()) n += st.subs.size;
    return n;
  }

  private stateOf(port: Runtime.Port, site: Site): PortState {
    let st = this.ports.get(port);
    if (!st) {
      st = { site, port, accounts: [], subs: new Map(), delivered: new Set() };
      this.ports.set(port, st);
    }
    return st;
  }

  /** Runs one method with its validated params: the table's entry for that method, typed end to end. */
  private dispatch<M extends ProviderMethod>(method: M, rawParams: unknown, st: PortState): Promise<ProviderResult<M>> {
    const params = PROVIDER_PARAMS[method](rawParams, '');
    return Promise.resolve(this.methods[method](st, params));
  }

  /** Every window.xmtp method (src/provider-api.ts), one line each: which part of the service answers. */
  private readonly methods: MethodTable = {
    xmtp_connect: (st, p) => this.connect(st, p),
    xmtp_accounts: (st) => this.accounts(st),
    xmtp_disconnect: (st) => this.disconnect(st),
    xmtp_canMessage: (st, p) => this.canMessage(st, p),
    xmtp_listConversations: (st, p) => this.listConversations(st, p),
    xmtp_newConversation: (st, p) => this.newConversation(st, p),
    xmtp_listMessages: (st, p) => this.listMessages(st, p),
    xmtp_sendMessage: (st, p) => this.sendMessage(st, p),
    xmtp_subscribe: (st, p) => this.subscribe(st, p),
    xmtp_unsubscribe: (st, p) => this.unsubscribe(st, p),
    xmtp_setConsent: (st, p) => this.setConsent(st, p),
    xmtp_resolveName: (st, p) => this.resolveName(st, p),
    xmtp_lookupAddress: (st, p) => this.lookupAddress(st, p),
  };

  // --- access ---------------------------------------------------------------------------------

  private async accountsFor(origin: string, status?: BackendStatus): Promise<string[]> {
    const s = status ?? (await this.deps.backend.status());
    if (s.state !== 'unlocked' || !s.address) return [];
    return (await this.grants.getGrant(s.address, origin)) ? [s.address] : [];
  }

  /** Who asks the user: the frame (to reach its page wallet), and the top-level site its prompts count toward. */
  private asker(st: PortState) {
    return { requester: { port: st.port, tabId: st.site.tabId, frameId: st.site.frameId }, site: this.topSite(st) };
  }

  /**
   * The top-level site of a frame: the origin of its tab's top frame when that frame talks to us too,
   * else the tab itself. A page's iframes (30 subdomains, say) count as the page, not as 30 sites.
   */
  private topSite(st: PortState): string {
    if (st.site.frameId === 0 || st.site.tabId === undefined) return st.site.origin;
    for (const other of this.ports.values()) if (other.site.tabId === st.site.tabId && other.site.frameId === 0) return other.site.origin;
    return `tab:${st.site.tabId}`;
  }

  private async unlockPrompt(st: PortState): Promise<void> {
    const answer = await this.deps.prompts.ask({ kind: 'unlock', origin: st.site.origin }, { key: 'unlock', join: true, ...this.asker(st) });
    if (!answer.approved) throw denied(answer);
  }

  /**
   * The account and grant a request runs under: 4100 without a grant for the current account; when
   * locked, the unlock prompt first (4001 if the user closes it).
   */
  private async access(st: PortState): Promise<{ account: string; grant: GrantRecord }> {
    let s = await this.deps.backend.status();
    if (!s.address || s.state === 'onboarding') throw notConnected();
    let grant = await this.grants.getGrant(s.address, st.site.origin);
    if (!grant) throw notConnected();
    if (s.state === 'locked') {
      await this.unlockPrompt(st);
      s = await this.deps.backend.status();
      if (s.state !== 'unlocked' || !s.address) throw userRejected('XMTP Inbox is still locked');
      grant = await this.grants.getGrant(s.address, st.site.origin);
      if (!grant) throw notConnected();
    }
    st.accounts = [s.address];
    return { account: s.address, grant };
  }

  private async conversationInGrant(account: string, grant: GrantRecord, st: PortState, topic: string): Promise<ConversationView> {
    const conv = await this.deps.backend.getConversation(account, topic);
    // Unknown and out-of-scope look the same: a site learns nothing about conversations it cannot see.
    if (!conv || !inScope(grant.scope, st.site.scopeKey, conv)) throw outsideGrant();
    return conv;
  }

  // --- methods --------------------------------------------------------------------------------

  private async connect(st: PortState, params: ProviderParams<'xmtp_connect'>): Promise<ProviderResult<'xmtp_connect'>> {
    const requested: GrantScope = params.scope ?? 'app';
    const origin = st.site.origin;
    const s = await this.deps.backend.status();
    if (s.address && s.state !== 'onboarding') {
      const g = await this.grants.getGrant(s.address, origin);
      if (g && covers(g.scope, requested)) {
        if (s.state === 'locked') {
          await this.unlockPrompt(st);
          const after = await this.deps.backend.status();
          const again = after.address && (await this.grants.getGrant(after.address, origin));
          if (after.state !== 'unlocked' || !after.address || !again) throw userRejected('XMTP Inbox is still locked');
          await this.refreshOrigin(origin);
          return { address: after.address, scope: again.scope };
        }
        st.accounts = [s.address];
        return { address: s.address, scope: g.scope };
      }
    }
    // The prompt itself walks the user through onboarding or unlocking first when needed.
    const answer = await this.deps.prompts.ask({ kind: 'connect', origin, scope: requested }, { key: 'connect', ...this.asker(st) });
    if (!answer.approved) throw denied(answer);
    const scope: GrantScope = requested === 'inbox' && answer.scope === 'app' ? 'app' : requested;
    const after = await this.deps.backend.status();
    if (after.state !== 'unlocked' || !after.address) throw userRejected('XMTP Inbox is still locked');
    await this.grants.putGrant(after.address, origin, scope);
    await this.refreshOrigin(origin);
    return { address: after.address, scope };
  }

  private async accounts(st: PortState): Promise<string[]> {
    st.accounts = await this.accountsFor(st.site.origin);
    return st.accounts;
  }

  private async disconnect(st: PortState): Promise<true> {
    const s = await this.deps.backend.status();
    if (s.address) await this.grants.revokeGrant(s.address, st.site.origin);
    await this.refreshOrigin(st.site.origin);
    st.subs.clear();
    this.updateLive();
    return true;
  }

  private async canMessage(st: PortState, params: ProviderParams<'xmtp_canMessage'>): Promise<Record<string, boolean>> {
    const { account } = await this.access(st);
    const unique = [...new Set(params.addresses)];
    this.deps.limiter.take(st.site.origin, 'lookup', unique.length);
    // Names are resolved first; one that does not resolve cannot be messaged.
    const resolved = new Map<string, string | null>();
    await Promise.all(
      unique.filter((p) => !isAddress(p)).map(async (name) => resolved.set(name, await this.deps.backend.resolveName(name).then((r) => r.address, () => null))),
    );
    const addressOf = (p: string) => (isAddress(p) ? p : resolved.get(p) ?? null);
    const addresses = [...new Set(unique.map(addressOf).filter((a): a is string => a !== null))];
    const found = addresses.length ? await this.deps.backend.canMessage(account, addresses) : {};
    const lower = new Map(Object.entries(found).map(([k, v]) => [k.toLowerCase(), v]));
    const can = (a: string | null) => a !== null && (found[a] ?? lower.get(a.toLowerCase())) === true;
    const out: Record<string, boolean> = {};
    for (const p of unique) {
      const a = addressOf(p);
      out[p] = can(a);
      // a name's answer also carries the address it resolved to
      if (a && !isAddress(p)) out[a] = can(a);
    }
    return out;
  }

  private async listConversations(st: PortState, params: ProviderParams<'xmtp_listConversations'>) {
    const { account, grant } = await this.access(st);
    const all = await this.deps.backend.listConversations(account);
    return all
      .filter((c) => inScope(grant.scope, st.site.scopeKey, c) && (params.before === undefined || c.createdAt < params.before))
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1))
      .slice(0, params.limit ?? LIST_DEFAULT)
      .map(toPageConversation);
  }

  private async newConversation(st: PortState, params: ProviderParams<'xmtp_newConversation'>) {
    const { grant } = await this.access(st);
    this.deps.limiter.take(st.site.origin, 'lookup', 1);
    let peer = params.peerAddress;
    if (!isAddress(peer)) {
      // A name is the site's word for who to talk to: the user sees the address it leads to and decides.
      const resolved = await this.deps.backend.resolveName(peer);
      const answer = await this.deps.prompts.ask(
        { kind: 'newConversation', origin: st.site.origin, name: resolved.name, peerAddress: resolved.address },
        { key: `new:${resolved.address.toLowerCase()}`, ...this.asker(st) },
      );
      if (!answer.approved) throw denied(answer);
      peer = resolved.address;
    }
    const { account } = await this.access(st);
    const conversationId = scopedConversationId(grant.scope, st.site.scopeKey, params.conversationId);
    const context = conversationId === undefined ? undefined : { conversationId, metadata: params.metadata ?? {} };
    // The core allows the peer only if the user never decided about them: a blocked peer stays blocked.
    const conv = await this.deps.backend.newConversation(account, peer, context);
    if (!inScope(grant.scope, st.site.scopeKey, conv)) throw outsideGrant();
    return toPageConversation(conv);
  }

  private async listMessages(st: PortState, params: ProviderParams<'xmtp_listMessages'>) {
    const { account, grant } = await this.access(st);
    await this.conversationInGrant(account, grant, st, params.conversation);
    const messages = await this.deps.backend.listMessages(account, params.conversation, {
      limit: params.limit ?? MESSAGES_DEFAULT,
      before: params.before,
      after: params.after,
      direction: params.direction,
    });
    return messages.filter(forPages).map(toPageMessage);
  }

  private async sendMessage(st: PortState, params: ProviderParams<'xmtp_sendMessage'>) {
    const { account, grant } = await this.access(st);
    await this.conversationInGrant(account, grant, st, params.conversation);
    this.deps.limiter.take(st.site.origin, 'send');
    const sent = await this.deps.backend.sendMessage(account, params.conversation, { contentType: params.contentType, content: params.content });
    return toPageMessage(sent);
  }

  private async subscribe(st: PortState, params: ProviderParams<'xmtp_subscribe'>): Promise<string> {
    const { account, grant } = await this.access(st);
    if (params.conversation) await this.conversationInGrant(account, grant, st, params.conversation);
    if (!this.ports.has(st.port)) throw new RpcError(ErrorCode.disconnected, 'the page went away');
    for (const [id, sub] of st.subs) if (sub.conversation === params.conversation) return id;
    const max = PROVIDER_LIMITS.maxSubscriptions;
    if (st.subs.size >= max) {
      throw new RpcError(ErrorCode.rateLimited, `This page already has ${max} subscriptions; unsubscribe from one first`, { reason: 'too-many-subscriptions' });
    }
    const id = this.newId();
    st.subs.set(id, { conversation: params.conversation });
    this.updateLive();
    return id;
  }

  private unsubscribe(st: PortState, params: ProviderParams<'xmtp_unsubscribe'>): boolean {
    const had = st.subs.delete(params.subscription);
    this.updateLive();
    return had;
  }

  /** The one way a site changes consent, and only with the user's approval (rules: src/xmtp/consent/contacts.ts). */
  private async setConsent(st: PortState, params: ProviderParams<'xmtp_setConsent'>): Promise<true> {
    await this.access(st);
    const answer = await this.deps.prompts.ask(
      { kind: 'setConsent', origin: st.site.origin, peerAddress: params.peerAddress, state: params.state },
      { key: `consent:${params.peerAddress.toLowerCase()}`, ...this.asker(st) },
    );
    if (!answer.approved) throw denied(answer);
    const { account } = await this.access(st);
    await this.deps.backend.setConsent(account, params.peerAddress, params.state);
    return true;
  }

  private async resolveName(st: PortState, params: ProviderParams<'xmtp_resolveName'>): Promise<ProviderResult<'xmtp_resolveName'>> {
    await this.access(st);
    this.deps.limiter.take(st.site.origin, 'lookup', 1);
    const { name, address } = await this.deps.backend.resolveName(params.name);
    return { name, address };
  }

  private async lookupAddress(st: PortState, params: ProviderParams<'xmtp_lookupAddress'>): Promise<ProviderResult<'xmtp_lookupAddress'>> {
    await this.access(st);
    this.deps.limiter.take(st.site.origin, 'lookup', 1);
    const found = await this.deps.backend.lookupAddress(params.address);
    return { address: params.address, name: found?.name ?? null };
  }

  // --- events ---------------------------------------------------------------------------------

  private async statusChanged(s: BackendStatus): Promise<void> {
    if (s.state === 'unlocked') this.deps.prompts.resolveKind('unlock', { approved: true });
    const cache = new Map<string, string[]>();
    for (const st of [...this.ports.values()]) {
      let accounts = cache.get(st.site.origin);
      if (!accounts) cache.set(st.site.origin, (accounts = await this.accountsFor(st.site.origin, s)));
      this.tell(st, accounts);
    }
  }

  private async refreshOrigin(origin: string): Promise<void> {
    await this.grantsChanged(origin);
  }

  /** Sends accountsChanged when a port's accounts differ from what it was last told; access changed, so its subscriptions end. */
  private tell(st: PortState, accounts: string[]): void {
    if (sameAccounts(st.accounts, accounts)) return;
    st.accounts = accounts;
    if (st.subs.size) {
      st.subs.clear();
      this.updateLive();
    }
    this.deps.send(st.port, 'accountsChanged', accounts);
  }

  private updateLive(): void {
    const want = this.subscriptionCount > 0;
    if (want && !this.liveRelease) this.liveRelease = this.deps.backend.acquireLive();
    else if (!want && this.liveRelease) {
      const release = this.liveRelease;
      this.liveRelease = undefined;
      release();
    }
  }

  private async deliver(account: string, messages: MessageView[]): Promise<void> {
    const subscribed = [...this.ports.values()].filter((st) => st.subs.size);
    if (!subscribed.length || !messages.length) return;
    const s = await this.deps.backend.status();
    if (s.state !== 'unlocked' || !sameAddress(s.address, account)) return;
    const convs = new Map<string, Promise<ConversationView | undefined>>();
    const conv = (topic: string) => {
      let c = convs.get(topic);
      if (!c) convs.set(topic, (c = this.deps.backend.getConversation(account, topic)));
      return c;
    };
    const grants = new Map<string, GrantRecord | undefined>();
    for (const st of subscribed) {
      if (!grants.has(st.site.origin)) grants.set(st.site.origin, await this.grants.getGrant(s.address!, st.site.origin));
      const grant = grants.get(st.site.origin);
      if (!grant) continue;
      for (const m of messages) {
        // A read receipt is a signal between inboxes ("seen"), never a message a page should show.
        if (m.status === 'pending' || !forPages(m) || m.contentType === ContentTypes.readReceipt || st.delivered.has(m.id)) continue;
        const c = await conv(m.conversation);
        if (!c || !inScope(grant.scope, st.site.scopeKey, c)) continue;
        st.delivered.add(m.id);
        if (st.delivered.size > DELIVERED_MEMORY) st.delivered.delete(st.delivered.values().next().value!);
        const page = toPageMessage(m);
        for (const [id, sub] of st.subs) {
          if (!sub.conversation || sub.conversation === m.conversation) this.deps.send(st.port, 'message', { subscription: id, message: page });
        }
      }
    }
  }
}
