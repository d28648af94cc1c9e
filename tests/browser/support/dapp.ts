// A test dapp for the provider tests: pages served from 127.0.0.1 whose window.t records every
// provider event and settles requests into plain data ({ ok } or { code, message, data }), so tests
// drive window.xmtp the same way in Chromium and Firefox. Also: prompt-window helpers.
import * as esbuild from 'esbuild';
import path from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { ROOT } from './browsers.ts';

let walletJs: string | undefined;
/** The fake window.ethereum (fake-wallet.ts), bundled once. */
export async function fakeWalletScript(): Promise<string> {
  walletJs ??= (
    await esbuild.build({
      entryPoints: [path.join(ROOT, 'tests/browser/support/fake-wallet.ts')],
      bundle: true,
      write: false,
      format: 'iife',
      target: 'es2022',
      minify: true,
      logLevel: 'silent',
    })
  ).outputFiles[0].text;
  return walletJs;
}

/** Runs first in every test dapp: the recorder dapps' tests read. */
export const RECORDER = `
window.t = {
  events: [],
  async call(method, params) {
    try { return { ok: await window.xmtp.request(params === undefined ? { method } : { method, params }) }; }
    catch (e) { return { code: e.code, message: e.message, data: e.data }; }
  },
  listen() {
    for (const name of ['connect', 'disconnect', 'accountsChanged', 'message']) {
      window.xmtp.on(name, (data) => window.t.events.push({ name, data }));
    }
  },
  named(name) { return window.t.events.filter((e) => e.name === name).map((e) => e.data); },
};
if (window.xmtp) window.t.listen(); else window.addEventListener('xmtp#initialized', () => window.t.listen(), { once: true });
`;

export interface DappOptions {
  title?: string;
  /** hex private key of a fake window.ethereum on the page */
  walletKey?: string;
  /** extra HTML in the body */
  body?: string;
}

export async function dappHtml(opts: DappOptions = {}): Promise<string> {
  const wallet = opts.walletKey
    ? `<script>window.__fakeWallet = { key: ${JSON.stringify(opts.walletKey)} };</script><script>${await fakeWalletScript()}</script>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${opts.title ?? 'test dapp'}</title>
<script>${RECORDER}</script>${wallet}</head><body><h1>${opts.title ?? 'test dapp'}</h1>${opts.body ?? ''}</body></html>`;
}

/** Opens a test dapp page and waits until its recorder and window.xmtp are there. */
export async function openDapp(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => !!(window as unknown as { t?: unknown }).t && !!(window as unknown as { xmtp?: unknown }).xmtp);
  return page;
}

// --- Chromium prompt helpers -------------------------------------------------------------------

export const isPrompt = (base: string) => (p: Page) => p.url().startsWith(base + 'prompt.html');

/** The next prompt window to open (or one already open). */
export async function nextPrompt(context: BrowserContext, base: string, timeout = 15_000): Promise<Page> {
  const open = context.pages().find(isPrompt(base));
  const page = open ?? (await context.waitForEvent('page', { predicate: isPrompt(base), timeout }));
  await page.waitForLoadState('domcontentloaded');
  return page;
}

/** Waits until no prompt window is open. */
export async function noPrompt(context: BrowserContext, base: string, timeout = 10_000): Promise<void> {
  const t0 = Date.now();
  while (context.pages().some(isPrompt(base))) {
    if (Date.now() - t0 > timeout) throw new Error('a prompt window is still open');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a request in the page without waiting for it; `settled()` returns its outcome. */
export async function start(page: Page, method: string, params?: unknown): Promise<{ settled(): Promise<Settled> }> {
  const key = `r${Math.random().toString(36).slice(2)}`;
  await page.evaluate(
    ([k, m, p]) => {
      const w = window as unknown as { t: { call(m: string, p?: unknown): Promise<unknown> }; pending: Record<string, Promise<unknown>> };
      w.pending ??= {};
      w.pending[k as string] = w.t.call(m as string, p);
    },
    [key, method, params] as const,
  );
  return {
    settled: () => page.evaluate((k) => (window as unknown as { pending: Record<string, Promise<Settled>> }).pending[k], key),
  };
}

export type Settled = { ok?: unknown; code?: number; message?: string; data?: unknown };

export const call = (page: Page, method: string, params?: unknown): Promise<Settled> =>
  page.evaluate(([m, p]) => (window as unknown as { t: { call(m: string, p?: unknown): Promise<Settled> } }).t.call(m as string, p), [method, params] as const);

export const events = (page: Page, name: string): Promise<unknown[]> =>
  page.evaluate((n) => (window as unknown as { t: { named(n: string): unknown[] } }).t.named(n), name);

type Falsy = false | 0 | '' | null | undefined;
/** Polls until `fn` returns a truthy value. */
export async function until<T>(fn: () => Promise<T | Falsy> | T | Falsy, what: string, timeout = 15_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() - t0 > timeout) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Clicks a button that makes its window close (the prompt's Allow / Deny): the close is expected. */
export async function clickClosing(button: Locator): Promise<void> {
  await button.click({ noWaitAfter: true }).catch((e: Error) => {
    if (!/closed/i.test(e.message)) throw e;
  });
}

/** A Deny's 4001 says how long the site now backs off (data.retryAfterMs): waits that out. */
export async function waitOutBackoff(denied: Settled): Promise<void> {
  const ms = (denied.data as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  if (typeof ms !== 'number') throw new Error(`expected a Deny with retryAfterMs, got ${JSON.stringify(denied)}`);
  await new Promise((r) => setTimeout(r, ms));
}
