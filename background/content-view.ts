// Message content between the client core's objects (Uint8Array, ContentTypeId) and the JSON views the
// other contexts use (src/views.ts): a string for text, JSON for the other standard types. Incoming
// views from the popup or a page are validated here, with messages a developer can act on.
import {
  ContentTypeAttachment,
  ContentTypeReaction,
  ContentTypeReadReceipt,
  ContentTypeRemoteAttachment,
  ContentTypeReply,
  ContentTypeText,
  contentTypeToString,
  parseContentType,
  type ContentTypeId,
} from '../src/xmtp/content/content-type.ts';
import type { Attachment } from '../src/xmtp/content/attachment.ts';
import type { Reaction } from '../src/xmtp/content/reaction.ts';
import type { RemoteAttachment } from '../src/xmtp/content/remote-attachment.ts';
import type { Reply } from '../src/xmtp/content/reply.ts';
import { bytesToHex, fromBase64, hexToBytes, toBase64 } from '../src/xmtp/crypto/bytes.ts';
import { ErrorCode, RpcError } from '../src/rpc.ts';
import { isPlainObject } from '../src/validate.ts';
import type { AttachmentContent, ReactionContent, RemoteAttachmentContent, ReplyContent } from '../src/views.ts';

/** Largest inline attachment we send: bigger files belong in a remote attachment. */
export const MAX_INLINE_ATTACHMENT = 1_000_000;

const key = (t: ContentTypeId) => `${t.authorityId}/${t.typeId}`;
const TEXT = key(ContentTypeText);
const REPLY = key(ContentTypeReply);
const REACTION = key(ContentTypeReaction);
const READ_RECEIPT = key(ContentTypeReadReceipt);
const ATTACHMENT = key(ContentTypeAttachment);
const REMOTE = key(ContentTypeRemoteAttachment);

/** The JSON view of decoded content; undefined for types we cannot show (the fallback is shown instead). */
export function contentToView(type: ContentTypeId, content: unknown): unknown {
  if (content === undefined) return undefined;
  switch (key(type)) {
    case TEXT:
      return typeof content === 'string' ? content : undefined;
    case REPLY: {
      const r = content as Reply;
      const view: ReplyContent = { reference: r.reference, contentType: contentTypeToString(r.contentType), content: contentToView(r.contentType, r.content) };
      return view;
    }
    case REACTION: {
      const r = content as Reaction;
      const view: ReactionContent = { reference: r.reference, action: r.action, schema: r.schema, content: r.content };
      return view;
    }
    case READ_RECEIPT:
      return {};
    case ATTACHMENT: {
      const a = content as Attachment;
      const view: AttachmentContent = { filename: a.filename, mimeType: a.mimeType, data: toBase64(a.data) };
      return view;
    }
    case REMOTE: {
      const r = content as RemoteAttachment;
      const view: RemoteAttachmentContent = {
        url: r.url,
        filename: r.filename,
        contentLength: r.contentLength,
        contentDigest: r.contentDigest,
        scheme: r.scheme,
        secret: bytesToHex(r.secret),
        salt: bytesToHex(r.salt),
        nonce: bytesToHex(r.nonce),
      };
      return view;
    }
    default:
      return undefined;
  }
}

const bad = (message: string) => new RpcError(ErrorCode.invalidParams, message);

function field<T>(o: Record<string, unknown>, name: string, type: 'string' | 'number', what: string = type): T {
  const v = o[name];
  if (typeof v !== type || (type === 'string' && (v as string).length === 0)) throw bad(`content.${name} must be a non-empty ${what}`);
  return v as T;
}

function hexField(o: Record<string, unknown>, name: string, bytes: number): Uint8Array {
  const v = o[name];
  if (typeof v !== 'string' || !new RegExp(`^(0x)?[0-9a-fA-F]{${bytes * 2}}$`).test(v)) throw bad(`content.${name} must be ${bytes} bytes of hex`);
  return hexToBytes(v.replace(/^0x/, ''));
}

