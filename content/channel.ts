// The window.postMessage channel between the inpage script (page's main world) and the content script
// (isolated world) of the same frame. Every message carries this tag and a direction, so the two scripts
// ignore each other's echoes and every other postMessage traffic on the page. Both sides accept only
// messages this very window posted to itself (`ev.source === window`, same origin): another frame can
// post into this window, but never with this window as the source.
export const CHANNEL = 'xmtp-inbox-provider';

export interface RpcErrorFrame {
  code: number;
  message: string;
  data?: unknown;
}

/** Page → content script. */
export type ToContent = { channel: typeof CHANNEL; dir: 'to-content' } & (
  /** a window.xmtp request */
  | { id: number; method: string; params?: unknown }
  /** the page wallet's answer to a `wallet` request */
  | { wallet: { requestId: string; result?: unknown; error?: { code: number; message: string } } }
);

/** Content script → page. */
export type ToPage = { channel: typeof CHANNEL; dir: 'to-page' } & (
  | { id: number; result: unknown }
  | { id: number; error: RpcErrorFrame }
  /** provider events; `connect` and `disconnect` come from the bridge, the others from the background */
  | { event: string; data: unknown }
  /** the extension asks the page's wallet (window.ethereum) for accounts or a signature */
  | { wallet: { requestId: string; method: 'eth_requestAccounts' | 'personal_sign'; params?: unknown[] } }
);

/** An object whose fields may be read, each still to be checked (any prototype: the page's world has its own). */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
export const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * A message on the channel. Any script in the page can post one, so only the tag is known: its other
 * fields stay `unknown` until the receiver checks them (ToContent and ToPage are what the senders write).
 */
export type Received<Dir extends string> = { channel: typeof CHANNEL; dir: Dir; [field: string]: unknown };
const tagged = <Dir extends string>(v: unknown, dir: Dir): v is Received<Dir> => isObject(v) && v.channel === CHANNEL && v.dir === dir;

export const isToContent = (v: unknown): v is Received<'to-content'> => tagged(v, 'to-content');
export const isToPage = (v: unknown): v is Received<'to-page'> => tagged(v, 'to-page');

/** True for a message event this window posted to itself (not another frame, not another origin). */
export const fromThisWindow = (ev: MessageEvent): boolean => ev.source === window && ev.origin === location.origin;

/** The targetOrigin for posting to this very window (opaque origins cannot be named). */
export const selfOrigin = (): string => (location.origin === 'null' ? '*' : location.origin);

/** Bridge-internal event names the inpage script consumes (re-emitted to dapps as `connect`). */
export const BRIDGE_CONNECT = 'connect';
export const BRIDGE_DISCONNECT = 'disconnect';
