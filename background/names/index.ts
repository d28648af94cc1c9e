// The names service: names for the addresses on screen, and addresses for the names people type.
// - lookup(): answers from the cache at once (a stale entry too), queues what is missing or stale, and
//   publishes the results as they arrive, in batches. Painting never waits for a name.
// - resolve(): a typed name, resolved live (never from the cache: starting a conversation must reach
//   the name's current address).
// Each name system (ENS through the Ethereum RPC, Lens through its API) backs off on its own when its
// service does not answer: lookups then cost nothing until the next attempt, and addresses show.
import type { NameSource, NameView, ResolvedName, Settings } from '../../src/views.ts';
import { ErrorCode, RpcError } from '../../src/rpc.ts';
import { isAddress } from '../../src/address.ts';
import { emit } from '../events.ts';
import { getSettings } from '../settings.ts';
import type { NameRecord } from '../db.ts';
import { clearNames, isFresh, readNames, writeNames } from './cache.ts';
import { loadAvatar, type AvatarFetchOptions } from './avatar.ts';
import { createEnsResolver } from './ens.ts';
import { createLensResolver, isLensHandle } from './lens.ts';
import { NameError, type NameResolver } from './resolver.ts';

/** Addresses waiting for a lookup; beyond this, requests are dropped (they are asked again later). */
const MAX_QUEUE = 2000;
/** Addresses looked up at once: their RPC calls share JSON-RPC batches (ens.ts batches 25 calls). */
const CONCURRENCY = 25;
/** Results are written and published together once this many are ready, or after FLUSH_MS. */
const FLUSH_AT = 25;
const FLUSH_MS = 100;
const BACKOFF_MIN_MS = 5_000;
const BACKOFF_MAX_MS = 5 * 60_000;

/** Exponential back-off for one service: the first failure waits 5 s, then twice as long, up to 5 min. */
export class Backoff {
  private until = 0;
  private delay = BACKOFF_MIN_MS;
  ready(now: number): boolean {
    return now >= this.until;
  }
  retryInMs(now: number): number {
    return Math.max(0, this.until - now);
  }
  ok(): void {
    this.until = 0;
    this.delay = BACKOFF_MIN_MS;
  }
  fail(now: number): void {
    if (now < this.until) return; // lookups that were already under way when it went down
    this.until = now + this.delay;
    this.delay = Math.min(this.delay * 2, BACKOFF_MAX_MS);
  }
}

export interface NamesOptions {
  settings: () => Promise<Settings>;
  /** pushes names as they are looked up (address → name, or null for "has none") */
  publish: (names: Record<string, NameView | null>) => void;
  /** told when the cache was cleared (the name settings changed) */
  cleared?: () => void;
  /** the name systems for these settings, in the order a name is preferred */
  resolvers?: (s: Settings) => NameResolver[];
  avatars?: AvatarFetchOptions;
  now?: () => number;
}

export function resolversFor(s: Settings): NameResolver[] {
  const list: NameResolver[] = [];
  if (s.ensNames && s.ethRpcUrl) list.push(createEnsResolver({ rpcUrl: s.ethRpcUrl, ipfsGateway: s.ipfsGateway }));
  if (s.lensNames && s.lensApiUrl) list.push(createLensResolver({ apiUrl: s.lensApiUrl, ipfsGateway: s.ipfsGateway }));
  return list;
}

/** The settings a name depends on: when one changes, the resolvers are rebuilt and the cache cleared. */
const nameSettings = (s: Settings) => JSON.stringify([s.ensNames, s.ethRpcUrl, s.ipfsGateway, s.lensNames, s.lensApiUrl]);

