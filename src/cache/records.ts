// Rows ↔ records: what is sealed of each record and what stays in the clear for ordering. Shared by the
// background (which writes) and the popup (which reads), so both see exactly the same records.
import type { ConversationView, MessageView } from '../views.ts';
import { bytesToHex, hexToBytes } from '../xmtp/crypto/bytes.ts';
import type { ConsentRecord, ConsentRow, ConversationRecord, ConversationRow, MessageRecord, MessageRow, OutboxRecord, OutboxRow } from './schema.ts';
import { hashedId, openRow, sealRow, type CacheKeys } from './seal.ts';

/** A conversation's topic id in this account's cache. */
export const topicId = (keys: CacheKeys, topic: string) => hashedId(keys, `topic:${topic}`);
/** A consent entry's id (its key names a peer). */
export const consentId = (keys: CacheKeys, key: string) => hashedId(keys, `consent:${key}`);

// JSON forms: bigints as decimal strings, bytes as hex.
type Json<T> = { [K in keyof T]: NonNullable<T[K]> extends bigint ? string : NonNullable<T[K]> extends bigint[] ? string[] : NonNullable<T[K]> extends Uint8Array ? string : T[K] };
type ConversationJson = Omit<Json<ConversationRecord>, 'account' | 'secrets'> & { secrets?: { keyMaterial?: string; peerBundle?: string; consentProof?: NonNullable<ConversationRecord['secrets']>['consentProof'] } };

export async function sealConversation(keys: CacheKeys, r: ConversationRecord): Promise<ConversationRow> {
  const { account: _a, createdNs, secrets, ...rest } = r;
  const json: ConversationJson = { ...rest, createdNs: String(createdNs) };
  if (secrets) {
    json.secrets = {};
    if (secrets.keyMaterial) json.secrets.keyMaterial = bytesToHex(secrets.keyMaterial);
    if (secrets.peerBundle) json.secrets.peerBundle = bytesToHex(secrets.peerBundle);
    if (secrets.consentProof) json.secrets.consentProof = secrets.consentProof;
  }
  const tid = await topicId(keys, r.topic);
  return {
    account: keys.account,
    tid,
    updatedAt: r.updatedAt,
    unread: r.unreadCount > 0 && r.consent !== 'denied' ? 1 : 0,
    ...(await sealRow(keys, 'conversations', tid, json)),
  };
}

export async function openConversation(keys: CacheKeys, row: ConversationRow): Promise<ConversationRecord> {
  const { json } = await openRow<ConversationJson>(keys, 'conversations', row.tid, row);
  const { createdNs, secrets, ...rest } = json;
  const r: ConversationRecord = { ...rest, account: keys.account, createdNs: BigInt(createdNs) };
  if (secrets) {
    r.secrets = {};
    if (secrets.keyMaterial) r.secrets.keyMaterial = hexToBytes(secrets.keyMaterial);
    if (secrets.peerBundle) r.secrets.peerBundle = hexToBytes(secrets.peerBundle);
    if (secrets.consentProof) r.secrets.consentProof = secrets.consentProof;
  }
  return r;
}

type MessageJson = Omit<Json<MessageRecord>, 'account' | 'payload'> & { hasPayload?: true };

export async function sealMessage(keys: CacheKeys, m: MessageRecord): Promise<MessageRow> {
  const { account: _a, sentNs, payload, ...rest } = m;
  const json: MessageJson = { ...rest };
  if (sentNs !== undefined) json.sentNs = String(sentNs);
  if (payload) json.hasPayload = true;
  return { account: keys.account, id: m.id, tid: await topicId(keys, m.conversation), sent: m.sent, ...(await sealRow(keys, 'messages', m.id, json, payload)) };
}

export async function openMessage(keys: CacheKeys, row: MessageRow): Promise<MessageRecord> {
  const { json, bytes } = await openRow<MessageJson>(keys, 'messages', row.id, row);
  const { sentNs, hasPayload, ...rest } = json;
  const m: MessageRecord = { ...rest, account: keys.account };
  if (sentNs !== undefined) m.sentNs = BigInt(sentNs);
  if (hasPayload) m.payload = bytes.slice();
  return m;
}

type OutboxJson = Omit<Json<OutboxRecord>, 'account'>;

export async function sealOutbox(keys: CacheKeys, r: OutboxRecord): Promise<OutboxRow> {
  const { account: _a, ambiguousNs, ...rest } = r;
  const json: OutboxJson = { ...rest, ambiguousNs: ambiguousNs.map(String) };
  return { account: keys.account, localId: r.localId, nextAttemptAt: r.nextAttemptAt, ...(await sealRow(keys, 'outbox', r.localId, json)) };
}

export async function openOutbox(keys: CacheKeys, row: OutboxRow): Promise<OutboxRecord> {
  const { json } = await openRow<OutboxJson>(keys, 'outbox', row.localId, row);
  return { ...json, account: keys.account, ambiguousNs: json.ambiguousNs.map((x) => BigInt(x)) };
}

type ConsentJson = Omit<Json<ConsentRecord>, 'account'>;

export async function sealConsent(keys: CacheKeys, r: ConsentRecord): Promise<ConsentRow> {
  const hkey = await consentId(keys, r.key);
  const json: ConsentJson = { key: r.key, value: r.value, updatedNs: String(r.updatedNs) };
  return { account: keys.account, hkey, ...(await sealRow(keys, 'consent', hkey, json)) };
}

export async function openConsent(keys: CacheKeys, row: ConsentRow): Promise<ConsentRecord> {
  const { json } = await openRow<ConsentJson>(keys, 'consent', row.hkey, row);
  return { account: keys.account, key: json.key, value: json.value, updatedNs: BigInt(json.updatedNs) };
}

export function toConversationView(r: ConversationRecord): ConversationView {
  const v: ConversationView = {
    id: r.topic,
    peerAddress: r.peerAddress,
    createdAt: r.createdAt,
    consent: r.consent,
    version: r.version,
    updatedAt: r.updatedAt,
    unreadCount: r.unreadCount,
  };
  if (r.context) v.context = r.context;
  if (r.lastMessage) v.lastMessage = r.lastMessage;
  return v;
}

/** What other contexts may see of a message: never the payload or internal fields. */
export function toMessageView(r: MessageRecord): MessageView {
  const { account: _a, sentNs: _n, version: _v, recipientAddress: _r, payload: _p, ...view } = r;
  return view;
}
