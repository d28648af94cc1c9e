// window.xmtp end to end in Chromium: the built extension, a dapp page on 127.0.0.1, a real node and
// a user of the official SDK on the other side. Connect through the prompt, accounts before and after,
// deny, -32002, send and list, a subscription delivering the peer's reply, app vs inbox scope, revoke
// from the popup, locked inbox, iframes, a stopped service worker, and the example dapp page.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, ROOT, type ChromiumExt } from './support/browsers.ts';
import { startPageServer, type PageServer } from '../support/page-server.ts';
import { startNode, type XmtpNode } from '../../server/node.ts';
import { createSdkClient } from '../support/sdk.ts';
import { call, clickClosing, dappHtml, events, isPrompt, nextPrompt, noPrompt, openDapp, start, until, waitOutBackoff } from './support/dapp.ts';
import { bgCall, PASSWORD, randomKey } from './support/bg.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import { BACKOFF_MS } from '../../background/provider/prompts.ts';
import { appScopeKey } from '../../background/provider/scope.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

let node: XmtpNode;
let pages: PageServer;
let ext: ChromiumExt;
let control: Page;
let me: string;
let peer: Any;
/** The `app` scope prefix of the test pages' origin (http://127.0.0.1:port/). */
const host = () => appScopeKey(new URL(pages.url).origin);

before(async () => {
  node = await startNode({ port: 0, db: ':memory:', logLevel: 'error' });
  pages = await startPageServer();
  pages.set('/', await dappHtml());
  pages.set('/frame', await dappHtml({ title: 'framed dapp' }));
  pages.set('/with-frame', await dappHtml({ title: 'outer dapp', body: `<iframe id="f" src="${pages.altUrl}/frame"></iframe>` }));
  pages.set('/example', await readFile(path.join(ROOT, 'docs/example-dapp.html'), 'utf8'));
  ext = await launchChromium();
  control = await ext.openPopup();
  await bgCall(control, 'settings.update', { nodeUrl: node.url });
  me = (await bgCall<{ address: string }>(control, 'account.import', { privateKey: randomKey(), password: PASSWORD })).address;
  peer = await createSdkClient(privateKeySigner(randomKey()), node.url);
});
after(async () => {
  await ext?.close();
  await pages?.close();
  await node?.close();
});

const dapp = (url = pages.url + '/'): Promise<Page> => openDapp(ext.context, url);

/** Connects a page through the prompt (Allow). */
async function connect(page: Page, scope: 'app' | 'inbox' = 'app') {
  const r = await start(page, 'xmtp_connect', { scope });
  const prompt = await nextPrompt(ext.context, ext.base);
  await clickClosing(prompt.getByRole('button', { name: 'Allow' }));
  const out = await r.settled();
  assert.deepEqual(out.ok, { address: me, scope }, JSON.stringify(out));
  await noPrompt(ext.context, ext.base);
}

/** The peer's (SDK) view of a conversation, found by topic once it has synced. */
async function peerConversation(topic: string): Promise<Any> {
  return until(async () => (await peer.conversations.list()).find((c: Any) => c.topic === topic), `the peer to see ${topic}`, 20_000);
}

