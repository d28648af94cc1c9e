// The provider service against a fake inbox: connect and grants, scopes, prompts while locked,
// subscriptions and events, rate limits, and hostile input (forged origin fields, unknown methods,
// malformed params, other sites).
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { resetDbHandle } from '../../background/db.ts';
import { ProviderService } from '../../background/provider/service.ts';
import { BACKOFF_MS, PromptQueue } from '../../background/provider/prompts.ts';
import { PROVIDER_LIMITS } from '../../src/provider-api.ts';
import { RateLimiter, DEFAULT_LIMITS } from '../../background/provider/ratelimit.ts';
import { getGrant, revokeOrigin } from '../../background/provider/grants.ts';
import type { MessageView } from '../../src/views.ts';
import { FakeBackend, FakeWindows, fakePort, ME, OTHER, PEER, tick, type FakePort } from './fakes.ts';

const DAPP = 'http://127.0.0.1:4000';
const EVIL = 'https://evil.example';
const T_APP = '/xmtp/0/m-app/proto';
const T_OTHER = '/xmtp/0/m-other/proto';
const T_PLAIN = '/xmtp/0/m-plain/proto';

let backend: FakeBackend;
let windows: FakeWindows;
let prompts: PromptQueue;
let svc: ProviderService;
/** The prompt queue's clock (its back-off after a Deny). */
let clock = 0;
/** Past the back-off a Deny started. */
const waitOutBackoff = (denials = 1) => void (clock += BACKOFF_MS[denials - 1]!);

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
  resetDbHandle();
  backend = new FakeBackend();
  backend.addConversation(T_APP, 'http://127.0.0.1:4000/chat');
  backend.addConversation(T_OTHER, 'other.example/chat');
  backend.addConversation(T_PLAIN);
  windows = new FakeWindows();
  clock = 1_000_000;
  prompts = new PromptQueue(windows, (id) => `chrome-extension://x/prompt.html?id=${id}`, { now: () => clock });
  svc = new ProviderService({
    backend,
    prompts,
    limiter: new RateLimiter({ ...DEFAULT_LIMITS, send: { capacity: 3, perSecond: 0.001 } }),
    send: (port, event, data) => port.postMessage({ event, data }),
  });
});

const call = (port: FakePort, method: string, params?: unknown) => svc.request(method, params, port);
type Settled = { ok?: unknown; code?: number; message?: string; data?: unknown };
const settle = (p: Promise<unknown>): Promise<Settled> => p.then((ok) => ({ ok }), (e: { code: number; message: string; data?: unknown }) => ({ code: e.code, message: e.message, data: e.data }));
/** Answers the prompt on screen in the newest window. */
async function onScreen(): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const w = windows.open_.at(-1)?.windowId;
    const id = w === undefined ? undefined : windows.idIn(w);
    if (id && prompts.get(id)) return id;
    await tick(2);
  }
  throw new Error('no prompt on screen');
}
async function answer(approved: boolean, scope?: 'app' | 'inbox') {
  const id = await onScreen();
  assert.equal(prompts.resolve(id, { approved, scope }), true);
}
async function connect(port: FakePort, scope: 'app' | 'inbox' = 'app') {
  const p = call(port, 'xmtp_connect', { scope });
  await answer(true);
  return p;
}
const msg = (id: string, conversation: string, over: Partial<MessageView> = {}): MessageView => ({
  id,
  conversation,
  senderAddress: PEER,
  sent: 1000,
  contentType: 'xmtp.org/text:1.0',
  content: `hello ${id}`,
  status: 'sent',
  ...over,
});
const accountsEvents = (p: FakePort) => p.events.filter((e) => e.event === 'accountsChanged').map((e) => e.data);

test('connect prompts, stores the grant for the browser-reported origin, and fires accountsChanged', async () => {
  const page = fakePort(DAPP + '/app');
  const sibling = fakePort(DAPP + '/other-tab');
  assert.deepEqual(await call(page, 'xmtp_accounts'), []);
  assert.deepEqual(await call(sibling, 'xmtp_accounts'), []);
  // forged origin fields in params are ignored
  const r = call(page, 'xmtp_connect', { scope: 'app', origin: EVIL, sender: { origin: EVIL } });
  const id = await onScreen();
  assert.deepEqual(prompts.get(id), { id, kind: 'connect', origin: DAPP, scope: 'app' });
  await answer(true);
  assert.deepEqual(await r, { address: ME, scope: 'app' });
  assert.ok(await getGrant(ME, DAPP));
  assert.equal(await getGrant(ME, EVIL), undefined);
  assert.deepEqual(await call(page, 'xmtp_accounts'), [ME]);
  assert.deepEqual(accountsEvents(page), [[ME]]);
  assert.deepEqual(accountsEvents(sibling), [[ME]], 'every page of the site hears it');
  // already granted: no prompt
  assert.deepEqual(await call(page, 'xmtp_connect'), { address: ME, scope: 'app' });
  assert.equal(windows.open_.length, 1);
  // another site is not connected
  const evil = fakePort(EVIL + '/');
  assert.deepEqual(await call(evil, 'xmtp_accounts'), []);
  assert.equal((await settle(call(evil, 'xmtp_listConversations'))).code, 4100);
  assert.deepEqual(accountsEvents(evil), []);
});

