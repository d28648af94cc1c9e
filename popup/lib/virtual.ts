// Windowing arithmetic for the virtual lists (pure; tested in virtual.test.ts).

/** offsets[i] = top of item i; offsets[n] = total height. */
export function prefixOffsets(heights: ArrayLike<number>): Float64Array {
  const out = new Float64Array(heights.length + 1);
  for (let i = 0; i < heights.length; i++) out[i + 1] = out[i] + heights[i];
  return out;
}

/** Index of the item that contains y (clamped to [0, n-1]); -1 for an empty list. */
export function indexAt(offsets: Float64Array, y: number): number {
  const n = offsets.length - 1;
  if (n <= 0) return -1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (offsets[mid] <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The slice [start, end) to render for a viewport, with `overscan` px above and below. */
export function visibleRange(offsets: Float64Array, scrollTop: number, viewport: number, overscan: number): { start: number; end: number } {
  const n = offsets.length - 1;
  if (n <= 0) return { start: 0, end: 0 };
  const start = indexAt(offsets, Math.max(0, scrollTop - overscan));
  const end = indexAt(offsets, scrollTop + viewport + overscan) + 1;
  return { start, end: Math.min(n, Math.max(end, start + 1)) };
}

/** The scrollTop that brings item i fully into view, or undefined if it already is. */
export function scrollToReveal(offsets: Float64Array, i: number, scrollTop: number, viewport: number): number | undefined {
  const top = offsets[i];
  const bottom = offsets[i + 1];
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewport) return Math.max(0, bottom - viewport);
  return undefined;
}

/** Keys that move focus between rows. */
export type RowKey = 'ArrowDown' | 'ArrowUp' | 'Home' | 'End' | 'PageDown' | 'PageUp';
export const isRowKey = (key: string): key is RowKey => ['ArrowDown', 'ArrowUp', 'Home', 'End', 'PageDown', 'PageUp'].includes(key);

/**
 * The row a key moves focus to from row i of n (`page` rows for PageUp/PageDown), skipping rows focus
 * cannot land on in the direction of travel; undefined when focus stays where it is.
 */
export function rowAfterKey(key: RowKey, i: number, n: number, page: number, focusable: (i: number) => boolean = () => true): number | undefined {
  const next = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: n - 1, PageDown: i + page, PageUp: i - page }[key];
  let idx = Math.max(0, Math.min(n - 1, next));
  // Home and End look inwards from their end (a conversation's first row is a day separator)
  const step = key === 'Home' ? 1 : key === 'End' ? -1 : idx < i ? -1 : 1;
  while (idx >= 0 && idx < n && !focusable(idx)) idx += step;
  return idx < 0 || idx >= n || idx === i ? undefined : idx;
}
