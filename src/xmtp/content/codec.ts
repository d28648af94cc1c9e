// The codec contract (XIP-5), shaped like the official SDK's so its codecs can be registered too.
import type { ContentTypeId } from './content-type.ts';
import type { EncodedContent } from './encoded-content.ts';

export interface CodecRegistry {
  codecFor(type: ContentTypeId): ContentCodec | undefined;
}

export interface ContentCodec<T = any> {
  readonly contentType: ContentTypeId;
  encode(content: T, registry: CodecRegistry): EncodedContent;
  decode(encoded: EncodedContent, registry: CodecRegistry): T;
  fallback(content: T): string | undefined;
  shouldPush(content: T): boolean;
}
