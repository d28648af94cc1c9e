// Launchers for the end-to-end tests: Debian Chromium through playwright-core and Firefox ESR through
// puppeteer-core over WebDriver BiDi, each with the built extension loaded in a fresh profile
// (recipes verified in ../shared/browser-testing.md). One browser per test file: launches are costly
// on 2 cores.
import { chromium, type BrowserContext, type Worker, type Page as PwPage } from 'playwright-core';
import puppeteer, { type Browser as PpBrowser, type Page as PpPage } from 'puppeteer-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { locate, PROGRAMS } from '../../../scripts/programs.mjs';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// Where they are missing, requireBuilt names the command that installs them.
export const CHROMIUM = PROGRAMS.chromium.locate() ?? '/usr/bin/chromium';
export const FIREFOX = PROGRAMS.firefox.locate() ?? '/usr/bin/firefox-esr';
export const DIST = { chrome: path.join(ROOT, 'dist/chrome'), firefox: path.join(ROOT, 'dist/firefox') };
export const GECKO_ID = 'inbox@xmtp-inbox.dev';

function requireBuilt(dir: string, browser: 'chromium' | 'firefox') {
  locate(browser); // throws the install command (npm test runs scripts/ensure-programs.mjs first)
  if (!existsSync(path.join(dir, 'manifest.json'))) throw new Error(`${dir} is not built: run \`node build.mjs\` (npm test does it)`);
}

export interface ChromiumExt {
  context: BrowserContext;
  extId: string;
  /** chrome-extension://<id>/ */
  base: string;
  worker(): Promise<Worker>;
  /** Stops the extension's service worker (as the browser does when it is idle) and waits until it has. */
  stopWorker(): Promise<void>;
  openPopup(file?: string): Promise<PwPage>;
  /** the profile folder (removed by close()) */
  userDataDir: string;
  /** Closes the browser; the profile folder stays when `keepProfile` (the caller removes it). */
  close(opts?: { keepProfile?: boolean }): Promise<void>;
}

/** `args`: further Chromium switches (e.g. to trust a test node's own certificate). */
export async function launchChromium(extDir = DIST.chrome, args: string[] = []): Promise<ChromiumExt> {
  requireBuilt(extDir, 'chromium');
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'xmtp-inbox-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      `--disable-extensions-except=${extDir}`,
      `--load-extension=${extDir}`,
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
      // Tests talk to 127.0.0.1 and localhost only; any other host (the default Ethereum RPC for
      // names, an avatar) fails at once instead of leaving the machine.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
      ...args,
    ],
  });
  const sw = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
  const extId = new URL(sw.url()).host;
  const base = `chrome-extension://${extId}/`;
  return {
    context,
    extId,
    base,
    async worker() {
      return context.serviceWorkers().find((w) => w.url().startsWith(base)) ?? (await context.waitForEvent('serviceworker'));
    },
    async stopWorker() {
      // A CDP session on an extension page shares the worker's storage partition (browser-testing.md).
      const ctl = await context.newPage();
      try {
        await ctl.goto(base + 'manifest.json');
        const cdp = await context.newCDPSession(ctl);
        const seen: string[] = [];
        cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
          for (const v of versions) if (v.scriptURL.startsWith(base)) seen.push(v.runningStatus);
        });
        await cdp.send('ServiceWorker.enable'); // reports the worker's current state at once
        await until(() => seen.length > 0, "the worker's state");
        if (seen.at(-1) === 'stopped') return;
        await cdp.send('ServiceWorker.stopAllWorkers');
        await until(() => seen.includes('stopped'), 'the worker to stop');
      } finally {
        await ctl.close();
      }
    },
    async openPopup(file = 'popup.html') {
      const page = await context.newPage();
      await page.goto(base + file);
      return page;
    },
    userDataDir,
    async close({ keepProfile = false } = {}) {
      await context.close().catch(() => {});
      if (!keepProfile) await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

async function until(ok: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ChromiumUnattachedExt {
  browser: PpBrowser;
  extId: string;
  base: string;
  /** times the browser stopped the extension's service worker since launch */
  readonly workerStops: number;
  openPage(file: string): Promise<PpPage>;
  close(): Promise<void>;
}

/**
 * Chromium with the extension installed over CDP (puppeteer-core, recipe 1b in browser-testing.md) and
 * no debugger attached to its service worker, so the browser stops the worker when it is idle for 30 s
 * as it does for users. (Under playwright-core's persistent context the worker is never idle-stopped.)
 */
export async function launchChromiumUnattached(extDir = DIST.chrome): Promise<ChromiumUnattachedExt> {
  requireBuilt(extDir, 'chromium');
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    pipe: true,
    enableExtensions: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const extId = await browser.installExtension(extDir);
  const base = `chrome-extension://${extId}/`;
  const isWorker = (t: { type(): string; url(): string }) => t.type() === 'service_worker' && t.url().startsWith(base);
  await browser.waitForTarget(isWorker, { timeout: 15_000 });
  let workerStops = 0;
  browser.on('targetdestroyed', (t) => {
    if (isWorker(t)) workerStops++;
  });
  return {
    browser,
    extId,
    base,
    get workerStops() {
      return workerStops;
    },
    async openPage(file) {
      const page = await browser.newPage();
      await page.goto(base + file);
      return page;
    },
    async close() {
      await browser.close().catch(() => {});
    },
  };
}

export interface FirefoxExt {
  browser: PpBrowser;
  uuid: string;
  /** moz-extension://<uuid>/ */
  base: string;
  openPopup(file?: string): Promise<PpPage>;
  close(): Promise<void>;
}

/**
 * Firefox prefs that keep a test on this machine: every request to a host other than 127.0.0.1 or
 * localhost goes to a proxy on a closed loopback port and fails (the proxy, not Firefox, would resolve
 * the name, so no DNS query leaves either).
 */
const LOOPBACK_ONLY = {
  'network.proxy.type': 1,
  'network.proxy.http': '127.0.0.1',
  'network.proxy.http_port': 9,
  'network.proxy.ssl': '127.0.0.1',
  'network.proxy.ssl_port': 9,
  'network.proxy.no_proxies_on': 'localhost, 127.0.0.1',
  'network.proxy.allow_hijacking_localhost': false,
};

export async function launchFirefox(extDir = DIST.firefox, prefs: Record<string, unknown> = {}): Promise<FirefoxExt> {
  requireBuilt(extDir, 'firefox');
  const uuid = crypto.randomUUID();
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    args: ['--remote-allow-system-access'], // BiDi may then navigate to moz-extension:// pages
    extraPrefsFirefox: { 'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: uuid }), ...LOOPBACK_ONLY, ...prefs },
  });
  const id = await browser.installExtension(extDir);
  if (id !== GECKO_ID) throw new Error(`installed add-on id ${id}, expected ${GECKO_ID}`);
  const base = `moz-extension://${uuid}/`;
  return {
    browser,
    uuid,
    base,
    async openPopup(file = 'popup.html') {
      // BiDi never reports the end of a navigation to moz-extension:// (see browser-testing.md F2):
      // start it and wait for the document instead.
      const url = base + file;
      const page = await browser.newPage();
      page.goto(url).catch(() => {});
      await page.waitForFunction((u: string) => location.href === u && document.readyState === 'complete', { timeout: 15_000 }, url);
      return page;
    },
    async close() {
      await browser.close().catch(() => {});
    },
  };
}