test('deny gives 4001, a second connect while the first waits gives -32002, closing the window 4001', async () => {
  const page = fakePort(DAPP + '/');
  const first = settle(call(page, 'xmtp_connect'));
  await onScreen();
  assert.equal((await settle(call(page, 'xmtp_connect', { scope: 'inbox' }))).code, -32002);
  await answer(false);
  assert.equal((await first).code, 4001);
  const soon = await settle(call(page, 'xmtp_connect'));
  assert.deepEqual([soon.code, (soon.data as { reason: string }).reason], [4001, 'backoff'], 'no new window right after a Deny');
  waitOutBackoff();
  const again = settle(call(page, 'xmtp_connect'));
  await onScreen();
  prompts.windowClosed(windows.open_.at(-1)!.windowId);
  assert.equal((await again).code, 4001);
  assert.deepEqual(await call(page, 'xmtp_accounts'), []);
});

test('the prompt may narrow inbox to app, never widen; inbox after app prompts again', async () => {
  const page = fakePort(DAPP + '/');
  const p = call(page, 'xmtp_connect', { scope: 'inbox' });
  await answer(true, 'app');
  assert.deepEqual(await p, { address: ME, scope: 'app' });
  const q = call(page, 'xmtp_connect', { scope: 'inbox' });
  await answer(true, 'inbox');
  assert.deepEqual(await q, { address: ME, scope: 'inbox' });
  assert.deepEqual(await call(page, 'xmtp_connect', { scope: 'app' }), { address: ME, scope: 'inbox' }, 'inbox covers app');
  const other = fakePort('https://x.example/');
  const r = call(other, 'xmtp_connect', { scope: 'app' });
  await answer(true, 'inbox');
  assert.deepEqual(await r, { address: ME, scope: 'app' });
});

test('app scope sees only its own conversations; inbox sees all', async () => {
  const page = fakePort(DAPP + '/');
  await connect(page, 'app');
  const list = (await call(page, 'xmtp_listConversations')) as { id: string }[];
  assert.deepEqual(list.map((c) => c.id), [T_APP]);
  assert.deepEqual(Object.keys(list[0]).sort(), ['consent', 'context', 'createdAt', 'id', 'peerAddress']);
  for (const t of [T_OTHER, T_PLAIN, '/xmtp/0/m-nonexistent/proto']) {
    assert.equal((await settle(call(page, 'xmtp_listMessages', { conversation: t }))).code, 4100, t);
    assert.equal((await settle(call(page, 'xmtp_sendMessage', { conversation: t, content: 'x' }))).code, 4100, t);
    assert.equal((await settle(call(page, 'xmtp_subscribe', { conversation: t }))).code, 4100, t);
  }
  backend.messages.push(msg('m1', T_APP));
  assert.deepEqual(((await call(page, 'xmtp_listMessages', { conversation: T_APP })) as { id: string }[]).map((m) => m.id), ['m1']);
  // new conversations are forced under the site's prefix
  const c = (await call(page, 'xmtp_newConversation', { peerAddress: OTHER, conversationId: 'other.example/chat' })) as { context: { conversationId: string } };
  assert.equal(c.context.conversationId, 'http://127.0.0.1:4000/other.example/chat');
  const d = (await call(page, 'xmtp_newConversation', { peerAddress: OTHER })) as { context: { conversationId: string } };
  assert.equal(d.context.conversationId, 'http://127.0.0.1:4000/');

  const wide = fakePort('https://inbox.example/');
  await connect(wide, 'inbox');
  const all = (await call(wide, 'xmtp_listConversations')) as { id: string }[];
  assert.equal(all.length, 5);
  assert.deepEqual(((await call(wide, 'xmtp_listConversations', { limit: 2 })) as unknown[]).length, 2);
  const e = (await call(wide, 'xmtp_newConversation', { peerAddress: OTHER })) as { context?: unknown };
  assert.equal(e.context, undefined, 'inbox sites may start plain conversations');
});

