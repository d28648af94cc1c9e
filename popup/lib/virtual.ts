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
