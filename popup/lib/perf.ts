// Performance marks read by bench/popup.ts: set just after the browser painted a frame.
const once = new Set<string>();

/** performance.mark(name) after the next paint (a frame callback, then a task after it). */
export function markAfterPaint(name: string, { onlyOnce = false } = {}): void {
  if (onlyOnce) {
    if (once.has(name)) return;
    once.add(name);
  }
  requestAnimationFrame(() => setTimeout(() => performance.mark(name), 0));
}
