// Attacks on the extension in Chromium, each by a real attacker against the built extension and a real
// node: a stranger (an official-SDK client) sends a page of deflate bombs and garbage envelopes, then
// a normal message; a page floods the user with prompts (twenty after a Deny, thirty iframes, a
// double-click on a window that moves on) and with subscriptions.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { launchChromium, type ChromiumExt } from './support/browsers.ts';
import { inPage } from './support/in-page.ts';
import { startPageServer, type PageServer } from '../support/page-server.ts';
import { startNode, type XmtpNode } from '../../server/node.ts';
import { createSdkClient } from '../support/sdk.ts';
import { call, clickClosing, dappHtml, isPrompt, nextPrompt, noPrompt, openDapp, start, until } from './support/dapp.ts';
import { bgCall, PASSWORD, randomKey } from './support/bg.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import { Compression, encodeEncodedContent } from '../../src/xmtp/content/encoded-content.ts';
import { ContentTypeText } from '../../src/xmtp/content/content-type.ts';
import { REQUEST_QUOTA_BYTES } from '../../src/xmtp/sync/messages.ts';
import { BACKOFF_MS, MAX_PENDING_PER_SITE } from '../../background/provider/prompts.ts';
import { PROVIDER_LIMITS } from '../../src/provider-api.ts';
import { hashOf } from '../../src/popup-route.ts';
import type { MessageView } from '../../src/views.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

let node: XmtpNode;
let pages: PageServer;
let frames: PageServer[] = [];
let ext: ChromiumExt;
let control: Page;
let me: string;
const FRAMES = 30;

before(async () => {
  node = await startNode({ port: 0, db: ':memory:', logLevel: 'error' });
  pages = await startPageServer();
  pages.set('/', await dappHtml());
  // Thirty iframes of thirty origins (one port each), every one asking to connect as it loads.
  const asking = await dappHtml({ title: 'framed', body: "<script>addEventListener('load', async () => (window.answer = await window.t.call('xmtp_connect')))</script>" });
  frames = await Promise.all(Array.from({ length: FRAMES }, () => startPageServer({ '/frame': asking })));
  pages.set('/frames', await dappHtml({ title: 'many frames', body: frames.map((f) => `<iframe src="${f.url}/frame"></iframe>`).join('') }));
  ext = await launchChromium();
  control = await ext.openPopup();
  await bgCall(control, 'settings.update', { nodeUrl: node.url });
  me = (await bgCall<{ address: string }>(control, 'account.import', { privateKey: randomKey(), password: PASSWORD })).address;
});
after(async () => {
  await ext?.close();
  await Promise.all([pages, ...frames].map((p) => p?.close()));
  await node?.close();
});

const dapp = (path = '/'): Promise<Page> => openDapp(ext.context, pages.url + path);

/** Bytes the extension's origin uses on disk (IndexedDB), as the browser counts them. */
const usage = () => control.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
/** Prompt windows opened from now on. */
function countPromptWindows(): () => number {
  let n = 0;
  const onPage = (p: Page) => void (isPrompt(ext.base)(p) && n++);
  ext.context.on('page', onPage);
  return () => (ext.context.off('page', onPage), n);
}

