// The official XMTP SDK (@xmtp/xmtp-js 13.0.4) and its standard content-type codecs, for interop
// tests and benchmarks only. Loaded through require: the SDK's ESM build does not load on Node 20.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

export const sdk: Any = require('@xmtp/xmtp-js');
export const { Client: SdkClient } = sdk;
export const { ContentTypeText } = require('@xmtp/content-type-text');
export const { ContentTypeId } = require('@xmtp/content-type-primitives');
export const { ReplyCodec, ContentTypeReply } = require('@xmtp/content-type-reply');
export const { ReactionCodec, ContentTypeReaction } = require('@xmtp/content-type-reaction');
export const { ReadReceiptCodec, ContentTypeReadReceipt } = require('@xmtp/content-type-read-receipt');
export const { AttachmentCodec, RemoteAttachmentCodec, ContentTypeAttachment, ContentTypeRemoteAttachment } = require('@xmtp/content-type-remote-attachment');

/** Every standard codec, for `Client.create(wallet, { codecs: sdkCodecs() })`. */
export const sdkCodecs = (): Any[] => [new ReplyCodec(), new ReactionCodec(), new ReadReceiptCodec(), new AttachmentCodec(), new RemoteAttachmentCodec()];

/** An official client against a node URL. Options pass through (e.g. privateKeyOverride). */
export async function createSdkClient(wallet: { getAddress(): Promise<string>; signMessage(m: string): Promise<string> } | null, apiUrl: string, opts: Record<string, unknown> = {}): Promise<Any> {
  return SdkClient.create(wallet, { env: 'local', apiUrl, codecs: sdkCodecs(), persistConversations: false, ...opts });
}
