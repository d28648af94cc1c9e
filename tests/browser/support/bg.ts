// Calls the extension's background from one of its own pages over a runtime.Port, as the popup does,
// for test setup (node URL, an identity, lock) without driving the popup's UI. Works in Chromium
// (playwright) and Firefox (puppeteer) pages alike: both take a string to evaluate.
import { inPage } from './in-page.ts';

export interface Evaluator {
  evaluate(expr: string): Promise<unknown>;
}

export async function bgCall<T = unknown>(page: Evaluator, method: string, params?: unknown): Promise<T> {
  const r = (await page.evaluate(
    inPage(
      ([m, p]: [string, unknown]) =>
        new Promise((resolve) => {
          const g = globalThis as unknown as { browser?: { runtime: unknown }; chrome: { runtime: unknown } };
          const rt = (g.browser ?? g.chrome).runtime as {
            connect(o: { name: string }): {
              postMessage(m: unknown): void;
              disconnect(): void;
              onMessage: { addListener(fn: (m: { id?: number; result?: unknown; error?: unknown }) => void): void };
            };
          };
          const port = rt.connect({ name: 'popup' });
          port.onMessage.addListener((msg) => {
            if (msg.id !== 1) return;
            port.disconnect();
            resolve(msg);
          });
          port.postMessage({ id: 1, method: m, params: p });
        }),
      [method, params] as [string, unknown],
    ),
  )) as { result?: T; error?: { code: number; message: string } };
  if (r.error) throw Object.assign(new Error(`${method}: ${r.error.message}`), r.error);
  return r.result as T;
}

export const PASSWORD = 'correct horse battery staple';

/** A fresh random wallet key, hex. */
export function randomKey(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');
}
