// Who is asking: the site behind a content port, taken only from what the browser reports about the
// port's sender (its frame's URL / origin), never from anything the page sends. A page in an iframe
// is its own site: its frame has its own sender.
import type { Runtime } from 'webextension-polyfill';
import { ErrorCode, RpcError } from '../../src/rpc.ts';

export interface Site {
  /** scheme://host[:port], lower case, as the browser reports the frame */
  origin: string;
  /** host[:port]: the prefix `app` scope conversations carry */
  host: string;
  tabId?: number;
  frameId: number;
}

/** The site a content port belongs to; 4100 for frames with no origin a grant could name. */
export function siteOf(sender: Runtime.MessageSender | undefined): Site {
  const reported = (sender as { origin?: string } | undefined)?.origin;
  let url: URL | undefined;
  try {
    url = new URL(reported && reported !== 'null' ? reported : (sender?.url ?? ''));
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.host) {
    throw new RpcError(ErrorCode.unauthorized, 'XMTP Inbox only serves http(s) pages with an origin of their own (not sandboxed or opaque frames)');
  }
  return { origin: url.origin, host: url.host, tabId: sender?.tab?.id, frameId: sender?.frameId ?? 0 };
}
