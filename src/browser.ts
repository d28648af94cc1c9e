// The extension API. Firefox provides promise-based `browser`; Chrome 116+ provides the same
// promise-returning APIs on `chrome` for everything this extension uses (runtime ports, storage,
// alarms, notifications, action, windows, tabs), so no polyfill is bundled: it would cost the
// background bundle 10 KB for behaviour both browsers already have. Types come from
// @types/webextension-polyfill.
import type Browser from 'webextension-polyfill';

const g = globalThis as { browser?: Browser.Browser; chrome?: Browser.Browser };
export const browser: Browser.Browser = (g.browser ?? g.chrome)!;
export default browser;
export type { Runtime } from 'webextension-polyfill';
