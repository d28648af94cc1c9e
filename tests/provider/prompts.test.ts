// The prompt queue: one window for every site, requests in order, -32002 for duplicates, joining
// unlock prompts, back-off after a Deny (closing the window is one), iframes counted toward their
// top-level site, focus once per request shown, pages that go away take their requests along.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKOFF_MS, MAX_PENDING_PER_SITE, MAX_QUEUED, PromptQueue } from '../../background/provider/prompts.ts';
import { FakeWindows, fakePort, tick } from './fakes.ts';

const A = 'https://a.example';
const B = 'https://b.example';

function setup() {
  const windows = new FakeWindows();
  let n = 0;
  const clock = { now: 1_000_000 };
  const q = new PromptQueue(windows, (id) => `chrome-extension://x/prompt.html?id=${id}`, { newId: () => `p${++n}`, now: () => clock.now });
  return { windows, q, clock };
}
const settle = <T>(p: Promise<T>): Promise<{ ok?: T; code?: number; reason?: string }> =>
  p.then((v) => ({ ok: v }), (e: { code: number; data?: { reason?: string } }) => (e.data?.reason ? { code: e.code, reason: e.data.reason } : { code: e.code }));

test('one window for every site, one request at a time in order; answering moves it on, focused once per request, then it closes', async () => {
  const { windows, q } = setup();
  const first = q.ask({ kind: 'connect', origin: A, scope: 'app' }, { key: 'connect' });
  const second = q.ask({ kind: 'setConsent', origin: A, peerAddress: '0x1', state: 'allowed' }, { key: 'consent:0x1' });
  const other = q.ask({ kind: 'connect', origin: B, scope: 'inbox' }, { key: 'connect' });
  await tick();
  assert.equal(windows.open_.length, 1, 'one window, whatever the site');
  const w = windows.open_[0]!.windowId;
  assert.equal(windows.idIn(w), 'p1');
  assert.equal(q.get('p2'), undefined, 'a queued request is not on screen yet');
  assert.equal(q.resolve('p2', { approved: true }), false);
  assert.equal(q.resolve('p1', { approved: true, scope: 'app' }), true);
  assert.deepEqual(await first, { approved: true, scope: 'app' });
  await tick();
  assert.equal(windows.idIn(w), 'p2', 'the same window shows the next request');
  q.resolve('p2', { approved: true });
  assert.deepEqual(await second, { approved: true });
  await tick();
  assert.equal(windows.idIn(w), 'p3', "then the other site's");
  q.resolve('p3', { approved: true });
  assert.deepEqual(await other, { approved: true });
  await tick();
  assert.deepEqual(windows.closed, [w]);
  assert.deepEqual(windows.focused, [w, w], 'focus when the window moves to a new request, never more');
  assert.equal(q.size, 0);
});

test('a duplicate gets -32002 and no focus; unlock requests join one prompt', async () => {
  const { windows, q } = setup();
  const c1 = settle(q.ask({ kind: 'connect', origin: A, scope: 'app' }, { key: 'connect' }));
  for (let i = 0; i < 5; i++) assert.deepEqual(await settle(q.ask({ kind: 'connect', origin: A, scope: 'inbox' }, { key: 'connect' })), { code: -32002 });
  const u1 = q.ask({ kind: 'unlock', origin: B }, { key: 'unlock', join: true });
  const u2 = q.ask({ kind: 'unlock', origin: B }, { key: 'unlock', join: true });
  await tick();
  assert.equal(windows.open_.length, 1);
  assert.deepEqual(windows.focused, [], 'nothing steals focus');
  q.resolveKind('unlock', { approved: true });
  assert.deepEqual(await u1, { approved: true });
  assert.deepEqual(await u2, { approved: true });
  q.resolve('p1', { approved: true });
  assert.deepEqual(await c1, { ok: { approved: true } });
});

