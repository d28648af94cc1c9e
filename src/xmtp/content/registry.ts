// Encoding and decoding message content through the registered codecs (spec 11.1).
import { XmtpError, asXmtpError } from '../errors.ts';
import type { CodecRegistry, ContentCodec } from './codec.ts';
import { ContentTypeText, contentTypeToString, type ContentTypeId } from './content-type.ts';
import { decodeEncodedContent, encodeEncodedContent, type Compression, type EncodedContent } from './encoded-content.ts';
import { MIN_COMPRESS_SIZE, SDK_DECOMPRESSED_LIMIT, compress, decompress } from './compression.ts';
import { TextCodec } from './text.ts';
import { ReplyCodec } from './reply.ts';
import { ReactionCodec } from './reaction.ts';
import { ReadReceiptCodec } from './read-receipt.ts';
import { AttachmentCodec } from './attachment.ts';
import { RemoteAttachmentCodec } from './remote-attachment.ts';

export interface SendOptions {
  /** default xmtp.org/text:1.0 */
  contentType?: ContentTypeId;
  /**
   * Requested compression. Applied only when the SDK can read it back: at least 10 and at most
   * 1000 bytes of content (the official SDK fails to inflate anything larger).
   */
  compression?: Compression;
}

export interface EncodedPayload {
  /** encoded EncodedContent: the signed/encrypted payload */
  bytes: Uint8Array;
  contentType: ContentTypeId;
  fallback?: string;
  shouldPush: boolean;
}

export interface DecodedContent {
  contentType: ContentTypeId;
  /** undefined when the type is unknown or the content failed to decode */
  content: unknown;
  fallback?: string;
  /** why `content` is undefined */
  error?: XmtpError;
}

export const defaultCodecs = (): ContentCodec[] => [
  new TextCodec(),
  new ReplyCodec(),
  new ReactionCodec(),
  new ReadReceiptCodec(),
  new AttachmentCodec(),
  new RemoteAttachmentCodec(),
];

const keyOf = (t: ContentTypeId) => `${t.authorityId}/${t.typeId}`;

export class ContentRegistry implements CodecRegistry {
  private readonly codecs = new Map<string, ContentCodec>();

  constructor(codecs: ContentCodec[] = defaultCodecs()) {
    for (const c of codecs) this.register(c);
  }

  register(codec: ContentCodec): void {
    this.codecs.set(keyOf(codec.contentType), codec);
  }

  /** Codec for a type, unless the incoming major version is newer than the codec's. */
  codecFor(type: ContentTypeId): ContentCodec | undefined {
    const codec = this.codecs.get(keyOf(type));
    if (!codec || type.versionMajor > codec.contentType.versionMajor) return undefined;
    return codec;
  }

  async encode(content: unknown, opts: SendOptions = {}): Promise<EncodedPayload> {
    const type = opts.contentType ?? ContentTypeText;
    const codec = this.codecFor(type);
    if (!codec) throw new XmtpError('unknown_content_type', `no codec for ${contentTypeToString(type)}`);
    const encoded: EncodedContent = { ...codec.encode(content, this) };
    const fallback = codec.fallback(content);
    encoded.fallback = fallback;
    encoded.compression = undefined;
    const n = encoded.content?.length ?? 0;
    if (opts.compression !== undefined && n >= MIN_COMPRESS_SIZE && n <= SDK_DECOMPRESSED_LIMIT) {
      encoded.compression = opts.compression;
      encoded.content = await compress(encoded.content, opts.compression);
    }
    return { bytes: encodeEncodedContent(encoded), contentType: encoded.type, fallback, shouldPush: codec.shouldPush(content) };
  }

  /** Never throws for content problems: unknown or undecodable content comes back with `error`. */
  async decode(bytes: Uint8Array): Promise<DecodedContent> {
    const encoded = decodeEncodedContent(bytes); // a payload that is not EncodedContent is a bad message
    const result: DecodedContent = { contentType: encoded.type, content: undefined };
    if (encoded.fallback !== undefined) result.fallback = encoded.fallback;
    try {
      if (encoded.compression !== undefined) {
        encoded.content = await decompress(encoded.content, encoded.compression);
        delete encoded.compression;
      }
      const codec = this.codecFor(encoded.type);
      if (!codec) throw new XmtpError('unknown_content_type', `unknown content type ${contentTypeToString(encoded.type)}`);
      result.content = codec.decode(encoded, this);
    } catch (e) {
      result.error = asXmtpError(e, 'invalid_content');
    }
    return result;
  }
}
