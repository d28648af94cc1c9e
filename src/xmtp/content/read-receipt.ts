import { ContentTypeReadReceipt } from './content-type.ts';
import type { ContentCodec } from './codec.ts';

export type ReadReceipt = Record<string, never>;

export class ReadReceiptCodec implements ContentCodec<ReadReceipt> {
  readonly contentType = ContentTypeReadReceipt;
  encode() {
    return { type: ContentTypeReadReceipt, parameters: {}, content: new Uint8Array(0) };
  }
  decode(): ReadReceipt {
    return {};
  }
  fallback() {
    return undefined;
  }
  shouldPush() {
    return false;
  }
}
