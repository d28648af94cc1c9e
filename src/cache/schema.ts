// The extension's IndexedDB as stored: one schema read by the background (the only writer, which also
// upgrades it: background/db.ts) and by the popup, which paints its first screen from it on its own
// (same origin). Every record that belongs to an identity carries `account` first in its key.
//
// Privacy at rest: a record that holds message content or anything about a peer beyond its key is a
// *row* sealed with AES-256-GCM under one of its account's data keys (`k` says which). What stays in
// the clear is what ordering and lookups need: times, message ids, and topic ids (an HMAC of the topic
// under the account's index key, so not even a V1 topic's addresses show).
import type { DBSchema } from 'idb';
import type { ConsentState, ConversationContextView, GrantScope, MessageView, NameView } from '../views.ts';
import type { SyncPosition } from '../xmtp/storage/types.ts';

export const DB_NAME = 'xmtp-inbox';
/** The schema version this build reads and writes; background/db.ts has exactly this many upgrades. */
export const DB_VERSION = 7;

/** AES-GCM ciphertext with its 96-bit IV (src/cache/seal.ts). */
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
  /**
   * The account's random data keys, sealed under the vault's password key. `keys[0]` seals everything
   * new; older ones stay only until every row sealed under them is sealed again (background/reseal.ts).
   */
  keys: WrappedKey[];
  /** `KeystoreSecrets` (background/keystore.ts), sealed under `keys[0]` */
  secrets: SealedBox;
  /** a recovery phrase (created here, or imported from one), the wallet's private key, or nothing (page wallet) */
  backup: BackupKind;
  /** the phrase or key was shown to the user at least once */
  backedUp: boolean;
}

/** A row's sealed part: the record itself, under data key `k` of its account. */
export interface Sealed {
  k: number;
  box: SealedBox;
}

// ------------------------------------------------------------------ what rows hold, opened

/** A conversation as the background and popup use it (sealed whole in a ConversationRow). */
export interface ConversationRecord {
  account: string;
  topic: string;
  peerAddress: string;
  createdAt: number;
  /** exact creation time as the protocol carries it */
  createdNs: bigint;
  version: 'v1' | 'v2';
  context?: ConversationContextView;
  /** the conversation's secrets for the client core */
  secrets?: { keyMaterial?: Uint8Array; peerBundle?: Uint8Array; consentProof?: { signature: string; timestampMs: number; payloadVersion: number } };
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

// ------------------------------------------------------------------ rows, as stored

export interface ConversationRow extends Sealed {
  account: string;
  /** topic id: HMAC of the topic under the account's index key */
  tid: string;
  /** sort time (ms) */
  updatedAt: number;
  /** 1: has unread messages and is not blocked (the badge counts these without opening a row) */
  unread: 0 | 1;
}

export interface MessageRow extends Sealed {
  account: string;
  /** hex sha256 of the message bytes (a pending send: its local id) */
  id: string;
  /** its conversation's topic id */
  tid: string;
  /** sent time (ms) */
  sent: number;
}

export interface OutboxRow extends Sealed {
  account: string;
  localId: string;
  nextAttemptAt: number;
}

export interface ConsentRow extends Sealed {
  account: string;
  /** HMAC of the consent key (it names a peer) under the account's index key */
  hkey: string;
}

/** The client core's sync position in one topic (src/xmtp/sync/engine.ts): times and digests only. */
export interface PositionRow {
  account: string;
  /** topic id */
  key: string;
  position: SyncPosition;
}

/** One word of one message in the search index: the word only as an HMAC under the account's index key. */
export interface TermRow {
  account: string;
  term: string;
  /** the message's sent time: a word's records are read newest first, and a query stops at its limit */
  sent: number;
  /** message id */
  message: string;
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
  conversations: { key: [string, string]; value: ConversationRow; indexes: { byUpdated: [string, number]; byUnread: [string, number] } };
  messages: { key: [string, string]; value: MessageRow; indexes: { byConversation: [string, string, number] } };
  /** sync positions (the store keeps its first name) */
  cursors: { key: [string, string]; value: PositionRow };
  outbox: { key: [string, string]; value: OutboxRow; indexes: { byNextAttempt: [string, number] } };
  consent: { key: [string, string]; value: ConsentRow };
  grants: { key: [string, string]; value: GrantRecord; indexes: { byOrigin: string } };
  names: { key: string; value: NameRecord; indexes: { byChecked: number } };
  /** the message-text search index (background/search-index.ts) */
  terms: { key: [string, string, number, string]; value: TermRow };
  /** version 5's plain rows, until each account's next unlock seals them (background/reseal.ts) */
  legacyConversations: { key: [string, string]; value: LegacyConversation };
  legacyMessages: { key: [string, string]; value: LegacyMessage };
  legacyOutbox: { key: [string, string]; value: LegacyOutbox };
}

/** Versions 1–5: conversations in the clear but for their secrets (sealed under the data key, aad conversation/v1). */
export interface LegacyConversation extends Omit<ConversationRecord, 'secrets'> {
  sealed?: SealedBox;
}
export type LegacyMessage = MessageRecord;
export type LegacyOutbox = OutboxRecord;
