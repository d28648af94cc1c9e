import { fromUtf8Strict, utf8 } from '../crypto/bytes.ts';
import { XmtpError } from '../errors.ts';
import { ContentTypeText } from './content-type.ts';
import type { ContentCodec } from './codec.ts';

export class TextCodec implements ContentCodec<string> {
  readonly contentType = ContentTypeText;
  encode(content: string) {
    if (typeof content !== 'string') throw new XmtpError('invalid_content', 'text content must be a string');
    return { type: ContentTypeText, parameters: { encoding: 'UTF-8' }, content: utf8(content) };
  }
  decode(encoded: { parameters: Record<string, string>; content: Uint8Array }): string {
    // The SDK rejects text without this exact parameter.
    if (encoded.parameters.encoding !== 'UTF-8') {
      throw new XmtpError('invalid_content', `unrecognized encoding ${encoded.parameters.encoding}`);
    }
    return fromUtf8Strict(encoded.content);
  }
  fallback() {
    return undefined;
  }
  shouldPush() {
    return true;
  }
}
