// How times read in the UI (the list's `14:05` / `Yesterday` / `4 Mar`, day separators, full dates),
// in local time and the browser's locale. Shared by the popup, which shows them, and the background,
// which makes the first screen's labels ahead (see ListTimeLabels). No DOM, no extension API.

const DAY = 86_400_000;

function startOfDay(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** Whole calendar days between two instants in local time (DST-safe). */
export function daysBetween(from: number, to: number): number {
  return Math.round((startOfDay(to) - startOfDay(from)) / DAY);
}

export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

const fmtCache = new Map<string, Intl.DateTimeFormat>();
function fmt(locale: string | undefined, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale ?? ''}|${JSON.stringify(opts)}`;
  let f = fmtCache.get(key);
  if (!f) fmtCache.set(key, (f = new Intl.DateTimeFormat(locale, opts)));
  return f;
}

export function formatClock(ms: number, locale?: string): string {
  return fmt(locale, { hour: '2-digit', minute: '2-digit' }).format(ms);
}

/** Short time for the conversation list: `14:05`, `Yesterday`, `Mon`, `4 Mar`, `4 Mar 2023`. */
export function formatListTime(ms: number, now: number, locale?: string): string {
  const ahead = locale === undefined ? madeAhead(ms, now) : undefined;
  if (ahead !== undefined) return ahead;
  const days = daysBetween(ms, now);
  if (days <= 0) return formatClock(ms, locale);
  if (days === 1) return 'Yesterday';
  if (days < 7) return fmt(locale, { weekday: 'short' }).format(ms);
  if (new Date(ms).getFullYear() === new Date(now).getFullYear()) return fmt(locale, { day: 'numeric', month: 'short' }).format(ms);
  return fmt(locale, { day: 'numeric', month: 'short', year: 'numeric' }).format(ms);
}

/**
 * Makes the list's date formats ahead of their first use. In a process that has just started (the
 * browser had stopped the idle worker, and with it the extension's process) the first Intl format
 * loads locale data: 10-20 ms of the main thread.
 */
export function prepareListTimes(now = Date.now()): void {
  for (const days of [0, 3, 30, 400]) formatListTime(now - days * DAY, now);
}

/** Day separator in a conversation: `Today`, `Yesterday`, `Monday, 4 March`, `4 March 2023`. */
export function formatDay(ms: number, now: number, locale?: string): string {
  const days = daysBetween(ms, now);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (new Date(ms).getFullYear() === new Date(now).getFullYear()) return fmt(locale, { weekday: 'long', day: 'numeric', month: 'long' }).format(ms);
  return fmt(locale, { day: 'numeric', month: 'long', year: 'numeric' }).format(ms);
}

/** Full date and time, for a title attribute. */
export function formatFull(ms: number, locale?: string): string {
  return fmt(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
}

// ---------------------------------------------------------------- list labels made ahead

/**
 * The list's labels for some instants, made by the background (whose Intl is warm) for the first
 * screen's snapshot: a popup starting in a new process then paints its first rows without building
 * an Intl format (see prepareListTimes). A label depends only on the instant, the local day and time
 * zone it is read on, and the locale, which is the browser's own in every extension process; so the
 * labels are used only on the day and in the zone they were made for.
 */
export interface ListTimeLabels {
  /** dayKey of the day they were made on */
  day: string;
  /** Date#getTimezoneOffset then */
  zone: number;
  /** instant (ms) → label */
  labels: Record<string, string>;
}

export function listTimeLabels(instants: readonly number[], now = Date.now()): ListTimeLabels {
  const labels: Record<string, string> = {};
  for (const ms of instants) labels[ms] = formatListTime(ms, now);
  return { day: dayKey(now), zone: new Date(now).getTimezoneOffset(), labels };
}

/** Labels read from elsewhere (storage), when well formed. */
export function parseListTimeLabels(v: unknown): ListTimeLabels | undefined {
  const t = v as Partial<ListTimeLabels> | undefined;
  if (!t || typeof t !== 'object' || typeof t.day !== 'string' || typeof t.zone !== 'number' || !t.labels || typeof t.labels !== 'object') return undefined;
  const labels: Record<string, string> = {};
  for (const [k, label] of Object.entries(t.labels)) if (/^\d{1,15}$/.test(k) && typeof label === 'string' && label.length <= 40) labels[k] = label;
  return { day: t.day, zone: t.zone, labels };
}

let ahead: { day: string; zone: number; labels: Map<number, string> } | undefined;

/**
 * formatListTime answers from these labels, for the day and zone they were made for (on another day
 * it formats as usual). False when they are not for now: the caller may then prepare the formats.
 */
export function adoptListTimeLabels(t: ListTimeLabels, now = Date.now()): boolean {
  if (!isFor(t, now)) return false;
  ahead = { day: t.day, zone: t.zone, labels: new Map(Object.entries(t.labels).map(([k, label]) => [Number(k), label])) };
  return true;
}

const isFor = (t: { day: string; zone: number }, now: number) => t.day === dayKey(now) && t.zone === new Date(now).getTimezoneOffset();

function madeAhead(ms: number, now: number): string | undefined {
  if (!ahead) return undefined;
  const label = ahead.labels.get(ms);
  return label !== undefined && isFor(ahead, now) ? label : undefined;
}
