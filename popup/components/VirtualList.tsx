// A windowed list: only the rows in (and near) the viewport are in the DOM, so a 1,000-conversation
// inbox or a long conversation paints as fast as a short one. Rows may have any height: they start from
// an estimate and are measured after render; the view keeps its place through measurements and
// prepends by anchoring to a row (key + distance from the top of the viewport), or sticks to the
// bottom (chat mode) while the user is there.
import type { ComponentChild, RefObject, TargetedKeyboardEvent } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { indexAt, isRowKey, prefixOffsets, rowAfterKey, scrollToReveal, visibleRange } from '../lib/virtual.ts';
import { afterNextPaint } from '../lib/perf.ts';

export interface VirtualListProps<T> {
  items: readonly T[];
  itemKey: (item: T) => string;
  /** height in px before measurement (or always, with `fixed`) */
  estimate: (item: T) => number;
  /** rows all have exactly `estimate(item)` px: no measuring */
  fixed?: boolean;
  renderItem: (item: T, index: number) => ComponentChild;
  /** chat mode: start at the bottom and follow new rows while scrolled to the bottom */
  stickToBottom?: boolean;
  /** change it to jump to the bottom (e.g. after sending) */
  bottomSignal?: number;
  /** chat mode: open with this row at the top instead of at the bottom (the first unread message) */
  startAtKey?: string;
  /** change `seq` to bring the row `key` to the top of the view (e.g. "jump to the first unread") */
  revealKey?: { key: string; seq: number };
  /** chat mode: told whenever the view arrives at, or leaves, the bottom */
  onAtBottom?: (atBottom: boolean) => void;
  /** told whenever the row `watch.key` goes above the top of the view, or comes back */
  watch?: { key: string; onAbove: (above: boolean) => void };
  /** rows that arrow keys may move focus to (default: every row) */
  focusable?: (item: T) => boolean;
  /** called when the top of the list is near (to load older rows) */
  onNearStart?: () => void;
  /** called once, after the first commit that has rows */
  onFirstRows?: () => void;
  /** accessible name of the list */
  label: string;
  /** id of an element that says how to use the list (keys) */
  describedBy?: string;
  /** ARIA role of each row wrapper; the window gets the matching container role */
  rowRole?: 'listitem' | 'none';
  /** selector, inside a row, of the element that arrow keys move focus to */
  focusSelector?: string;
  class?: string;
  id?: string;
  /** survives unmounting: the list reopens where it was left (not for chat mode) */
  scrollMemory?: { top: number };
  /** viewport height to assume before the first layout */
  initialViewport?: number;
  /** px rendered above and below the view (from the second frame on: the first has only what is in view) */
  overscan?: number;
}

interface Anchor {
  key: string;
  /** offsets[row] - scrollTop */
  delta: number;
}

/** Records a row's rendered height under its key; true when it is new or changed. */
function measure(heights: Map<string, number>, row: Element): boolean {
  if (!(row instanceof HTMLElement)) return false;
  const k = row.dataset.vk;
  const h = row.offsetHeight;
  if (k === undefined || h <= 0 || heights.get(k) === h) return false;
  heights.set(k, h);
  return true;
}

/** Rows that change size after they were measured (an image finished loading, fonts, reactions): measure again. */
function useRowResizes(windowEl: RefObject<HTMLElement | null>, heights: Map<string, number>, enabled: boolean, changed: () => void) {
  const observer = useRef<ResizeObserver | null>(null);
  const observed = useRef(new Set<Element>());
  useLayoutEffect(() => {
    if (!enabled) return;
    const ro = (observer.current ??= new ResizeObserver((entries) => {
      let any = false;
      for (const e of entries) any = measure(heights, e.target) || any;
      if (any) changed();
    }));
    const now = new Set(Array.from(windowEl.current?.children ?? []));
    for (const el of observed.current) if (!now.has(el)) ro.unobserve(el);
    for (const el of now) if (!observed.current.has(el)) ro.observe(el);
    observed.current = now;
  });
  useLayoutEffect(() => () => observer.current?.disconnect(), []);
}

/** The element's client height, followed as it changes; `initial` until it is laid out. */
function useClientHeight(el: RefObject<HTMLElement | null>, initial: number): number {
  const [height, setHeight] = useState(initial);
  useLayoutEffect(() => {
    const target = el.current;
    if (!target) return;
    const update = () => {
      if (target.clientHeight) setHeight(target.clientHeight);
    };
    update();
    const ro = new ResizeObserver(update);
    ro.observe(target);
    return () => ro.disconnect();
  }, []);
  return height;
}

