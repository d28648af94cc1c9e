// The inbox service: what the popup's handlers and the provider call. Reads come from the IndexedDB
// cache (never waiting for the network); writes go through the client core and the outbox; every
// change is announced to listeners (ports, the provider, the badge and notifications).
import type { ConsentState, ConversationView, MessageView, OutgoingContent } from '../src/views.ts';
import { ContentTypes } from '../src/views.ts';
import { ErrorCode, RpcError } from '../src/rpc.ts';
import { isXmtpError } from '../src/xmtp/errors.ts';
import { toChecksumAddress, isAddress } from '../src/xmtp/crypto/address.ts';
import { checksumError } from '../src/address.ts';
import * as store from './inbox-store.ts';
import { Outbox } from './outbox.ts';
import { Live } from './live.ts';
import { announce, startNotifyingFrom, updateBadge } from './notify.ts';
import { nodeAnswered, noteNetworkError, onConnectionChange } from './connection.ts';
import { platform } from './platform.ts';
import { getSettings } from './settings.ts';
import { syncAll } from './sync.ts';
import { getClient, onClient, type ActiveClient } from './xmtp-session.ts';
import type { SyncStats } from '../src/messages.ts';

type MessagesListener = (account: string, changed: Map<string, MessageView[]>) => void;
type ConversationsListener = (account: string, topics: string[]) => void;
const messageListeners: MessagesListener[] = [];
const conversationListeners: ConversationsListener[] = [];

export function onMessages(fn: MessagesListener): void {
  messageListeners.push(fn);
}
export function onConversations(fn: ConversationsListener): void {
  conversationListeners.push(fn);
}

function messagesChanged(account: string, changed: Map<string, MessageView[]>): void {
  if (!changed.size) return;
  for (const fn of messageListeners) fn(account, changed);
  // A new message changes its conversation's preview, order and unread count.
  conversationsChanged(account, [...changed.keys()]);
  void announce(account, changed).catch(() => {});
}

function conversationsChanged(account: string, topics: string[]): void {
  if (!topics.length) return;
  for (const fn of conversationListeners) fn(account, topics);
}

export const outbox = new Outbox(getClient, messagesChanged);
export const live = new Live(getClient, {
  // The live connection (re)opened: the node is back, so pending sends go now, not after their backoff.
  onOpen: () => {
    nodeAnswered();
    void outbox.nodeBack();
  },
  // Trying again is work in progress: the worker stays up to notice the node's return within seconds.
  onUnreachable: (e) => {
    noteNetworkError(e);
    platform().keepAwake?.('retry');
  },
});
onConnectionChange((c) => {
  if (c.online) void outbox.nodeBack();
});

// Every client the session builds reports what its storage stores.
onClient((a: ActiveClient) => {
  a.storage.onMessages = (changed) => messagesChanged(a.account, changed);
  a.storage.onConversations = (topics) => {
    conversationsChanged(a.account, topics);
    void live.conversationsChanged().catch(() => {});
  };
  a.storage.onConsent = (topics) => {
    conversationsChanged(a.account, topics);
    void updateBadge(a.account).catch(() => {});
  };
  void startNotifyingFrom(a.account, Date.now());
});

/** The unlocked account, or the RpcError that says why there is none. */
export async function unlockedAccount(): Promise<string> {
  return (await getClient()).account;
}

export function listConversations(account: string, opts?: { consent?: ConsentState; search?: string; limit?: number; offset?: number }): Promise<ConversationView[]> {
  return store.listConversations(account, opts);
}

export async function getConversation(account: string, topic: string): Promise<ConversationView | undefined> {
  const r = await store.getConversationRecord(account, topic);
  return r && store.toConversationView(r);
}

/** The peer's address in its checksummed form; refuses what is not an address, or has a typo in its checksum. */
function peerOf(peerAddress: string): string {
  if (!isAddress(peerAddress)) throw new RpcError(ErrorCode.invalidParams, `${peerAddress} is not an Ethereum address`);
  const typo = checksumError(peerAddress);
  if (typo) throw new RpcError(ErrorCode.invalidParams, `${peerAddress}: ${typo}`, { reason: 'bad-checksum' });
  return toChecksumAddress(peerAddress);
}

async function requireConversation(account: string, topic: string): Promise<ConversationView> {
  const c = await getConversation(account, topic);
  if (!c) throw new RpcError(ErrorCode.invalidParams, 'No such conversation');
  return c;
}

