// JSON views of messages for the extension's contexts (DESIGN.md `Message`): plain data only,
// content as a string for text and JSON for the other standard types. Also the reverse, for
// sending content that arrives as JSON.
import { bytesToHex, fromBase64, hexToBytes, toBase64 } from './crypto/bytes.ts';
import {
  ContentTypeAttachment, ContentTypeReaction, ContentTypeReadReceipt, ContentTypeRemoteAttachment, ContentTypeReply, ContentTypeText,
  contentTypeToString, parseContentType, type ContentTypeId,
} from './content/content-type.ts';
import { XmtpError } from './errors.ts';
import type { Attachment } from './content/attachment.ts';
import type { RemoteAttachment } from './content/remote-attachment.ts';
import type { Reply } from './content/reply.ts';
import type { DecodedMessage } from './conversations/decoded-message.ts';
import type { Conversation } from './conversations/conversation.ts';
import type { ConsentState } from './consent/contacts.ts';

export interface MessageJson {
  id: string;
  /** the conversation topic */
  conversation: string;
  senderAddress: string;
  /** ms */
  sent: number;
  /** `authority/type:major.minor` */
  contentType: string;
  content: unknown;
  fallback?: string;
}

const key = (t: ContentTypeId) => `${t.authorityId}/${t.typeId}`;
const is = (t: ContentTypeId, u: ContentTypeId) => key(t) === key(u);

/** Native content → JSON (undefined content → null). */
export function contentToJson(type: ContentTypeId, content: unknown): unknown {
  if (content === undefined || content === null) return null;
  if (is(type, ContentTypeText)) return content;
  if (is(type, ContentTypeReply)) {
    const r = content as Reply;
    return { reference: r.reference, contentType: contentTypeToString(r.contentType), content: contentToJson(r.contentType, r.content) };
  }
  if (is(type, ContentTypeReaction) || is(type, ContentTypeReadReceipt)) return { ...(content as object) };
  if (is(type, ContentTypeAttachment)) {
    const a = content as Attachment;
    return { filename: a.filename, mimeType: a.mimeType, data: toBase64(a.data) };
  }
  if (is(type, ContentTypeRemoteAttachment)) {
    const r = content as RemoteAttachment;
    return {
      url: r.url, filename: r.filename, contentLength: r.contentLength, contentDigest: r.contentDigest, scheme: r.scheme,
      secret: bytesToHex(r.secret), salt: bytesToHex(r.salt), nonce: bytesToHex(r.nonce),
    };
  }
  return toPlainJson(content);
}

function toPlainJson(v: unknown): unknown {
  if (v instanceof Uint8Array) return toBase64(v);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(toPlainJson);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlainJson(x)]));
  return v;
}

/** JSON content (as produced by contentToJson) → native content for `send`. */
export function contentFromJson(typeString: string | undefined, json: unknown): { contentType: ContentTypeId; content: unknown } {
  const type = typeString ? parseContentType(typeString) : ContentTypeText;
  const bad = (msg: string) => new XmtpError('invalid_content', msg);
  const obj = (json && typeof json === 'object' ? json : null) as Record<string, unknown> | null;
  if (is(type, ContentTypeText)) {
    if (typeof json !== 'string') throw bad('text content must be a string');
    return { contentType: type, content: json };
  }
  if (is(type, ContentTypeReply)) {
    if (!obj || typeof obj.reference !== 'string') throw bad('reply needs reference and content');
    const inner = contentFromJson(typeof obj.contentType === 'string' ? obj.contentType : undefined, obj.content);
    return { contentType: type, content: { reference: obj.reference, contentType: inner.contentType, content: inner.content } satisfies Reply };
  }
  if (is(type, ContentTypeReaction)) {
    if (!obj || typeof obj.reference !== 'string' || typeof obj.content !== 'string') throw bad('reaction needs reference and content');
    if (obj.action !== 'added' && obj.action !== 'removed') throw bad('reaction action must be added or removed');
    const schema = obj.schema ?? 'unicode';
    if (schema !== 'unicode' && schema !== 'shortcode' && schema !== 'custom') throw bad('invalid reaction schema');
    return { contentType: type, content: { reference: obj.reference, action: obj.action, schema, content: obj.content } };
  }
  if (is(type, ContentTypeReadReceipt)) return { contentType: type, content: {} };
  if (is(type, ContentTypeAttachment)) {
    if (!obj || typeof obj.filename !== 'string' || typeof obj.mimeType !== 'string' || typeof obj.data !== 'string') {
      throw bad('attachment needs filename, mimeType and base64 data');
    }
    return { contentType: type, content: { filename: obj.filename, mimeType: obj.mimeType, data: fromBase64(obj.data) } satisfies Attachment };
  }
  if (is(type, ContentTypeRemoteAttachment)) {
    if (!obj || typeof obj.url !== 'string') throw bad('remote attachment needs url');
    const s = (k: string) => {
      if (typeof obj[k] !== 'string') throw bad(`remote attachment needs ${k}`);
      return obj[k] as string;
    };
    return {
      contentType: type,
      content: {
        url: obj.url, filename: s('filename'), contentDigest: s('contentDigest'), scheme: s('scheme'),
        contentLength: Number(obj.contentLength), secret: hexToBytes(s('secret')), salt: hexToBytes(s('salt')), nonce: hexToBytes(s('nonce')),
      } satisfies RemoteAttachment,
    };
  }
  return { contentType: type, content: json };
}

export function messageToJson(m: DecodedMessage): MessageJson {
  const out: MessageJson = {
    id: m.id,
    conversation: m.contentTopic,
    senderAddress: m.senderAddress,
    sent: Number(m.sentNs / 1_000_000n),
    contentType: contentTypeToString(m.contentType),
    content: contentToJson(m.contentType, m.content),
  };
  if (m.contentFallback !== undefined) out.fallback = m.contentFallback;
  return out;
}

export interface ConversationJson {
  /** the topic */
  id: string;
  peerAddress: string;
  /** ms */
  createdAt: number;
  version: 'v1' | 'v2';
  context?: { conversationId: string; metadata: Record<string, string> };
  consent: ConsentState;
}

/** DESIGN.md `Conversation` (consent from the client's loaded consent list). */
export function conversationToJson(c: Conversation): ConversationJson {
  const out: ConversationJson = {
    id: c.topic,
    peerAddress: c.peerAddress,
    createdAt: Number(c.createdNs / 1_000_000n),
    version: c.version,
    consent: c.consentState(),
  };
  if (c.context) out.context = { conversationId: c.context.conversationId, metadata: { ...c.context.metadata } };
  return out;
}
