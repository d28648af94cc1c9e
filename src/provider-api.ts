// The window.xmtp contract (DESIGN.md, "The dapp provider"): method names dapps may call, the shape and
// size of each method's params, and the JSON shapes pages receive. The same validators run three
// times: in the page (inpage script, so a dapp gets a precise -32602 before anything leaves the page),
// in the content script (the page's main world can bypass the inpage script) and in the background
// (the only place that decides anything).
import type { ConversationContextJson, ConversationJson, MessageJson } from './xmtp/json-view.ts';
import { address, arrayOf, contentType, int, json, none, obj, oneOf, optional, recordOf, str, topic, type Check } from './validate.ts';
import { MAX_CONTENT_JSON_BYTES } from './xmtp/limits.ts';

export const PROVIDER_METHODS = [
  'xmtp_connect',
  'xmtp_accounts',
  'xmtp_disconnect',
  'xmtp_canMessage',
  'xmtp_listConversations',
  'xmtp_newConversation',
  'xmtp_listMessages',
  'xmtp_sendMessage',
  'xmtp_subscribe',
  'xmtp_unsubscribe',
  'xmtp_setConsent',
  'xmtp_resolveName',
  'xmtp_lookupAddress',
] as const;
export type ProviderMethod = (typeof PROVIDER_METHODS)[number];
export const isProviderMethod = (m: unknown): m is ProviderMethod => typeof m === 'string' && (PROVIDER_METHODS as readonly string[]).includes(m);

export type ProviderScope = 'app' | 'inbox';

/** Size limits of the provider API (documented in docs/provider.md). */
export const PROVIDER_LIMITS = {
  /** the whole params object, as JSON */
  maxParamsBytes: MAX_CONTENT_JSON_BYTES + 4096,
  /** a message's content, as JSON: room for the largest inline attachment in base64 */
  maxContentBytes: MAX_CONTENT_JSON_BYTES,
  maxAddresses: 100,
  /** a name (alice.eth) where an address may be given */
  maxName: 255,
  maxConversationId: 200,
  maxMetadataKeys: 20,
  maxMetadataValue: 1000,
  maxPage: 500,
  /** requests of one frame waiting for an answer at once */
  maxInFlight: 64,
  /** subscriptions of one frame (one per conversation, or all): more gets -32005 */
  maxSubscriptions: 20,
} as const;

/** `{ conversationId, metadata }` of DESIGN's Conversation. */
export type PageConversationContext = ConversationContextJson;
/** DESIGN.md `Conversation`: exactly these fields reach a page (the core's view without `version`). */
export type PageConversation = Omit<ConversationJson, 'version'>;
/** DESIGN.md `Message`: exactly these fields reach a page. */
export type PageMessage = MessageJson;

export interface ProviderCatalogue {
  xmtp_connect: { params: { scope?: ProviderScope }; result: { address: string; scope: ProviderScope } };
  xmtp_accounts: { params: undefined; result: string[] };
  xmtp_disconnect: { params: undefined; result: true };
  xmtp_canMessage: { params: { addresses: string[] }; result: Record<string, boolean> };
  xmtp_listConversations: { params: { limit?: number; before?: number }; result: PageConversation[] };
  xmtp_newConversation: {
    params: { peerAddress: string; conversationId?: string; metadata?: Record<string, string> };
    result: PageConversation;
  };
  xmtp_listMessages: {
    params: { conversation: string; limit?: number; before?: number; after?: number; direction?: 'ascending' | 'descending' };
    result: PageMessage[];
  };
  xmtp_sendMessage: { params: { conversation: string; content: unknown; contentType?: string }; result: PageMessage };
  xmtp_subscribe: { params: { conversation?: string }; result: string };
  xmtp_unsubscribe: { params: { subscription: string }; result: boolean };
  xmtp_setConsent: { params: { peerAddress: string; state: 'allowed' | 'denied' }; result: true };
  /** A name (alice.eth, or bob.lens where Lens is on) → its address, as the inbox resolves it. */
  xmtp_resolveName: { params: { name: string }; result: { name: string; address: string } };
  /** An address → its verified name (primary ENS name, or Lens handle), or null. */
  xmtp_lookupAddress: { params: { address: string }; result: { address: string; name: string | null } };
}
export type ProviderParams<M extends ProviderMethod> = ProviderCatalogue[M]['params'];
export type ProviderResult<M extends ProviderMethod> = ProviderCatalogue[M]['result'];

/** An object of named fields that may also be left out entirely (undefined or null → {}). */
function optionalObj<T>(check: Check<T>): Check<T> {
  return (v, path) => check(v === undefined || v === null ? {} : v, path);
}

const L = PROVIDER_LIMITS;
/** A name has a dot and no spaces; the inbox normalises and resolves it (ENSIP-15 for ENS). */
const NAME_PATTERN = /^[^\s.]+(\.[^\s.]+)+$/u;
const name = str({ min: 3, max: L.maxName, pattern: NAME_PATTERN, what: 'a name such as alice.eth' });
/** Where a peer is named: an address, or a name the inbox resolves to one. */
const peer: Check<string> = (v, path) => (typeof v === 'string' && /^0x/i.test(v) ? address(v, path) : name(v, path));
const page = optional(int({ min: 1, max: L.maxPage }));
const ms = optional(int({ min: 0 }));

export const PROVIDER_PARAMS: { [M in ProviderMethod]: Check<ProviderParams<M>> } = {
  xmtp_connect: optionalObj(obj({ scope: optional(oneOf(['app', 'inbox'] as const)) })),
  xmtp_accounts: none,
  xmtp_disconnect: none,
  xmtp_canMessage: obj({ addresses: arrayOf(peer, { min: 1, max: L.maxAddresses }) }),
  xmtp_listConversations: optionalObj(obj({ limit: page, before: ms })),
  xmtp_newConversation: obj({
    peerAddress: peer,
    conversationId: optional(str({ min: 1, max: L.maxConversationId })),
    metadata: optional(recordOf(str({ max: L.maxMetadataValue }), { maxKeys: L.maxMetadataKeys, maxKeyLength: 100 })),
  }),
  xmtp_listMessages: obj({
    conversation: topic,
    limit: page,
    before: ms,
    after: ms,
    direction: optional(oneOf(['ascending', 'descending'] as const)),
  }),
  xmtp_sendMessage: obj({ conversation: topic, content: json({ maxBytes: L.maxContentBytes }), contentType: optional(contentType) }),
  xmtp_subscribe: optionalObj(obj({ conversation: optional(topic) })),
  xmtp_unsubscribe: obj({ subscription: str({ min: 1, max: 100 }) }),
  xmtp_setConsent: obj({ peerAddress: address, state: oneOf(['allowed', 'denied'] as const) }),
  xmtp_resolveName: obj({ name }),
  xmtp_lookupAddress: obj({ address }),
};

/** Methods that answer without the inbox being unlocked and without a grant. */
export const OPEN_METHODS: ReadonlySet<ProviderMethod> = new Set(['xmtp_connect', 'xmtp_accounts', 'xmtp_disconnect', 'xmtp_unsubscribe']);
