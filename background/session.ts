// The unlocked session. While unlocked, the vault key and every account's data keys sit in
// storage.session (memory only, closed to content scripts) so a restarted worker stays unlocked; locking
// removes them. The auto-lock compares the last activity with the user's idle timeout.
import { bytesToHex, hexToBytes } from '../src/xmtp/crypto/bytes.ts';
import { exportKey, importKey } from './keystore.ts';

/** The slice of `storage.session` this module uses (injected: tests pass a Map-backed fake). */
export interface SessionArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(key: string): Promise<void>;
}

/** What storage.session holds (JSON: hex strings). */
interface Stored {
  vault: string;
  /** account address → data key id → key */
  accounts: Record<string, Record<string, string>>;
  lastActive: number;
}

export interface Unlocked {
  /** the password's key: seals the data keys of accounts added while unlocked */
  vaultKey: Uint8Array;
  /** every account's data keys, by id */
  keys: Map<string, Map<number, CryptoKey>>;
  lastActive: number;
}

const KEY = 'unlocked';
/** Activity is written back at most this often: a busy inbox must not write on every message. */
const TOUCH_EVERY_MS = 30_000;
const HEX32 = /^[0-9a-f]{64}$/;

async function toStored(u: Unlocked): Promise<Stored> {
  const accounts: Stored['accounts'] = {};
  for (const [address, keys] of u.keys) {
    accounts[address] = {};
    for (const [id, key] of keys) accounts[address][id] = bytesToHex(await exportKey(key));
  }
  return { vault: bytesToHex(u.vaultKey), accounts, lastActive: u.lastActive };
}

async function fromStored(s: unknown): Promise<Unlocked | undefined> {
  const stored = s as Partial<Stored> | undefined;
  if (!stored || typeof stored.vault !== 'string' || !HEX32.test(stored.vault) || typeof stored.accounts !== 'object' || !stored.accounts) return undefined;
  const keys = new Map<string, Map<number, CryptoKey>>();
  for (const [address, byId] of Object.entries(stored.accounts)) {
    const m = new Map<number, CryptoKey>();
    for (const [id, hex] of Object.entries(byId)) if (HEX32.test(hex)) m.set(Number(id), await importKey(hexToBytes(hex)));
    keys.set(address, m);
  }
  return { vaultKey: hexToBytes(stored.vault), keys, lastActive: Number(stored.lastActive) || 0 };
}

export class Session {
  private cached: Unlocked | undefined;

  constructor(
    private readonly area: SessionArea,
    private readonly now: () => number = Date.now,
  ) {}

  async unlock(vaultKey: Uint8Array, keys: Map<string, Map<number, CryptoKey>>): Promise<void> {
    await this.save({ vaultKey, keys, lastActive: this.now() });
  }

  /** Adds an account's keys (or replaces them) in the unlocked session. */
  async setAccount(address: string, keys: Map<number, CryptoKey>): Promise<void> {
    const cur = await this.current();
    if (!cur) return;
    await this.save({ ...cur, keys: new Map(cur.keys).set(address, keys) });
  }

  async removeAccount(address: string): Promise<void> {
    const cur = await this.current();
    if (!cur?.keys.has(address)) return;
    const keys = new Map(cur.keys);
    keys.delete(address);
    await this.save({ ...cur, keys });
  }

  private async save(u: Unlocked): Promise<void> {
    await this.area.set({ [KEY]: await toStored(u) });
    this.cached = u;
  }

  async lock(): Promise<void> {
    this.cached = undefined;
    await this.area.remove(KEY);
  }

  /** The vault key and every account's data keys, or undefined when locked. */
  async current(): Promise<Unlocked | undefined> {
    this.cached ??= await fromStored((await this.area.get(KEY))[KEY]);
    return this.cached;
  }

  /** An account's data keys while unlocked. */
  async keysOf(address: string): Promise<Map<number, CryptoKey> | undefined> {
    return (await this.current())?.keys.get(address);
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
