// Names of the addresses on screen (ENS, Lens), as the background knows them: cached ones come back
// at once, the rest arrive later as `names` events. Nothing waits for a name: screens show the address
// until one is known, then re-render with it.
import { nextPaint, useStore, Store, type Bg } from './state.ts';
import type { NameView } from '../src/views.ts';

/** The most addresses one `names.lookup` asks about (its params allow 1,000). */
const CHUNK = 200;

export class NameBook {
  /** lower-case address → name (null: has none); a new Map on every change */
  readonly store = new Store<ReadonlyMap<string, NameView | null>>(new Map());
  private asked = new Set<string>();
  private pending = new Set<string>();
  private scheduled = false;

  /** `yieldTo`: resolves when the background is free for names (after what the person waits on). */
  constructor(
    private readonly bg: Bg,
    private readonly yieldTo: () => Promise<void> = async () => {},
  ) {
    bg.on('names', ({ names }) => this.merge(names));
    // The background restarted: names looked up meanwhile were announced to nobody. Ask again.
    bg.on('reconnect', () => {
      const known = [...this.asked];
      this.asked.clear();
      this.want(known);
    });
  }

  get(address: string | undefined): NameView | null | undefined {
    return address ? this.store.get().get(address.toLowerCase()) : undefined;
  }

  /** Asks for the names of these addresses (each once per popup); asks made in one task go together. */
  want(addresses: Iterable<string>): void {
    for (const a of addresses) {
      const k = a.toLowerCase();
      if (this.asked.has(k)) continue;
      this.asked.add(k);
      this.pending.add(k);
    }
    if (!this.pending.size || this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => void this.send(), 0);
  }

  /** Names known before the background answers (the first screen's snapshot): shown at once, and
   *  still asked for, which brings their avatars and any newer name. */
  seed(names: Record<string, NameView>): void {
    this.merge(names);
  }

  private async send(): Promise<void> {
    // What is on screen paints first, with addresses; names follow it.
    await nextPaint();
    this.scheduled = false;
    const all = [...this.pending];
    this.pending.clear();
    for (let i = 0; i < all.length; i += CHUNK) {
      try {
        await this.yieldTo();
        this.merge(await this.bg.call('names.lookup', { addresses: all.slice(i, i + CHUNK) }));
      } catch {
        // locked, or the background is restarting: the addresses stay on screen; asked again on reconnect
      }
    }
  }

  private merge(names: Record<string, NameView | null>): void {
    const entries = Object.entries(names);
    if (!entries.length) return;
    const next = new Map(this.store.get());
    for (const [a, n] of entries) next.set(a.toLowerCase(), n);
    this.store.set(next);
  }
}

/** The name of an address, re-rendering when it arrives (undefined: none known, or no address). */
export function useName(book: NameBook, address: string | undefined): NameView | undefined {
  const map = useStore(book.store);
  return (address && map.get(address.toLowerCase())) || undefined;
}
