// Whether the node answers, and which node of the current account's list is in use, learnt from what
// the background does anyway (the live connection, sends, syncs), never by polling. The popup shows an
// offline banner and the node in use from it, and the node coming back is what makes the outbox send
// at once instead of waiting out its backoff. With several nodes, "offline" means none of them answers:
// a request fails over to the next node before any error reaches here.
import type { ConnectionView, NodeInUseView } from '../src/views.ts';
import { ApiError } from '../src/xmtp/api/types.ts';
import { isUnreachable } from '../src/xmtp/api/failover.ts';

let view: ConnectionView = { online: true, since: Date.now() };
const listeners: ((v: ConnectionView) => void)[] = [];

export function connection(): ConnectionView {
  return view;
}

/** Runs on every change (offline → online and back, another node in use); not on repeated reports of the same state. */
export function onConnectionChange(fn: (v: ConnectionView) => void): void {
  listeners.push(fn);
}

function set(next: ConnectionView): void {
  view = next;
  for (const fn of listeners) fn(view);
}

/** The node answered a request or the live connection opened. */
export function nodeAnswered(): void {
  if (view.online) return;
  const { detail: _, ...rest } = view;
  set({ ...rest, online: true, since: Date.now() });
}

/** Reports `e` if it says the node could not be reached (not a refusal, which is an answer). */
export function noteNetworkError(e: unknown): void {
  if (!isUnreachable(e)) return;
  const detail = technicalDetail(e);
  if (view.online) set({ ...view, online: false, since: Date.now(), detail });
  else if (view.detail !== detail) view = { ...view, detail };
}

/** The node list whose node in use the view shows: the current account's. */
let watched: object | undefined;

/** Shows the node in use of `list` (the current account's nodes) from now on. */
export function watchNodes(list: object, node: NodeInUseView): void {
  watched = list;
  if (JSON.stringify(view.node) !== JSON.stringify(node)) set({ ...view, node });
}

/** Another node of `list` came into use; shown if it is the watched list. */
export function nodeSwitched(list: object, node: NodeInUseView): void {
  if (list === watched) set({ ...view, node });
}

/** The developer text of an error, for the "details" a person can open. */
export function technicalDetail(e: unknown): string {
  if (e instanceof ApiError) return [e.message, e.status !== undefined && `HTTP ${e.status}`, e.grpcCode !== undefined && `code ${e.grpcCode}`].filter(Boolean).join(' · ');
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

/** For tests: back to "online", no node known. */
export function resetConnection(): void {
  view = { online: true, since: Date.now() };
  watched = undefined;
}