export function VirtualList<T>(props: VirtualListProps<T>) {
  const { items, itemKey, estimate, fixed, stickToBottom } = props;
  // The first frame has only the rows in view: the rows around it would cost the first paint their DOM,
  // style and layout, and nobody sees them yet. They come right after it is painted.
  const [firstPainted, setFirstPainted] = useState(false);
  useEffect(() => afterNextPaint(() => setFirstPainted(true)), []);
  const overscan = firstPainted ? (props.overscan ?? 320) : 0;
  const scroller = useRef<HTMLDivElement>(null);
  const windowEl = useRef<HTMLDivElement>(null);
  const heights = useRef(new Map<string, number>());
  const [version, setVersion] = useState(0);
  const rerender = () => setVersion((v) => v + 1);
  const viewport = useClientHeight(scroller, props.initialViewport ?? 440);
  const atBottom = useRef(!!stickToBottom && !props.startAtKey);
  const anchor = useRef<Anchor | null>(props.startAtKey ? { key: props.startAtKey, delta: 8 } : null);
  /** the scrollTop this component set last: the scroll event it causes is not the person scrolling */
  const setByUs = useRef<number | null>(null);
  const reportedBottom = useRef<boolean | undefined>(undefined);
  const reportedAbove = useRef(false);
  const lastReveal = useRef(props.revealKey?.seq);
  const pendingFocus = useRef<number | null>(null);
  const firstRowsSeen = useRef(false);
  const lastBottomSignal = useRef(props.bottomSignal);
  const range = useRef({ start: 0, end: 0 });
  const mounted = useRef(false);

  if (props.bottomSignal !== lastBottomSignal.current) {
    lastBottomSignal.current = props.bottomSignal;
    atBottom.current = true;
  }
  if (props.revealKey && props.revealKey.seq !== lastReveal.current) {
    lastReveal.current = props.revealKey.seq;
    atBottom.current = false;
    anchor.current = { key: props.revealKey.key, delta: 8 };
  }

  const keys = useMemo(() => items.map(itemKey), [items]);
  const indexOfKey = useMemo(() => new Map(keys.map((k, i) => [k, i])), [keys]);
  const offsets = useMemo(() => {
    const h = new Float64Array(items.length);
    for (let i = 0; i < items.length; i++) h[i] = (!fixed && heights.current.get(keys[i])) || estimate(items[i]);
    return prefixOffsets(h);
  }, [items, version]);
  const total = offsets[items.length];

  const effectiveTop = (): number => {
    const max = Math.max(0, total - viewport);
    if (atBottom.current) return max;
    const a = anchor.current;
    const i = a ? indexOfKey.get(a.key) : undefined;
    if (a && i !== undefined) return Math.min(max, Math.max(0, offsets[i] - a.delta));
    return Math.min(max, mounted.current ? (scroller.current?.scrollTop ?? 0) : (props.scrollMemory?.top ?? 0));
  };
  const top = effectiveTop();
  const { start, end } = visibleRange(offsets, top, viewport, overscan);
  range.current = { start, end };

  const setAnchorFrom = (scrollTop: number) => {
    // at the very top of a list that is not a chat, stay at the top when rows are added above
    if (!items.length || (!stickToBottom && scrollTop <= 0)) return (anchor.current = null);
    const i = indexAt(offsets, scrollTop); // the row at the top of the view
    anchor.current = { key: keys[i], delta: offsets[i] - scrollTop };
  };

  // After every commit: measure rows, restore the scroll position, move focus if asked, report.
  useLayoutEffect(() => {
    const el = scroller.current;
    const win = windowEl.current;
    if (!el || !win) return;
    let changed = false;
    if (!fixed) for (const row of Array.from(win.children)) changed = measure(heights.current, row) || changed;
    const want = top;
    mounted.current = true;
    if (Math.abs(el.scrollTop - want) > 0.5) {
      el.scrollTop = want;
      setByUs.current = el.scrollTop;
    }
    // Opened at a row (or revealed one) and yet at the very bottom: follow new rows from here.
    if (stickToBottom && !atBottom.current && el.scrollTop >= Math.max(0, total - viewport) - 4) atBottom.current = true;
    if (!atBottom.current) setAnchorFrom(el.scrollTop);
    if (stickToBottom && reportedBottom.current !== atBottom.current) {
      reportedBottom.current = atBottom.current;
      props.onAtBottom?.(atBottom.current);
    }
    reportAbove(el.scrollTop);
    if (changed) return rerender();
    if (pendingFocus.current !== null) {
      const idx = pendingFocus.current;
      const row = win.querySelector<HTMLElement>(`[data-vi="${idx}"]`);
      if (row) {
        pendingFocus.current = null;
        const target = (props.focusSelector && row.querySelector<HTMLElement>(props.focusSelector)) || row;
        target.focus();
      }
    }
    if (items.length && !firstRowsSeen.current) {
      firstRowsSeen.current = true;
      props.onFirstRows?.();
    }
    if (props.onNearStart && items.length && start === 0 && !atBottom.current && el.scrollTop < 200) props.onNearStart();
    else if (props.onNearStart && items.length && start === 0 && total <= viewport) props.onNearStart();
  });

  useRowResizes(windowEl, heights.current, !fixed, rerender);

  const reportAbove = (scrollTop: number) => {
    const w = props.watch;
    const i = w && indexOfKey.get(w.key);
    const above = i !== undefined && offsets[i + 1] <= scrollTop;
    if (w && above !== reportedAbove.current) {
      reportedAbove.current = above;
      w.onAbove(above);
    }
  };

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    reportAbove(el.scrollTop);
    const max = Math.max(0, total - viewport);
    const bottom = el.scrollTop >= max - 4;
    const wasBottom = atBottom.current;
    if (props.scrollMemory) props.scrollMemory.top = el.scrollTop;
    // A scroll this component made (following rows that grew, an image that loaded) keeps the bottom
    // state; only the person scrolling changes it.
    const ours = setByUs.current !== null && Math.abs(el.scrollTop - setByUs.current) < 1;
    setByUs.current = null;
    if (!ours) atBottom.current = !!stickToBottom && bottom;
    setAnchorFrom(el.scrollTop);
    const r = visibleRange(offsets, el.scrollTop, viewport, overscan);
    // re-render only when the window must move (or to pick up bottom state / loading older rows)
    if (r.start < range.current.start || r.end > range.current.end || wasBottom !== atBottom.current || (r.start === 0 && props.onNearStart)) rerender();
  };

  const onKeyDown = (e: TargetedKeyboardEvent<HTMLDivElement>) => {
    const target = e.target;
    if (!isRowKey(e.key) || !(target instanceof HTMLElement) || !props.focusSelector) return;
    if (target.closest('textarea,input,select,[role="menu"]')) return;
    const row = target.closest<HTMLElement>('[data-vi]');
    if (!row) return;
    const i = Number(row.dataset.vi);
    const page = Math.max(1, Math.floor(viewport / (offsets[i + 1] - offsets[i] || 60)) - 1);
    const focusable = props.focusable;
    const idx = rowAfterKey(e.key, i, items.length, page, focusable && ((j) => focusable(items[j])));
    if (idx === undefined) return;
    e.preventDefault();
    const el = scroller.current!;
    const reveal = scrollToReveal(offsets, idx, el.scrollTop, viewport);
    pendingFocus.current = idx;
    if (reveal !== undefined) {
      atBottom.current = !!stickToBottom && reveal >= total - viewport - 4;
      el.scrollTop = reveal;
      setAnchorFrom(reveal);
    }
    rerender();
  };

  const rows: ComponentChild[] = [];
  for (let i = start; i < end; i++) {
    const item = items[i];
    rows.push(
      <div
        key={keys[i]}
        data-vk={keys[i]}
        data-vi={i}
        class="vrow"
        role={props.rowRole ?? 'listitem'}
        aria-setsize={props.rowRole === 'none' ? undefined : items.length}
        aria-posinset={props.rowRole === 'none' ? undefined : i + 1}
        style={fixed ? { height: `${estimate(item)}px` } : undefined}
      >
        {props.renderItem(item, i)}
      </div>,
    );
  }

  return (
    <div ref={scroller} id={props.id} class={`vlist ${props.class ?? ''}`} onScroll={onScroll} onKeyDown={onKeyDown}>
      <div class="vspace" style={{ height: `${total}px` }}>
        <div
          ref={windowEl}
          class="vwindow"
          role={props.rowRole === 'none' ? undefined : 'list'}
          aria-label={props.label}
          aria-describedby={props.describedBy}
          style={{ transform: `translateY(${offsets[start] ?? 0}px)` }}
        >
          {rows}
        </div>
      </div>
    </div>
  );
}
