// The nodes an account talks to (Settings › Nodes), used as one network: a FailoverTransport
// (src/xmtp/api/failover.ts) over, for each node, HTTP requests and the live transport that prefers
// the node's WebSocket. One per distinct list, shared by every account with that list (and by the
// lookups before onboarding), so they agree on the node in use; connection.ts shows it to the popup.
//
// Failing over: a request or live stream that finds the node in use unreachable (no connection,
// 502–504, or no answer within REQUEST_TIMEOUT_MS) goes on at the next node of the list; the live
// subscription reopens there and catches up from its positions (background/sync.ts), and the outbox
// sends what waited. Going back: while a later node is in use, the first one is tried again by the
// first request due after a minute (the background's minute alarm makes one); once it answers, requests
// and the live stream move back to it.
import type { NodeInUseView } from '../src/views.ts';
import { FailoverTransport } from '../src/xmtp/api/failover.ts';
import { HttpTransport } from '../src/xmtp/api/http-transport.ts';
import { WebSocketTransport, type WsTransportOptions } from '../src/xmtp/api/ws-transport.ts';
import type { Envelope, StreamConnection, SubscribeTransport } from '../src/xmtp/api/types.ts';
import { nodeSwitched, watchNodes } from './connection.ts';
import { platform } from './platform.ts';

/** A node that accepts the connection and never answers is left after this long. */
const REQUEST_TIMEOUT_MS = 30_000;
/** Distinct lists kept (accounts rarely have different ones; a changed list leaves its old one behind). */
const MAX_LISTS = 8;

export interface NodeTransports {
  unary: HttpTransport;
  subscribe: PreferWebSocket;
}
export type Nodes = FailoverTransport<NodeTransports>;

const lists = new Map<string, Nodes>();
const shown = new WeakMap<Nodes, NodeInUseView>();

/** The shared transport of a node list. */
export function nodesFor(urls: readonly string[]): Nodes {
  const key = urls.join('\n');
  const known = lists.get(key);
  if (known) return known;
  const nodes: Nodes = new FailoverTransport({
    urls,
    connect: (url) => ({
      unary: new HttpTransport({ apiUrl: url, timeoutMs: REQUEST_TIMEOUT_MS }),
      subscribe: new PreferWebSocket(url, { onKeepAlive: () => platform().keepAwake?.('keepalive') }),
    }),
    onSwitch: (url, from, reason) => {
      const index = urls.indexOf(url);
      const view: NodeInUseView = index === 0 ? { url, index } : { url, index, failover: { from, at: Date.now(), reason: reason || 'no answer' } };
      shown.set(nodes, view);
      nodeSwitched(nodes, view);
    },
  });
  lists.set(key, nodes);
  if (lists.size > MAX_LISTS) lists.delete(lists.keys().next().value!);
  return nodes;
}

/** Which node of the list is in use, and why when it is not the first. */
export function nodeInUse(nodes: Nodes): NodeInUseView {
  return shown.get(nodes) ?? { url: nodes.current, index: nodes.currentIndex };
}

/** The popup shows the node in use of this list (the current account's) from now on. */
export function showCurrentNodes(urls: readonly string[]): void {
  const nodes = nodesFor(urls);
  watchNodes(nodes, nodeInUse(nodes));
}

/** For tests: forget every list (as a restarted worker would). */
export function forgetNodeLists(): void {
  lists.clear();
}

/**
 * Live subscriptions over the node's WebSocket endpoint when it has one (application-level pings
 * every 20 s keep a Chrome service worker alive; `onKeepAlive` lets a Firefox event page count them),
 * over the HTTP stream otherwise. A node whose WebSocket never worked
 * is assumed not to offer one; once it has worked, a failure is an outage, and the subscription's
 * own reconnect logic handles it.
 */
export class PreferWebSocket implements SubscribeTransport {
  private mode: 'unknown' | 'ws' | 'http' = 'unknown';
  private readonly http: HttpTransport;
  private readonly ws: WebSocketTransport | undefined;

  constructor(apiUrl: string, opts: Omit<WsTransportOptions, 'apiUrl'> = {}) {
    this.http = new HttpTransport({ apiUrl });
    try {
      this.ws = new WebSocketTransport({ apiUrl, ...opts });
    } catch {
      this.mode = 'http'; // no WebSocket in this environment
    }
  }

  get usingWebSocket(): boolean {
    return this.mode === 'ws';
  }

  openStream(topics: string[], onEnvelope: (envelope: Envelope) => void): StreamConnection {
    if (this.mode === 'http' || !this.ws) return this.http.openStream(topics, onEnvelope);
    let current = this.ws.openStream(topics, onEnvelope);
    current.closed.catch(() => {}); // a failed WebSocket is answered below (fallback or reconnect)
    const ready = current.ready.then(
      () => {
        this.mode = 'ws';
      },
      async (e) => {
        if (this.mode === 'ws') throw e;
        current = this.http.openStream(topics, onEnvelope);
        await current.ready;
        this.mode = 'http';
      },
    );
    ready.catch(() => {});
    const closed = ready.then(() => current.closed);
    closed.catch(() => {});
    const conn: StreamConnection = {
      ready,
      closed,
      close: () => current.close(),
    };
    // Only a WebSocket connection can change its topics in place; without `setTopics` the
    // subscription reconnects with the new set instead.
    Object.defineProperty(conn, 'setTopics', {
      get: () => (current.setTopics ? (t: string[]) => current.setTopics!(t) : undefined),
    });
    return conn;
  }
}
