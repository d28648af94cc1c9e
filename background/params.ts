// Runtime validation of every catalogue request's params (src/messages.ts), applied by the router
// before any handler runs.
import type { Method, Params, WalletSecret } from '../src/messages.ts';
import { address, arrayOf, bool, contentType, int, isPlainObject, json, MAX_NODES, none, nodeUrl, obj, oneOf, optional, recordOf, str, topic, type Check } from '../src/validate.ts';
import { PROVIDER_LIMITS } from '../src/provider-api.ts';
import { MAX_DRAFT_CHARS } from './drafts.ts';
import { MAX_CONTENT_JSON_BYTES } from '../src/xmtp/limits.ts';

const password = str({ min: 8, max: 1024 });
const anyPassword = str({ min: 1, max: 1024 });
const privateKey = str({ pattern: /^(0x)?[0-9a-fA-F]{64}$/, what: 'a private key: 64 hex digits, with or without 0x' });
const id = str({ min: 1, max: 200 });
const consent = oneOf(['allowed', 'denied', 'unknown'] as const);
const scope = oneOf(['app', 'inbox'] as const);
const origin = str({ min: 1, max: 2048 });
const label = str({ min: 1, max: 40 });
const newAccount = { password: optional(password), label: optional(label) };
/** 12 to 24 words; checkPhrase (recovery-phrase.ts) says what is wrong with the words themselves. */
const phrase = str({ min: 1, max: 400 });
const accountIndex = int({ min: 0, max: 2 ** 31 - 1 });

/** A private key, or a phrase with its account number, plus the fields of `shape`. */
function walletSecret<S extends Record<string, Check<unknown>>>(shape: S) {
  const byKey = obj({ privateKey, ...shape });
  const byPhrase = obj({ phrase, index: optional(accountIndex), ...shape });
  return (v: unknown, path: string) => (isPlainObject(v) && v.phrase !== undefined && v.privateKey === undefined ? byPhrase(v, path) : byKey(v, path));
}
const secretOnly: Check<WalletSecret> = walletSecret({});

export const PARAMS: { [M in Method]: Check<Params<M>> } = {
  'app.status': none,
  'app.ping': none,
  'account.create': obj(newAccount),
  'account.checkImport': secretOnly,
  'account.import': walletSecret(newAccount),
  'account.connectPageWallet': obj({ tabId: optional(int({ min: 0 })), promptId: optional(id), ...newAccount }),
  'account.unlock': obj({ password: anyPassword }),
  'account.lock': none,
  'account.changePassword': obj({ oldPassword: anyPassword, newPassword: password }),
  'account.switch': obj({ address }),
  'account.rename': obj({ address, label }),
  'account.remove': obj({ address }),
  'account.reveal': obj({ address, password: anyPassword, secret: oneOf(['phrase', 'privateKey'] as const) }),
  'settings.get': none,
  'settings.update': obj({
    nodeUrl: optional(nodeUrl),
    nodeUrls: optional(arrayOf(nodeUrl, { min: 1, max: MAX_NODES })),
    lockAfterMinutes: optional(int({ min: 0, max: 24 * 60 })),
    notifications: optional(bool),
    notificationPreview: optional(oneOf(['text', 'sender'] as const)),
    readReceipts: optional(bool),
    ensNames: optional(bool),
    // the same rule as a node URL: http(s) with a host (settings.ts normalises each)
    ethRpcUrl: optional(nodeUrl),
    ipfsGateway: optional(nodeUrl),
    lensNames: optional(bool),
    lensApiUrl: optional(nodeUrl),
  }),
  'conversations.list': (v, path) =>
    v === undefined ? undefined : obj({ consent: optional(consent), search: optional(str({ max: 100 })), limit: optional(int({ min: 1, max: 100_000 })), offset: optional(int({ min: 0, max: 1_000_000 })) })(v, path),
  'conversations.get': obj({ topic }),
  'conversations.new': obj({
    peerAddress: address,
    conversationId: optional(str({ min: 1, max: 200 })),
    metadata: optional(recordOf(str({ max: 1000 }), { maxKeys: 20 })),
  }),
  'conversations.markRead': obj({ topic }),
  'contacts.canMessage': obj({ addresses: arrayOf(str({ max: 100 }), { min: 1, max: 500 }) }),
  'consent.set': obj({ peerAddress: address, state: oneOf(['allowed', 'denied'] as const) }),
  'messages.list': obj({ topic, limit: optional(int({ min: 1, max: 1000 })), before: optional(int({ min: 0 })) }),
  'messages.send': obj({ topic, contentType: optional(contentType), content: json({ maxBytes: MAX_CONTENT_JSON_BYTES }) }),
  'outbox.retry': obj({ id }),
  'outbox.discard': obj({ id }),
  'attachments.loadRemote': obj({ messageId: id, part: optional(int({ min: 0, max: 100 })) }),
  'attachments.uploadTarget': none,
  'sync.now': none,
  'names.lookup': obj({ addresses: arrayOf(address, { max: 1000 }) }),
  'names.resolve': obj({ name: str({ min: 1, max: 255 }) }),
  'messages.search': obj({ query: str({ min: 1, max: 200 }), limit: optional(int({ min: 1, max: 200 })) }),
  'drafts.get': obj({ topic }),
  'drafts.set': obj({ topic, text: str({ max: MAX_DRAFT_CHARS }) }),
  'connection.get': none,
  'sites.list': none,
  'sites.revoke': obj({ origin }),
  'prompt.get': obj({ id }),
  'prompt.resolve': obj({ id, approved: bool, scope: optional(scope) }),
  'provider.request': obj({ method: str({ min: 1, max: 100 }), params: optional(json({ maxBytes: PROVIDER_LIMITS.maxParamsBytes })) }),
  'wallet.response': obj({
    requestId: id,
    result: optional(json({ maxBytes: 100_000 })),
    error: optional(obj({ code: int(), message: str({ max: 2000 }) })),
  }),
};
