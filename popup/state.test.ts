import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Inbox, type Bg } from './state.ts';
import type { ConversationView } from '../src/views.ts';

function fakeBg(answers: Record<string, (p: any) => unknown>) {
  const listeners = new Map<string, ((d: unknown) => void)[]>();
  const calls: string[] = [];
  const bg = {
    call: async (method: string, params?: unknown) => {
      calls.push(method);
      const a = answers[method];
      if (!a) throw Object.assign(new Error(`${method} is not supported`), { code: 4200 });
      return a(params);
    },
    on: (event: string, fn: (d: unknown) => void) => {
      listeners.set(event, [...(listeners.get(event) ?? []), fn]);
      return () => {};
    },
  } as unknown as Bg;
  const emit = (event: string, data: unknown) => listeners.get(event)?.forEach((fn) => fn(data));
  return { bg, emit, calls };
}
const conv = (id: string, updatedAt: number, p: Partial<ConversationView> = {}): ConversationView => ({
  id,
  peerAddress: '0x' + id.padStart(40, '0'),
  createdAt: 0,
  consent: 'allowed',
  version: 'v2',
  updatedAt,
  unreadCount: 0,
  ...p,
});
const tick = () => new Promise((r) => setTimeout(r, 0));

test('loads sorted, refreshes changed topics from events, reloads after a reconnect', async () => {
  let list = [conv('a', 1), conv('b', 3), conv('c', 2)];
  const { bg, emit, calls } = fakeBg({
    'conversations.list': () => list,
    'conversations.get': ({ topic }) => ({ ...list.find((c) => c.id === topic)!, updatedAt: 10, unreadCount: 1 }),
  });
  const inbox = new Inbox(bg);
  let renders = 0;
  inbox.store.subscribe(() => renders++);
  await inbox.load();
  assert.deepEqual(inbox.store.get().conversations!.map((c) => c.id), ['b', 'c', 'a']);
  emit('conversations', { topics: ['a'] });
  await tick();
  assert.deepEqual(inbox.store.get().conversations!.map((c) => c.id), ['a', 'b', 'c']);
  assert.equal(inbox.get('a')!.unreadCount, 1);
  list = [conv('z', 5)];
  emit('reconnect', undefined);
  await tick();
  assert.deepEqual(inbox.store.get().conversations!.map((c) => c.id), ['z']);
  assert.ok(renders >= 3);
  assert.deepEqual(calls, ['conversations.list', 'conversations.get', 'conversations.list']);
});

test('a failed load keeps the error; sync failures mark the list offline, not 4200', async () => {
  const { bg } = fakeBg({
    'conversations.list': () => {
      throw Object.assign(new Error('The inbox is locked'), { code: -32603, data: { reason: 'locked' } });
    },
  });
  const inbox = new Inbox(bg);
  await inbox.load();
  assert.equal(inbox.store.get().conversations, null);
  assert.equal(inbox.store.get().error, 'The inbox is locked. Unlock it and try again.');
  await inbox.sync();
  assert.equal(inbox.store.get().offline, null, 'sync.now unsupported (4200) says nothing');

  const down = fakeBg({ 'conversations.list': () => [], 'sync.now': () => Promise.reject(Object.assign(new Error('Cannot reach the XMTP node'), { code: -32603 })) });
  const inbox2 = new Inbox(down.bg);
  await inbox2.sync();
  assert.equal(inbox2.store.get().offline, 'Cannot reach the XMTP node.');
  await inbox2.sync();
  assert.equal(down.calls.filter((c) => c === 'sync.now').length, 1, 'once per popup unless asked again');
  inbox2.clear();
  assert.deepEqual(inbox2.store.get(), { conversations: null, error: null, offline: null, complete: false });
});

test('a first page that may not be all is completed in chunks, then the sync runs', async () => {
  const all = Array.from({ length: 500 }, (_, i) => conv(`c${i}`, 1000 - i)); // newest first, as the background answers
  const asked: unknown[] = [];
  const { bg, calls } = fakeBg({
    'conversations.list': (p: { offset?: number; limit?: number } | undefined) => {
      asked.push(p);
      return all.slice(p?.offset ?? 0, (p?.offset ?? 0) + (p?.limit ?? Infinity));
    },
    'sync.now': () => ({}),
  });
  const inbox = new Inbox(bg);
  const loaded = inbox.load(Promise.resolve(all.slice(0, 40))); // 40 = FIRST_PAGE
  const synced = inbox.sync();
  await tick();
  assert.equal(inbox.store.get().complete, false);
  assert.equal(inbox.store.get().conversations!.length, 40);
  await loaded;
  await synced;
  assert.equal(inbox.store.get().complete, true);
  assert.deepEqual(inbox.store.get().conversations!.map((c) => c.id), all.map((c) => c.id));
  assert.deepEqual(asked, [{ offset: 40, limit: 200 }, { offset: 240, limit: 200 }, { offset: 440, limit: 200 }]);
  assert.deepEqual(calls.slice(-1), ['sync.now'], 'the sync waits for the list');
  // a background that answers everything at once: complete, no second request
  const old = fakeBg({ 'conversations.list': () => all });
  const inbox2 = new Inbox(old.bg);
  await inbox2.load(Promise.resolve(all.slice(0, 30)));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(inbox2.store.get().complete, true);
  assert.deepEqual(old.calls, []);
});

