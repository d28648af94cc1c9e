// What the client persists, behind an async interface so an IndexedDB implementation fits
// naturally (every method is async; writes take batches). One storage instance holds one account.
// Values are structured-cloneable (bigint, Uint8Array, plain objects).

export type ConversationVersion = 'v1' | 'v2';

export interface StoredConversation {
  /** the conversation topic (`/xmtp/0/m-…` or `/xmtp/0/dm-…`); the primary key */
  topic: string;
  version: ConversationVersion;
  /** EIP-55 */
  peerAddress: string;
  /** V2: the invitation's created_ns; V1: the earliest message's time */
  createdNs: bigint;
  context?: { conversationId: string; metadata: Record<string, string> };
  /** V2 only: the shared key */
  keyMaterial?: Uint8Array;
  /** V2 only: XIP-43 consent proof carried by the invitation */
  consentProof?: { signature: string; timestampMs: number; payloadVersion: number };
  /** V1 only: the peer's encoded legacy PublicKeyBundle (needed to send) */
  peerBundle?: Uint8Array;
}

/** A verified, decrypted message; content is decoded from `payload` when read. */
export interface StoredMessage {
  /** hex sha256 of the Message bytes; the primary key */
  id: string;
  /** conversation topic */
  topic: string;
  version: ConversationVersion;
  /** EIP-55 */
  senderAddress: string;
  recipientAddress?: string;
  /** header time: V2 created_ns, V1 timestamp × 10^6 */
  sentNs: bigint;
  /** encoded EncodedContent, exactly as signed */
  payload: Uint8Array;
}

export interface MessageQuery {
  /** inclusive bounds on sentNs */
  startNs?: bigint;
  endNs?: bigint;
  limit?: number;
  /** by sentNs then id; default ascending */
  direction?: 'ascending' | 'descending';
}

export type ConsentValue = 'allowed' | 'denied';

export interface ConsentEntry {
  /** `address-<EIP55>`, `groupId-<id>` or `inboxId-<id>` (the SDK's keys) */
  key: string;
  value: ConsentValue;
  /** envelope timestamp of the action that set it: later actions win */
  updatedNs: bigint;
}

export interface XmtpStorage {
  /** encoded PrivateKeyBundle (v1) of this account, if cached locally */
  loadKeys(): Promise<Uint8Array | undefined>;
  saveKeys(bundle: Uint8Array): Promise<void>;

  listConversations(): Promise<StoredConversation[]>;
  /** Stores conversations whose topic is new; keeps existing ones (first invite wins). Returns those added. */
  addConversations(conversations: StoredConversation[]): Promise<StoredConversation[]>;

  /** Sync positions (ns of the newest envelope processed) keyed by topic or job name. */
  getCursor(key: string): Promise<bigint | undefined>;
  setCursors(cursors: Array<[key: string, ns: bigint]>): Promise<void>;

  /** Idempotent by id. */
  putMessages(messages: StoredMessage[]): Promise<void>;
  getMessages(topic: string, query?: MessageQuery): Promise<StoredMessage[]>;

  listConsent(): Promise<ConsentEntry[]>;
  /** Upserts entries (the caller already resolved precedence). */
  putConsent(entries: ConsentEntry[]): Promise<void>;
}
