// Runs the background's logic under Node: a fresh fake IndexedDB per test, an in-memory platform
// (storage.session, badge, notifications), the build-time constants, and a real node to talk to.
import 'fake-indexeddb/auto';
import { after, before } from 'node:test';
import { startNode, type XmtpNode } from '../../server/node.ts';
import { IDBFactory } from 'fake-indexeddb';
import { db, resetDbHandle } from '../../background/db.ts';
import { reasonOf } from '../../src/rpc.ts';
import { bytesToHex } from '../../src/xmtp/crypto/bytes.ts';
import { forgetCachedSettings, updateSettings } from '../../background/settings.ts';
import { setPlatform, type Platform } from '../../background/platform.ts';
import { dropClient, getSession, resetSession } from '../../background/xmtp-session.ts';
import { importIndexKey, type CacheKeys } from '../../src/cache/seal.ts';

Object.assign(globalThis, { __VERSION__: '0.0.0-test', __TARGET__: 'chrome', __DEV__: true });

/** A fresh profile: empty IndexedDB, empty storage.session, node URL pointing at `nodeUrl`, names off. */
export async function freshBackground(nodeUrl: string) {
  globalThis.indexedDB = new IDBFactory();
  resetDbHandle();
  forgetCachedSettings();
  dropClient();
  resetSession();
  const platform = memoryPlatform();
  setPlatform(platform);
  // Names off: the default RPC is a public endpoint, and tests talk to 127.0.0.1 only (names tests
  // point it at a local chain).
  await updateSettings({ nodeUrl, ensNames: false }, async () => {});
  return platform;
}

/** The same profile after the worker was stopped: IndexedDB and storage.session survive, memory does not. */
export function restartWorker() {
  resetDbHandle();
  forgetCachedSettings();
  dropClient();
  resetSession();
}

export const PASSWORD = 'correct horse battery';
/** A 32-byte private key made of one repeated byte: a distinct, reproducible wallet per number. */
export const walletKey = (n: number) => '0x' + n.toString(16).padStart(2, '0').repeat(32);

/** An in-memory node for one test file: started before its tests, closed after them. */
export function memoryNode(): { readonly url: string } {
  let node: XmtpNode | undefined;
  before(async () => {
    node = await startNode({ port: 0, db: ':memory:', logLevel: 'error', rateLimits: false });
  });
  after(() => node?.close());
  return {
    get url() {
      if (!node) throw new Error('the test node is not running');
      return node.url;
    },
  };
}

/** The background's browser services in memory: storage.session in a Map, badge and notifications recorded. */
export function memoryPlatform(): Platform & { badge: string; notifications: { id: string; title: string; message: string; icon?: string }[]; popup: boolean } {
  const data = new Map<string, unknown>();
  const p = {
    badge: '',
    notifications: [] as { id: string; title: string; message: string; icon?: string }[],
    popup: false,
    session: {
      get: async (k: string) => (data.has(k) ? { [k]: structuredClone(data.get(k)) } : {}),
      set: async (items: Record<string, unknown>) => void Object.entries(items).forEach(([k, v]) => data.set(k, structuredClone(v))),
      remove: async (k: string) => void data.delete(k),
    },
    async setBadge(text: string) {
      p.badge = text;
    },
    async notify(id: string, title: string, message: string, icon?: string) {
      p.notifications.push({ id, title, message, ...(icon ? { icon } : {}) });
    },
    popupOpen: () => p.popup,
  };
  return p;
}

/** Random cache keys for an account (data key 1, an index key), as an unlock would put in the session. */
export async function testCacheKeys(account: string): Promise<CacheKeys> {
  const data = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), { name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  return { account, current: 1, keys: new Map([[1, data]]), index: await importIndexKey(crypto.getRandomValues(new Uint8Array(32)), true) };
}

/** An empty profile whose session holds keys for these accounts (no account records: for the stores alone). */
export async function unlockedStores(accounts: string[]): Promise<void> {
  globalThis.indexedDB = new IDBFactory();
  resetDbHandle();
  resetSession();
  setPlatform(memoryPlatform());
  await getSession().unlock(new Uint8Array(32), new Map(await Promise.all(accounts.map(async (a) => [a, await testCacheKeys(a)] as const))));
}

/** Every record of every store (and the meta keys), as text, for "nothing of X is left" checks. */
export async function everything(): Promise<string> {
  const d = await db();
  const out: unknown[] = [];
  for (const name of d.objectStoreNames) {
    out.push(name, await d.getAllKeys(name), await d.getAll(name));
  }
  return JSON.stringify(out, (_, v) => (typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? bytesToHex(v) : v)).toLowerCase();
}

/** How a promise ends: 'ok', or its error's data.reason (else the error itself, as text). */
export async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return reasonOf(e) ?? String(e);
  }
}
