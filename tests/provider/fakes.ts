// Test doubles for the provider: an in-memory inbox backend, content ports with a browser-reported
// sender, and prompt windows that record what they show.
import type { Runtime } from 'webextension-polyfill';
import type { ConversationView, MessageView, NameView, OutgoingContent, ResolvedName } from '../../src/views.ts';
import { ErrorCode, RpcError } from '../../src/rpc.ts';
import type { BackendStatus, ProviderBackend } from '../../background/provider/backend.ts';
import type { PromptWindows } from '../../background/provider/prompts.ts';

export const ME = '0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A';
export const PEER = '0x1C5A77d9FA7eF466951B2F01F724BCa3A5820b63';
export const OTHER = '0x2222222222222222222222222222222222222222';

export class FakeBackend implements ProviderBackend {
  state: BackendStatus = { state: 'unlocked', address: ME };
  conversations: ConversationView[] = [];
  messages: MessageView[] = [];
  sent: { topic: string; content: OutgoingContent }[] = [];
  consent: [string, string][] = [];
  live = 0;
  /** name → address, as the names service would resolve them */
  names: Record<string, string> = { 'alice.eth': PEER };
  nameLookups = 0;
  private statusFns: ((s: BackendStatus) => void)[] = [];
  private messageFns: ((a: string, m: MessageView[]) => void)[] = [];
  private seq = 0;

  setStatus(s: BackendStatus) {
    this.state = s;
    for (const fn of this.statusFns) fn(s);
  }
  push(messages: MessageView[], account = ME) {
    this.messages.push(...messages);
    for (const fn of this.messageFns) fn(account, messages);
  }
  addConversation(topic: string, conversationId?: string, peer = PEER, createdAt = ++this.seq): ConversationView {
    const c: ConversationView = {
      id: topic,
      peerAddress: peer,
      createdAt,
      consent: 'unknown',
      version: 'v2',
      updatedAt: createdAt,
      unreadCount: 0,
      ...(conversationId ? { context: { conversationId, metadata: {} } } : {}),
    };
    this.conversations.push(c);
    return c;
  }

  async status() {
    return { ...this.state };
  }
  async resolveName(name: string): Promise<ResolvedName> {
    this.nameLookups++;
    const n = name.trim().toLowerCase();
    const address = this.names[n];
    if (!address) throw new RpcError(ErrorCode.invalidParams, `${n} does not point to an address`, { reason: 'name-not-found' });
    return { name: n, address, source: 'ens' };
  }
  async lookupAddress(address: string): Promise<NameView | null> {
    this.nameLookups++;
    const name = Object.keys(this.names).find((n) => this.names[n].toLowerCase() === address.toLowerCase());
    return name ? { address: address.toLowerCase(), name, source: 'ens' } : null;
  }
  async listConversations() {
    return [...this.conversations];
  }
  async getConversation(_a: string, topic: string) {
    return this.conversations.find((c) => c.id === topic);
  }
  async newConversation(_a: string, peer: string, context?: { conversationId: string; metadata: Record<string, string> }) {
    const existing = this.conversations.find((c) => c.peerAddress === peer && c.context?.conversationId === context?.conversationId);
    if (existing) return existing;
    const c = this.addConversation(`/xmtp/0/m-new${++this.seq}/proto`, undefined, peer);
    if (context) c.context = context;
    return c;
  }
  async listMessages(_a: string, topic: string, opts: { limit?: number }) {
    return this.messages.filter((m) => m.conversation === topic).slice(0, opts.limit);
  }
  async sendMessage(_a: string, topic: string, content: OutgoingContent): Promise<MessageView> {
    this.sent.push({ topic, content });
    return { id: `local-${++this.seq}`, conversation: topic, senderAddress: ME, sent: Date.now(), contentType: content.contentType ?? 'xmtp.org/text:1.0', content: content.content, status: 'pending' };
  }
  async canMessage(_a: string, addresses: string[]) {
    return Object.fromEntries(addresses.map((a) => [a, a.toLowerCase() === PEER.toLowerCase()]));
  }
  async setConsent(_a: string, peer: string, state: string) {
    this.consent.push([peer, state]);
  }
  onMessages(fn: (a: string, m: MessageView[]) => void) {
    this.messageFns.push(fn);
  }
  onStatus(fn: (s: BackendStatus) => void) {
    this.statusFns.push(fn);
  }
  acquireLive() {
    this.live++;
    return () => void this.live--;
  }
}

export interface FakePort extends Runtime.Port {
  events: { event: string; data: unknown }[];
  close(): void;
}

let tabIds = 100;
export function fakePort(url: string, opts: { tabId?: number; frameId?: number; origin?: string } = {}): FakePort {
  const disconnect: (() => void)[] = [];
  const port = {
    name: 'content',
    sender: { url, origin: opts.origin ?? new URL(url).origin, tab: { id: opts.tabId ?? tabIds++ }, frameId: opts.frameId ?? 0 },
    events: [] as { event: string; data: unknown }[],
    postMessage(m: { event: string; data: unknown }) {
      port.events.push(m);
    },
    onDisconnect: { addListener: (fn: () => void) => disconnect.push(fn) },
    close() {
      for (const fn of disconnect) fn();
    },
  };
  return port as unknown as FakePort;
}

export class FakeWindows implements PromptWindows {
  open_: { windowId: number; url: string }[] = [];
  closed: number[] = [];
  focused: number[] = [];
  private next = 1;
  /** the URL each open window shows now */
  shown = new Map<number, string>();
  async open(url: string) {
    const windowId = this.next++;
    this.open_.push({ windowId, url });
    this.shown.set(windowId, url);
    return { windowId };
  }
  async navigate(win: { windowId: number }, url: string) {
    this.shown.set(win.windowId, url);
  }
  async close(windowId: number) {
    this.closed.push(windowId);
    this.shown.delete(windowId);
  }
  async focus(windowId: number) {
    this.focused.push(windowId);
  }
  /** prompt id in a window */
  idIn(windowId: number): string | undefined {
    const u = this.shown.get(windowId);
    return u && new URL(u).searchParams.get('id')!;
  }
}

export const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
