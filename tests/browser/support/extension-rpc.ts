// Talking to the background from an extension page the way the popup does, and reading its IndexedDB,
// in the page itself (same code under playwright-core and puppeteer-core, via inPage()).
import { inPage } from './in-page.ts';

interface Evaluator {
  evaluate(expression: string): Promise<unknown>;
}

export interface RpcFailure {
  code: number;
  message: string;
  data?: { reason?: string };
}

/** One catalogue request over a fresh runtime.Port named `port` (default 'popup'). */
export async function rpc<T = unknown>(page: Evaluator, method: string, params?: unknown, port = 'popup'): Promise<T> {
  const r = (await page.evaluate(
    inPage(
      ({ method, params, port }) =>
        new Promise((resolve) => {
          const api = (globalThis as any).browser ?? (globalThis as any).chrome;
          const p = api.runtime.connect({ name: port });
          p.onMessage.addListener((m: any) => {
            if (m.id !== 1) return;
            p.disconnect();
            resolve(m);
          });
          p.onDisconnect.addListener(() => resolve({ error: { code: 4900, message: 'disconnected' } }));
          p.postMessage({ id: 1, method, params });
        }),
      { method, params, port },
    ),
  )) as { result?: T; error?: RpcFailure };
  if (r.error) throw Object.assign(new Error(r.error.message), r.error);
  return r.result as T;
}

export interface StoredMessage {
  id: string;
  conversation: string;
  senderAddress: string;
  content: unknown;
  status: string;
  localId?: string;
}

/**
 * Every message in the extension's IndexedDB cache, opened in the page (same origin) with the keys the
 * unlocked session keeps in storage.session: the sealed row format (src/cache/seal.ts), read here
 * independently of the extension's code.
 */
export async function storedMessages(page: Evaluator): Promise<StoredMessage[]> {
  return (await page.evaluate(
    inPage(async () => {
      const api = (globalThis as any).browser ?? (globalThis as any).chrome;
      const session = (await api.storage.session.get('unlocked')).unlocked;
      if (!session) return [];
      const bytes = (hex: string) => new Uint8Array(hex.match(/../g)!.map((h) => parseInt(h, 16)));
      const db: IDBDatabase = await new Promise((resolve, reject) => {
        const req = indexedDB.open('xmtp-inbox');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => resolve(req.result);
      });
      if (!db.objectStoreNames.contains('messages')) return [];
      const rows: any[] = await new Promise((resolve) => {
        const all = db.transaction('messages').objectStore('messages').getAll();
        all.onsuccess = () => resolve(all.result);
      });
      db.close();
      const out = [];
      for (const row of rows) {
        const keyHex = session.accounts[row.account]?.keys[row.k];
        if (!keyHex) continue;
        const key = await crypto.subtle.importKey('raw', bytes(keyHex), 'AES-GCM', false, ['decrypt']);
        const aad = new TextEncoder().encode(`xmtp-inbox/cache/v1/${row.account}/messages/${row.id}`);
        const plain = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: row.box.iv, additionalData: aad }, key, row.box.ciphertext));
        const n = new DataView(plain.buffer).getUint32(0);
        const m = JSON.parse(new TextDecoder().decode(plain.subarray(4, 4 + n)));
        out.push({ id: m.id, conversation: m.conversation, senderAddress: m.senderAddress, content: m.content, status: m.status, localId: m.localId });
      }
      return out;
    }),
  )) as StoredMessage[];
}

/** Fires the background's minute alarm now (what the browser does every minute, worker asleep or not). */
export async function fireTickAlarm(page: Evaluator): Promise<void> {
  await page.evaluate(
    inPage(async () => {
      const api = (globalThis as any).browser ?? (globalThis as any).chrome;
      await api.alarms.create('xmtp-inbox-tick', { when: Date.now() + 50, periodInMinutes: 1 });
    }),
  );
}

export async function badgeText(page: Evaluator): Promise<string> {
  return (await page.evaluate(
    inPage(async () => {
      const api = (globalThis as any).browser ?? (globalThis as any).chrome;
      return api.action.getBadgeText({});
    }),
  )) as string;
}

type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(fn: () => Promise<T>, what: string, timeoutMs = 20_000): Promise<Truthy<T>> {
  const t0 = Date.now();
  let last: T | undefined;
  while (Date.now() - t0 < timeoutMs) {
    last = await fn();
    if (last) return last as Truthy<T>;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)?.slice(0, 300)})`);
}

/**
 * Everything the extension keeps where its pages can read it, as lower-case text: every record and key
 * of every IndexedDB store (bytes as hex), storage.local and (unless `atRest`) storage.session, which
 * lives in memory only and holds the unlocked session's keys and first screen. For "no record of X"
 * checks (everything) and "sealed at rest" checks (atRest).
 */
export async function everythingStored(page: Evaluator, { atRest = false } = {}): Promise<string> {
  return (await page.evaluate(
    inPage(async (atRest: boolean) => {
      const api = (globalThis as any).browser ?? (globalThis as any).chrome;
      const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
      const text = (v: unknown) =>
        JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x instanceof Uint8Array ? hex(x) : x instanceof ArrayBuffer ? hex(new Uint8Array(x)) : x));
      const db: IDBDatabase = await new Promise((resolve, reject) => {
        const r = indexedDB.open('xmtp-inbox');
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const out: string[] = [];
      for (const name of Array.from(db.objectStoreNames)) {
        const store = db.transaction(name).objectStore(name);
        const [keys, values] = await Promise.all(
          [store.getAllKeys(), store.getAll()].map((req) => new Promise<unknown>((resolve) => (req.onsuccess = () => resolve(req.result)))),
        );
        out.push(name, text(keys), text(values));
      }
      db.close();
      out.push(text(await api.storage.local.get(null)));
      if (!atRest) out.push(text(await api.storage.session.get(null)));
      return out.join('\n').toLowerCase();
    }, atRest),
  )) as string;
}
