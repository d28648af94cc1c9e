// An in-page stand-in for the extension background, for UI tests of the built popup served as an
// ordinary page (tests/browser/popup-ui.test.ts). It defines `browser.runtime.connect` (the popup's
// PortClient talks to it exactly as to the real background: request/response frames and pushed
// events) and answers the popup's part of the catalogue (src/messages.ts) from memory.
//
// `fakeBackground` is serialised into the page (tests/browser/support/in-page.ts): it must not use
// anything from outside its own body. `window.__fake` gives the test a handle on its state.
import type { AccountView, AppStatus, ConnectionView, ConversationView, MessageView, NameView, Settings, SiteGrantView } from '../../src/views.ts';
import type { Method, Params, Result } from '../../src/messages.ts';

/** The fake answers part of the catalogue, each method with the real params and result types. */
type FakeHandlers = { [M in Method]?: (params: Params<M>) => Result<M> };

export interface FakeSeed {
  status: AppStatus;
  password: string;
  conversations: ConversationView[];
  messages: Record<string, MessageView[]>;
  settings: Settings;
  sites: SiteGrantView[];
  /** addresses that are on XMTP */
  onNetwork: string[];
  /** private key (hex, no 0x) → address, for account.checkImport / import */
  knownKeys: Record<string, { address: string; hasIdentity: boolean }>;
  /** ms a pending send stays pending before it is "delivered" (or fails when its text is "fail") */
  deliveryMs: number;
  /** artificial latency of every answer, ms */
  latencyMs: number;
  /** sync.now fails with this message */
  syncError?: string;
  /** what connection.get answers (default: online) */
  connection?: ConnectionView;
  /** what account.reveal shows for a phrase */
  phrase: string;
  /** verified names by lower-case address; `names.lookup` answers the first half at once, the rest by event */
  names?: Record<string, NameView>;
}

export interface FakeHandle {
  calls: { method: string; params: unknown }[];
  push(topic: string, m: MessageView): void;
  emit(event: string, data: unknown): void;
  setStatus(s: Partial<AppStatus>): void;
  state: { conversations: ConversationView[]; messages: Record<string, MessageView[]>; settings: Settings; sites: SiteGrantView[]; status: AppStatus };
}

