// Hostile pages against the real extension in Chromium: unknown methods, malformed and oversized
// params (through window.xmtp and straight to the content script), forged origin fields, messages
// posted by another frame, a flood of requests, iframes identified by their own origin, duplicate
// prompts, and a stopped service worker. Each gets the documented error; nothing crashes.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { launchChromium, type ChromiumExt } from './support/browsers.ts';
import { inPage } from './support/in-page.ts';
import { startPageServer, type PageServer } from '../support/page-server.ts';
import { PROVIDER_LIMITS } from '../../src/provider-api.ts';
import { call, dappHtml, events, isPrompt, nextPrompt, noPrompt, openDapp, start, until } from './support/dapp.ts';

let pages: PageServer;
let ext: ChromiumExt;

before(async () => {
  pages = await startPageServer();
  pages.set('/', await dappHtml());
  pages.set('/frame', await dappHtml({ title: 'framed dapp' }));
  pages.set('/with-frame', await dappHtml({ title: 'outer dapp', body: `<iframe id="f" src="${pages.altUrl}/frame"></iframe>` }));
  ext = await launchChromium();
});
after(async () => {
  await ext?.close();
  await pages?.close();
});

const dapp = (path = '/'): Promise<Page> => openDapp(ext.context, pages.url + path);

/** Posts straight to this frame's content script, skipping window.xmtp's checks, and waits for the answer. */
function direct(page: Page, msg: Record<string, unknown>, timeoutMs = 5000) {
  return page.evaluate(
    inPage(
      ([m, ms]: [Record<string, unknown>, number]) =>
        new Promise<unknown>((resolve) => {
          const onMsg = (ev: MessageEvent) => {
            const d = ev.data as { channel?: string; dir?: string; id?: unknown };
            if (ev.source === window && d?.channel === 'xmtp-inbox-provider' && d.dir === 'to-page' && d.id === m.id) {
              window.removeEventListener('message', onMsg);
              resolve(d);
            }
          };
          window.addEventListener('message', onMsg);
          window.postMessage({ channel: 'xmtp-inbox-provider', dir: 'to-content', ...m }, location.origin);
          setTimeout(() => resolve('no answer'), ms);
        }),
      [msg, timeoutMs] as [Record<string, unknown>, number],
    ),
  );
}