test('after a Deny the site backs off: its waiting requests go, new ones get 4001 without a window, for longer each time', async () => {
  const { windows, q, clock } = setup();
  const asked = settle(q.ask({ kind: 'connect', origin: A, scope: 'app' }, { key: 'connect' }));
  const queued = settle(q.ask({ kind: 'setConsent', origin: A, peerAddress: '0x1', state: 'denied' }, { key: 'consent:1' }));
  const other = q.ask({ kind: 'connect', origin: B, scope: 'app' }, { key: 'connect' });
  await tick();
  q.resolve('p1', { approved: false });
  assert.deepEqual(await asked, { ok: { approved: false, retryAfterMs: BACKOFF_MS[0] } }, 'the Deny says how long the site waits');
  assert.deepEqual(await queued, { code: 4001, reason: 'backoff' });
  await tick();
  assert.equal(q.get('p3')?.origin, B, 'another site is not affected');
  for (let i = 0; i < 20; i++) assert.deepEqual(await settle(q.ask({ kind: 'connect', origin: A, scope: 'app' }, { key: 'connect' })), { code: 4001, reason: 'backoff' });
  q.resolve('p3', { approved: true });
  await other;
  await tick();
  assert.equal(windows.open_.length, 1, 'twenty rejections opened no window');

  clock.now += BACKOFF_MS[0]!;
  const again = settle(q.ask({ kind: 'connect', origin: A, scope: 'app' }, { key: 'connect' }));
  await tick();
  assert.equal(windows.open_.length, 2, 'after the interval the site may ask again');
  q.resolve('p4', { approved: false });
  await again;
  clock.now += BACKOFF_MS[0]!;
  assert.equal((await settle(q.ask({ kind: 'connect', origin: A, scope: 'app' }, { key: 'connect' }))).reason, 'backoff', 'the second Deny waits longer');
  clock.now += BACKOFF_MS[1]!;
  const third = q.ask({ kind: 'connect', origin: A, scope: 'app' }, { key: 'connect' });
  await tick();
  q.resolve('p5', { approved: true });
  await third;
  const fresh = q.ask({ kind: 'setConsent', origin: A, peerAddress: '0x2', state: 'allowed' }, { key: 'consent:2' });
  await tick();
  assert.equal(q.get('p6')?.kind, 'setConsent', 'an approval ends the back-off');
  q.resolve('p6', { approved: true });
  await fresh;
});

test('closing the window is a Deny of what it showed; everything else waiting is rejected too', async () => {
  const { windows, q } = setup();
  const a = settle(q.ask({ kind: 'connect', origin: A, scope: 'app' }, { key: 'connect' }));
  const b = settle(q.ask({ kind: 'connect', origin: B, scope: 'app' }, { key: 'connect' }));
  await tick();
  q.windowClosed(windows.open_[0]!.windowId);
  assert.deepEqual(await a, { code: 4001 });
  assert.deepEqual(await b, { code: 4001 });
  assert.equal((await settle(q.ask({ kind: 'connect', origin: A, scope: 'app' }, { key: 'connect' }))).reason, 'backoff');
  const fromB = q.ask({ kind: 'connect', origin: B, scope: 'app' }, { key: 'connect' });
  await tick();
  assert.equal(windows.open_.length, 2, 'a site that was not shown may ask again at once');
  q.resolve('p3', { approved: true });
  await fromB;
});

test("a page's iframes count toward its top-level site; the whole queue is bounded too", async () => {
  const { windows, q } = setup();
  const frames = Array.from({ length: 30 }, (_, i) =>
    settle(q.ask({ kind: 'connect', origin: `https://s${i}.evil.example`, scope: 'app' }, { key: 'connect', site: 'https://evil.example' })),
  );
  const refused = (await Promise.race([Promise.all(frames.slice(MAX_PENDING_PER_SITE)), tick(20).then(() => [])])) as { code?: number }[];
  assert.equal(refused.length, 30 - MAX_PENDING_PER_SITE);
  assert.ok(refused.every((r) => r.code === -32005));
  await tick();
  assert.equal(windows.open_.length, 1, 'thirty frames, one window');
  // A Deny of one frame's request backs off the whole page.
  assert.equal(q.resolve('p1', { approved: false }), true);
  assert.ok((await Promise.all(frames.slice(1, MAX_PENDING_PER_SITE))).every((r) => r.reason === 'backoff'));
  assert.equal((await settle(q.ask({ kind: 'connect', origin: 'https://s99.evil.example', scope: 'app' }, { key: 'connect', site: 'https://evil.example' }))).reason, 'backoff');

  const many = Array.from({ length: MAX_QUEUED + 3 }, (_, i) => settle(q.ask({ kind: 'connect', origin: `https://site${i}.example`, scope: 'app' }, { key: 'connect' })));
  const over = (await Promise.race([Promise.all(many.slice(MAX_QUEUED)), tick(20).then(() => [])])) as { code?: number }[];
  assert.deepEqual(over.map((r) => r.code), [-32005, -32005, -32005]);
  q.windowClosed(windows.open_.at(-1)!.windowId);
  await Promise.all(many);
});

test('a page that goes away takes its requests along', async () => {
  const { windows, q } = setup();
  const port = fakePort('https://a.example/');
  const gone = settle(q.ask({ kind: 'connect', origin: A, scope: 'app' }, { key: 'connect', requester: { port, tabId: 7, frameId: 0 } }));
  const stays = q.ask({ kind: 'setConsent', origin: B, peerAddress: '0x1', state: 'allowed' }, { key: 'consent:1' });
  await tick();
  assert.deepEqual(q.requesterOf('p1'), { port, tabId: 7, frameId: 0 });
  q.portClosed(port);
  assert.deepEqual(await gone, { code: 4900 });
  await tick();
  assert.equal(q.get('p2')?.kind, 'setConsent', 'the window moved on');
  assert.equal(windows.open_.length, 1);
  q.resolve('p2', { approved: true });
  await stays;
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
