// Who is asking: the site behind a content port, taken only from what the browser reports about the
// port's sender (its frame's URL / origin), never from anything the page sends. A page in an iframe
// is its own site: its frame has its own sender.
import type { Runtime } from 'webextension-polyfill';
import { ErrorCode, RpcError } from '../../src/rpc.ts';
import { appScopeKey } from './scope.ts';

export interface Site {
  /** scheme://host[:port], lower case, as the browser reports the frame */
  origin: string;
  /** what `app` scope conversations carry before "/" (scope.ts appScopeKey) */
  scopeKey: string;
  tabId?: number;
  frameId: number;
}

/**
 * The site a content port belongs to; 4100 for frames with no origin a grant could name. An opaque
 * origin ("null": a sandboxed frame, a data: or srcdoc document) is refused outright, whatever URL the
 * frame has: its URL may name a site it has no right to speak for.
 */
export function siteOf(sender: Runtime.MessageSender | undefined): Site {
  const reported = (sender as { origin?: string } | undefined)?.origin;
  let url: URL | undefined;
  try {
    // Firefox reports no origin for a content script's port: its frame's URL is then the origin.
    if (reported !== 'null') url = new URL(reported ?? sender?.url ?? '');
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.host) {
    throw new RpcError(ErrorCode.unauthorized, 'XMTP Inbox only serves http(s) pages with an origin of their own (not sandboxed or opaque frames)');
  }
  return { origin: url.origin, scopeKey: appScopeKey(url.origin), tabId: sender?.tab?.id, frameId: sender?.frameId ?? 0 };
}