describe('hostile pages (Chromium)', () => {
  test('unknown methods and malformed params get -32601 / -32602, in the page and at the content script', async () => {
    const page = await dapp();
    assert.equal((await call(page, 'eth_sendTransaction')).code, -32601);
    assert.equal((await call(page, 'xmtp_connect ')).code, -32601);
    assert.equal((await call(page, 'constructor')).code, -32601);
    const malformed: [string, unknown][] = [
      ['xmtp_connect', { scope: 'everything' }],
      ['xmtp_connect', 'inbox'],
      ['xmtp_accounts', { all: true }],
      ['xmtp_canMessage', { addresses: ['nope'] }],
      ['xmtp_canMessage', { addresses: '0x0000000000000000000000000000000000000000' }],
      ['xmtp_listMessages', { conversation: '../../etc' }],
      ['xmtp_sendMessage', { conversation: '/xmtp/0/m-x/proto' }],
      ['xmtp_newConversation', { peerAddress: '0x1', conversationId: 5 }],
      ['xmtp_subscribe', { conversation: {} }],
      ['xmtp_setConsent', { peerAddress: '0x0000000000000000000000000000000000000000', state: 'maybe' }],
    ];
    for (const [m, p] of malformed) {
      const r = await call(page, m, p);
      assert.equal(r.code, -32602, `${m} ${JSON.stringify(p)}: ${r.message}`);
      assert.match(r.message!, /\w/);
    }
    // params that are not data at all
    const notData = await page.evaluate(inPage(async () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const out = [];
      for (const params of [cyclic, { big: BigInt(1) }]) {
        try {
          await (window as unknown as { xmtp: { request(a: unknown): Promise<unknown> } }).xmtp.request({ method: 'xmtp_connect', params });
        } catch (e) {
          out.push((e as { code: number }).code);
        }
      }
      for (const args of [null, 'xmtp_accounts', { params: {} }, { method: 42 }]) {
        try {
          await (window as unknown as { xmtp: { request(a: unknown): Promise<unknown> } }).xmtp.request(args);
        } catch (e) {
          out.push((e as { code: number }).code);
        }
      }
      return out;
    }));
    assert.deepEqual(notData, [-32602, -32602, -32602, -32602, -32602, -32602]);
    // the same straight to the content script: it checks again
    assert.deepEqual(await direct(page, { id: 91, method: 'eth_sign' }), {
      channel: 'xmtp-inbox-provider',
      dir: 'to-page',
      id: 91,
      error: { code: -32601, message: 'unknown method eth_sign' },
    });
    assert.equal(((await direct(page, { id: 92, method: 'xmtp_connect', params: { scope: 1 } })) as { error: { code: number } }).error.code, -32602);
    assert.equal(((await direct(page, { id: 93, method: 'xmtp_accounts', params: 'x' })) as { error: { code: number } }).error.code, -32602);
    assert.equal(await direct(page, { id: 'x', method: 'xmtp_accounts' }, 500), 'no answer', 'requests without a numeric id are dropped');
    assert.equal(await direct(page, { id: -1, method: 'xmtp_accounts' }, 500), 'no answer');
    assert.deepEqual((await call(page, 'xmtp_accounts')).ok, [], 'the provider still works');
    await page.close();
  });

  test('oversized params are refused before they leave the page, and by the content script', async () => {
    const page = await dapp();
    // one character over the content limit (a JSON string adds its two quotes)
    const big = 'x'.repeat(PROVIDER_LIMITS.maxContentBytes);
    const r = await call(page, 'xmtp_sendMessage', { conversation: '/xmtp/0/m-x/proto', content: big });
    assert.equal(r.code, -32602);
    assert.match(r.message!, /larger than/);
    const r2 = (await direct(page, { id: 94, method: 'xmtp_sendMessage', params: { conversation: '/xmtp/0/m-x/proto', content: 'y'.repeat(5_000_000) } })) as {
      error: { code: number; message: string };
    };
    assert.equal(r2.error.code, -32602);
    const many = await call(page, 'xmtp_canMessage', { addresses: Array(101).fill('0x0000000000000000000000000000000000000000') });
    assert.equal(many.code, -32602);
    assert.deepEqual((await call(page, 'xmtp_accounts')).ok, []);
    await page.close();
  });

  test('a flood of requests: each is answered (result or -32005), the extension stays up', async () => {
    const page = await dapp();
    const outcome = (await page.evaluate(inPage(async () => {
      const x = (window as unknown as { xmtp: { request(a: unknown): Promise<unknown> } }).xmtp;
      const all = await Promise.allSettled(Array.from({ length: 2000 }, () => x.request({ method: 'xmtp_accounts' })));
      const counts: Record<string, number> = {};
      for (const r of all) {
        const k = r.status === 'fulfilled' ? 'ok' : String((r.reason as { code: number }).code);
        counts[k] = (counts[k] ?? 0) + 1;
      }
      return counts;
    }))) as Record<string, number>;
    assert.equal(Object.values(outcome).reduce((a, b) => a + b, 0), 2000);
    assert.deepEqual(Object.keys(outcome).sort(), ['-32005', 'ok'], JSON.stringify(outcome));
    // a flood straight at the content script, too
    const flood = await page.evaluate(inPage(async () => {
      let answered = 0;
      const done = new Promise<void>((resolve) => {
        window.addEventListener('message', (ev) => {
          const d = ev.data as { channel?: string; dir?: string; id?: number };
          if (ev.source === window && d?.channel === 'xmtp-inbox-provider' && d.dir === 'to-page' && typeof d.id === 'number' && d.id >= 1e9) {
            if (++answered === 3000) resolve();
          }
        });
      });
      for (let i = 0; i < 3000; i++) window.postMessage({ channel: 'xmtp-inbox-provider', dir: 'to-content', id: 1e9 + i, method: 'xmtp_accounts' }, location.origin);
      await Promise.race([done, new Promise((r) => setTimeout(r, 20_000))]);
      return answered;
    }));
    assert.equal(flood, 3000);
    await until(async () => (await call(page, 'xmtp_accounts')).ok, 'the provider answering again');
    const sw = await ext.worker();
    assert.equal(await sw.evaluate(() => 1 + 1), 2, 'the service worker is alive');
    await page.close();
  });

  test('forged origin fields in params change nothing: the prompt names the real origin', async () => {
    const page = await dapp();
    const r = await start(page, 'xmtp_connect', { scope: 'app', origin: 'https://bank.example', sender: { url: 'https://bank.example/' } });
    const prompt = await nextPrompt(ext.context, ext.base);
    await prompt.getByText(pages.url, { exact: true }).waitFor();
    assert.equal(await prompt.getByText('bank.example').count(), 0);
    // a second connect while the first waits: -32002, and no second window
    assert.equal((await call(page, 'xmtp_connect', { scope: 'inbox' })).code, -32002);
    assert.equal(ext.context.pages().filter(isPrompt(ext.base)).length, 1);
    await prompt.close();
    assert.equal((await r.settled()).code, 4001, 'closing the prompt is a rejection');
    await noPrompt(ext.context, ext.base);
    await page.close();
  });

  test('a page in an iframe is its own site; other frames cannot post into its bridge', async () => {
    const page = await dapp('/with-frame');
    const frame = await until(async () => {
      const f = page.frames().find((x) => x.url().startsWith(pages.altUrl));
      return f && (await f.evaluate(() => !!(window as unknown as { t?: unknown }).t).catch(() => false)) ? f : undefined;
    }, 'the iframe');
    // the outer page posts requests into the iframe's window and the iframe into the outer one: ignored
    await page.evaluate(() => {
      const f = (document.getElementById('f') as HTMLIFrameElement).contentWindow!;
      f.postMessage({ channel: 'xmtp-inbox-provider', dir: 'to-content', id: 7, method: 'xmtp_connect', params: {} }, '*');
      f.postMessage({ channel: 'xmtp-inbox-provider', dir: 'to-page', event: 'accountsChanged', data: ['0xforged'] }, '*');
    });
    await frame.evaluate(() => {
      parent.postMessage({ channel: 'xmtp-inbox-provider', dir: 'to-content', id: 8, method: 'xmtp_connect', params: {} }, '*');
      parent.postMessage({ channel: 'xmtp-inbox-provider', dir: 'to-page', event: 'accountsChanged', data: ['0xforged'] }, '*');
      parent.postMessage({ channel: 'xmtp-inbox-provider', dir: 'to-page', wallet: { requestId: 'x', method: 'personal_sign', params: ['0x00'] } }, '*');
    });
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(ext.context.pages().filter(isPrompt(ext.base)).length, 0, 'no prompt from posted messages');
    assert.deepEqual(await events(page, 'accountsChanged'), []);
    assert.deepEqual(await frame.evaluate(() => (window as unknown as { t: { named(n: string): unknown[] } }).t.named('accountsChanged')), []);

    // the iframe's own request names the iframe's origin; the outer page's waits its turn in the same window
    await frame.evaluate(() => void (window as unknown as { t: { call(m: string): Promise<unknown> } }).t.call('xmtp_connect'));
    const prompt = await nextPrompt(ext.context, ext.base);
    await prompt.getByText(pages.altUrl, { exact: true }).waitFor();
    const outerReq = await start(page, 'xmtp_connect');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(ext.context.pages().filter(isPrompt(ext.base)).length, 1, 'one prompt window at a time');
    await prompt.close();
    assert.equal((await outerReq.settled()).code, 4001, 'closing the window rejects what waited in it');
    await noPrompt(ext.context, ext.base);
    await page.close();
  });

  test('the provider keeps working after the service worker is stopped', async () => {
    const page = await dapp();
    assert.deepEqual((await call(page, 'xmtp_accounts')).ok, []);
    await ext.stopWorker();
    // the page's port dropped with the worker; the next request wakes it and gets its answer
    assert.deepEqual((await call(page, 'xmtp_accounts')).ok, []);
    assert.equal((await call(page, 'eth_call')).code, -32601);
    await page.close();
  });
});
