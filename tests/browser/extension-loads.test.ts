// The built extension loads in both browsers: the background starts, the popup renders (Preact) and
// talks to the background, and window.xmtp is present on an ordinary page served from 127.0.0.1.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, launchFirefox, type ChromiumExt, type FirefoxExt } from './support/browsers.ts';
import { inPage } from './support/in-page.ts';
import { startPageServer, type PageServer } from '../support/page-server.ts';

const DAPP = `<!doctype html><title>dapp</title><h1>dapp</h1>`;
// Runs before any page script, like a dapp's loader that waits for the provider.
const LISTEN_FOR_INIT = `window.initializedSeen = false;
  window.addEventListener('xmtp#initialized', () => { window.initializedSeen = !!window.xmtp; });`;

// What a page sees of window.xmtp, collected in the page (the same code runs in both browsers).
async function probeProvider() {
  const w = window as unknown as { xmtp: any };
  const announced = await new Promise<any>((resolve) => {
    window.addEventListener('xmtp:announceProvider', (e) => resolve((e as CustomEvent).detail), { once: true });
    window.dispatchEvent(new Event('xmtp:requestProvider'));
  });
  const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: { code: number; message: string }) => ({ code: e.code, message: e.message }));
  return {
    present: typeof w.xmtp === 'object' && w.xmtp !== null,
    frozen: Object.isFrozen(w.xmtp),
    replaceable: (() => { try { w.xmtp = {}; } catch { /* strict-mode pages throw */ } return w.xmtp !== announced.provider; })(),
    info: announced.info,
    sameProvider: announced.provider === w.xmtp,
    unknown: await errorOf(w.xmtp.request({ method: 'eth_sendTransaction' })),
    malformed: await errorOf(w.xmtp.request({ params: {} })),
  };
}

type Probe = Awaited<ReturnType<typeof probeProvider>>;
function checkProbe(p: Probe) {
  assert.equal(p.present, true);
  assert.equal(p.frozen, true);
  assert.equal(p.replaceable, false, 'a page must not be able to replace window.xmtp');
  assert.equal(p.sameProvider, true);
  assert.equal(p.info.name, 'XMTP Inbox');
  assert.equal(p.info.rdns, 'dev.xmtp-inbox');
  assert.match(p.info.uuid, /^[0-9a-f-]{36}$/);
  assert.match(p.info.icon, /^data:image\/svg\+xml,/);
  assert.deepEqual(p.unknown?.code, -32601, 'unknown methods are answered by the background with -32601');
  assert.deepEqual(p.malformed?.code, -32602, 'a request without a method is refused in the page');
}

/** The popup's base text and a button's, as computed in the page. */
const textStyle = () =>
  [document.body, document.querySelector('button')!].map((e) => {
    const cs = getComputedStyle(e);
    return `${cs.fontSize} ${cs.fontFamily.split(',')[0]}`;
  });
const DESIGNED_TEXT = ['14px system-ui', '14px system-ui'];

let pages: PageServer;
before(async () => {
  pages = await startPageServer({ '/': DAPP });
});
after(() => pages.close());

describe('Chromium', () => {
  let ext: ChromiumExt;
  before(async () => {
    ext = await launchChromium();
  });
  after(() => ext?.close());

  test('the background service worker starts', async () => {
    const sw = await ext.worker();
    assert.equal(sw.url(), `${ext.base}background.js`);
    assert.equal(await sw.evaluate(() => typeof (globalThis as any).chrome.runtime.id), 'string');
  });

  test('the popup renders and reaches the background', async () => {
    const popup = await ext.openPopup();
    // A fresh profile has no identity: the background answers app.status with 'onboarding'.
    await popup.getByRole('button', { name: 'Create new wallet' }).waitFor();
    // Chrome gives an extension page's body its own font (the system UI font at 75%): the popup's
    // text is set in its own type scale all the same
    assert.deepEqual(await popup.evaluate(textStyle), DESIGNED_TEXT);
    await popup.close();
  });

  test('window.xmtp exists on a page served from 127.0.0.1', async () => {
    const page = await ext.context.newPage();
    await page.addInitScript(LISTEN_FOR_INIT);
    await page.goto(pages.url + '/');
    assert.equal(await page.evaluate(() => (window as any).initializedSeen), true, 'xmtp#initialized fired');
    checkProbe((await page.evaluate(inPage(probeProvider))) as Probe);
    await page.close();
  });
});

describe('Firefox ESR', () => {
  let ext: FirefoxExt;
  before(async () => {
    ext = await launchFirefox();
  });
  after(() => ext?.close());

  test('the popup renders and reaches the background event page', async () => {
    const popup = await ext.openPopup();
    await popup.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent?.trim() === 'Create new wallet'), { timeout: 10_000 });
    assert.deepEqual(await popup.evaluate(textStyle), DESIGNED_TEXT);
    await popup.close();
  });

  test('window.xmtp exists on a page served from 127.0.0.1', async () => {
    const page = await ext.browser.newPage();
    await page.evaluateOnNewDocument(LISTEN_FOR_INIT);
    await page.goto(pages.url + '/');
    assert.equal(await page.evaluate(() => (window as any).initializedSeen), true, 'xmtp#initialized fired');
    checkProbe((await page.evaluate(inPage(probeProvider))) as Probe);
    await page.close();
  });
});