describe('a stranger sends bombs and garbage (Chromium)', () => {
  test('a page of deflate bombs and garbage, then a normal message: it arrives, the worker lives, storage grows by less than the quota', async (t) => {
    const stranger = await createSdkClient(privateKeySigner(randomKey()), node.url);
    const conv = await stranger.conversations.newConversation(me);
    await bgCall(control, 'sync.now');
    const before = await usage();
    const bomb = deflateSync(Buffer.alloc(99 * 1024 * 1024, 'a'), { level: 9 });
    const envelopes: Any[] = [];
    for (let i = 0; i < 100; i++) {
      const timestamp = new Date(Date.now() + i);
      if (i % 4 === 3) {
        envelopes.push({ contentTopic: conv.topic, message: randomBytes(2000 + i), timestamp }); // garbage: not a message at all
        continue;
      }
      const payload = encodeEncodedContent({ type: ContentTypeText, parameters: { encoding: 'UTF-8', n: String(i) }, compression: Compression.Deflate, content: bomb });
      const msg = await conv.createMessage(payload, true, timestamp);
      envelopes.push({ contentTopic: conv.topic, message: msg.toBytes(), timestamp: msg.sent });
    }
    for (let i = 0; i < envelopes.length; i += 25) await stranger.publishEnvelopes(envelopes.slice(i, i + 25));
    await conv.send('a normal message');

    const t0 = Date.now();
    const stats = await bgCall<{ newMessages: number }>(control, 'sync.now');
    const ms = Date.now() - t0;
    const list = await bgCall<MessageView[]>(control, 'messages.list', { topic: conv.topic, limit: 200 });
    assert.equal(list.filter((m) => m.content === 'a normal message').length, 1, 'the normal message arrived');
    const refused = list.filter((m) => m.refused !== undefined);
    assert.equal(refused.filter((m) => m.refused === 'it is too large').length, 75);
    assert.equal(refused.filter((m) => m.refused === 'it is malformed').length, 25);
    const sw = await ext.worker();
    assert.equal(await sw.evaluate(() => 1 + 1), 2, 'the service worker is alive');
    // nothing is read again: the next sync finds nothing new (no loop over the same page)
    assert.equal((await bgCall<{ newMessages: number }>(control, 'sync.now')).newMessages, 0);
    const grown = (await usage()) - before;
    t.diagnostic(`100 hostile envelopes + 1 message: sync.now ${ms} ms (${stats.newMessages} new: the live subscription may have stored them first), ${refused.length} refused records; storage grew by ${grown} bytes (quota ${REQUEST_QUOTA_BYTES})`);
    assert.ok(grown <= REQUEST_QUOTA_BYTES, `storage grew by ${grown} bytes`);

    // the popup says what happened
    const popup = await ext.context.newPage();
    await popup.goto(`${ext.base}popup.html${hashOf({ name: 'conversation', topic: conv.topic })}`);
    await popup.getByText('a normal message').waitFor();
    await popup.getByText('This message could not be shown: it is too large.').first().waitFor();
    await popup.close();
  });
});

