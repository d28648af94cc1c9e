// The first screen's snapshot: what the popup paints first (the status and the first rows of the current
// account's list), kept by the background in storage.session next to the unlocked session's keys. So a
// popup opened after the browser stopped the idle worker paints without opening IndexedDB or decrypting
// anything: one storage.session read gives it the keys and the snapshot together. Like the keys, it
// lives in memory only (never on disk, gone when the browser closes) and lock removes it. The background
// is its only writer; the popup then reads the cache itself and connects for live updates as before.
import type { AppStatus, ConversationView, NameView } from '../views.ts';
import type { StoredSession } from './session-keys.ts';
import { parseListTimeLabels, type ListTimeLabels } from '../time-labels.ts';
import { isAddress } from '../address.ts';

export { FIRST_SCREEN_KEY } from './session-area.ts';
/** Rows in the popup's first page, and so in the snapshot. */
export const FIRST_SCREEN_ROWS = 40;
/** A text preview is cut here: a row shows one line. */
const PREVIEW_CHARS = 280;
/** A row whose last message is bigger than this (an inline attachment) ends the snapshot's rows. */
const ROW_BYTES = 2048;
/** Longer names are not kept (a name the list shows fits in far less). */
const NAME_CHARS = 255;

export interface FirstScreen {
  /** the current account when it was written; the popup shows it only while that account is unlocked */
  account: string;
  status: AppStatus;
  conversations: ConversationView[];
  /** the rows' time labels, made when it was written (so the popup's first paint builds no Intl format) */
  times?: ListTimeLabels;
  /** the rows' peers' cached names (lower-case address → name), without avatars, so the first paint
   *  shows names rather than addresses that turn into names a moment later */
  names?: Record<string, FirstScreenName>;
}

export type FirstScreenName = Pick<NameView, 'address' | 'name' | 'source'>;

/** The names of these rows' peers, as kept in the snapshot: only the fields a row shows, bounded. */
export function firstScreenNames(rows: readonly ConversationView[], names: ReadonlyMap<string, NameView>): Record<string, FirstScreenName> {
  const out: Record<string, FirstScreenName> = {};
  for (const c of rows) {
    const n = names.get(c.peerAddress.toLowerCase());
    if (n && n.name.length <= NAME_CHARS) out[n.address] = { address: n.address, name: n.name, source: n.source };
  }
  return out;
}

/** The first rows of a list, bounded: texts cut to a line's worth, stopping before an oversized row. */
export function firstScreenRows(list: readonly ConversationView[]): ConversationView[] {
  const rows: ConversationView[] = [];
  for (const c of list.slice(0, FIRST_SCREEN_ROWS)) {
    const m = c.lastMessage;
    const row = m && typeof m.content === 'string' && m.content.length > PREVIEW_CHARS ? { ...c, lastMessage: { ...m, content: m.content.slice(0, PREVIEW_CHARS) } } : c;
    if (JSON.stringify(row).length > ROW_BYTES) break;
    rows.push(row);
  }
  return rows;
}

/** The snapshot when it belongs to an account of the session read with it (anything else: none). */
export function parseFirstScreen(v: unknown, session: StoredSession | undefined): FirstScreen | undefined {
  const s = v as Partial<FirstScreen> | undefined;
  if (!session || !s || typeof s !== 'object' || typeof s.account !== 'string' || !Object.hasOwn(session.accounts, s.account)) return undefined;
  if (!s.status || s.status.state !== 'unlocked' || s.status.address !== s.account || !Array.isArray(s.conversations)) return undefined;
  const times = parseListTimeLabels(s.times);
  const names = parseNames(s.names);
  return { account: s.account, status: s.status, conversations: s.conversations, ...(times && { times }), ...(names && { names }) };
}

/** Well-formed names only, at most a page's worth; anything else is dropped (the rows show addresses). */
function parseNames(v: unknown): Record<string, FirstScreenName> | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const out: Record<string, FirstScreenName> = {};
  for (const [address, n] of Object.entries(v).slice(0, FIRST_SCREEN_ROWS)) {
    if (!isAddress(address) || address !== address.toLowerCase() || typeof n !== 'object' || n === null || !('address' in n && 'name' in n && 'source' in n)) continue;
    const { name, source } = n;
    if (n.address !== address || typeof name !== 'string' || !name || name.length > NAME_CHARS) continue;
    if (source !== 'ens' && source !== 'lens') continue;
    out[address] = { address, name, source };
  }
  return out;
}
