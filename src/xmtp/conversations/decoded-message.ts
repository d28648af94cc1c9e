// A verified, decrypted message with its content decoded, shaped like the SDK's DecodedMessage.
import type { ContentTypeId } from '../content/content-type.ts';
import type { XmtpError } from '../errors.ts';
import type { ConversationVersion } from '../storage/types.ts';

export interface ConversationRef {
  readonly topic: string;
  readonly peerAddress: string;
}

export class DecodedMessage {
  constructor(
    /** hex sha256 of the Message bytes */
    readonly id: string,
    readonly messageVersion: ConversationVersion,
    readonly senderAddress: string,
    readonly sentNs: bigint,
    /** the conversation topic */
    readonly contentTopic: string,
    readonly conversation: ConversationRef,
    readonly contentType: ContentTypeId,
    /** undefined for unknown or undecodable content (see error, contentFallback) */
    readonly content: any,
    /** encoded EncodedContent as signed */
    readonly contentBytes: Uint8Array,
    readonly contentFallback?: string,
    readonly error?: XmtpError,
    readonly recipientAddress?: string,
  ) {}

  get sent(): Date {
    return new Date(Number(this.sentNs / 1_000_000n));
  }
}
