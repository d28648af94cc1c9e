// The client core's storage (src/xmtp/storage/types.ts) on the extension's IndexedDB, for one unlocked
// account. Everything is sealed under the account's data key (inbox-store.ts, src/cache/); messages are
// stored as the JSON views the popup and pages read, plus the raw payload the core needs, so nothing is
// decoded twice. Sync positions are keyed by topic id, like every row.
import type { ConsentEntry, MessageQuery, StoredConversation, StoredMessage, SyncPosition, XmtpStorage } from '../src/xmtp/storage/types.ts';
import type { XmtpErrorCode } from '../src/xmtp/errors.ts';
import { ContentRegistry } from '../src/xmtp/content/registry.ts';
import { contentTypeToString } from '../src/xmtp/content/content-type.ts';
import { contentToJson } from '../src/xmtp/json-view.ts';
import type { MessageView } from '../src/views.ts';
import { topicId } from '../src/cache/records.ts';
import { readMessageRecords } from '../src/cache/read.ts';
import { db, type ConversationRecord, type MessageRecord } from './db.ts';
import { cacheKeys } from './session.ts';
import * as inbox from './inbox-store.ts';

const nsToMs = (ns: bigint) => Number(ns / 1_000_000n);
const UNKNOWN_TYPE = 'unknown/unknown:0.0';

/** Why a message could not be shown, in words (the core's refusal codes). */
const REFUSALS: Partial<Record<XmtpErrorCode, string>> = {
  too_large: 'it is too large',
  invalid_signature: 'its signature is not valid',
  invalid_key_bundle: "its sender's keys are not valid",
  decryption_failed: 'it could not be decrypted',
  invalid_ciphertext: 'it could not be decrypted',
  topic_mismatch: 'it belongs to another conversation',
  invalid_protobuf: 'it is malformed',
  invalid_message: 'it is malformed',
  invalid_content: 'its content is malformed',
};

/** What a stored message looks like to the other contexts. */
export async function messageView(registry: ContentRegistry, m: StoredMessage): Promise<MessageView> {
  if (m.refused) {
    return {
      id: m.id, conversation: m.topic, senderAddress: m.senderAddress, sent: nsToMs(m.sentNs), contentType: UNKNOWN_TYPE, content: null,
      status: 'sent', refused: REFUSALS[m.refused.code] ?? 'it is not a valid message',
    };
  }
  const decoded = await registry.decode(m.payload).catch(() => undefined);
  const view: MessageView = {
    id: m.id,
    conversation: m.topic,
    senderAddress: m.senderAddress,
    sent: nsToMs(m.sentNs),
    contentType: decoded ? contentTypeToString(decoded.contentType) : UNKNOWN_TYPE,
    content: decoded && decoded.content !== undefined ? contentToJson(decoded.contentType, decoded.content) : undefined,
    status: 'sent',
  };
  if (decoded?.fallback !== undefined) view.fallback = decoded.fallback;
  return view;
}

export class IdbStorage implements XmtpStorage {
  private keys: Uint8Array | undefined;
  private conversations: Map<string, StoredConversation> | undefined;
  /** Hook for the background: called with the views of messages newly stored by the core. */
  onMessages: ((changed: Map<string, MessageView[]>) => void) | undefined;
  onConversations: ((topics: string[]) => void) | undefined;
  onConsent: ((topics: string[]) => void) | undefined;

  constructor(
    readonly account: string,
    readonly registry: ContentRegistry = new ContentRegistry(),
    keys?: Uint8Array,
  ) {
    this.keys = keys;
  }

  // Keys live in the sealed keystore (keystore.ts); here only for the client's bootstrap.
  async loadKeys() {
    return this.keys;
  }
  async saveKeys(bundle: Uint8Array) {
    this.keys = bundle;
  }

  private static stored(r: ConversationRecord): StoredConversation {
    const c: StoredConversation = { topic: r.topic, version: r.version, peerAddress: r.peerAddress, createdNs: r.createdNs };
    if (r.context) c.context = r.context;
    if (r.secrets?.keyMaterial) c.keyMaterial = r.secrets.keyMaterial;
    if (r.secrets?.peerBundle) c.peerBundle = r.secrets.peerBundle;
    if (r.secrets?.consentProof) c.consentProof = r.secrets.consentProof;
    return c;
  }

  async listConversations(): Promise<StoredConversation[]> {
    if (!this.conversations) {
      const all = (await inbox.allConversations(this.account)).map(IdbStorage.stored);
      this.conversations = new Map(all.map((c) => [c.topic, c]));
    }
    return [...this.conversations.values()];
  }