export async function newConversation(
  account: string,
  peerAddress: string,
  context?: { conversationId: string; metadata?: Record<string, string> },
): Promise<ConversationView> {
  const a = await getClient(account);
  const peer = peerOf(peerAddress);
  if (peer === account) throw new RpcError(ErrorCode.invalidParams, 'You cannot start a conversation with yourself');
  let topic: string;
  try {
    const c = await a.client.conversations.newConversation(peer, context && { conversationId: context.conversationId, metadata: context.metadata ?? {} });
    topic = c.topic;
  } catch (e) {
    if (isXmtpError(e) && /not on the XMTP network|no contact|not found/i.test(e.message)) {
      throw new RpcError(ErrorCode.invalidParams, `${peer} is not on the XMTP network yet, so it cannot receive messages`, { reason: 'not-on-network' });
    }
    throw unreachableOr(e);
  }
  return requireConversation(account, topic);
}

function unreachableOr(e: unknown): RpcError {
  if (e instanceof RpcError) return e;
  if (e instanceof TypeError) return new RpcError(ErrorCode.internal, 'Cannot reach the XMTP node', { reason: 'unreachable' });
  return new RpcError(ErrorCode.internal, e instanceof Error ? e.message : String(e));
}

export function listMessages(
  account: string,
  topic: string,
  opts: { limit?: number; before?: number; after?: number; direction?: 'ascending' | 'descending' } = {},
): Promise<MessageView[]> {
  return store.listMessages(account, topic, opts);
}

export async function sendMessage(account: string, topic: string, content: OutgoingContent): Promise<MessageView> {
  await requireConversation(account, topic);
  return outbox.enqueue(account, topic, content);
}

export async function canMessage(account: string, addresses: string[]): Promise<Record<string, boolean>> {
  const a = await getClient(account);
  for (const x of addresses) if (isAddress(x)) peerOf(x); // a typo is an error, not a "no"
  const valid = addresses.filter((x) => isAddress(x));
  let answers: boolean[] = [];
  try {
    answers = valid.length ? await a.client.canMessage(valid) : [];
  } catch (e) {
    throw unreachableOr(e);
  }
  const out: Record<string, boolean> = {};
  for (const x of addresses) out[x] = false;
  valid.forEach((x, i) => (out[x] = answers[i] ?? false));
  return out;
}

export async function setConsent(account: string, peerAddress: string, state: Exclude<ConsentState, 'unknown'>): Promise<void> {
  const a = await getClient(account);
  const peer = peerOf(peerAddress);
  try {
    if (state === 'allowed') await a.client.contacts.allow([peer]);
    else await a.client.contacts.deny([peer]);
  } catch (e) {
    throw unreachableOr(e);
  }
  await updateBadge(account);
  // An allowed peer's messages that were passed over (blocked, or beyond the request quota) come now.
  if (state === 'allowed') void syncAll(a).catch(() => {});
}

/**
 * The user opened the conversation: everything in it is read. Sends a read receipt (if the setting is
 * on and the conversation is allowed) when the peer's newest message has not been acknowledged yet.
 */
export async function markRead(account: string, topic: string): Promise<void> {
  const convo = await store.getConversationRecord(account, topic);
  if (!convo) throw new RpcError(ErrorCode.invalidParams, 'No such conversation');
  const unread = await store.markRead(account, topic);
  conversationsChanged(account, [topic]);
  await updateBadge(account);
  // Receipts only to people the user chose to talk to: a receipt to a request (maybe spam) would tell
  // its sender this inbox is alive, and sending to an unknown peer would allow them.
  if (!(await getSettings()).readReceipts || convo.consent !== 'allowed') return;
  const recent = await store.listMessages(account, topic, { limit: 50 });
  const lastFromPeer = recent.find((m) => m.senderAddress !== account && m.contentType !== ContentTypes.readReceipt);
  const lastReceipt = recent.find((m) => m.senderAddress === account && m.contentType === ContentTypes.readReceipt);
  if (lastFromPeer && (unread > 0 || !lastReceipt || lastReceipt.sent < lastFromPeer.sent)) {
    await outbox.enqueue(account, topic, { contentType: ContentTypes.readReceipt, content: {} });
  }
}

/** A full catch-up of an account (default: the current one) now: popup "refresh", unlock, the minute alarm. */
export async function syncNow(account?: string): Promise<SyncStats> {
  const a = await getClient(account);
  try {
    const stats = await syncAll(a);
    nodeAnswered();
    await updateBadge(a.account);
    return stats;
  } catch (e) {
    noteNetworkError(e);
    throw unreachableOr(e);
  }
}
