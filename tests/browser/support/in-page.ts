// Serialises a function to run inside a page. tsx compiles test files with esbuild's keepNames, which
// wraps named functions in a `__name(...)` helper that does not exist in the page; the expression below
// supplies a no-op one, so the same code runs under playwright-core and puppeteer-core alike.
export function inPage<A, R>(fn: (arg: A) => R | Promise<R>, arg?: A): string {
  return `(() => { const __name = (f) => f; return (${fn.toString()})(${arg === undefined ? '' : JSON.stringify(arg)}); })()`;
}