export class Names {
  private queue = new Set<string>();
  private inFlight = new Set<string>();
  private staged: NameRecord[] = [];
  private writing: Promise<void> = Promise.resolve();
  private writes = 0;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private backoff = new Map<NameSource, Backoff>();
  private built: { key: string; list: NameResolver[] } | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: NamesOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Cached names of these addresses (lower-case keys; null = has none); the rest are looked up. */
  async lookup(addresses: readonly string[]): Promise<Record<string, NameView | null>> {
    const resolvers = await this.resolvers();
    if (!resolvers.length) return {};
    const wanted = [...new Set(addresses.filter(isAddress).map((a) => a.toLowerCase()))];
    const cached = await readNames(wanted);
    const out: Record<string, NameView | null> = {};
    const now = this.now();
    for (const a of wanted) {
      const r = cached.get(a);
      if (r) out[a] = r.name;
      if (!r || !isFresh(r, now)) this.enqueue(a);
    }
    return out;
  }

  /** Cached names of these addresses (lower-case keys; only those that have one), without looking
   *  anything up: the popup's first-screen snapshot. */
  async cached(addresses: readonly string[]): Promise<Map<string, NameView>> {
    const out = new Map<string, NameView>();
    if (!(await this.resolvers()).length) return out;
    const wanted = [...new Set(addresses.filter(isAddress).map((a) => a.toLowerCase()))];
    for (const [a, r] of await readNames(wanted)) if (r.name) out.set(a, r.name);
    return out;
  }

  /** An address's verified name now: the cache while fresh, else a lookup (xmtp_lookupAddress). */
  async lookupNow(address: string): Promise<NameView | null> {
    const a = address.toLowerCase();
    const resolvers = await this.resolvers();
    if (!resolvers.length) throw namesOff();
    const r = (await readNames([a])).get(a);
    if (r && isFresh(r, this.now())) return r.name;
    const { name, complete } = await this.lookupOne(a, resolvers);
    if (!complete && !name) throw unavailable(this.retryInMs(resolvers));
    if (complete) this.stage({ address: a, name, checkedAt: this.now() });
    return name;
  }

  /** A typed name → its address, live. Errors say what a person can do about them. */
  async resolve(input: string): Promise<ResolvedName> {
    const all = await this.resolvers();
    const lens = isLensHandle(input);
    const resolver = all.find((r) => (r.source === 'lens') === lens && r.claims(input));
    if (!resolver) {
      if (lens) throw new RpcError(ErrorCode.internal, 'Lens handles are turned off in Settings. Enter an address instead.', { reason: 'names-off' });
      if (!input.includes('.')) throw new RpcError(ErrorCode.invalidParams, `“${input.trim()}” is neither an address (0x…) nor a name such as alice.eth`, { reason: 'invalid-name' });
      throw namesOff();
    }
    let name: string;
    try {
      name = resolver.normalize(input);
    } catch (e) {
      throw new RpcError(ErrorCode.invalidParams, (e as Error).message, { reason: 'invalid-name' });
    }
    const b = this.backoffOf(resolver.source);
    if (!b.ready(this.now())) throw unavailable(b.retryInMs(this.now()), resolver.source);
    let address: string | null;
    try {
      address = await resolver.resolveName(name);
      b.ok();
    } catch (e) {
      if (e instanceof NameError && e.kind === 'unavailable') {
        b.fail(this.now());
        throw unavailable(0, resolver.source);
      }
      throw e;
    }
    if (!address) throw new RpcError(ErrorCode.invalidParams, `${name} does not point to an address`, { reason: 'name-not-found' });
    return { name, address, source: resolver.source };
  }

  /** Call after settings change: names from another RPC or system are dropped, back-offs reset. */
  async settingsChanged(): Promise<void> {
    const key = nameSettings(await this.opts.settings());
    if (this.built && this.built.key === key) return;
    this.built = undefined;
    this.queue.clear();
    this.backoff.clear();
    this.staged = [];
    await clearNames();
    this.opts.cleared?.();
  }

