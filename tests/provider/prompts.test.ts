// The prompt queue: one window per site, queueing, -32002 for duplicates, joining unlock prompts,
// closing the window = 4001, pages that go away take their requests along.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PromptQueue } from '../../background/provider/prompts.ts';
import { FakeWindows, fakePort, tick } from './fakes.ts';

const A = 'https://a.example';
const B = 'https://b.example';

function setup() {
  const windows = new FakeWindows();
  let n = 0;
  const q = new PromptQueue(windows, (id) => `chrome-extension://x/prompt.html?id=${id}`, () => `p${++n}`);
  return { windows, q };
}
const settle = <T>(p: Promise<T>): Promise<{ ok?: T; code?: number }> => p.then((v) => ({ ok: v }), (e: { code: number }) => ({ code: e.code }));

test('one window per site; further requests queue in it; answering moves on, then closes', async () => {
  const { windows, q } = setup();
  const first = q.ask({ kind: 'connect', origin: A, scope: 'app' }, { key: 'connect' });
  const second = q.ask({ kind: 'setConsent', origin: A, peerAddress: '0x1', state: 'allowed' }, { key: 'consent:0x1' });
  const other = q.ask({ kind: 'connect', origin: B, scope: 'inbox' }, { key: 'connect' });
  await tick();
  assert.equal(windows.open_.length, 2, 'one window for each site');
  const wa = windows.open_[0].windowId;
  assert.equal(windows.idIn(wa), 'p1');
  assert.equal(q.get('p1')?.kind, 'connect');
  assert.equal(q.get('p2'), undefined, 'a queued request is not on screen yet');
  assert.equal(q.resolve('p2', { approved: true }), false);
  assert.equal(q.resolve('p1', { approved: true, scope: 'app' }), true);
  assert.deepEqual(await first, { approved: true, scope: 'app' });
  await tick();
  assert.equal(windows.idIn(wa), 'p2', 'the same window shows the next request');
  assert.equal(q.get('p2')?.kind, 'setConsent');
  q.resolve('p2', { approved: false });
  assert.deepEqual(await second, { approved: false });
  await tick();
  assert.deepEqual(windows.closed, [wa]);
  q.resolve('p3', { approved: true });
  assert.deepEqual(await other, { approved: true });
  assert.equal(q.size, 0);
});

test('a duplicate gets -32002; unlock requests join one prompt', async () => {
  const { windows, q } = setup();
  const c1 = settle(q.ask({ kind: 'connect', origin: A, scope: 'app' }, { key: 'connect' }));
  const c2 = settle(q.ask({ kind: 'connect', origin: A, scope: 'inbox' }, { key: 'connect' }));
  assert.deepEqual(await c2, { code: -32002 });
  const u1 = q.ask({ kind: 'unlock', origin: B }, { key: 'unlock', join: true });
  const u2 = q.ask({ kind: 'unlock', origin: B }, { key: 'unlock', join: true });
  await tick();
  assert.equal(windows.open_.length, 2);
  q.resolveKind('unlock', { approved: true });
  assert.deepEqual(await u1, { approved: true });
  assert.deepEqual(await u2, { approved: true });
  q.resolve('p1', { approved: false });
  assert.deepEqual(await c1, { ok: { approved: false } });
});

test('closing the window rejects what the site had waiting with 4001', async () => {
  const { windows, q } = setup();
  const a = settle(q.ask({ kind: 'connect', origin: A, scope: 'app' }, { key: 'connect' }));
  const b = settle(q.ask({ kind: 'unlock', origin: A }, { key: 'unlock', join: true }));
  const other = settle(q.ask({ kind: 'connect', origin: B, scope: 'app' }, { key: 'connect' }));
  await tick();
  q.windowClosed(windows.open_[0].windowId);
  assert.deepEqual(await a, { code: 4001 });
  assert.deepEqual(await b, { code: 4001 });
  assert.equal(q.get('p3')?.origin, B, 'other sites are untouched');
  // the site can ask again: a new window
  const again = q.ask({ kind: 'connect', origin: A, scope: 'app' }, { key: 'connect' });
  await tick();
  assert.equal(windows.open_.length, 3);
  q.resolve('p4', { approved: true });
  assert.deepEqual(await again, { approved: true });
  q.windowClosed(windows.open_[1].windowId);
  assert.deepEqual(await other, { code: 4001 });
});

test('a page that goes away takes its requests along; a bounded queue per site', async () => {
  const { windows, q } = setup();
  const port = fakePort('https://a.example/');
  const gone = q.ask({ kind: 'connect', origin: A, scope: 'app' }, { key: 'connect', requester: { port, tabId: 7, frameId: 0 } });
  void gone.catch(() => {});
  const stays = q.ask({ kind: 'setConsent', origin: A, peerAddress: '0x1', state: 'allowed' }, { key: 'consent:1' });
  await tick();
  assert.deepEqual(q.requesterOf('p1'), { port, tabId: 7, frameId: 0 });
  q.portClosed(port);
  await tick();
  assert.equal(q.get('p1'), undefined);
  assert.equal(q.get('p2')?.kind, 'setConsent', 'the window moved on');
  assert.equal(windows.open_.length, 1);
  const more = [];
  for (let i = 0; i < 12; i++) more.push(settle(q.ask({ kind: 'setConsent', origin: A, peerAddress: `0x${i + 2}`, state: 'denied' }, { key: `c${i}` })));
  const codes = (await Promise.race([Promise.all(more.slice(9)), tick(20).then(() => [])])) as { code?: number }[];
  assert.deepEqual(codes.map((c) => c.code), [-32005, -32005, -32005]);
  q.windowClosed(windows.open_[0].windowId);
  await stays.catch(() => {});
});

test('a window that cannot open fails the request instead of hanging', async () => {
  const windows = new FakeWindows();
  windows.open = async () => {
    throw new Error('no display');
  };
  const q = new PromptQueue(windows, (id) => `x:?id=${id}`);
  const r = await settle(q.ask({ kind: 'connect', origin: A, scope: 'app' }, { key: 'connect' }));
  assert.deepEqual(r, { code: -32603 });
});
