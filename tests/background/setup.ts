// Runs the background's logic under Node: a fresh fake IndexedDB per test, an in-memory platform
// (storage.session, badge, notifications), the build-time constants, and a real node to talk to.
import 'fake-indexeddb/auto';
import { after, before } from 'node:test';
import { startNode, type XmtpNode } from '../../server/node.ts';
import { IDBFactory } from 'fake-indexeddb';
import { resetDbHandle } from '../../background/db.ts';
import { forgetCachedSettings, updateSettings } from '../../background/settings.ts';
import { setPlatform, type Platform } from '../../background/platform.ts';
import { dropClient, resetSession } from '../../background/xmtp-session.ts';

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
