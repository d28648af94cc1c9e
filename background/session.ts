// The unlocked session. While unlocked, the vault key and every account's cache keys sit in
// storage.session (memory only, closed to content scripts; format: src/cache/session-keys.ts) so a
// restarted worker stays unlocked and the popup can read the cache on its own; locking removes them.
// The auto-lock compares the last activity with the user's idle timeout.
import type { Caller } from '../src/messages.ts';
import { bytesToHex, hexToBytes } from '../src/xmtp/crypto/bytes.ts';
import type { CacheKeys } from '../src/cache/seal.ts';
import { cacheKeysFrom, parseSession, SESSION_KEY, toStoredAccount, type StoredSession } from '../src/cache/session-keys.ts';
import { FIRST_SCREEN_KEY, type FirstScreen } from '../src/cache/first-screen.ts';
import { ErrorCode, RpcError } from '../src/rpc.ts';
import { platform } from './platform.ts';

/** The slice of `storage.session` this module uses (injected: tests pass a Map-backed fake). */
export interface SessionArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(key: string): Promise<void>;
}

export interface Unlocked {
  /** the password's key: seals the data keys of accounts added while unlocked */
  vaultKey: Uint8Array;
  /** every unlocked account's cache keys */
  keys: Map<string, CacheKeys>;
  lastActive: number;
}

/** Activity is written back at most this often: a busy inbox must not write on every message. */
const TOUCH_EVERY_MS = 30_000;

async function toStored(u: Unlocked): Promise<StoredSession> {
  const accounts: StoredSession['accounts'] = {};
  for (const [address, k] of u.keys) accounts[address] = await toStoredAccount(k);
  return { vault: bytesToHex(u.vaultKey), accounts, lastActive: u.lastActive };
}

async function fromStored(v: unknown): Promise<Unlocked | undefined> {
  const s = parseSession(v);
  if (!s) return undefined;
  const keys = new Map<string, CacheKeys>();
  for (const address of Object.keys(s.accounts)) {
    const k = await cacheKeysFrom(s, address, true);
    if (k) keys.set(address, k);
  }
  return { vaultKey: hexToBytes(s.vault), keys, lastActive: s.lastActive };
}

export class Session {
  private cached: Unlocked | undefined;
  /** bumped whenever the first screen's snapshot is dropped: a snapshot computed before is stale */
  private firstScreenGeneration = 0;

  constructor(
    private readonly area: SessionArea,
    private readonly now: () => number = Date.now,
  ) {}

  async unlock(vaultKey: Uint8Array, keys: Map<string, CacheKeys>): Promise<void> {
    await this.save({ vaultKey, keys, lastActive: this.now() });
  }

  /** Adds an account's keys (or replaces them) in the unlocked session. */
  async setAccount(keys: CacheKeys): Promise<void> {
    const cur = await this.current();
    if (!cur) return;
    await this.save({ ...cur, keys: new Map(cur.keys).set(keys.account, keys) });
  }

  async removeAccount(address: string): Promise<void> {
    await this.dropFirstScreen();
    const cur = await this.current();
    if (!cur?.keys.has(address)) return;
    const keys = new Map(cur.keys);
    keys.delete(address);
    await this.save({ ...cur, keys });
  }

  private async save(u: Unlocked): Promise<void> {
    await this.area.set({ [SESSION_KEY]: await toStored(u) });
    this.cached = u;
  }

  async lock(): Promise<void> {
    this.cached = undefined;
    this.firstScreenGeneration++;
    await Promise.all([this.area.remove(SESSION_KEY), this.area.remove(FIRST_SCREEN_KEY)]);
  }

  /** The generation a snapshot about to be computed belongs to (pass it to setFirstScreen). */
  firstScreenVersion(): number {
    return this.firstScreenGeneration;
  }

  /**
   * Keeps the first screen's snapshot (src/cache/first-screen.ts) unless it was dropped since it was
   * computed, or its account is no longer unlocked. The check and the write start in the same turn, so
   * a lock (which clears `cached` before removing) either prevents the write or removes it after.
   */
  async setFirstScreen(s: FirstScreen, generation: number): Promise<void> {
    await this.current();
    if (generation !== this.firstScreenGeneration || !this.cached?.keys.has(s.account)) return;
    await this.area.set({ [FIRST_SCREEN_KEY]: s });
  }

  /** Before the current account changes or leaves: no popup may paint the old one's rows. */
  async dropFirstScreen(): Promise<void> {
    this.firstScreenGeneration++;
    await this.area.remove(FIRST_SCREEN_KEY);
  }

  /** The vault key and every account's keys, or undefined when locked. */
  async current(): Promise<Unlocked | undefined> {
    this.cached ??= await fromStored((await this.area.get(SESSION_KEY))[SESSION_KEY]);
    return this.cached;
  }

  /** An account's cache keys while unlocked. */
  async keysOf(address: string): Promise<CacheKeys | undefined> {
    return (await this.current())?.keys.get(address);
  }

  /** Records user activity (see isUserActivity), pushing back the auto-lock. */
  async touch(): Promise<void> {
    const cur = await this.current();
    if (!cur) return;
    const now = this.now();
    if (now - cur.lastActive < TOUCH_EVERY_MS) return;
    cur.lastActive = now;
    const stored = parseSession((await this.area.get(SESSION_KEY))[SESSION_KEY]);
    if (stored) await this.area.set({ [SESSION_KEY]: { ...stored, lastActive: now } });
  }

  /** True when the session has been idle longer than the timeout (0 = never lock). */
  async idleFor(lockAfterMinutes: number): Promise<boolean> {
    const cur = await this.current();
    if (!cur || lockAfterMinutes <= 0) return false;
    return this.now() - cur.lastActive >= lockAfterMinutes * 60_000;
  }
}

let session: Session | undefined;
/** The background's session, on the browser's storage.session. */
export function getSession(): Session {
  session ??= new Session(platform().session);
  return session;
}

/** For tests: forget the in-memory session (as a restarted worker would). */
export function resetSession(): void {
  session = undefined;
}

export const lockedError = () => new RpcError(ErrorCode.internal, 'XMTP Inbox is locked', { reason: 'locked' });

/** An unlocked account's cache keys; 'locked' otherwise. */
export async function cacheKeys(account: string): Promise<CacheKeys> {
  const k = await getSession().keysOf(account);
  if (!k) throw lockedError();
  return k;
}

/**
 * Whether a request is the user at work, which pushes back the auto-lock: the popup's requests are.
 * Pages are not (a site polling would keep the inbox open), nor is the prompt window (its heartbeat
 * runs while a site's request waits unanswered, maybe for hours), nor the keep-alive ping.
 */
export function isUserActivity(caller: Caller, method: string): boolean {
  return caller === 'popup' && method !== 'app.ping';
}
