// The one catalogue of requests between contexts. Every request a popup, prompt or content script can
// make of the background is listed here: params, result, and who may call it (CALLERS). The background's
// router implements exactly this table and validates params before a handler runs; callers get their
// types from it. Events the background pushes over the same ports are listed in `Events`.
import type {
  AppStatus,
  ConsentState,
  ConversationView,
  GrantScope,
  MessageView,
  NameView,
  OutgoingContent,
  ResolvedName,
  Settings,
  SiteGrantView,
  AttachmentContent,
  UploadTarget,
  LoadedAttachment,
  ConnectionView,
} from './views.ts';

/** Which kind of context sent a request: the name of the runtime.Port the background accepted. */
export type Caller = 'popup' | 'prompt' | 'content';

/** A request waiting for the user in the prompt window. */
export type PromptView =
  | { id: string; kind: 'connect'; origin: string; scope: GrantScope }
  | { id: string; kind: 'setConsent'; origin: string; peerAddress: string; state: 'allowed' | 'denied' }
  /** a site starts a conversation with a peer it named (alice.eth): the user sees where the name leads */
  | { id: string; kind: 'newConversation'; origin: string; name: string; peerAddress: string }
  /** the site needs the inbox but it is locked */
  | { id: string; kind: 'unlock'; origin: string }
  /** the site needs the inbox but there is no identity yet */
  | { id: string; kind: 'onboard'; origin: string };

/** A wallet key to import: its private key (hex), or a BIP-39 recovery phrase and account number (default 0). */
export type WalletSecret = { privateKey: string } | { phrase: string; index?: number };

/** How a new account joins: the first one sets the extension's password; later ones join the unlocked extension. */
export interface NewAccountOptions {
  /** required for the first account (it becomes the extension's password); not used after */
  password?: string;
  /** the account's name (default "Account N") */
  label?: string;
}

export interface ImportCheck {
  address: string;
  /** this wallet already has an XMTP identity on the node (it will be restored, not created) */
  hasIdentity: boolean;
}

/** A change of settings. `nodeUrl` is short for a list of that one node (`nodeUrls: [nodeUrl]`). */
export type SettingsPatch = Partial<Settings> & { nodeUrl?: string };

export interface SyncStats {
  conversations: number;
  newMessages: number;
  ms: number;
}

export interface Catalogue {
  // --- app and accounts ---
  /** Version, browser, lock state and current account. */
  'app.status': { params: undefined; result: AppStatus };
  /**
   * Keeps the background awake while an extension page is open (Firefox suspends an idle event page
   * even with a port open). Not user activity: it does not push back the auto-lock.
   */
  'app.ping': { params: undefined; result: true };
  /** Create a wallet inside the extension (with a recovery phrase), then a new XMTP identity for it; it becomes the current account. */
  'account.create': { params: NewAccountOptions; result: { address: string } };
  /** Which address a private key or phrase belongs to and whether it already has an XMTP identity. */
  'account.checkImport': { params: WalletSecret; result: ImportCheck };
  /** Import a wallet (private key or recovery phrase); restores its XMTP identity from the network or creates one. */
  'account.import': { params: WalletSecret & NewAccountOptions; result: { address: string; restored: boolean } };
  /** Sign in with the wallet of a page (its window.ethereum): the user approves the XMTP signatures there. */
  'account.connectPageWallet': { params: { tabId?: number; promptId?: string } & NewAccountOptions; result: { address: string; restored: boolean } };
  'account.unlock': { params: { password: string }; result: AppStatus };
  'account.lock': { params: undefined; result: AppStatus };
  /** A new password for the extension (every account). */
  'account.changePassword': { params: { oldPassword: string; newPassword: string }; result: true };
  /** Makes another account the current one (the inbox, sites and settings follow it). */
  'account.switch': { params: { address: string }; result: AppStatus };
  'account.rename': { params: { address: string; label: string }; result: AppStatus };
  /** Removes an account from this browser: its keys, cache, grants and settings. */
  'account.remove': { params: { address: string }; result: AppStatus };
  /**
   * An account's recovery phrase or wallet private key (0x hex), for the user to write down: needs the
   * password again. A phrase comes with its account number (`index`, m/44'/60'/0'/0/index).
   */
  'account.reveal': { params: { address: string; password: string; secret: 'phrase' | 'privateKey' }; result: { value: string; index?: number } };

  // --- settings ---
  'settings.get': { params: undefined; result: Settings };
  /** Partial update; a node URL new to the list is checked to answer as an XMTP node first. */
  'settings.update': { params: SettingsPatch; result: Settings };

