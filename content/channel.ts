// The window.postMessage channel between the inpage script (page's main world) and the content script
// (isolated world) of the same frame. Every frame carries this tag and a direction, so the two scripts
// ignore each other's echoes and every other postMessage traffic on the page.
export const CHANNEL = 'xmtp-inbox-provider';

export interface ToContent {
  channel: typeof CHANNEL;
  dir: 'to-content';
  id: number;
  method: string;
  params?: unknown;
}
export type ToPage = { channel: typeof CHANNEL; dir: 'to-page' } & (
  | { id: number; result: unknown }
  | { id: number; error: { code: number; message: string; data?: unknown } }
  | { event: string; data: unknown }
);

export function isToContent(v: unknown): v is ToContent {
  const m = v as ToContent;
  return typeof m === 'object' && m !== null && m.channel === CHANNEL && m.dir === 'to-content' && Number.isSafeInteger(m.id) && typeof m.method === 'string';
}
export function isToPage(v: unknown): v is ToPage {
  const m = v as ToPage;
  return typeof m === 'object' && m !== null && m.channel === CHANNEL && m.dir === 'to-page';
}
