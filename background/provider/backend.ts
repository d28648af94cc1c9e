// What the provider needs from the rest of the background (the inbox service, session and accounts).
// The provider depends on this interface only, so it is unit-tested with a fake; binding.ts adapts the
// real modules to it.
import type { ConsentState, ConversationView, LockState, MessageView, NameView, OutgoingContent, ResolvedName } from '../../src/views.ts';

export interface BackendStatus {
  state: LockState;
  /** the current account, also while locked */
  address?: string;
}

export interface ProviderBackend {
  status(): Promise<BackendStatus>;
  listConversations(account: string): Promise<ConversationView[]>;
  getConversation(account: string, topic: string): Promise<ConversationView | undefined>;
  newConversation(account: string, peerAddress: string, context?: { conversationId: string; metadata: Record<string, string> }): Promise<ConversationView>;
  listMessages(
    account: string,
    topic: string,
    opts: { limit?: number; before?: number; after?: number; direction?: 'ascending' | 'descending' },
  ): Promise<MessageView[]>;
  sendMessage(account: string, topic: string, content: OutgoingContent): Promise<MessageView>;
  canMessage(account: string, addresses: string[]): Promise<Record<string, boolean>>;
  setConsent(account: string, peerAddress: string, state: Exclude<ConsentState, 'unknown'>): Promise<void>;
  /** A typed name → its address, live (RpcError with a reason when it cannot be resolved). */
  resolveName(name: string): Promise<ResolvedName>;
  /** An address's verified name (cached while fresh), or null. */
  lookupAddress(address: string): Promise<NameView | null>;
  /** New or updated messages stored for an account. */
  onMessages(fn: (account: string, messages: MessageView[]) => void): void;
  /** Lock, unlock, account switch, onboarding finished. */
  onStatus(fn: (status: BackendStatus) => void): void;
  /** Holds a live subscription to the network while pages subscribe; returns its release. */
  acquireLive(): () => void;
}
