// The unlocked session. While unlocked, the password-derived key sits in storage.session (memory only,
// not readable by content scripts) so a restarted worker stays unlocked; locking removes it. The
// auto-lock compares the last activity with the user's idle timeout.
import { exportKey, importKey } from './keystore.ts';

/** The slice of `storage.session` this module uses (injected: tests pass a Map-backed fake). */
export interface SessionArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(key: string): Promise<void>;
}

interface Stored {
  account: string;
  key: number[];
  lastActive: number;
}

const KEY = 'unlocked';
/** Activity is written back at most this often: a busy inbox must not write on every message. */
const TOUCH_EVERY_MS = 30_000;

export class Session {
  private cached: { account: string; key: CryptoKey; lastActive: number } | undefined;

  constructor(
    private readonly area: SessionArea,
    private readonly now: () => number = Date.now,
  ) {}

  async unlock(account: string, key: CryptoKey): Promise<void> {
    const lastActive = this.now();
    const stored: Stored = { account, key: [...(await exportKey(key))], lastActive };
    await this.area.set({ [KEY]: stored });
    this.cached = { account, key, lastActive };
  }

  async lock(): Promise<void> {
    this.cached = undefined;
    await this.area.remove(KEY);
  }

  /** The unlocked account and its key, or undefined when locked. */
  async current(): Promise<{ account: string; key: CryptoKey; lastActive: number } | undefined> {
    if (this.cached) return this.cached;
    const stored = (await this.area.get(KEY))[KEY] as Stored | undefined;
    if (!stored || !Array.isArray(stored.key) || stored.key.length !== 32) return undefined;
    this.cached = { account: stored.account, key: await importKey(Uint8Array.from(stored.key)), lastActive: stored.lastActive };
    return this.cached;
  }

  /** Records user activity (popup use, a site request), pushing back the auto-lock. */
  async touch(): Promise<void> {
    const cur = await this.current();
    if (!cur) return;
    const now = this.now();
    if (now - cur.lastActive < TOUCH_EVERY_MS) return;
    cur.lastActive = now;
    const stored = (await this.area.get(KEY))[KEY] as Stored | undefined;
    if (stored) await this.area.set({ [KEY]: { ...stored, lastActive: now } });
  }

  /** True when the session has been idle longer than the timeout (0 = never lock). */
  async idleFor(lockAfterMinutes: number): Promise<boolean> {
    const cur = await this.current();
    if (!cur || lockAfterMinutes <= 0) return false;
    return this.now() - cur.lastActive >= lockAfterMinutes * 60_000;
  }
}
