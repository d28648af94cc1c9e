import { ContentTypeAttachment } from './content-type.ts';
import type { ContentCodec } from './codec.ts';

export interface Attachment {
  filename: string;
  mimeType: string;
  data: Uint8Array;
}

export const attachmentFallback = (filename: string) => `Can’t display "${filename}". This app doesn’t support attachments.`;

export class AttachmentCodec implements ContentCodec<Attachment> {
  readonly contentType = ContentTypeAttachment;
  encode(a: Attachment) {
    return { type: ContentTypeAttachment, parameters: { filename: a.filename, mimeType: a.mimeType }, content: a.data };
  }
  decode(encoded: { parameters: Record<string, string>; content: Uint8Array }): Attachment {
    return { filename: encoded.parameters.filename ?? '', mimeType: encoded.parameters.mimeType ?? '', data: encoded.content };
  }
  fallback(a: Attachment) {
    return attachmentFallback(a.filename);
  }
  shouldPush() {
    return true;
  }
}
