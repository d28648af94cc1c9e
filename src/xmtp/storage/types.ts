// What the client persists, behind an async interface so an IndexedDB implementation fits
// naturally (every method is async; writes take batches). One storage instance holds one account.
// Values are structured-cloneable (bigint, Uint8Array, plain objects).
import type { XmtpErrorCode } from '../errors.ts';

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

/**
 * A message of a conversation: verified and decrypted (content is decoded from `payload` when read),
 * or refused (`refused` says why; nothing of it is kept but this record).
 */
export interface StoredMessage {
  /** hex sha256 of the Message bytes; the primary key */
  id: string;
  /** conversation topic */
  topic: string;
  version: ConversationVersion;
  /** EIP-55; for a refused envelope the conversation's peer (the only other party), as it claims */
  senderAddress: string;
  recipientAddress?: string;
  /** header time: V2 created_ns, V1 timestamp × 10^6; for a refused envelope its envelope time */
  sentNs: bigint;
  /** encoded EncodedContent, exactly as signed; empty when refused */
  payload: Uint8Array;
  /** the envelope or its content was refused (forged, undecodable, too large): shown as a message that could not be shown */
  refused?: { code: XmtpErrorCode; reason: string };
}

/** Where sync is in a topic, in the node's own paging order (one per topic). */
export interface SyncPosition {
  /** newest envelope read: its timestamp and paging digest sha256(topic ‖ message) */
  ns: bigint;
  digest: Uint8Array;
  /** when the topic was last read to its end (ns, our clock; 0 = never) */
  lookedAtNs: bigint;
  /** bytes stored from this topic while its peer was not allowed (the request quota counts these) */
  requestBytes: number;
  /** envelopes were passed over (blocked peer, or over the request quota): read again once the peer is allowed */
  heldBack: boolean;
  /** refused envelopes recorded from this topic (they are capped per topic) */
  refused: number;
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

  /** Sync positions, one per topic (conversations, and the invite, intro and preferences topics). */
  getPositions(topics: string[]): Promise<Array<SyncPosition | undefined>>;
  /** Writes positions as given (the sync engine only ever moves them forward). */
  setPositions(positions: Array<[topic: string, position: SyncPosition]>): Promise<void>;

  /** Idempotent by id. */
  putMessages(messages: StoredMessage[]): Promise<void>;
  /** Which of these message ids are stored (so sync skips them before decrypting). */
  knownMessageIds(ids: string[]): Promise<Set<string>>;
  /** Stored messages of a topic; refused records (kept for display) are not among them. */
  getMessages(topic: string, query?: MessageQuery): Promise<StoredMessage[]>;

  listConsent(): Promise<ConsentEntry[]>;
  /** Upserts entries (the caller already resolved precedence). */
  putConsent(entries: ConsentEntry[]): Promise<void>;
}
