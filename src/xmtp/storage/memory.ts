// In-memory XmtpStorage: the default, and the reference for other implementations.
import type { ConsentEntry, MessageQuery, StoredConversation, StoredMessage, SyncPosition, XmtpStorage } from './types.ts';

const byTimeThenId = (a: StoredMessage, b: StoredMessage) => (a.sentNs < b.sentNs ? -1 : a.sentNs > b.sentNs ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class MemoryStorage implements XmtpStorage {
  private keys: Uint8Array | undefined;
  private readonly conversations = new Map<string, StoredConversation>();
  private readonly positions = new Map<string, SyncPosition>();
  private readonly ids = new Set<string>();
  private readonly messages = new Map<string, Map<string, StoredMessage>>();
  private readonly consent = new Map<string, ConsentEntry>();

  async loadKeys() {
    return this.keys;
  }
  async saveKeys(bundle: Uint8Array) {
    this.keys = bundle;
  }

  async listConversations() {
    return [...this.conversations.values()];
  }
  async addConversations(conversations: StoredConversation[]) {
    const added: StoredConversation[] = [];
    for (const c of conversations) {
      if (this.conversations.has(c.topic)) continue;
      this.conversations.set(c.topic, c);
      added.push(c);
    }
    return added;
  }

  async getPositions(topics: string[]) {
    return topics.map((t) => this.positions.get(t));
  }
  async setPositions(positions: Array<[string, SyncPosition]>) {
    for (const [t, p] of positions) this.positions.set(t, p);
  }

  async putMessages(messages: StoredMessage[]) {
    for (const m of messages) {
      let topic = this.messages.get(m.topic);
      if (!topic) this.messages.set(m.topic, (topic = new Map()));
      if (!topic.has(m.id)) topic.set(m.id, m);
      this.ids.add(m.id);
    }
  }
  async knownMessageIds(ids: string[]) {
    return new Set(ids.filter((id) => this.ids.has(id)));
  }
  async getMessages(topic: string, q: MessageQuery = {}) {
    let list = [...(this.messages.get(topic)?.values() ?? [])]
      .filter((m) => !m.refused && (q.startNs === undefined || m.sentNs >= q.startNs) && (q.endNs === undefined || m.sentNs <= q.endNs))
      .sort(byTimeThenId);
    if (q.direction === 'descending') list.reverse();
    if (q.limit !== undefined) list = list.slice(0, q.limit);
    return list;
  }

  async listConsent() {
    return [...this.consent.values()];
  }
  async putConsent(entries: ConsentEntry[]) {
    for (const e of entries) this.consent.set(e.key, e);
  }
}