export function fakeBackground(seed: FakeSeed): void {
  type Listener = (msg: unknown) => void;
  const state = {
    status: seed.status,
    conversations: seed.conversations,
    messages: seed.messages,
    settings: seed.settings,
    sites: seed.sites,
  };
  let password = seed.password;
  const ports = new Set<{ emit: Listener }>();
  const calls: { method: string; params: unknown }[] = [];
  let nextId = 1;

  const err = (code: number, message: string, data?: unknown) => Object.assign(new Error(message), { code, data });
  const emit = (event: string, data: unknown) => {
    for (const p of ports) p.emit({ event, data: structuredClone(data) });
  };
  const conv = (topic: string) => {
    const c = state.conversations.find((x) => x.id === topic);
    if (!c) throw err(-32602, `no conversation ${topic}`);
    return c;
  };
  const lower = (a: string) => a.toLowerCase();
  const me = () => state.status.address ?? '';
  const isReceipt = (m: MessageView) => m.contentType.startsWith('xmtp.org/readReceipt');
  const touch = (m: MessageView) => {
    const c = conv(m.conversation);
    if (!isReceipt(m) && m.sent >= (c.lastMessage?.sent ?? 0)) c.lastMessage = m;
    c.updatedAt = Math.max(c.updatedAt, m.sent);
  };
  const setStatus = (s: Partial<AppStatus>) => {
    state.status = { ...state.status, ...s };
    emit('status', state.status);
  };
  const findAccount = (address: string) => {
    const a = state.status.accounts.find((x) => lower(x.address) === lower(address));
    if (!a) throw err(-32602, 'There is no such account in XMTP Inbox', { reason: 'unknown-account' });
    return a;
  };
  /** A new account becomes the current one; the first sets the password. */
  const addAccount = (address: string, kind: Pick<AccountView, 'backup'>, p: { password?: string; label?: string }) => {
    if (state.status.accounts.some((a) => lower(a.address) === lower(address))) throw err(-32602, `${address} is already in XMTP Inbox`, { reason: 'account-exists' });
    if (!state.status.accounts.length) password = p.password ?? '';
    const a: AccountView = { address, label: p.label ?? `Account ${state.status.accounts.length + 1}`, wallet: 'extension', backedUp: false, unread: 0, ...kind };
    setStatus({ state: 'unlocked', address, accounts: [...state.status.accounts, a] });
  };
  /** What a private key or phrase "is": the seed's known keys, else an address made from it. */
  const known = (p: { privateKey: string } | { phrase: string; index?: number }) => {
    if ('phrase' in p) {
      if (p.phrase.trim().split(/\s+/).length !== 12) throw err(-32602, 'A recovery phrase has 12, 15, 18, 21 or 24 words', { reason: 'bad-phrase' });
      return { address: '0x' + (0xd0 + (p.index ?? 0)).toString(16).repeat(20), hasIdentity: true };
    }
    const key = p.privateKey.replace(/^0x/, '').toLowerCase();
    return seed.knownKeys[key] ?? { address: '0x' + key.slice(0, 40), hasIdentity: false };
  };
  const requireUnlocked = () => {
    if (state.status.state !== 'unlocked') throw err(-32603, 'The inbox is locked', { reason: 'locked' });
  };
  const deliver = (m: MessageView) => {
    setTimeout(() => {
      const list = state.messages[m.conversation] ?? [];
      const i = list.findIndex((x) => x.id === m.id);
      if (i < 0) return;
      const failed = m.content === 'fail';
      const next: MessageView = failed ? { ...m, status: 'failed', error: 'the node did not answer' } : { ...m, status: 'sent' };
      list[i] = next;
      touch(next);
      emit('messages', { topic: m.conversation, messages: [next] });
      emit('conversations', { topics: [m.conversation] });
    }, seed.deliveryMs);
  };

  const handlers: FakeHandlers = {
    'app.status': () => state.status,
    'account.create': (p) => {
      const address = '0x' + (0xa1 + state.status.accounts.length).toString(16).repeat(20);
      addAccount(address, { backup: 'phrase' }, p);
      return { address };
    },
    'account.checkImport': (p) => {
      const k = known(p);
      return { address: k.address, hasIdentity: k.hasIdentity };
    },
    'account.import': (p) => {
      const k = known(p);
      addAccount(k.address, { backup: 'phrase' in p ? 'phrase' : 'key' }, p);
      return { address: k.address, restored: k.hasIdentity };
    },
    'account.switch': (p) => {
      findAccount(p.address);
      setStatus({ address: p.address });
      return state.status;
    },
    'account.rename': (p) => {
      findAccount(p.address);
      setStatus({ accounts: state.status.accounts.map((a) => (lower(a.address) === lower(p.address) ? { ...a, label: p.label } : a)) });
      return state.status;
    },
    'account.remove': (p) => {
      findAccount(p.address);
      const accounts = state.status.accounts.filter((a) => lower(a.address) !== lower(p.address));
      const current = lower(state.status.address ?? '') === lower(p.address) ? accounts[0]?.address : state.status.address;
      setStatus({ accounts, address: current, state: accounts.length ? state.status.state : 'onboarding' });
      return state.status;
    },
    'account.reveal': (p) => {
      const a = findAccount(p.address);
      if (p.password !== password) throw err(-32603, 'Wrong password', { reason: 'wrong-password' });
      if (p.secret === 'phrase' && a.backup !== 'phrase') throw err(-32602, 'This account has no recovery phrase', { reason: 'no-phrase' });
      if (a.backup === 'none') throw err(-32602, 'The wallet of this account lives outside XMTP Inbox', { reason: 'external-wallet' });
      setStatus({ accounts: state.status.accounts.map((x) => (x === a ? { ...x, backedUp: true } : x)) });
      return { value: p.secret === 'phrase' ? seed.phrase : '0x' + '4b'.repeat(32) };
    },
    'account.connectPageWallet': () => {
      throw err(-32603, 'No wallet answered on that page');
    },
    'account.unlock': (p) => {
      if (p.password !== password) throw err(-32603, 'Wrong password', { reason: 'wrong-password' });
      setStatus({ state: 'unlocked' });
      return state.status;
    },
    'account.lock': () => {
      setStatus({ state: 'locked' });
      return state.status;
    },
    'account.changePassword': (p) => {
      if (p.oldPassword !== password) throw err(-32603, 'Wrong password', { reason: 'wrong-password' });
      password = p.newPassword;
      return true;
    },
    'settings.get': () => state.settings,
    'settings.update': (p) => {
      const { nodeUrl, ...rest } = p;
      const nodeUrls = nodeUrl ? [nodeUrl] : p.nodeUrls;
      const unreachable = nodeUrls?.find((u) => /unreachable|:1\/?$/.test(u));
      if (unreachable) throw err(-32603, `Cannot reach an XMTP node at ${unreachable}`, { reason: 'unreachable' });
      state.settings = { ...state.settings, ...rest, ...(nodeUrls && { nodeUrls: nodeUrls.map((u) => u.replace(/\/+$/, '')) }) };
      // As the background does: a new list's first node is the one in use.
      if (nodeUrls) emit('connection', { online: true, since: Date.now(), node: { url: state.settings.nodeUrls[0]!, index: 0 } });
      return state.settings;
    },
    // newest first, a page at a time with `limit` and `offset`
    'conversations.list': (p) => {
      requireUnlocked();
      const list = state.conversations.filter((c) => !p?.consent || c.consent === p.consent).sort((a, b) => b.updatedAt - a.updatedAt);
      const from = p?.offset ?? 0;
      return list.slice(from, p?.limit ? from + p.limit : undefined);
    },
    'conversations.get': (p) => conv(p.topic),
    'conversations.new': (p) => {
      const existing = state.conversations.find((c) => lower(c.peerAddress) === lower(p.peerAddress));
      if (existing) return existing;
      const c: ConversationView = {
        id: `/xmtp/0/m-${nextId++}-${Date.now()}/proto`,
        peerAddress: p.peerAddress,
        createdAt: Date.now(),
        consent: 'allowed',
        version: 'v2',
        updatedAt: Date.now(),
        unreadCount: 0,
      };
      state.conversations.push(c);
      state.messages[c.id] = [];
      return c;
    },
    'conversations.markRead': (p) => {
      conv(p.topic).unreadCount = 0;
      return true;
    },
    'names.lookup': (p) => {
      const known = p.addresses.map((a) => lower(a)).filter((a) => seed.names?.[a]);
      const now = known.slice(0, Math.ceil(known.length / 2));
      const later = known.slice(now.length);
      if (later.length) setTimeout(() => emit('names', { names: Object.fromEntries(later.map((a) => [a, seed.names![a]])) }), 50);
      return Object.fromEntries(now.map((a) => [a, seed.names![a]]));
    },
    'names.resolve': (p) => {
      const want = p.name.trim().toLowerCase();
      const hit = Object.values(seed.names ?? {}).find((n) => n.name === want);
      if (!hit) throw err(-32602, `${want} does not point to an address`, { reason: 'name-not-found' });
      return { name: hit.name, address: hit.address, source: hit.source };
    },
    'contacts.canMessage': (p) =>
      Object.fromEntries(p.addresses.map((a) => [a, seed.onNetwork.some((x) => lower(x) === lower(a))])),
    'consent.set': (p) => {
      for (const c of state.conversations) if (lower(c.peerAddress) === lower(p.peerAddress)) c.consent = p.state;
      emit('conversations', { topics: state.conversations.filter((c) => lower(c.peerAddress) === lower(p.peerAddress)).map((c) => c.id) });
      return true;
    },
    'messages.list': (p) => {
      const all = (state.messages[p.topic] ?? []).filter((m) => p.before === undefined || m.sent < p.before);
      return all.slice().sort((a, b) => b.sent - a.sent).slice(0, p.limit ?? 50);
    },
    'messages.send': (p) => {
      conv(p.topic);
      const m: MessageView = {
        id: `local-${nextId++}`,
        conversation: p.topic,
        senderAddress: me(),
        sent: Date.now(),
        contentType: p.contentType ?? 'xmtp.org/text:1.0',
        content: p.content,
        status: 'pending',
      };
      (state.messages[p.topic] ??= []).push(m);
      touch(m);
      deliver(m);
      return m;
    },
    'outbox.retry': (p) => {
      for (const list of Object.values(state.messages)) {
        const i = list.findIndex((m) => m.id === p.id);
        if (i >= 0) {
          list[i] = { ...list[i], status: 'pending', content: list[i].content === 'fail' ? 'fail (retried)' : list[i].content, error: undefined };
          deliver(list[i]);
          return list[i];
        }
      }
      throw err(-32602, 'no such message');
    },
    'outbox.discard': (p) => {
      for (const [topic, list] of Object.entries(state.messages)) state.messages[topic] = list.filter((m) => m.id !== p.id);
      return true;
    },
    'attachments.loadRemote': () => ({ filename: 'remote.txt', mimeType: 'text/plain', data: btoa('hello from far away') }),
    'sync.now': () => {
      if (seed.syncError) throw err(-32603, seed.syncError);
      return { conversations: state.conversations.length, newMessages: 0, ms: 1 };
    },
    'connection.get': () => seed.connection ?? { online: true, since: 0 },
    // whole words, every one of them (what the background's index answers)
    'messages.search': (p) => {
      const words = p.query.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 1);
      const has = (t: string) => words.every((w) => t.toLowerCase().split(/[^\p{L}\p{N}]+/u).includes(w));
      return Object.values(state.messages)
        .flat()
        .filter((m) => typeof m.content === 'string' && has(m.content))
        .sort((a, b) => b.sent - a.sent)
        .slice(0, p.limit ?? 50);
    },
    'sites.list': () => state.sites,
    'sites.revoke': (p) => {
      state.sites = state.sites.filter((s) => s.origin !== p.origin);
      return true;
    },
  };

  const connect = () => {
    const messageListeners = new Set<Listener>();
    const disconnectListeners = new Set<() => void>();
    const port = {
      name: 'popup',
      emit: (msg: unknown) => setTimeout(() => messageListeners.forEach((fn) => fn(msg)), 0),
      postMessage(req: { id: number; method: string; params?: unknown }) {
        calls.push({ method: req.method, params: req.params });
        setTimeout(() => {
          let reply: unknown;
          try {
            // The page sends any string; the ones the fake answers are catalogue methods.
            const h = Object.hasOwn(handlers, req.method) ? (handlers[req.method as Method] as (p: unknown) => unknown) : undefined;
            if (!h) throw err(4200, `${req.method} is not supported by this version`);
            reply = { id: req.id, result: structuredClone(h(structuredClone(req.params))) };
          } catch (e) {
            const x = e as { code?: number; message: string; data?: unknown };
            reply = { id: req.id, error: { code: x.code ?? -32603, message: x.message, data: x.data } };
          }
          messageListeners.forEach((fn) => fn(reply));
        }, seed.latencyMs);
      },
      onMessage: { addListener: (fn: Listener) => messageListeners.add(fn), removeListener: (fn: Listener) => messageListeners.delete(fn) },
      onDisconnect: { addListener: (fn: () => void) => disconnectListeners.add(fn), removeListener: (fn: () => void) => disconnectListeners.delete(fn) },
      disconnect() {
        ports.delete(port);
      },
    };
    ports.add(port);
    return port;
  };

  const w = globalThis as any;
  w.chrome = { runtime: { id: 'fake-extension' } };
  w.browser = {
    runtime: { id: 'fake-extension', connect, getURL: (p: string) => p },
    tabs: { query: async () => [], getCurrent: async () => undefined },
  };
  const handle: FakeHandle = {
    calls,
    state,
    emit,
    setStatus,
    push(topic, m) {
      (state.messages[topic] ??= []).push(m);
      touch(m);
      const c = conv(topic);
      if (lower(m.senderAddress) !== lower(me())) c.unreadCount++;
      emit('messages', { topic, messages: [m] });
      emit('conversations', { topics: [topic] });
    },
  };
  w.__fake = handle;
}
