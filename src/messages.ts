// The one catalogue of requests between contexts. Every request a popup, prompt or content script can
// make of the background is listed here with its params and result types; the background's router
// implements exactly this table (background/router.ts), and callers get their types from it.

/** Which kind of context sent a request: taken from the Port name the background accepted. */
export type Caller = 'popup' | 'prompt' | 'content';

export interface AppStatus {
  version: string;
  target: 'chrome' | 'firefox';
  /** 'onboarding' until an identity exists. */
  state: 'onboarding' | 'locked' | 'unlocked';
}

export interface Catalogue {
  /** Version, browser and lock state of the extension. */
  'app.status': { params: undefined; result: AppStatus };
  /** A window.xmtp request from a page, relayed by that frame's content script (see provider-api). */
  'provider.request': { params: { method: string; params?: unknown }; result: unknown };
}

/** Who may call what: the router refuses a method to any other caller. */
export const CALLERS: { [M in keyof Catalogue]: readonly Caller[] } = {
  'app.status': ['popup', 'prompt'],
  'provider.request': ['content'],
};

export type Method = keyof Catalogue;
export type Params<M extends Method> = Catalogue[M]['params'];
export type Result<M extends Method> = Catalogue[M]['result'];

export const PORT = { popup: 'popup', prompt: 'prompt', content: 'content' } as const satisfies Record<Caller, string>;
