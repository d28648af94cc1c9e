// Whether the node answers, learnt from what the background does anyway (the live connection, sends,
// syncs), never by polling. The popup shows an offline banner from it, and the node coming back is
// what makes the outbox send at once instead of waiting out its backoff.
import type { ConnectionView } from '../src/views.ts';
import { ApiError } from '../src/xmtp/api/types.ts';

let view: ConnectionView = { online: true, since: Date.now() };
const listeners: ((v: ConnectionView) => void)[] = [];

export function connection(): ConnectionView {
  return view;
}

/** Runs on every change (offline → online and back); not on repeated reports of the same state. */
export function onConnectionChange(fn: (v: ConnectionView) => void): void {
  listeners.push(fn);
}

function set(next: ConnectionView): void {
  view = next;
  for (const fn of listeners) fn(view);
}

/** The node answered a request or the live connection opened. */
export function nodeAnswered(): void {
  if (!view.online) set({ online: true, since: Date.now() });
}

/** Reports `e` if it says the node could not be reached (not a refusal, which is an answer). */
export function noteNetworkError(e: unknown): void {
  if (!isUnreachable(e)) return;
  const detail = technicalDetail(e);
  if (view.online) set({ online: false, since: Date.now(), detail });
  else if (view.detail !== detail) view = { ...view, detail };
}

/** No answer at all (fetch failed, socket closed, gateway down), as opposed to an answer that refuses. */
export function isUnreachable(e: unknown): boolean {
  if (e instanceof ApiError) return e.status === undefined || e.status === 502 || e.status === 503 || e.status === 504;
  return e instanceof TypeError || (e instanceof DOMException && (e.name === 'TimeoutError' || e.name === 'NetworkError'));
}

/** The developer text of an error, for the "details" a person can open. */
export function technicalDetail(e: unknown): string {
  if (e instanceof ApiError) return [e.message, e.status !== undefined && `HTTP ${e.status}`, e.grpcCode !== undefined && `code ${e.grpcCode}`].filter(Boolean).join(' · ');
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

/** For tests: back to "online". */
export function resetConnection(): void {
  view = { online: true, since: Date.now() };
}