describe('window.xmtp with a real node (Chromium)', () => {
  test('connect: accounts before and after, deny gives 4001 and a back-off, a second connect while the first waits gives -32002', async () => {
    const page = await dapp();
    assert.deepEqual((await call(page, 'xmtp_accounts')).ok, []);

    const denied = await start(page, 'xmtp_connect');
    const p1 = await nextPrompt(ext.context, ext.base);
    await p1.getByText(pages.url, { exact: true }).waitFor();
    await p1.getByText('It cannot see your other conversations.').waitFor();
    assert.equal((await call(page, 'xmtp_connect')).code, -32002);
    await clickClosing(p1.getByRole('button', { name: 'Deny' }));
    const deny = await denied.settled();
    assert.deepEqual([deny.code, (deny.data as { retryAfterMs?: number }).retryAfterMs], [4001, BACKOFF_MS[0]], 'the Deny says how long the site backs off');
    // Right after a Deny the site backs off: asking again gets 4001 at once, without a window.
    const again = await call(page, 'xmtp_connect');
    assert.deepEqual([again.code, (again.data as { reason: string }).reason], [4001, 'backoff']);
    assert.equal(ext.context.pages().filter(isPrompt(ext.base)).length, 0);
    await waitOutBackoff(deny);

    await connect(page);
    assert.deepEqual((await call(page, 'xmtp_accounts')).ok, [me]);
    assert.deepEqual(await events(page, 'accountsChanged'), [[me]]);
    // Escape closes the prompt window, as Deny (asking for the whole inbox; the app grant stays)
    const escaped = await start(page, 'xmtp_connect', { scope: 'inbox' });
    const p2 = await nextPrompt(ext.context, ext.base);
    await p2.getByRole('button', { name: 'Deny' }).waitFor();
    await p2.keyboard.press('Escape').catch((e: Error) => {
      if (!/closed/i.test(e.message)) throw e;
    });
    assert.equal((await escaped.settled()).code, 4001);
    await noPrompt(ext.context, ext.base);
    assert.deepEqual((await call(page, 'xmtp_accounts')).ok, [me]);
    // already granted: answers without a prompt
    assert.deepEqual((await call(page, 'xmtp_connect')).ok, { address: me, scope: 'app' });
    assert.equal(ext.context.pages().filter(isPrompt(ext.base)).length, 0);
    await page.close();
  });

  test('send and list with an official-SDK user; a subscription delivers the reply', async () => {
    const bystander = await dapp(pages.altUrl + '/'); // another site, not connected (yet)
    const page = await dapp();
    await call(page, 'xmtp_connect'); // granted in the test before
    assert.deepEqual((await call(page, 'xmtp_canMessage', { addresses: [peer.address, '0x0000000000000000000000000000000000000001'] })).ok, {
      [peer.address]: true,
      '0x0000000000000000000000000000000000000001': false,
    });
    const convo = (await call(page, 'xmtp_newConversation', { peerAddress: peer.address, conversationId: 'support', metadata: { order: '42' } })).ok as Any;
    assert.equal(convo.peerAddress.toLowerCase(), peer.address.toLowerCase());
    assert.deepEqual(convo.context, { conversationId: `${host()}/support`, metadata: { order: '42' } });
    assert.deepEqual(Object.keys(convo).sort(), ['consent', 'context', 'createdAt', 'id', 'peerAddress']);

    const sub = (await call(page, 'xmtp_subscribe', { conversation: convo.id })).ok as string;
    assert.equal(typeof sub, 'string');
    const sent = await call(page, 'xmtp_sendMessage', { conversation: convo.id, content: 'hello from the dapp' });
    assert.equal((sent.ok as Any).content, 'hello from the dapp', JSON.stringify(sent));
    assert.deepEqual(Object.keys(sent.ok as object).sort().filter((k) => k !== 'fallback'), ['content', 'contentType', 'conversation', 'id', 'senderAddress', 'sent']);

    const theirs = await peerConversation(convo.id);
    assert.equal(theirs.context?.conversationId, `${host()}/support`);
    await until(async () => (await theirs.messages()).some((m: Any) => m.content === 'hello from the dapp'), 'the peer to receive the message', 20_000);
    await theirs.send('hi dapp, the SDK here');

    const delivered = await until(async () => {
      const ms = (await events(page, 'message')) as { subscription: string; message: Any }[];
      return ms.find((e) => e.message.content === 'hi dapp, the SDK here');
    }, 'the reply as a message event', 20_000);
    assert.equal(delivered.subscription, sub);
    assert.equal(delivered.message.conversation, convo.id);
    assert.equal(delivered.message.senderAddress.toLowerCase(), peer.address.toLowerCase());
    assert.deepEqual(Object.keys(delivered.message).sort(), ['content', 'contentType', 'conversation', 'id', 'senderAddress', 'sent']);

    const listed = (await call(page, 'xmtp_listMessages', { conversation: convo.id, direction: 'ascending' })).ok as Any[];
    assert.deepEqual(listed.map((m) => m.content), ['hello from the dapp', 'hi dapp, the SDK here']);
    const listedConvos = (await call(page, 'xmtp_listConversations')).ok as Any[];
    assert.deepEqual(listedConvos.map((c) => c.id), [convo.id]);
    // another site's page, open all along, heard nothing and can read nothing
    assert.deepEqual(await events(bystander, 'message'), []);
    assert.deepEqual(await events(bystander, 'accountsChanged'), []);
    assert.equal((await call(bystander, 'xmtp_listMessages', { conversation: convo.id })).code, 4100);
    assert.equal((await call(bystander, 'xmtp_subscribe')).code, 4100);
    await bystander.close();

    // lookups are rate limited per site: 200 addresses at once, then 5 a second
    const hundred = Array.from({ length: 100 }, (_, i) => '0x' + (i + 1).toString(16).padStart(40, '0'));
    const lookups = await page.evaluate(
      (addresses) => Promise.all([1, 2, 3].map(() => (window as Any).t.call('xmtp_canMessage', { addresses }))),
      hundred,
    );
    const limited = lookups.filter((l: Any) => l.code === -32005);
    assert.ok(limited.length >= 1, JSON.stringify(lookups.map((l: Any) => l.code ?? 'ok')));
    assert.ok(limited[0].data.retryAfterMs > 0);
    await page.close();
  });

  test('app scope cannot see a conversation outside its prefix (4100); inbox scope can', async () => {
    // The peer starts a conversation under another site's prefix, and a plain one.
    const foreign = await peer.conversations.newConversation(me, { conversationId: 'other.example/chat', metadata: {} });
    await foreign.send('for other.example only');
    const page = await dapp();
    await call(page, 'xmtp_connect');
    for (const [method, params] of [
      ['xmtp_listMessages', { conversation: foreign.topic }],
      ['xmtp_sendMessage', { conversation: foreign.topic, content: 'x' }],
      ['xmtp_subscribe', { conversation: foreign.topic }],
    ] as const) {
      assert.equal((await call(page, method, params)).code, 4100, method);
    }
    const wide = await dapp(pages.altUrl + '/');
    await connect(wide, 'inbox');
    const seen = await until(async () => {
      const list = (await call(wide, 'xmtp_listConversations')).ok as Any[];
      return list.some((c) => c.id === foreign.topic) && list;
    }, 'the inbox site to see the foreign conversation', 20_000);
    assert.ok(seen.length >= 2);
    const msgs = await until(async () => {
      const r = (await call(wide, 'xmtp_listMessages', { conversation: foreign.topic })).ok as Any[];
      return r.length > 0 && r;
    }, 'its messages');
    assert.equal(msgs[0].content, 'for other.example only');
    // still invisible to the app site, even once synced
    assert.equal(((await call(page, 'xmtp_listConversations')).ok as Any[]).some((c) => c.id === foreign.topic), false);
    assert.equal((await call(page, 'xmtp_listMessages', { conversation: foreign.topic })).code, 4100);
    await page.close();
    await wide.close();
  });

  test('a page in an iframe is identified by its own origin', async () => {
    const page = await dapp(pages.url + '/with-frame');
    const frame = await until(async () => {
      const f = page.frames().find((x) => x.url().startsWith(pages.altUrl));
      return f && (await f.evaluate(() => !!(window as unknown as { t?: unknown }).t).catch(() => false)) ? f : undefined;
    }, 'the iframe');
    // the iframe (localhost) was granted `inbox` in the test before; the outer page (127.0.0.1) has `app`
    const inner = (await frame.evaluate(() => (window as unknown as { t: { call(m: string): Promise<Any> } }).t.call('xmtp_connect'))) as Any;
    assert.deepEqual(inner.ok, { address: me, scope: 'inbox' });
    assert.deepEqual((await call(page, 'xmtp_connect')).ok, { address: me, scope: 'app' });
    assert.equal(ext.context.pages().filter(isPrompt(ext.base)).length, 0);
    await page.close();
  });

  test('locked: a request opens the unlock prompt; closing it gives 4001; unlocking there lets it through', async () => {
    const page = await dapp();
    await call(page, 'xmtp_accounts');
    await bgCall(control, 'account.lock');
    await until(async () => JSON.stringify(await events(page, 'accountsChanged')).endsWith('[]]'), 'accountsChanged [] on lock');
    assert.deepEqual((await call(page, 'xmtp_accounts')).ok, []);
    const r1 = await start(page, 'xmtp_listConversations');
    const p1 = await nextPrompt(ext.context, ext.base);
    await p1.getByRole('button', { name: 'Unlock' }).waitFor();
    await p1.close();
    const closed = await r1.settled();
    assert.equal(closed.code, 4001);
    await noPrompt(ext.context, ext.base);
    await waitOutBackoff(closed); // closing the prompt was a Deny: the site backs off

    const r2 = await start(page, 'xmtp_listConversations');
    const p2 = await nextPrompt(ext.context, ext.base);
    await p2.getByLabel('Password').fill(PASSWORD);
    await clickClosing(p2.getByRole('button', { name: 'Unlock' }));
    const out = await r2.settled();
    assert.ok(Array.isArray(out.ok), JSON.stringify(out));
    await noPrompt(ext.context, ext.base);
    assert.deepEqual((await events(page, 'accountsChanged')).at(-1), [me]);
    await page.close();
  });

  test('the provider keeps working after the service worker is stopped; subscriptions come back', async () => {
    const page = await dapp();
    await call(page, 'xmtp_connect');
    const convo = (await call(page, 'xmtp_newConversation', { peerAddress: peer.address, conversationId: 'restart' })).ok as Any;
    const sub = (await call(page, 'xmtp_subscribe', { conversation: convo.id })).ok as string;
    await control.close(); // the popup would hold the worker too
    try {
      await ext.stopWorker();
      // the page had a subscription: it hears disconnect, the bridge reconnects, re-subscribes, and says connect
      await until(async () => (await events(page, 'disconnect')).length, 'disconnect');
      await until(async () => (await events(page, 'connect')).length, 'connect', 20_000);
      assert.deepEqual((await events(page, 'disconnect'))[0], { code: 4900, message: 'XMTP Inbox restarted; reconnecting' });
      assert.deepEqual((await events(page, 'connect'))[0], { accounts: [me] });
      const theirs = await peerConversation(convo.id);
      await theirs.send('after the restart');
      // Delivered live: the restarted subscription catches up from the cursors once it is ready.
      const t0 = Date.now();
      const got = await until(async () => {
        const ms = (await events(page, 'message')) as { subscription: string; message: Any }[];
        return ms.find((e) => e.message.content === 'after the restart');
      }, 'a message event after the restart', 15_000);
      console.log(`message after the restart delivered in ${Date.now() - t0} ms`);
      assert.equal(got.subscription, sub, 'the same subscription id as before the restart');
      assert.deepEqual((await call(page, 'xmtp_accounts')).ok, [me]);
    } finally {
      control = await ext.openPopup();
      await page.close();
    }
  });

  test('revoke in the popup ends access and fires accountsChanged', async () => {
    const page = await dapp();
    assert.deepEqual((await call(page, 'xmtp_accounts')).ok, [me]);
    const sub = (await call(page, 'xmtp_subscribe')).ok;
    assert.equal(typeof sub, 'string');
    const popup = await ext.openPopup();
    await popup.getByRole('button', { name: 'Settings' }).click();
    await popup.getByRole('button', { name: `Revoke ${pages.url}` }).click();
    await until(async () => JSON.stringify((await events(page, 'accountsChanged')).at(-1)) === '[]', 'accountsChanged []');
    assert.deepEqual((await call(page, 'xmtp_accounts')).ok, []);
    assert.equal((await call(page, 'xmtp_listConversations')).code, 4100);
    assert.equal((await call(page, 'xmtp_unsubscribe', { subscription: sub })).ok, false, 'its subscription ended');
    // the other site (localhost) keeps its grant
    const other = await dapp(pages.altUrl + '/');
    assert.deepEqual((await call(other, 'xmtp_accounts')).ok, [me]);
    await popup.close();
    await other.close();
    await page.close();
  });

  test('the example dapp page works against the built extension', async (t) => {
    const page = await ext.context.newPage();
    t.after(async () => {
      if (!page.isClosed()) t.diagnostic(`example page log:\n${await page.getByRole('log').textContent()}`);
    });
    await page.goto(pages.url + '/example');
    await page.getByRole('status').filter({ hasText: /Found XMTP Inbox\. Click Connect\.|Connected as/ }).waitFor();
    // Start from a disconnected site, whatever the tests before left.
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.locator('#account', { hasText: 'not connected' }).waitFor();
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    const prompt = await nextPrompt(ext.context, ext.base);
    await clickClosing(prompt.getByRole('button', { name: 'Allow' }));
    await page.getByText(`Connected as ${me}`).waitFor();
    await page.getByLabel('Peer address').fill(peer.address);
    await page.getByLabel('Conversation ID (optional)').fill('example');
    await page.getByRole('button', { name: 'Start conversation' }).click();
    await page.getByText(`Messages with ${peer.address}`).waitFor();
    await page.getByLabel('Message', { exact: true }).fill('sent from the example page');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('list', { name: 'Messages' }).getByText('sent from the example page').waitFor();
    const convo = await until(async () => (await peer.conversations.list()).find((c: Any) => c.context?.conversationId === `${host()}/example`), 'the example conversation at the peer', 20_000);
    await until(async () => (await convo.messages()).some((m: Any) => m.content === 'sent from the example page'), 'the message at the peer', 20_000);
    await convo.send('reply to the example page');
    await page.getByRole('list', { name: 'Messages' }).getByText('reply to the example page').waitFor({ timeout: 20_000 });
    await page.close();
  });
});
