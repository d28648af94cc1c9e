// window.xmtp in Firefox ESR (event-page background, puppeteer over WebDriver BiDi): connect through
// the prompt window, accounts before and after, send to an official-SDK user, list, and the reply as
// a subscription event — with a real node. Also Firefox's own check of remote attachment hosts: a
// name that resolves to this machine (network.dns.localDomains) is refused through browser.dns.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'puppeteer-core';
import { launchFirefox, type FirefoxExt } from './support/browsers.ts';
import { inPage } from './support/in-page.ts';
import { startPageServer, type PageServer } from '../support/page-server.ts';
import { startNode, type XmtpNode } from '../../server/node.ts';
import { ContentTypeRemoteAttachment, createSdkClient } from '../support/sdk.ts';
import { ContentTypes } from '../../src/views.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import { dappHtml, until, type Settled } from './support/dapp.ts';
import { bgCall, PASSWORD, randomKey } from './support/bg.ts';
import { appScopeKey } from '../../background/provider/scope.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

let node: XmtpNode;
let pages: PageServer;
let ext: FirefoxExt;
let me: string;
let peer: Any;

before(async () => {
  node = await startNode({ port: 0, db: ':memory:', logLevel: 'error' });
  pages = await startPageServer();
  pages.set('/', await dappHtml());
  ext = await launchFirefox(undefined, { 'network.dns.localDomains': 'files.example' });
  const control = await ext.openPopup();
  await bgCall(control, 'settings.update', { nodeUrl: node.url });
  me = (await bgCall<{ address: string }>(control, 'account.import', { privateKey: randomKey(), password: PASSWORD })).address;
  await control.close();
  peer = await createSdkClient(privateKeySigner(randomKey()), node.url);
});
after(async () => {
  await ext?.close();
  await pages?.close();
  await node?.close();
});

const call = (page: Page, method: string, params?: unknown) =>
  page.evaluate(inPage(([m, p]: [string, unknown]) => (window as Any).t.call(m, p), [method, params] as [string, unknown])) as Promise<Settled>;
const events = (page: Page, name: string) => page.evaluate(inPage((n: string) => (window as Any).t.named(n), name)) as Promise<unknown[]>;
function start(page: Page, method: string, params?: unknown) {
  const key = `r${Math.random().toString(36).slice(2)}`;
  const started = page.evaluate(
    inPage(([k, m, p]: [string, string, unknown]) => {
      const w = window as Any;
      w.pending ??= {};
      w.pending[k] = w.t.call(m, p);
    }, [key, method, params] as [string, string, unknown]),
  );
  return { started, settled: () => page.evaluate(inPage((k: string) => (window as Any).pending[k], key)) as Promise<Settled> };
}

/** The prompt window. BiDi reports extension pages opened by the extension as about:blank, so ask each page where it is. */
async function prompt(): Promise<Page> {
  const page = await until(async () => {
    for (const p of await ext.browser.pages()) {
      const href = await Promise.race([p.evaluate(() => location.href).catch(() => ''), new Promise<string>((r) => setTimeout(() => r(''), 1000))]);
      if (href.startsWith(ext.base + 'prompt.html')) return p;
    }
    return undefined;
  }, 'the prompt window', 20_000);
  // Allow is enabled a moment after the request shows (as a person would see it).
  await page.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent?.trim() === 'Allow' && !b.disabled), { timeout: 20_000 });
  return page;
}
const click = (page: Page, name: string) =>
  page.evaluate(inPage((n: string) => [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === n)!.click(), name)).catch(() => {});

describe('window.xmtp in Firefox ESR', () => {
  test('connect through the prompt, then send to and hear from an official-SDK user', async () => {
    const page = await ext.browser.newPage();
    await page.goto(pages.url + '/');
    await page.waitForFunction(() => !!(window as Any).t && !!(window as Any).xmtp);
    assert.deepEqual((await call(page, 'xmtp_accounts')).ok, []);

    const r = start(page, 'xmtp_connect');
    await r.started;
    const p = await prompt();
    assert.ok((await p.evaluate(() => document.body.textContent)).includes(pages.url), 'the prompt names the requesting origin');
    await click(p, 'Allow');
    assert.deepEqual((await r.settled()).ok, { address: me, scope: 'app' });
    assert.deepEqual((await call(page, 'xmtp_accounts')).ok, [me]);
    assert.deepEqual(await events(page, 'accountsChanged'), [[me]]);

    const convo = (await call(page, 'xmtp_newConversation', { peerAddress: peer.address, conversationId: 'ff' })).ok as Any;
    assert.equal(convo.context.conversationId, `${appScopeKey(new URL(pages.url).origin)}/ff`);
    const sub = (await call(page, 'xmtp_subscribe', { conversation: convo.id })).ok;
    const sent = await call(page, 'xmtp_sendMessage', { conversation: convo.id, content: 'hello from Firefox' });
    assert.equal((sent.ok as Any)?.content, 'hello from Firefox', JSON.stringify(sent));

    const theirs = await until(async () => (await peer.conversations.list()).find((c: Any) => c.topic === convo.id), 'the peer to see the conversation', 20_000);
    await until(async () => (await theirs.messages()).some((m: Any) => m.content === 'hello from Firefox'), 'the peer to receive it', 20_000);
    await theirs.send('hello back, Firefox');
    const got = await until(async () => ((await events(page, 'message')) as Any[]).find((e) => e.message.content === 'hello back, Firefox'), 'the reply event', 75_000);
    assert.equal(got.subscription, sub);
    const listed = (await call(page, 'xmtp_listMessages', { conversation: convo.id, direction: 'ascending' })).ok as Any[];
    assert.deepEqual(listed.map((m) => m.content), ['hello from Firefox', 'hello back, Firefox']);
    await page.close();
  });
});

describe('remote attachments in Firefox', () => {
  test('a file on a public-looking name that resolves to this machine is refused (browser.dns)', async () => {
    const convo = await peer.conversations.newConversation(me);
    const file = { url: 'https://files.example/file.bin', contentDigest: '00'.repeat(32), salt: new Uint8Array(32), nonce: new Uint8Array(12), secret: new Uint8Array(32) };
    await convo.send({ ...file, scheme: 'https://', contentLength: 10, filename: 'file.bin' }, { contentType: ContentTypeRemoteAttachment });
    const control = await ext.openPopup();
    const m = await until(async () => {
      await bgCall(control, 'sync.now');
      return (await bgCall<Any[]>(control, 'messages.list', { topic: convo.topic })).find((x) => x.contentType === ContentTypes.remoteAttachment);
    }, 'the remote attachment', 30_000);
    const refused = await bgCall(control, 'attachments.loadRemote', { messageId: m.id }).then(
      () => undefined,
      (e: { data?: { reason?: string } }) => e,
    );
    assert.equal(refused?.data?.reason, 'private-address', JSON.stringify(refused));
    await control.close();
  });
});