test('locked: a request opens the unlock prompt; closing it gives 4001; unlocking lets it through', async () => {
  const page = fakePort(DAPP + '/');
  await connect(page);
  backend.setStatus({ state: 'locked', address: ME });
  await tick(20);
  assert.deepEqual(accountsEvents(page), [[ME], []], 'lock tells connected pages');
  assert.deepEqual(await call(page, 'xmtp_accounts'), []);
  const r1 = settle(call(page, 'xmtp_listConversations'));
  const r2 = settle(call(page, 'xmtp_canMessage', { addresses: [PEER] }));
  assert.equal(prompts.get(await onScreen())?.kind, 'unlock');
  await tick(10);
  assert.equal(windows.open_.length, 2, 'one unlock prompt for both');
  prompts.windowClosed(2);
  assert.equal((await r1).code, 4001);
  assert.equal((await r2).code, 4001);
  waitOutBackoff();
  const r3 = call(page, 'xmtp_canMessage', { addresses: [PEER, OTHER] });
  await onScreen();
  backend.setStatus({ state: 'unlocked', address: ME }); // the user unlocked in the prompt (or the popup)
  assert.deepEqual(await r3, { [PEER]: true, [OTHER]: false });
  assert.deepEqual(accountsEvents(page), [[ME], [], [ME]]);
  // a site without a grant never gets an unlock prompt, just 4100
  backend.setStatus({ state: 'locked', address: ME });
  const stranger = fakePort(EVIL + '/');
  assert.equal((await settle(call(stranger, 'xmtp_listConversations'))).code, 4100);
  await tick(10);
  assert.equal(windows.open_.length, 3);
});

test('onboarding: connect prompts (the prompt onboards); other methods are 4100', async () => {
  backend.state = { state: 'onboarding' };
  const page = fakePort(DAPP + '/');
  assert.equal((await settle(call(page, 'xmtp_sendMessage', { conversation: T_APP, content: 'x' }))).code, 4100);
  const r = call(page, 'xmtp_connect');
  assert.equal(prompts.get(await onScreen())?.kind, 'connect');
  backend.setStatus({ state: 'unlocked', address: ME }); // the user created an identity in the prompt
  await answer(true);
  assert.deepEqual(await r, { address: ME, scope: 'app' });
});

test('subscriptions deliver only messages within the grant, once, and end when access changes', async () => {
  const page = fakePort(DAPP + '/');
  const wide = fakePort('https://inbox.example/');
  await connect(page, 'app');
  await connect(wide, 'inbox');
  const s1 = (await call(page, 'xmtp_subscribe')) as string;
  const s2 = (await call(page, 'xmtp_subscribe', { conversation: T_APP })) as string;
  const s3 = (await call(wide, 'xmtp_subscribe')) as string;
  assert.equal(backend.live, 1, 'one live subscription held while pages subscribe');
  page.events.length = 0;
  wide.events.length = 0;
  // a read receipt is a signal between inboxes, not a message: it never reaches a page as one
  backend.push([msg('a', T_APP), msg('b', T_OTHER), msg('c', T_PLAIN), msg('p', T_APP, { status: 'pending' }), msg('rr', T_APP, { contentType: 'xmtp.org/readReceipt:1.0', content: {} })]);
  await tick(20);
  const got = (p: FakePort) => p.events.filter((e) => e.event === 'message').map((e) => e.data as { subscription: string; message: { id: string } });
  assert.deepEqual(got(page).map((d) => [d.subscription, d.message.id]), [[s1, 'a'], [s2, 'a']]);
  assert.deepEqual(got(wide).map((d) => [d.subscription, d.message.id]), [[s3, 'a'], [s3, 'b'], [s3, 'c']]);
  assert.deepEqual(Object.keys(got(page)[0].message).sort(), ['content', 'contentType', 'conversation', 'id', 'senderAddress', 'sent']);
  // the same message again (e.g. a pending send that became sent) is delivered once
  backend.push([msg('a', T_APP), msg('p', T_APP)]);
  await tick(20);
  assert.deepEqual(got(page).map((d) => d.message.id), ['a', 'a', 'p', 'p']);
  // another account's messages never reach anyone
  backend.push([msg('x', T_APP)], OTHER);
  await tick(20);
  assert.equal(got(page).length, 4);
  assert.equal(await call(page, 'xmtp_unsubscribe', { subscription: s2 }), true);
  assert.equal(await call(page, 'xmtp_unsubscribe', { subscription: s2 }), false);
  assert.equal(await call(page, 'xmtp_unsubscribe', { subscription: s3 }), false, "another page's subscription is not ours to end");
  // revoke from the popup: accountsChanged [] and the subscription ends
  await revokeOrigin(DAPP);
  await svc.grantsChanged(DAPP);
  assert.deepEqual(accountsEvents(page).at(-1), []);
  backend.push([msg('after', T_APP)]);
  await tick(20);
  assert.equal(got(page).length, 4);
  assert.equal(svc.subscriptionCount, 1);
  wide.close();
  svc.portClosed(wide);
  assert.equal(svc.subscriptionCount, 0);
  assert.equal(backend.live, 0, 'the live subscription is released');
});


