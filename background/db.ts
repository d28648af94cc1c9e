// The extension's IndexedDB: everything the background needs to resume after a restart. Schema changes
// are versioned upgrades (add a step to UPGRADES, never edit a shipped one). Every record that belongs
// to an identity carries `account` (its wallet address) first in its key, so several accounts can live
// side by side later.
import { termsOf, type TermRecord } from './search-index.ts';
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { ConsentState, ConversationContextView, GrantScope, MessageView, NameView, Settings } from '../src/views.ts';
import type { SyncPosition } from '../src/xmtp/storage/types.ts';

export const DB_NAME = 'xmtp-inbox';

/** AES-GCM ciphertext (see keystore.ts). */
export interface SealedBox {
  iv: Uint8Array;
  ciphertext: Uint8Array;
}

export interface KdfParams {
  name: 'PBKDF2-SHA256';
  iterations: number;
  salt: Uint8Array;
}

/** The extension's one password (meta 'vault'): every account's data keys are sealed under its key. */
export interface VaultRecord {
  kdf: KdfParams;
}

/** A data key sealed under the password's key. Key 1 of an account is its first; a new password makes the next. */
export interface WrappedKey {
  id: number;
  box: SealedBox;
}

/** What an account's secrets can show the user as a backup. */
export type BackupKind = 'phrase' | 'key' | 'none';

export interface AccountRecord {
  address: string;
  createdAt: number;
  /** 'extension': the wallet key lives (encrypted) in this extension; 'external': a page wallet signed */
  wallet: 'extension' | 'external';
  /** the name the user knows it by */
  label: string;
  /** the account's random data keys, sealed under the vault's password key; `keys[0]` seals everything new */
  keys: WrappedKey[];
  /** `KeystoreSecrets` (keystore.ts), sealed under `keys[0]` */
  secrets: SealedBox;
  /** a recovery phrase (created here, or imported from one), the wallet's private key, or nothing (page wallet) */
  backup: BackupKind;
  /** the phrase or key was shown to the user at least once */
  backedUp: boolean;
}

/** An account as versions 1 and 2 stored it: its own password salt, one data key. */
interface AccountRecordV1 {
  address: string;
  createdAt: number;
  wallet: 'extension' | 'external';
  kdf: KdfParams;
  dataKey: SealedBox;
  secrets: SealedBox;
}

export interface ConversationRecord {
  account: string;
  topic: string;
  peerAddress: string;
  createdAt: number;
  /** exact creation time as the protocol carries it */
  createdNs: bigint;
  version: 'v1' | 'v2';
  context?: ConversationContextView;
  /** the conversation's secrets for the client core (V2 key material, V1 peer bundle, consent proof), sealed under the data key */
  sealed?: SealedBox;
  /** denormalised for a list that paints without reading messages */
  consent: ConsentState;
  updatedAt: number;
  lastMessage?: MessageView;
  /** sent time (ms) of the newest message the user has seen */
  readUpTo: number;
  unreadCount: number;
}

export interface MessageRecord extends MessageView {
  account: string;
  /** delivered messages: what the client core stored (exact time, signed EncodedContent bytes) */
  sentNs?: bigint;
  version?: 'v1' | 'v2';
  recipientAddress?: string;
  payload?: Uint8Array;
}

/** The client core's sync position in one topic (src/xmtp/sync/engine.ts), one record per topic. */
export interface PositionRecord {
  account: string;
  /** the topic */
  key: string;
  position: SyncPosition;
}

/** How versions 1–3 kept them: `position:<topic>` records of the background's sync, and the core's own cursors. */
interface CursorRecordV1 {
  account: string;
  key: string;
  ns: bigint;
  position?: { ns: bigint; digest: Uint8Array; lookedAtNs: bigint };
}

export interface OutboxRecord {
  account: string;
  /** the message id shown while pending (the real id is known once encoded) */
  localId: string;
  topic: string;
  contentType: string;
  content: unknown;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  state: 'pending' | 'failed';
  /** why it failed for good, for a person */
  error?: string;
  /** what the node or browser said, shown on request */
  errorDetail?: string;
  /** timestamps (ns) of attempts whose outcome is unknown: checked on the node before trying again */
  ambiguousNs: bigint[];
}

/** One consent entry as the protocol keeps them: `address-<EIP55>`, `groupId-…`, `inboxId-…`. */
export interface ConsentRecord {
  account: string;
  key: string;
  value: 'allowed' | 'denied';
  /** time of the action that set it (ns): later actions win */
  updatedNs: bigint;
}

export interface GrantRecord {
  account: string;
  origin: string;
  scope: GrantScope;
  grantedAt: number;
}

/** An address's name as last looked up (names/cache.ts): public chain data, shared by every account. */
export interface NameRecord {
  /** lower-case 0x address */
  address: string;
  /** null: looked up, and the address has no verified name */
  name: NameView | null;
  /** ms; the record is looked up again after its TTL */
  checkedAt: number;
}

export interface InboxDB extends DBSchema {
  accounts: { key: string; value: AccountRecord };
  /** small key/value records: 'currentAccount', 'vault', 'settings', 'settings:<account>', 'notifiedUpTo:<account>' */
  meta: { key: string; value: unknown };
  conversations: {
    key: [string, string];
    value: ConversationRecord;
    indexes: { byUpdated: [string, number]; byPeer: [string, string] };
  };
  messages: {
    key: [string, string];
    value: MessageRecord;
    indexes: { byConversation: [string, string, number] };
  };
  /** sync positions (the store keeps its first name) */
  cursors: { key: [string, string]; value: PositionRecord };
  outbox: { key: [string, string]; value: OutboxRecord; indexes: { byNextAttempt: [string, number] } };
  consent: { key: [string, string]; value: ConsentRecord };
  grants: { key: [string, string]; value: GrantRecord; indexes: { byOrigin: string } };
  names: { key: string; value: NameRecord; indexes: { byChecked: number } };
  /** the message-text search index (search-index.ts): one record per word of a message */
  terms: { key: [string, string, number, string]; value: TermRecord };
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
      for (const t of termsOf(cursor.value.account, cursor.value)) await terms.put(t);
      cursor = await cursor.continue();
    }
  },
];
export const DB_VERSION = UPGRADES.length;

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
  nodeUrl: 'http://localhost:5555',
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
