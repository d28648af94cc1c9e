// JSON views: the only shapes of XMTP data that leave the background (popup, prompt and pages see
// these, never protobuf or keys). They are plain, structured-cloneable data, built on the core's.
import type { ConversationContextJson, ConversationJson, MessageJson } from './xmtp/json-view.ts';
import {
  ContentTypeAttachment, ContentTypeReaction, ContentTypeReadReceipt, ContentTypeRemoteAttachment, ContentTypeReply, ContentTypeText,
  contentTypeToString,
} from './xmtp/content/content-type.ts';

export type { ConsentState } from './xmtp/consent/contacts.ts';

/** `authority/type:major.minor`, e.g. `xmtp.org/text:1.0`. */
export type ContentTypeString = string;

/** The standard content types as strings, from the core's ids. */
export const ContentTypes = {
  text: contentTypeToString(ContentTypeText),
  reply: contentTypeToString(ContentTypeReply),
  reaction: contentTypeToString(ContentTypeReaction),
  readReceipt: contentTypeToString(ContentTypeReadReceipt),
  attachment: contentTypeToString(ContentTypeAttachment),
  remoteAttachment: contentTypeToString(ContentTypeRemoteAttachment),
} as const;

/** Message content in its JSON form, per content type (DESIGN.md: a string for text, JSON otherwise). */
export interface ReplyContent {
  /** id of the message replied to */
  reference: string;
  contentType: ContentTypeString;
  content: unknown;
}
export interface ReactionContent {
  reference: string;
  action: 'added' | 'removed';
  schema: 'unicode' | 'shortcode' | 'custom';
  content: string;
}
export interface AttachmentContent {
  filename: string;
  mimeType: string;
  /** file bytes, base64 */
  data: string;
}
export interface RemoteAttachmentContent {
  url: string;
  filename: string;
  contentLength: number;
  contentDigest: string;
  scheme: string;
  /** hex; needed by whoever fetches and decrypts the file */
  secret: string;
  salt: string;
  nonce: string;
}
/** A remote attachment as the background hands it over: its base64 in parts, when it is large. */
export interface LoadedAttachment extends AttachmentContent {
  /** how many parts `data` comes in, when more than one: ask for the others by number, then join them */
  parts?: number;
}

/** Where the popup uploads a remote attachment's encrypted file (`attachments.uploadTarget`). */
export interface UploadTarget {
  /** the blob store's base URL: the file goes to `url + <sha256 of its encrypted bytes>` */
  url: string;
  /** `Bearer <XMTP auth token>` of the current account, valid for about an hour */
  authorization: string;
  /** largest encrypted file the node takes */
  maxBytes: number;
}
export type ReadReceiptContent = Record<string, never>;

export type ConversationContextView = ConversationContextJson;

/** DESIGN.md `Conversation` (the core's JSON view), plus what the inbox shows. */
export interface ConversationView extends ConversationJson {
  /** newest message that is not a read receipt, for the list preview */
  lastMessage?: MessageView;
  /** ms of the newest message (or createdAt): the inbox sort key */
  updatedAt: number;
  unreadCount: number;
}

export type MessageStatus = 'sent' | 'pending' | 'failed';

/** DESIGN.md `Message` (the core's JSON view), plus the outbox state of our own sends. */
export interface MessageView extends MessageJson {
  status: MessageStatus;
  /** why a failed send failed, written for a person */
  error?: string;
  /** the technical detail behind `error` (what the node or the browser said), shown on request */
  errorDetail?: string;
  /**
   * Our own sends only: the id the message had while queued in the outbox. It stays the same when
   * delivery gives the message its final `id`, so a view can replace the pending bubble in place.
   */
  localId?: string;
  /**
   * The message could not be shown: why, in words ("it is too large", "its signature is not valid").
   * Its envelope was refused (forged, corrupt, or content that inflates past the limit) and nothing of
   * it was kept; `content` is null.
   */
  refused?: string;
}

/** What a context asks the background to send: the same JSON form messages are read in. */
export interface OutgoingContent {
  contentType?: ContentTypeString;
  content: unknown;
}

export interface Settings {
  /**
   * The XMTP nodes of one network this account uses, in order of preference (at least one, at most
   * MAX_NODES): the first one that answers is used, the next ones when it does not. Default
   * [http://localhost:5555].
   */
  nodeUrls: string[];
  /** auto-lock after this many idle minutes; 0 = never */
  lockAfterMinutes: number;
  notifications: boolean;
  /** what a notification shows: who wrote and what ('text'), or only who wrote ('sender') */
  notificationPreview: 'text' | 'sender';
  readReceipts: boolean;
  /** show ENS names: looked up through `ethRpcUrl` */
  ensNames: boolean;
  /** Ethereum mainnet JSON-RPC endpoint for ENS lookups */
  ethRpcUrl: string;
  /** HTTP gateway for avatars stored on IPFS, e.g. https://ipfs.io */
  ipfsGateway: string;
  /** show Lens handles: looked up through `lensApiUrl` (off by default) */
  lensNames: boolean;
  lensApiUrl: string;
}

/** Where a name comes from. */
export type NameSource = 'ens' | 'lens';

/** An address's verified name (its primary ENS name, or its Lens handle) and avatar. */
export interface NameView {
  /** lower-case 0x address */
  address: string;
  /** normalised; for Lens, `handle.lens` */
  name: string;
  source: NameSource;
  /** a small image as a data: URL, fetched and shrunk by the background (never a remote URL) */
  avatar?: string;
}

/** A name resolved forward (name → address), as New conversation and `xmtp_resolveName` show it. */
export interface ResolvedName {
  name: string;
  /** checksummed 0x address */
  address: string;
  source: NameSource;
}

export type GrantScope = 'app' | 'inbox';
export interface SiteGrantView {
  origin: string;
  scope: GrantScope;
  account: string;
  /** ms */
  grantedAt: number;
}

/** Whether the node answers (popup's offline banner), and which node of the list is in use. */
export interface ConnectionView {
  online: boolean;
  /** ms: when this state began */
  since: number;
  /** while offline: the last technical reason (shown on request) */
  detail?: string;
  /** the current account's node in use; absent until its node list is known */
  node?: NodeInUseView;
}

/** The node of the current account's list (Settings › Nodes) that requests and the live stream go to. */
export interface NodeInUseView {
  url: string;
  /** its place in the list: 0 is the first (preferred) node */
  index: number;
  /** set while a later node is in use because an earlier one did not answer */
  failover?: {
    /** the node that did not answer */
    from: string;
    /** ms: when this node came into use */
    at: number;
    /** what failed there, for the "details" a person can open */
    reason: string;
  };
}

export type LockState = 'onboarding' | 'locked' | 'unlocked';
export interface AppStatus {
  version: string;
  target: 'chrome' | 'firefox';
  state: LockState;
  /** the current account's wallet address, also while locked */
  address?: string;
  /** the node in use (the first of Settings › Nodes unless it did not answer) */
  nodeUrl: string;
  /** every account in this browser, oldest first */
  accounts: AccountView[];
}

/** An identity the extension holds (one password unlocks them all). */
export interface AccountView {
  address: string;
  /** the name the user gave it ("Account 1" until renamed) */
  label: string;
  /** where its wallet key lives: in the extension, or in a page's wallet that signed it in */
  wallet: 'extension' | 'external';
  /** what "Back up" can show: its recovery phrase, its private key, or nothing (the page wallet holds it) */
  backup: 'phrase' | 'key' | 'none';
  /** the phrase or key was shown at least once */
  backedUp: boolean;
  /** conversations with unread messages (0 while locked) */
  unread: number;
}