/** Turns a view into what the client core encodes; throws -32602 with the reason when it is not valid. */
export function contentFromView(contentTypeString: string | undefined, view: unknown): { contentType: ContentTypeId; content: unknown } {
  let type: ContentTypeId;
  try {
    type = contentTypeString ? parseContentType(contentTypeString) : ContentTypeText;
  } catch {
    throw bad(`contentType "${contentTypeString}" is not of the form authority/type:major.minor`);
  }
  switch (key(type)) {
    case TEXT:
      if (typeof view !== 'string' || view.length === 0) throw bad('text content must be a non-empty string');
      return { contentType: ContentTypeText, content: view };
    case REPLY: {
      if (!isPlainObject(view)) throw bad('reply content must be { reference, content, contentType? }');
      const reference = field<string>(view, 'reference', 'string', 'message id');
      const inner = contentFromView(typeof view.contentType === 'string' ? view.contentType : undefined, view.content);
      if (key(inner.contentType) === REPLY) throw bad('a reply cannot contain another reply');
      const reply: Reply = { reference, content: inner.content, contentType: inner.contentType };
      return { contentType: ContentTypeReply, content: reply };
    }
    case REACTION: {
      if (!isPlainObject(view)) throw bad('reaction content must be { reference, action, schema, content }');
      const action = view.action ?? 'added';
      const schema = view.schema ?? 'unicode';
      if (action !== 'added' && action !== 'removed') throw bad('content.action must be "added" or "removed"');
      if (schema !== 'unicode' && schema !== 'shortcode' && schema !== 'custom') throw bad('content.schema must be "unicode", "shortcode" or "custom"');
      const reaction: Reaction = { reference: field(view, 'reference', 'string', 'message id'), action, schema, content: field(view, 'content', 'string') };
      return { contentType: ContentTypeReaction, content: reaction };
    }
    case READ_RECEIPT:
      return { contentType: ContentTypeReadReceipt, content: {} };
    case ATTACHMENT: {
      if (!isPlainObject(view)) throw bad('attachment content must be { filename, mimeType, data (base64) }');
      let data: Uint8Array;
      try {
        data = fromBase64(field<string>(view, 'data', 'string', 'base64 string'));
      } catch (e) {
        if (e instanceof RpcError) throw e;
        throw bad('content.data must be base64');
      }
      if (data.length > MAX_INLINE_ATTACHMENT) throw bad(`attachments are limited to ${MAX_INLINE_ATTACHMENT / 1_000_000} MB; send a remote attachment instead`);
      const attachment: Attachment = { filename: field(view, 'filename', 'string'), mimeType: field(view, 'mimeType', 'string'), data };
      return { contentType: ContentTypeAttachment, content: attachment };
    }
    case REMOTE: {
      if (!isPlainObject(view)) throw bad('remote attachment content must be an object');
      const url = field<string>(view, 'url', 'string');
      if (!url.startsWith('https://')) throw bad('content.url must be an https:// URL');
      const contentLength = view.contentLength;
      if (typeof contentLength !== 'number' || !Number.isSafeInteger(contentLength) || contentLength < 0) throw bad('content.contentLength must be a byte count');
      const remote: RemoteAttachment = {
        url,
        filename: field(view, 'filename', 'string'),
        contentLength,
        contentDigest: bytesToHex(hexField(view, 'contentDigest', 32)),
        scheme: typeof view.scheme === 'string' ? view.scheme : 'https://',
        secret: hexField(view, 'secret', 32),
        salt: hexField(view, 'salt', 32),
        nonce: hexField(view, 'nonce', 12),
      };
      return { contentType: ContentTypeRemoteAttachment, content: remote };
    }
    default:
      throw new RpcError(ErrorCode.invalidParams, `content type ${contentTypeToString(type)} is not supported for sending`);
  }
}