test('a page flooding subscriptions: one per filter (the same id again), at most 20 per page, one event per subscription a message matches', async () => {
  const page = fakePort(DAPP + '/');
  await connect(page, 'inbox');
  const all = await Promise.all(Array.from({ length: 200 }, () => call(page, 'xmtp_subscribe')));
  assert.equal(new Set(all).size, 1, '200 subscriptions to everything are one');
  const topics = Array.from({ length: 25 }, (_, i) => backend.addConversation(`/xmtp/0/m-flood${i}/proto`).id);
  const each = await Promise.all(topics.map((conversation) => settle(call(page, 'xmtp_subscribe', { conversation }))));
  assert.equal(each.filter((r) => typeof r.ok === 'string').length, PROVIDER_LIMITS.maxSubscriptions - 1);
  const refused = each.filter((r) => r.code !== undefined);
  assert.ok(refused.length > 0 && refused.every((r) => r.code === -32005 && (r.data as { reason: string }).reason === 'too-many-subscriptions'));
  assert.equal(svc.subscriptionCount, PROVIDER_LIMITS.maxSubscriptions);
  page.events.length = 0;
  backend.push([msg('m', topics[0]!)]);
  await tick(20);
  assert.equal(page.events.filter((e) => e.event === 'message').length, 2, 'once for "everything", once for its conversation');
  assert.equal(await call(page, 'xmtp_unsubscribe', { subscription: all[0] }), true);
  assert.equal(typeof (await call(page, 'xmtp_subscribe', { conversation: topics[24] })), 'string', 'room again after an unsubscribe');
});

test('xmtp_disconnect revokes, tells the site, and ends its subscriptions', async () => {
  const page = fakePort(DAPP + '/');
  await connect(page);
  await call(page, 'xmtp_subscribe');
  assert.equal(await call(page, 'xmtp_disconnect'), true);
  assert.equal(await getGrant(ME, DAPP), undefined);
  assert.deepEqual(accountsEvents(page).at(-1), []);
  assert.equal(svc.subscriptionCount, 0);
  assert.equal((await settle(call(page, 'xmtp_subscribe'))).code, 4100);
});

test('account switch: pages granted only for the old account hear []', async () => {
  const page = fakePort(DAPP + '/');
  await connect(page);
  backend.setStatus({ state: 'unlocked', address: OTHER });
  await tick(20);
  assert.deepEqual(accountsEvents(page).at(-1), []);
  assert.deepEqual(await call(page, 'xmtp_accounts'), []);
});

test('setConsent prompts; sends are rate limited per site (-32005)', async () => {
  const page = fakePort(DAPP + '/');
  await connect(page);
  const c = call(page, 'xmtp_setConsent', { peerAddress: PEER, state: 'denied' });
  await onScreen();
  assert.equal((await settle(call(page, 'xmtp_setConsent', { peerAddress: PEER, state: 'allowed' }))).code, -32002);
  await answer(true);
  assert.equal(await c, true);
  assert.deepEqual(backend.consent, [[PEER, 'denied']]);
  const d = settle(call(page, 'xmtp_setConsent', { peerAddress: OTHER, state: 'allowed' }));
  await answer(false);
  assert.equal((await d).code, 4001);

  for (let i = 0; i < 3; i++) await call(page, 'xmtp_sendMessage', { conversation: T_APP, content: `m${i}` });
  const limited = await settle(call(page, 'xmtp_sendMessage', { conversation: T_APP, content: 'one too many' }));
  assert.equal(limited.code, -32005);
  assert.ok((limited.data as { retryAfterMs: number }).retryAfterMs > 0);
  assert.equal(backend.sent.length, 3);
  const other = fakePort('https://x.example/');
  await connect(other, 'inbox');
  await call(other, 'xmtp_sendMessage', { conversation: T_APP, content: 'other sites have their own budget' });
});

