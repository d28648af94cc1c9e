// Public entry of the XMTP V2-era client core. Runs unchanged in Node, service workers and pages.
export { Client, ApiUrls, type ClientOptions } from './client.ts';
export type { Signer } from './keys/signer.ts';
export { privateKeySigner, type PrivateKeySigner } from './keys/private-key-signer.ts';
export { PrivateKeyBundle } from './keys/private-key-bundle.ts';

export { Conversation, type ListMessagesOptions, type ConversationSendOptions, type StreamOptions } from './conversations/conversation.ts';
export { Conversations, type InvitationContextInput, type ConsentProofInput } from './conversations/conversations.ts';
export { DecodedMessage } from './conversations/decoded-message.ts';
export type { MessageError, OnMessageError } from './conversations/context.ts';
export { Stream } from './stream.ts';
export { Contacts, type ConsentState } from './consent/contacts.ts';

export * from './content/content-type.ts';
export type { ContentCodec, CodecRegistry } from './content/codec.ts';
export { Compression, type EncodedContent } from './content/encoded-content.ts';
export { ContentRegistry, type SendOptions } from './content/registry.ts';
export type { Reply } from './content/reply.ts';
export type { Reaction } from './content/reaction.ts';
export type { ReadReceipt } from './content/read-receipt.ts';
export type { Attachment } from './content/attachment.ts';
export { encryptRemoteContent, decryptRemoteContent, type RemoteAttachment, type EncryptedAttachment } from './content/remote-attachment.ts';
export { messageToJson, conversationToJson, contentToJson, contentFromJson, type MessageJson, type ConversationJson } from './json-view.ts';

export type { XmtpStorage, StoredConversation, StoredMessage, MessageQuery, ConsentEntry, ConversationVersion } from './storage/types.ts';
export { MemoryStorage } from './storage/memory.ts';

export { ApiClient, type Subscription, type SubscribeOptions, type QueryOptions } from './api/api-client.ts';
export { HttpTransport } from './api/http-transport.ts';
export { WebSocketTransport, type WebSocketConstructor, type WebSocketLike } from './api/ws-transport.ts';
export { ApiError, type Transport, type SubscribeTransport, type StreamConnection, type Envelope, type QueryRequest, type QueryResponse, type Cursor } from './api/types.ts';

export { XmtpError, isXmtpError, type XmtpErrorCode } from './errors.ts';
export { setSignatureVerifier, getSignatureVerifier, nobleVerifier, type SignatureVerifier } from './crypto/verifier.ts';
export { createWasmVerifier, installWasmVerifier } from './crypto/wasm-verifier.ts';
export { toChecksumAddress, isAddress } from './crypto/address.ts';
export { validateAuthToken, createAuthToken, type ValidatedToken } from './auth/token.ts';