  // --- inbox (all answered from the local cache; the background syncs in the background) ---
  /** Newest first; `limit` returns only the first page (a screenful paints fastest). */
  'conversations.list': { params: { consent?: ConsentState; search?: string; limit?: number; offset?: number } | undefined; result: ConversationView[] };
  'conversations.get': { params: { topic: string }; result: ConversationView };
  'conversations.new': {
    params: { peerAddress: string; conversationId?: string; metadata?: Record<string, string> };
    result: ConversationView;
  };
  /** Marks everything up to now read (and sends a read receipt when the setting is on). */
  'conversations.markRead': { params: { topic: string }; result: true };
  'contacts.canMessage': { params: { addresses: string[] }; result: Record<string, boolean> };
  'consent.set': { params: { peerAddress: string; state: 'allowed' | 'denied' }; result: true };
  /** Newest first; `before` is a sent time (ms) to page back from. */
  'messages.list': { params: { topic: string; limit?: number; before?: number }; result: MessageView[] };
  /** Messages whose text has every word of `query` (whole words), newest first, from the cache's index. */
  'messages.search': { params: { query: string; limit?: number }; result: MessageView[] };
  /** Queued in the outbox and returned as pending at once; delivery continues in the background. */
  'messages.send': { params: { topic: string } & OutgoingContent; result: MessageView };
  'outbox.retry': { params: { id: string }; result: MessageView };
  'outbox.discard': { params: { id: string }; result: true };
  /**
   * Downloads, verifies and decrypts a remote attachment of a message. A large file comes in parts
   * (`parts` in the first answer; `part` asks for the others), as one message over the port is bounded.
   */
  'attachments.loadRemote': { params: { messageId: string; part?: number }; result: LoadedAttachment };
  /** Where and with what token the popup uploads an encrypted file (refused when the node keeps no files). */
  'attachments.uploadTarget': { params: undefined; result: UploadTarget };
  'sync.now': { params: undefined; result: SyncStats };
  /** What was typed and not sent in a conversation (kept in memory, across popup closes, until lock). */
  'drafts.get': { params: { topic: string }; result: string };
  /** Keeps a conversation's draft; an empty text removes it. */
  'drafts.set': { params: { topic: string; text: string }; result: true };
  /** Whether the node answers right now (the offline banner); changes come as `connection` events. */
  'connection.get': { params: undefined; result: ConnectionView };

  // --- names (ENS, Lens) ---
  /**
   * Cached names of these addresses at once (lower-case keys; null = has no name; absent = not known
   * yet). The unknown and stale ones are looked up; their names follow in `names` events.
   */
  'names.lookup': { params: { addresses: string[] }; result: Record<string, NameView | null> };
  /** A typed name (alice.eth, bob.lens) resolved live to its address. */
  'names.resolve': { params: { name: string }; result: ResolvedName };

  // --- connected sites ---
  'sites.list': { params: undefined; result: SiteGrantView[] };
  'sites.revoke': { params: { origin: string }; result: true };

  // --- prompt window ---
  'prompt.get': { params: { id: string }; result: PromptView };
  'prompt.resolve': { params: { id: string; approved: boolean; scope?: GrantScope }; result: true };

  // --- content script ---
  /** A window.xmtp request from a page, relayed by that frame's content script (src/provider-api.ts). */
  'provider.request': { params: { method: string; params?: unknown }; result: unknown };
  /** The page wallet's answer to a `wallet.request` event (see Events). */
  'wallet.response': { params: { requestId: string; result?: unknown; error?: { code: number; message: string } }; result: true };
}

/** Who may call what: the router refuses a method to any other caller. */
export const CALLERS: { [M in keyof Catalogue]: readonly Caller[] } = {
  'app.status': ['popup', 'prompt'],
  'app.ping': ['popup', 'prompt'],
  'account.create': ['popup', 'prompt'],
  'account.checkImport': ['popup', 'prompt'],
  'account.import': ['popup', 'prompt'],
  'account.connectPageWallet': ['popup', 'prompt'],
  'account.unlock': ['popup', 'prompt'],
  'account.lock': ['popup'],
  'account.changePassword': ['popup'],
  'account.switch': ['popup'],
  'account.rename': ['popup'],
  'account.remove': ['popup'],
  'account.reveal': ['popup'],
  'settings.get': ['popup'],
  'settings.update': ['popup'],
  'conversations.list': ['popup'],
  'conversations.get': ['popup'],
  'conversations.new': ['popup'],
  'conversations.markRead': ['popup'],
  'contacts.canMessage': ['popup'],
  'consent.set': ['popup'],
  'messages.list': ['popup'],
  'messages.send': ['popup'],
  'messages.search': ['popup'],
  'outbox.retry': ['popup'],
  'outbox.discard': ['popup'],
  'attachments.loadRemote': ['popup'],
  'attachments.uploadTarget': ['popup'],
  'sync.now': ['popup'],
  'names.lookup': ['popup', 'prompt'],
  'names.resolve': ['popup'],
  'drafts.get': ['popup'],
  'drafts.set': ['popup'],
  'connection.get': ['popup'],
  'sites.list': ['popup'],
  'sites.revoke': ['popup'],
  'prompt.get': ['prompt'],
  'prompt.resolve': ['prompt'],
  'provider.request': ['content'],
  'wallet.response': ['content'],
};

/** Events the background pushes to connected contexts: `{ event, data }` frames. */
export interface Events {
  /** lock state, accounts or their unread counts changed (popup, prompt) */
  status: AppStatus;
  /** conversations changed: new ones, new last message, consent, unread (popup) */
  conversations: { topics: string[] };
  /** new or updated messages in a conversation, e.g. a pending send became sent (popup) */
  messages: { topic: string; messages: MessageView[] };
  /** names looked up since a `names.lookup` (lower-case address → name, or null for none) (popup, prompt) */
  names: { names: Record<string, NameView | null> };
  /** the node stopped or started answering, or another node of the list came into use (popup) */
  connection: ConnectionView;
  /** the background asks the page's wallet (window.ethereum) to do something (content) */
  'wallet.request': { requestId: string; method: 'eth_requestAccounts' | 'personal_sign'; params?: unknown[] };
  /** provider events for the page: connect, disconnect, accountsChanged, message (content) */
  provider: { event: 'connect' | 'disconnect' | 'accountsChanged' | 'message'; data: unknown };
}

export type Method = keyof Catalogue;
export type Params<M extends Method> = Catalogue[M]['params'];
export type Result<M extends Method> = Catalogue[M]['result'];
export type EventName = keyof Events;

export const PORT = { popup: 'popup', prompt: 'prompt', content: 'content' } as const satisfies Record<Caller, string>;
