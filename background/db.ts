// The extension's IndexedDB: everything the background needs to resume after a restart. Schema changes
// are versioned upgrades (add a step to UPGRADES, never edit a shipped one, and raise DB_VERSION in
// src/cache/schema.ts with it). The background is the only writer; it alone opens with a version.
import { openDB, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { Settings } from '../src/views.ts';
import type { SyncPosition } from '../src/xmtp/storage/types.ts';
import { DB_NAME, DB_VERSION, type AccountRecord, type InboxDB, type KdfParams, type LegacyMessage, type SealedBox, type VaultRecord } from '../src/cache/schema.ts';
import { bytesToHex, utf8 } from '../src/xmtp/crypto/bytes.ts';
import { sha256 } from '../src/xmtp/crypto/hashes.ts';
import { searchableText, words } from './search-index.ts';

// The schema lives in src/ (the popup reads it too); here are its upgrades.
export type * from '../src/cache/schema.ts';
export { DB_NAME };

/** An account as versions 1 and 2 stored it: its own password salt, one data key. */
interface AccountRecordV1 {
  address: string;
  createdAt: number;
  wallet: 'extension' | 'external';
  kdf: KdfParams;
  dataKey: SealedBox;
  secrets: SealedBox;
}

/** Version 5's search terms: an unkeyed hash of account and word. */
function v5TermsOf(account: string, m: LegacyMessage) {
  const text = searchableText(m);
  return text
    ? words(text).map((w) => ({ account, term: bytesToHex(sha256(utf8(`${account.toLowerCase()}\u0000${w}`))).slice(0, 24), sent: m.sent, message: m.id }))
    : [];
}

/** How versions 1–3 kept them: `position:<topic>` records of the background's sync, and the core's own cursors. */
interface CursorRecordV1 {
  account: string;
  key: string;
  ns: bigint;
  position?: { ns: bigint; digest: Uint8Array; lookedAtNs: bigint };
}

export type Db = IDBPDatabase<InboxDB>;

/** One schema step. Data steps run inside the upgrade transaction: they await only IndexedDB requests. */
type Upgrade = (db: IDBPDatabase<InboxDB>, tx: IDBPTransaction<InboxDB, StoreNames<InboxDB>[], 'versionchange'>) => void | Promise<void>;
const UPGRADES: Upgrade[] = [
  // v1
  (db) => {
    db.createObjectStore('accounts', { keyPath: 'address' });
    db.createObjectStore('meta');
    const conversations = db.createObjectStore('conversations', { keyPath: ['account', 'topic'] });
    conversations.createIndex('byUpdated', ['account', 'updatedAt']);
    // @ts-expect-error the schema had this index until version 5
    conversations.createIndex('byPeer', ['account', 'peerAddress']);
    const messages = db.createObjectStore('messages', { keyPath: ['account', 'id'] });
    messages.createIndex('byConversation', ['account', 'conversation', 'sent']);
    db.createObjectStore('cursors', { keyPath: ['account', 'key'] });
    const outbox = db.createObjectStore('outbox', { keyPath: ['account', 'localId'] });
    outbox.createIndex('byNextAttempt', ['account', 'nextAttemptAt']);
    db.createObjectStore('consent', { keyPath: ['account', 'key'] });
    const grants = db.createObjectStore('grants', { keyPath: ['account', 'origin'] });
    grants.createIndex('byOrigin', 'origin');
  },
  // v2: names of addresses (ENS, Lens)
  (db) => {
    db.createObjectStore('names', { keyPath: 'address' }).createIndex('byChecked', 'checkedAt');
  },
  // v3: one password for every account (the vault), labels, backup kind, numbered data keys.
  async (_db, tx) => {
    const accounts = tx.objectStore('accounts');
    let cursor = await accounts.openCursor();
    for (let n = 1; cursor; n++) {
      const old = cursor.value as unknown as AccountRecordV1;
      // Versions 1 and 2 held one account, so its password salt becomes the vault's.
      if (n === 1) await tx.objectStore('meta').put({ kdf: old.kdf } satisfies VaultRecord, 'vault');
      const next: AccountRecord = {
        address: old.address,
        createdAt: old.createdAt,
        wallet: old.wallet,
        label: `Account ${n}`,
        keys: [{ id: 1, box: old.dataKey }],
        secrets: old.secrets,
        backup: old.wallet === 'extension' ? 'key' : 'none',
        backedUp: false,
      };
      await cursor.update(next);
      cursor = await cursor.continue();
    }
  },
  // v4: one sync position per topic, kept by the client core's sync engine. The background's
  // `position:<topic>` records become the topic's position; the core's old cursors (per topic and per
  // job) go, so those topics are read once more (what is stored is recognised, not stored again).
  async (_db, tx) => {
    const store = tx.objectStore('cursors');
    const old = (await store.getAll()) as unknown as CursorRecordV1[];
    await store.clear();
    for (const r of old) {
      if (!r.key.startsWith('position:') || !r.position) continue;
      const position: SyncPosition = { ...r.position, requestBytes: 0, heldBack: false, refused: 0 };
      await store.put({ account: r.account, key: r.key.slice('position:'.length), position });
    }
  },
  // v5: the message-text search index, filled from the messages already cached
  async (db, tx) => {
    db.createObjectStore('terms', { keyPath: ['account', 'term', 'sent', 'message'] });
    const terms = tx.objectStore('terms');
    let cursor = await tx.objectStore('messages').openCursor();
    while (cursor) {
      const m = cursor.value as unknown as LegacyMessage;
      for (const t of v5TermsOf(m.account, m)) await terms.put(t);
      cursor = await cursor.continue();
    }
  },
  // v6: privacy at rest. Conversations, messages, the outbox and consent become rows sealed under the
  // account's data key, keyed by topic ids (src/cache/schema.ts). Sealing needs the keys, so the plain
  // rows move to legacy stores that the next unlock seals (background/reseal.ts); consent and sync
  // positions start over (both are read again from the network), and so does the search index (its
  // words were hashed without a key; they come back keyed as the messages are sealed).
  async (db, tx) => {
    const rename = (from: 'conversations' | 'messages' | 'outbox', to: string) => {
      const store = tx.objectStore(from);
      for (const index of [...store.indexNames]) store.deleteIndex(index);
      store.name = to;
    };
    rename('conversations', 'legacyConversations');
    rename('messages', 'legacyMessages');
    rename('outbox', 'legacyOutbox');
    const conversations = db.createObjectStore('conversations', { keyPath: ['account', 'tid'] });
    conversations.createIndex('byUpdated', ['account', 'updatedAt']);
    conversations.createIndex('byUnread', ['account', 'unread']);
    db.createObjectStore('messages', { keyPath: ['account', 'id'] }).createIndex('byConversation', ['account', 'tid', 'sent']);
    db.createObjectStore('outbox', { keyPath: ['account', 'localId'] }).createIndex('byNextAttempt', ['account', 'nextAttemptAt']);
    db.deleteObjectStore('consent');
    db.createObjectStore('consent', { keyPath: ['account', 'hkey'] });
    await tx.objectStore('cursors').clear();
    await tx.objectStore('terms').clear();
  },
  // v7: an ordered list of nodes instead of one node URL, in the extension's settings and each account's
  async (_db, tx) => {
    const meta = tx.objectStore('meta');
    let cursor = await meta.openCursor();
    while (cursor) {
      const key = String(cursor.key);
      const v = cursor.value as { nodeUrl?: unknown; nodeUrls?: unknown } | undefined;
      if ((key === 'settings' || key.startsWith('settings:')) && v && typeof v.nodeUrl === 'string') {
        const { nodeUrl, ...rest } = v;
        await cursor.update({ ...rest, nodeUrls: [nodeUrl] });
      }
      cursor = await cursor.continue();
    }
  },
];
if (UPGRADES.length !== DB_VERSION) throw new Error(`background/db.ts has ${UPGRADES.length} upgrades; src/cache/schema.ts says version ${DB_VERSION}`);
export { DB_VERSION };

let opening: Promise<Db> | undefined;

/** The database, opened once per background lifetime. */
export function db(): Promise<Db> {
  opening ??= openDB<InboxDB>(DB_NAME, DB_VERSION, {
    async upgrade(database, oldVersion, _newVersion, tx) {
      for (let v = oldVersion; v < UPGRADES.length; v++) await UPGRADES[v]!(database, tx);
    },
    blocking() {
      // A newer version of the extension wants to upgrade: let it.
      void opening?.then((d) => d.close());
      opening = undefined;
    },
  });
  return opening;
}

/** For tests: forget the open handle (after swapping the global indexedDB). */
export function resetDbHandle(): void {
  opening = undefined;
}

export const DEFAULT_SETTINGS: Settings = {
  nodeUrls: ['http://localhost:5555'],
  lockAfterMinutes: 15,
  notifications: true,
  notificationPreview: 'text',
  readReceipts: true,
  ensNames: true,
  // A public endpoint that needs no account; Settings says what a lookup tells it, and any other
  // mainnet RPC (or none) can be set there.
  ethRpcUrl: 'https://ethereum-rpc.publicnode.com',
  ipfsGateway: 'https://ipfs.io',
  lensNames: false,
  lensApiUrl: 'https://api.lens.xyz/graphql',
};
