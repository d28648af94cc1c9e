import { XmtpError } from '../errors.ts';
import { ContentTypeReply, contentTypeToString, parseContentType, type ContentTypeId } from './content-type.ts';
import { decodeEncodedContent, encodeEncodedContent } from './encoded-content.ts';
import type { CodecRegistry, ContentCodec } from './codec.ts';

export interface Reply {
  /** id of the message replied to */
  reference: string;
  /** V3 only; carried when present */
  referenceInboxId?: string;
  content: unknown;
  contentType: ContentTypeId;
}

export class ReplyCodec implements ContentCodec<Reply> {
  readonly contentType = ContentTypeReply;

  encode(reply: Reply, registry: CodecRegistry) {
    const codec = registry.codecFor(reply.contentType);
    if (!codec) throw new XmtpError('unknown_content_type', `no codec for ${contentTypeToString(reply.contentType)}`);
    // The inner content is the inner codec's output only: no fallback, no compression.
    const inner = codec.encode(reply.content, registry);
    const parameters: Record<string, string> = {
      contentType: contentTypeToString(reply.contentType),
      reference: reply.reference,
    };
    if (reply.referenceInboxId) parameters.referenceInboxId = reply.referenceInboxId;
    return { type: ContentTypeReply, parameters, content: encodeEncodedContent({ ...inner, fallback: undefined, compression: undefined }) };
  }

  decode(encoded: { parameters: Record<string, string>; content: Uint8Array }, registry: CodecRegistry): Reply {
    const inner = decodeEncodedContent(encoded.content);
    const contentType = parseContentType(encoded.parameters.contentType ?? '');
    const codec = registry.codecFor(contentType);
    if (!codec) throw new XmtpError('unknown_content_type', `no codec for ${encoded.parameters.contentType}`);
    const reply: Reply = { reference: encoded.parameters.reference ?? '', contentType, content: codec.decode(inner, registry) };
    if (encoded.parameters.referenceInboxId) reply.referenceInboxId = encoded.parameters.referenceInboxId;
    return reply;
  }

  fallback(reply: Reply) {
    return typeof reply.content === 'string' ? `Replied with “${reply.content}” to an earlier message` : 'Replied to an earlier message';
  }

  shouldPush() {
    return true;
  }
}
