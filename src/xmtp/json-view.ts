// JSON views of messages for the extension's contexts (DESIGN.md `Message`): plain data only,
// content as a string for text and JSON for the other standard types. Also the reverse, for
// sending content that arrives as JSON.
import { bytesToHex, fromBase64, hexToBytes, toBase64, utf8 } from './crypto/bytes.ts';
import {
  ContentTypeAttachment, ContentTypeReaction, ContentTypeReadReceipt, ContentTypeRemoteAttachment, ContentTypeReply, ContentTypeText,
  contentTypeToString, parseContentType, type ContentTypeId,
} from './content/content-type.ts';
import { XmtpError } from './errors.ts';
import { MAX_INLINE_ATTACHMENT_BYTES } from './limits.ts';
import type { Attachment } from './content/attachment.ts';
import { remoteUrlAllowed, type RemoteAttachment } from './content/remote-attachment.ts';
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

/** File names, MIME types, references and reaction content. */
const MAX_NAME_LENGTH = 1000;
const MAX_URL_LENGTH = 2048;

/**
 * JSON content (as produced by contentToJson) → native content for `send`. This is the door for
 * untrusted input (pages, the popup), so every field is checked and each refusal says what is wrong
 * (XmtpError 'invalid_content').
 */
export function contentFromJson(typeString: string | undefined, json: unknown): { contentType: ContentTypeId; content: unknown } {
  const bad = (msg: string) => new XmtpError('invalid_content', msg);
  let type: ContentTypeId;
  try {
    type = typeString ? parseContentType(typeString) : ContentTypeText;
  } catch {
    throw bad(`contentType "${typeString}" is not of the form authority/type:major.minor`);
  }
  const obj = (json && typeof json === 'object' && !Array.isArray(json) ? json : null) as Record<string, unknown> | null;
  const str = (k: string, what = 'string', max = MAX_NAME_LENGTH) => {
    const v = obj?.[k];
    if (typeof v !== 'string' || !v) throw bad(`content.${k} must be a non-empty ${what}`);
    if (v.length > max) throw bad(`content.${k} must be at most ${max} characters`);
    return v;
  };
  const hex = (k: string, bytes: number) => {
    const v = obj?.[k];
    if (typeof v !== 'string' || !new RegExp(`^(0x)?[0-9a-fA-F]{${bytes * 2}}$`).test(v)) throw bad(`content.${k} must be ${bytes} bytes of hex`);
    return hexToBytes(v.replace(/^0x/, ''));
  };
  if (is(type, ContentTypeText)) {
    if (typeof json !== 'string' || !json) throw bad('text content must be a non-empty string');
    if (json.length > MAX_INLINE_ATTACHMENT_BYTES / 3 && utf8(json).length > MAX_INLINE_ATTACHMENT_BYTES) {
      throw bad(`text is limited to ${MAX_INLINE_ATTACHMENT_BYTES.toLocaleString('en')} bytes`);
    }
    return { contentType: type, content: json };
  }
  if (is(type, ContentTypeReply)) {
    if (!obj) throw bad('reply content must be { reference, content, contentType? }');
    const reference = str('reference', 'message id');
    const inner = contentFromJson(typeof obj.contentType === 'string' ? obj.contentType : undefined, obj.content);
    if (is(inner.contentType, ContentTypeReply)) throw bad('a reply cannot contain another reply');
    return { contentType: type, content: { reference, contentType: inner.contentType, content: inner.content } satisfies Reply };
  }
  if (is(type, ContentTypeReaction)) {
    if (!obj) throw bad('reaction content must be { reference, action, schema, content }');
    const action = obj.action ?? 'added';
    const schema = obj.schema ?? 'unicode';
    if (action !== 'added' && action !== 'removed') throw bad('content.action must be "added" or "removed"');
    if (schema !== 'unicode' && schema !== 'shortcode' && schema !== 'custom') throw bad('content.schema must be "unicode", "shortcode" or "custom"');
    return { contentType: type, content: { reference: str('reference', 'message id'), action, schema, content: str('content') } };
  }
  if (is(type, ContentTypeReadReceipt)) return { contentType: type, content: {} };
  if (is(type, ContentTypeAttachment)) {
    if (!obj) throw bad('attachment content must be { filename, mimeType, data (base64) }');
    let data: Uint8Array;
    try {
      data = fromBase64(str('data', 'base64 string', Infinity));
    } catch (e) {
      if (e instanceof XmtpError) throw e;
      throw bad('content.data must be base64');
    }
    if (data.length > MAX_INLINE_ATTACHMENT_BYTES) {
      throw bad(`attachments are limited to ${MAX_INLINE_ATTACHMENT_BYTES.toLocaleString('en')} bytes; send a remote attachment instead`);
    }
    return { contentType: type, content: { filename: str('filename'), mimeType: str('mimeType'), data } satisfies Attachment };
  }
  if (is(type, ContentTypeRemoteAttachment)) {
    if (!obj) throw bad('remote attachment content must be an object');
    const url = str('url', 'string', MAX_URL_LENGTH);
    if (!remoteUrlAllowed(url)) throw bad('content.url must be an https:// URL (or http:// on this machine)');
    const contentLength = obj.contentLength;
    if (typeof contentLength !== 'number' || !Number.isSafeInteger(contentLength) || contentLength < 0) throw bad('content.contentLength must be a byte count');
    return {
      contentType: type,
      content: {
        url,
        filename: str('filename'),
        contentLength,
        contentDigest: bytesToHex(hex('contentDigest', 32)),
        scheme: typeof obj.scheme === 'string' ? obj.scheme : 'https://',
        secret: hex('secret', 32),
        salt: hex('salt', 32),
        nonce: hex('nonce', 12),
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
  context?: ConversationContextJson;
  consent: ConsentState;
}

/** `{ conversationId, metadata }` of DESIGN.md's Conversation. */
export interface ConversationContextJson {
  conversationId: string;
  metadata: Record<string, string>;
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