  async addConversations(conversations: StoredConversation[]): Promise<StoredConversation[]> {
    const known = new Map((await this.listConversations()).map((c) => [c.topic, c]));
    const fresh = conversations.filter((c) => !known.has(c.topic));
    if (!fresh.length) return [];
    const rows = fresh.map((c): inbox.NewConversation => {
      const row: inbox.NewConversation = { topic: c.topic, peerAddress: c.peerAddress, createdAt: nsToMs(c.createdNs), createdNs: c.createdNs, version: c.version };
      if (c.context) row.context = c.context;
      if (c.keyMaterial || c.peerBundle || c.consentProof) row.secrets = { keyMaterial: c.keyMaterial, peerBundle: c.peerBundle, consentProof: c.consentProof };
      return row;
    });
    const added = new Set(await inbox.addConversations(this.account, rows));
    for (const c of fresh) this.conversations!.set(c.topic, c);
    if (added.size) this.onConversations?.([...added]);
    return fresh.filter((c) => added.has(c.topic));
  }

  private async tids(topics: string[]): Promise<string[]> {
    const keys = await cacheKeys(this.account);
    return Promise.all(topics.map((t) => topicId(keys, t)));
  }

  async getPositions(topics: string[]): Promise<Array<SyncPosition | undefined>> {
    const tids = await this.tids(topics);
    const tx = (await db()).transaction('cursors');
    const records = await Promise.all(tids.map((t) => tx.store.get([this.account, t])));
    await tx.done;
    return records.map((r) => r?.position);
  }

  async setPositions(positions: Array<[string, SyncPosition]>): Promise<void> {
    const tids = await this.tids(positions.map(([topic]) => topic));
    const tx = (await db()).transaction('cursors', 'readwrite');
    await Promise.all(positions.map(([, position], i) => tx.store.put({ account: this.account, key: tids[i]!, position })));
    await tx.done;
  }

  async knownMessageIds(ids: string[]): Promise<Set<string>> {
    const tx = (await db()).transaction('messages');
    const keys = await Promise.all(ids.map((id) => tx.store.getKey([this.account, id])));
    await tx.done;
    return new Set(ids.filter((_, i) => keys[i] !== undefined));
  }

  /** Sends the outbox is delivering, by `topic|sentNs`: their stored copy replaces the pending one. */
  private readonly expected = new Map<string, string>();

  expectSend(topic: string, sentNs: bigint, localId: string): void {
    this.expected.set(`${topic}|${sentNs}`, localId);
  }

  forgetSend(topic: string, sentNs: bigint): void {
    this.expected.delete(`${topic}|${sentNs}`);
  }

  async putMessages(messages: StoredMessage[]): Promise<void> {
    let localIds: Map<string, string> | undefined;
    for (const m of messages) {
      const local = m.senderAddress === this.account ? this.expected.get(`${m.topic}|${m.sentNs}`) : undefined;
      if (local) (localIds ??= new Map()).set(m.id, local);
    }
    await this.storeMessages(messages, localIds);
  }

  /** putMessages that also tells which views were new; `localIds` maps delivered sends to their pending ids. */
  async storeMessages(messages: StoredMessage[], localIds?: Map<string, string>): Promise<Map<string, MessageView[]>> {
    if (!messages.length) return new Map();
    const views: MessageRecord[] = await Promise.all(
      messages.map(async (m) => {
        const v: MessageRecord = { ...(await messageView(this.registry, m)), account: this.account, sentNs: m.sentNs, version: m.version, payload: m.payload };
        const local = localIds?.get(m.id);
        if (local) v.localId = local;
        if (m.recipientAddress) v.recipientAddress = m.recipientAddress;
        return v;
      }),
    );
    const changed = await inbox.putMessages(this.account, views, { replacing: localIds });
    if (changed.size) this.onMessages?.(changed);
    return changed;
  }

  async getMessages(topic: string, q: MessageQuery = {}): Promise<StoredMessage[]> {
    // The rows within the bounds in ms (what the index sorts by), then the exact bounds in ns.
    const records = await readMessageRecords(await db(), await cacheKeys(this.account), topic, {
      limit: Number.MAX_SAFE_INTEGER,
      direction: q.direction === 'descending' ? 'descending' : 'ascending',
      after: q.startNs !== undefined ? nsToMs(q.startNs) - 1 : undefined,
      before: q.endNs !== undefined ? nsToMs(q.endNs) + 1 : undefined,
    });
    const out: StoredMessage[] = [];
    for (const r of records) {
      if (!r.payload || r.refused || r.sentNs === undefined || !r.version) continue;
      if ((q.startNs !== undefined && r.sentNs < q.startNs) || (q.endNs !== undefined && r.sentNs > q.endNs)) continue;
      const m: StoredMessage = { id: r.id, topic, version: r.version, senderAddress: r.senderAddress, sentNs: r.sentNs, payload: r.payload };
      if (r.recipientAddress) m.recipientAddress = r.recipientAddress;
      out.push(m);
      if (q.limit !== undefined && out.length >= q.limit) break;
    }
    return out;
  }

  async listConsent(): Promise<ConsentEntry[]> {
    return (await inbox.listConsent(this.account)).map(({ key, value, updatedNs }) => ({ key, value, updatedNs }));
  }

  async putConsent(entries: ConsentEntry[]): Promise<void> {
    const topics = await inbox.putConsent(this.account, entries);
    if (topics.length) this.onConsent?.(topics);
  }
}