test('a conversation that moved while the chunks were read is kept', async () => {
  const all = Array.from({ length: 60 }, (_, i) => conv(`c${i}`, 1000 - i));
  let fresh: ConversationView | undefined;
  const { bg, emit } = fakeBg({
    'conversations.list': (p: { offset?: number; limit?: number }) => {
      // c59 became the newest after the first page was read: the next chunk no longer holds it
      const now = [fresh!, ...all.filter((c) => c.id !== 'c59')];
      return now.slice(p.offset, p.offset! + p.limit!).filter((c) => c.id !== 'c59' || p.offset === 0);
    },
    'conversations.get': () => fresh,
  });
  const inbox = new Inbox(bg);
  fresh = { ...all[59]!, updatedAt: 5000, unreadCount: 1 };
  const loaded = inbox.load(Promise.resolve(all.slice(0, 40)));
  await tick(); // the first page is in; the chunks are being read
  emit('conversations', { topics: ['c59'] });
  await loaded;
  await tick();
  assert.equal(inbox.store.get().conversations!.length, 60);
  assert.equal(inbox.store.get().conversations![0]!.id, 'c59');
});

test('patch and noteMessage update one conversation in place', async () => {
  const { bg } = fakeBg({ 'conversations.list': () => [conv('a', 1), conv('b', 2)] });
  const inbox = new Inbox(bg);
  await inbox.load();
  inbox.patch('a', { consent: 'denied' });
  assert.equal(inbox.get('a')!.consent, 'denied');
  inbox.noteMessage({ id: 'm', conversation: 'a', senderAddress: '0x1', sent: 9, contentType: 'xmtp.org/text:1.0', content: 'hi', status: 'pending' });
  assert.deepEqual(inbox.store.get().conversations!.map((c) => c.id), ['a', 'b']);
  assert.equal(inbox.get('a')!.lastMessage?.content, 'hi');
});

test('session: first answer, status events, a failure, reconnect', async () => {
  const status = { version: '0.1.0', target: 'chrome' as const, state: 'locked' as const, address: '0x1', nodeUrl: 'http://x', accounts: [] };
  let answer: () => unknown = () => ({ ...status, state: 'unlocked' });
  const { bg, emit } = fakeBg({ 'app.status': () => answer() });
  const { Session } = await import('./state.ts');
  const s = new Session(bg, Promise.resolve(status));
  await tick();
  assert.equal(s.store.get().status?.state, 'locked');
  emit('status', { ...status, state: 'unlocked' });
  assert.equal(s.store.get().status?.state, 'unlocked');
  answer = () => {
    throw Object.assign(new Error('disconnected'), { code: 4900 });
  };
  emit('reconnect', undefined);
  await tick();
  assert.equal(s.store.get().fatal, 'The extension restarted. Please try again.');
  assert.equal(s.store.get().status?.state, 'unlocked', 'the last known status stays');
});

test('the rest of the list waits for a request the person is waiting on', async () => {
  const all = Array.from({ length: 500 }, (_, i) => conv(`c${i}`, 1000 - i));
  const order: string[] = [];
  const { bg } = fakeBg({
    'conversations.list': (p: { offset: number; limit: number }) => {
      order.push(`chunk ${p.offset}`);
      return all.slice(p.offset, p.offset + p.limit);
    },
  });
  const inbox = new Inbox(bg);
  let answer!: () => void;
  const opening = inbox.waitingOn(new Promise<void>((r) => (answer = r)).then(() => void order.push('messages answered')));
  const loaded = inbox.load(Promise.resolve(all.slice(0, 40)));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(order, [], 'no chunk asked for while the person waits');
  answer();
  await opening;
  await loaded;
  assert.deepEqual(order, ['messages answered', 'chunk 40', 'chunk 240', 'chunk 440']);
  assert.equal(inbox.store.get().conversations!.length, 500);
});