  /** For tests: resolves once the queue is empty and everything found is written and published. */
  async idle(): Promise<void> {
    while (this.queue.size || this.inFlight.size || this.staged.length || this.flushTimer || this.writes) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private async resolvers(): Promise<NameResolver[]> {
    const s = await this.opts.settings();
    const key = nameSettings(s);
    if (!this.built || this.built.key !== key) this.built = { key, list: (this.opts.resolvers ?? resolversFor)(s) };
    return this.built.list;
  }

  private backoffOf(source: NameSource): Backoff {
    let b = this.backoff.get(source);
    if (!b) this.backoff.set(source, (b = new Backoff()));
    return b;
  }

  private retryInMs(resolvers: NameResolver[]): number {
    return Math.min(...resolvers.map((r) => this.backoffOf(r.source).retryInMs(this.now())));
  }

  private enqueue(address: string): void {
    if (this.queue.has(address) || this.inFlight.has(address) || this.queue.size >= MAX_QUEUE) return;
    this.queue.add(address);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight.size < CONCURRENCY && this.queue.size) {
      const [a] = this.queue;
      this.queue.delete(a);
      this.inFlight.add(a);
      void this.resolvers()
        .then(async (resolvers) => {
          const { name, complete } = await this.lookupOne(a, resolvers);
          // Where a system could not be asked, a name found by another is shown but not kept: the
          // preferred one may have a name too.
          if (complete) this.stage({ address: a, name, checkedAt: this.now() });
          else if (name) this.publish({ [a]: name });
        })
        .catch(() => {}) // an unexpected failure: nothing to show, nothing kept; asked again later
        .finally(() => {
          this.inFlight.delete(a);
          this.pump();
        });
    }
  }

  /** Asks each system in order; `complete` is false when one could not be asked. */
  private async lookupOne(address: string, resolvers: NameResolver[]): Promise<{ name: NameView | null; complete: boolean }> {
    let complete = true;
    for (const r of resolvers) {
      const b = this.backoffOf(r.source);
      if (!b.ready(this.now())) {
        complete = false;
        continue;
      }
      try {
        const found = await r.lookupAddress(address);
        b.ok();
        if (!found) continue;
        const avatar = found.avatarUrl ? await loadAvatar(found.avatarUrl, this.opts.avatars).catch(() => undefined) : undefined;
        return { name: { address, name: found.name, source: r.source, ...(avatar ? { avatar } : {}) }, complete };
      } catch (e) {
        if (e instanceof NameError && e.kind === 'unavailable') b.fail(this.now());
        complete = false;
      }
    }
    return { name: null, complete };
  }

  private stage(r: NameRecord): void {
    this.staged.push(r);
    if (this.staged.length >= FLUSH_AT) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Writes the staged results in one transaction, then publishes them in one event. */
  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.staged;
    this.staged = [];
    if (!batch.length) return;
    this.writes++;
    this.writing = this.writing
      .then(() => writeNames(batch))
      .then(() => this.publish(Object.fromEntries(batch.map((r) => [r.address, r.name]))))
      .catch(() => {}) // storage full or closing: the names show next time they are looked up
      .finally(() => void this.writes--);
  }

  private publish(names: Record<string, NameView | null>): void {
    this.opts.publish(names);
  }
}

function namesOff(): RpcError {
  return new RpcError(ErrorCode.internal, 'Name lookups are turned off in Settings. Enter an address instead.', { reason: 'names-off' });
}

function unavailable(retryInMs: number, source?: NameSource): RpcError {
  const what = source === 'lens' ? 'the Lens API' : source === 'ens' ? 'the Ethereum RPC set in Settings' : 'the name services';
  const when = retryInMs > 0 ? ` Trying again in ${Math.ceil(retryInMs / 1000)} s.` : '';
  return new RpcError(ErrorCode.internal, `Names cannot be looked up right now: no answer from ${what}. Enter an address instead.${when}`, { reason: 'names-unavailable' });
}

let shared: Names | undefined;
const watchers = new Set<() => void>();
const changed = () => watchers.forEach((f) => f());

/** The background's names service: what it finds goes to the popup and the prompt as `names` events. */
export function names(): Names {
  return (shared ??= new Names({
    settings: getSettings,
    publish: (n) => {
      emit('names', { names: n }, ['popup', 'prompt']);
      changed();
    },
    cleared: changed,
  }));
}

/** Calls `f` whenever the cached names change: found, or cleared (the first-screen snapshot keeps them). */
export function onNamesChanged(f: () => void): void {
  watchers.add(f);
}
