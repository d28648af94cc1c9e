// Performance marks read by bench/popup.ts: set just after the browser painted a frame.
const once = new Set<string>();

/** Runs `fn` just after the browser paints the next frame (a frame callback, then a task after it). */
export function afterNextPaint(fn: () => void): void {
  requestAnimationFrame(() => setTimeout(fn, 0));
}

/** performance.mark(name) after the next paint. */
export function markAfterPaint(name: string, { onlyOnce = false } = {}): void {
  if (onlyOnce) {
    if (once.has(name)) return;
    once.add(name);
  }
  afterNextPaint(() => performance.mark(name));
}