describe('a page floods the user (Chromium)', () => {
  test('twenty requests after a Deny: 4001 "backoff" each, no window', async () => {
    const page = await dapp();
    const opened = countPromptWindows();
    const asked = await start(page, 'xmtp_connect');
    const prompt = await nextPrompt(ext.context, ext.base);
    await clickClosing(prompt.getByRole('button', { name: 'Deny' }));
    assert.equal((await asked.settled()).code, 4001);
    const again = (await page.evaluate(inPage(async () => {
      const x = (window as unknown as { xmtp: { request(a: unknown): Promise<unknown> } }).xmtp;
      const r = await Promise.allSettled(Array.from({ length: 20 }, () => x.request({ method: 'xmtp_connect' })));
      return r.map((s) => (s.status === 'rejected' ? `${(s.reason as { code: number }).code} ${(s.reason as { data?: { reason?: string } }).data?.reason}` : 'ok'));
    }))) as string[];
    assert.deepEqual(new Set(again), new Set(['4001 backoff']));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(opened(), 1, 'one window: the one denied');
    await page.close();
  });

  test(`${FRAMES} iframes of ${FRAMES} origins: one window, ${MAX_PENDING_PER_SITE} waiting, the rest -32005; a Deny backs off the whole page`, async () => {
    const opened = countPromptWindows();
    const page = await dapp('/frames');
    type Answer = { code?: number; data?: { reason?: string } } | undefined;
    /** What each frame's connect came back with so far (undefined: still waiting). */
    const answers = () =>
      Promise.all(page.frames().filter((f) => f !== page.mainFrame()).map((f) => f.evaluate(() => (window as unknown as { answer?: Answer }).answer).catch(() => undefined)));
    await until(async () => page.frames().length === FRAMES + 1, 'the frames');
    const prompt = await nextPrompt(ext.context, ext.base);
    const busy = await until(async () => {
      const n = (await answers()).filter((a) => a?.code === -32005).length;
      return n === FRAMES - MAX_PENDING_PER_SITE && n;
    }, `${FRAMES - MAX_PENDING_PER_SITE} frames to get -32005`);
    assert.equal(busy, FRAMES - MAX_PENDING_PER_SITE);
    assert.equal(ext.context.pages().filter(isPrompt(ext.base)).length, 1);
    await clickClosing(prompt.getByRole('button', { name: 'Deny' }));
    const backoff = await until(async () => {
      const n = (await answers()).filter((a) => a?.data?.reason === 'backoff').length;
      return n === MAX_PENDING_PER_SITE - 1 && n;
    }, 'the waiting frames to be turned away');
    assert.equal(backoff, MAX_PENDING_PER_SITE - 1);
    await noPrompt(ext.context, ext.base);
    assert.equal(opened(), 1, `${FRAMES} frames opened one window`);
    await page.close();
  });

  test('a double-click on Allow approves one request, never the next one the window moves to', async () => {
    // the back-off of the first test's Deny (the frames' page asked nothing itself: its frames' Deny
    // counted toward its tab)
    await new Promise((r) => setTimeout(r, BACKOFF_MS[0]));
    const page = await dapp();
    const connected = await start(page, 'xmtp_connect');
    const p1 = await nextPrompt(ext.context, ext.base);
    await clickClosing(p1.getByRole('button', { name: 'Allow' }));
    assert.ok((await connected.settled()).ok);
    await noPrompt(ext.context, ext.base);
    const peers = ['0x' + '1'.repeat(40), '0x' + '2'.repeat(40)];
    const first = await start(page, 'xmtp_setConsent', { peerAddress: peers[0], state: 'denied' });
    const second = await start(page, 'xmtp_setConsent', { peerAddress: peers[1], state: 'denied' });
    const prompt = await nextPrompt(ext.context, ext.base);
    await prompt.getByText(peers[0]!).waitFor();
    const allow = prompt.getByRole('button', { name: 'Allow' });
    await allow.click(); // waits until it is enabled, as a person would
    // the window moves on to the next request; a second click right there does nothing
    await prompt.getByText(peers[1]!).waitFor();
    assert.equal(await allow.isDisabled(), true, 'Allow starts disabled on the new request');
    await allow.click({ force: true });
    assert.equal((await first.settled()).ok, true);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await prompt.getByText(peers[1]!).isVisible(), true, 'the second request is still waiting');
    await clickClosing(prompt.getByRole('button', { name: 'Deny' }));
    assert.equal((await second.settled()).code, 4001);
    await noPrompt(ext.context, ext.base);
    await page.close();
  });

  test('a subscription flood: one id for the same filter, at most 20 per page (-32005), one event per subscription', async () => {
    const page = await dapp();
    const peer = await createSdkClient(privateKeySigner(randomKey()), node.url);
    const ids = (await page.evaluate(inPage(async () => {
      const x = (window as unknown as { xmtp: { request(a: unknown): Promise<unknown> } }).xmtp;
      // in rounds of 50: a frame may have 64 requests in flight
      const out: unknown[] = [];
      for (let i = 0; i < 5; i++) out.push(...(await Promise.all(Array.from({ length: 50 }, () => x.request({ method: 'xmtp_subscribe' }).catch((e) => `error ${e.code}`)))));
      return out;
    }))) as string[];
    assert.equal(new Set(ids).size, 1, '250 subscriptions to everything are one');
    const topics: string[] = [];
    for (let i = 0; i < PROVIDER_LIMITS.maxSubscriptions; i++) {
      topics.push(((await call(page, 'xmtp_newConversation', { peerAddress: peer.address, conversationId: `room-${i}` })).ok as Any).id);
    }
    for (const conversation of topics.slice(0, -1)) assert.equal(typeof (await call(page, 'xmtp_subscribe', { conversation })).ok, 'string');
    const over = await call(page, 'xmtp_subscribe', { conversation: topics.at(-1) });
    assert.deepEqual([over.code, (over.data as { reason: string }).reason], [-32005, 'too-many-subscriptions']);
    // one message from the peer: two events (everything, and its conversation), not 250
    const theirs = await until(async () => (await peer.conversations.list()).find((c: Any) => c.topic === topics[0]), 'the conversation at the peer', 20_000);
    await theirs.send('one message');
    await until(async () => {
      const events = (await page.evaluate(() => (window as unknown as { t: { named(n: string): unknown[] } }).t.named('message'))) as unknown[];
      return events.length >= 2;
    }, 'the message events', 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    const events = (await page.evaluate(() => (window as unknown as { t: { named(n: string): unknown[] } }).t.named('message'))) as unknown[];
    assert.equal(events.length, 2);
    await page.close();
  });
});