test('hostile input: unknown methods, malformed params, opaque frames, a flood of prompts', async () => {
  const page = fakePort(DAPP + '/');
  assert.equal((await settle(call(page, 'eth_sendTransaction'))).code, -32601);
  assert.equal((await settle(call(page, '__proto__'))).code, -32601);
  assert.equal((await settle(call(page, 'xmtp_connect', { scope: 'root' }))).code, -32602);
  assert.equal((await settle(call(page, 'xmtp_canMessage', { addresses: 'all' }))).code, -32602);
  const sandboxed = fakePort('http://127.0.0.1:4000/frame', { origin: 'null' });
  (sandboxed.sender as { url?: string }).url = 'about:srcdoc';
  assert.equal((await settle(call(sandboxed, 'xmtp_connect'))).code, 4100);
  await connect(page, 'inbox');
  const many = Array.from({ length: 15 }, (_, i) => settle(call(page, 'xmtp_setConsent', { peerAddress: `0x${String(i).padStart(40, '0')}`, state: 'denied' })));
  const early = await Promise.race([Promise.all(many.slice(10)), tick(50).then(() => null)]);
  assert.deepEqual(early?.map((r) => r.code), [-32005, -32005, -32005, -32005, -32005]);
  page.close();
  svc.portClosed(page);
  assert.deepEqual((await Promise.all(many.slice(0, 10))).every((r) => r.code === 4900), true);
});

test('names: resolveName and lookupAddress need a connection and take lookup tokens; canMessage answers names with their address', async () => {
  const page = fakePort(DAPP + '/');
  assert.equal((await settle(call(page, 'xmtp_resolveName', { name: 'alice.eth' }))).code, 4100, 'not connected');
  await connect(page);
  assert.deepEqual(await call(page, 'xmtp_resolveName', { name: 'ALICE.eth' }), { name: 'alice.eth', address: PEER });
  assert.deepEqual(await call(page, 'xmtp_lookupAddress', { address: PEER }), { address: PEER, name: 'alice.eth' });
  assert.deepEqual(await call(page, 'xmtp_lookupAddress', { address: OTHER }), { address: OTHER, name: null });
  const missing = await settle(call(page, 'xmtp_resolveName', { name: 'nobody.eth' }));
  assert.equal(missing.code, -32602);
  assert.equal((missing.data as { reason: string }).reason, 'name-not-found');
  assert.equal((await settle(call(page, 'xmtp_resolveName', { name: 'not a name' }))).code, -32602, 'validated before any lookup');

  const can = await call(page, 'xmtp_canMessage', { addresses: ['alice.eth', 'nobody.eth', OTHER] });
  assert.deepEqual(can, { 'alice.eth': true, [PEER]: true, 'nobody.eth': false, [OTHER]: false });
});

test('names count toward the site lookup limit', async () => {
  svc = new ProviderService({
    backend,
    prompts,
    limiter: new RateLimiter({ ...DEFAULT_LIMITS, lookup: { capacity: 3, perSecond: 0.001 } }),
    send: (port, event, data) => port.postMessage({ event, data }),
  });
  const page = fakePort(DAPP + '/');
  await connect(page);
  await call(page, 'xmtp_resolveName', { name: 'alice.eth' });
  await call(page, 'xmtp_lookupAddress', { address: PEER });
  await call(page, 'xmtp_resolveName', { name: 'alice.eth' });
  const lookups = backend.nameLookups;
  assert.equal((await settle(call(page, 'xmtp_resolveName', { name: 'alice.eth' }))).code, -32005);
  assert.equal(backend.nameLookups, lookups, 'a limited request costs no lookup');
});

test('newConversation with a name: the prompt shows the name and the address; deny is 4001, allow starts it with the address', async () => {
  const page = fakePort(DAPP + '/');
  await connect(page);
  const denied = settle(call(page, 'xmtp_newConversation', { peerAddress: 'alice.eth' }));
  const id = await onScreen();
  assert.deepEqual(prompts.get(id), { id, kind: 'newConversation', origin: DAPP, name: 'alice.eth', peerAddress: PEER });
  prompts.resolve(id, { approved: false });
  assert.equal((await denied).code, 4001);

  waitOutBackoff();
  const started = call(page, 'xmtp_newConversation', { peerAddress: 'alice.eth', conversationId: 'chat' });
  await answer(true);
  const c = (await started) as { peerAddress: string; context: { conversationId: string } };
  assert.equal(c.peerAddress, PEER, 'the result carries the resolved address');
  assert.equal(c.context.conversationId, 'http://127.0.0.1:4000/chat');
  const unknown = await settle(call(page, 'xmtp_newConversation', { peerAddress: 'nobody.eth' }));
  assert.equal((unknown.data as { reason: string }).reason, 'name-not-found', 'no prompt for a name that does not resolve');
});
