// Runs the built popup (dist/chrome/popup.html + popup.js) as an ordinary page of a plain headless
// Chromium, with the fake background (fake-background.ts) standing in for the extension: fast,
// deterministic UI tests, screenshots and accessibility checks that do not depend on a node.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CHROMIUM, DIST, ROOT } from '../browser/support/browsers.ts';
import { inPage } from '../browser/support/in-page.ts';
import { fakeBackground, type FakeSeed } from './fake-background.ts';
import { NOW } from './seed.ts';

export const ORIGIN = 'http://popup.test';
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png' };

export interface Harness {
  browser: Browser;
  /** a fresh context (own clock, storage) per page */
  /** `beforeLoad`: runs in the page before any of its scripts (to watch what the popup does first) */
  open(seed: FakeSeed, opts?: { hash?: string; colorScheme?: 'light' | 'dark'; fixedClock?: boolean; beforeLoad?: () => void }): Promise<Page>;
  /** closes every page opened so far */
  closePages(): Promise<void>;
  close(): Promise<void>;
}

async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 360, height: 600 }, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'UTC' });
  await context.route(`${ORIGIN}/**`, async (route) => {
    const rel = new URL(route.request().url()).pathname.replace(/^\//, '') || 'popup.html';
    const file = path.join(DIST.chrome, rel);
    if (!file.startsWith(DIST.chrome)) return route.fulfill({ status: 404 });
    try {
      await route.fulfill({ status: 200, body: await readFile(file), contentType: TYPES[path.extname(file)] ?? 'application/octet-stream' });
    } catch {
      await route.fulfill({ status: 404, body: 'not found' });
    }
  });
  return context;
}

export async function launchHarness(): Promise<Harness> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage', '--font-render-hinting=none'],
  });
  return {
    browser,
    async open(seed, opts = {}) {
      const context = await newContext(browser);
      const page = await context.newPage();
      if (opts.fixedClock) await page.clock.setFixedTime(NOW);
      await page.emulateMedia({ colorScheme: opts.colorScheme ?? 'light', reducedMotion: 'reduce' });
      await page.addInitScript(inPage(fakeBackground, seed));
      if (opts.beforeLoad) await page.addInitScript(opts.beforeLoad);
      await page.goto(`${ORIGIN}/popup.html${opts.hash ?? ''}`);
      return page;
    },
    async closePages() {
      for (const c of browser.contexts()) await c.close().catch(() => {});
    },
    async close() {
      await browser.close().catch(() => {});
    },
  };
}

/** Runs axe-core in the page; returns the serious and critical violations, readable. */
export async function axeViolations(page: Page): Promise<string[]> {
  const src = await readFile(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
  await page.addScriptTag({ content: src });
  const result = (await page.evaluate(() =>
    (window as any).axe.run(document, { resultTypes: ['violations'] }),
  )) as { violations: { id: string; impact: string; help: string; nodes: { target: string[]; failureSummary: string }[] }[] };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.map((n) => `${n.target.join(' ')} — ${n.failureSummary.replace(/\n/g, ' ')}`).join('\n    ')}`);
}
