// The client: bootstraps keys exactly as the official SDK does (key override → network key
// store → new keys stored to the network), publishes the contact bundle, and exposes
// conversations, consent and capability checks.
import { toChecksumAddress } from './crypto/address.ts';
import { XmtpError } from './errors.ts';
import { AuthCache } from './auth/token.ts';
import { ApiClient } from './api/api-client.ts';
import { HttpTransport } from './api/http-transport.ts';
import { WebSocketTransport, type WebSocketConstructor } from './api/ws-transport.ts';
import type { SubscribeTransport, Transport } from './api/types.ts';
import { ContactDirectory } from './contacts.ts';
import { Contacts } from './consent/contacts.ts';
import { ContentRegistry, defaultCodecs } from './content/registry.ts';
import type { ContentCodec } from './content/codec.ts';
import { PrivateKeyBundle } from './keys/private-key-bundle.ts';
import type { Signer } from './keys/signer.ts';
import { loadKeysFromNetwork, storeKeysOnNetwork } from './network-key-store.ts';
import { MemoryStorage } from './storage/memory.ts';
import type { XmtpStorage } from './storage/types.ts';
import { Conversations } from './conversations/conversations.ts';
import { SyncEngine } from './sync/engine.ts';
import { RequestQuota } from './sync/messages.ts';
import type { ClientContext } from './conversations/context.ts';

export const ApiUrls = {
  local: 'http://localhost:5555',
  dev: 'https://dev.xmtp.network',
  production: 'https://production.xmtp.network',
} as const;

export interface ClientOptions {
  env?: keyof typeof ApiUrls;
  /** overrides env */
  apiUrl?: string;
  /** custom unary transport (tests, other wires); default HTTP/JSON to apiUrl */
  transport?: Transport;
  /** custom subscription transport; default: WebSocket if `webSocket` is set, else HTTP streaming */
  subscribeTransport?: SubscribeTransport;
  /** subscribe over the node's WebSocket endpoint; `true` = globalThis.WebSocket */
  webSocket?: WebSocketConstructor | boolean;
  /** encoded PrivateKeyBundle (v1), e.g. from exportKeyBundle(); no wallet signature needed */
  privateKeyOverride?: Uint8Array;
  /** default: in memory */
  storage?: XmtpStorage;
  appVersion?: string;
  skipContactPublishing?: boolean;
  /** extra codecs (the standard ones are always registered) */
  codecs?: ContentCodec[];
  now?: () => number;
}

function makeApi(opts: ClientOptions): ApiClient {
  const apiUrl = opts.apiUrl ?? ApiUrls[opts.env ?? 'local'];
  const http = opts.transport ? undefined : new HttpTransport({ apiUrl, appVersion: opts.appVersion });
  let subscribe = opts.subscribeTransport;
  if (!subscribe && opts.webSocket) {
    subscribe = new WebSocketTransport({ apiUrl, WebSocket: opts.webSocket === true ? undefined : opts.webSocket });
  }
  return new ApiClient({ transport: opts.transport ?? http!, subscribeTransport: subscribe ?? http, now: opts.now });
}

export class Client implements ClientContext {
  readonly address: string;
  readonly keys: PrivateKeyBundle;
  readonly api: ApiClient;
  readonly storage: XmtpStorage;
  readonly registry: ContentRegistry;
  /** consent (allow/deny), as `client.contacts` in the SDK */
  readonly contacts: Contacts;
  readonly directory: ContactDirectory;
  readonly sync: SyncEngine;
  readonly quota: RequestQuota;
  readonly conversations: Conversations;
  readonly introducedPeers = new Set<string>();
  readonly now: () => number;

  private constructor(keys: PrivateKeyBundle, api: ApiClient, storage: XmtpStorage, opts: ClientOptions) {
    this.keys = keys;
    this.address = keys.walletAddress;
    this.api = api;
    this.storage = storage;
    this.now = opts.now ?? Date.now;
    this.registry = new ContentRegistry([...defaultCodecs(), ...(opts.codecs ?? [])]);
    this.directory = new ContactDirectory(api);
    this.sync = new SyncEngine(api, storage, this.now);
    this.contacts = new Contacts(api, keys, storage, this.sync);
    this.quota = new RequestQuota(storage, this.contacts, this.sync);
    this.conversations = new Conversations(this);
    api.setAuth(new AuthCache(keys, this.now));
  }

  /**
   * `signer` may be null only with `privateKeyOverride` (or keys already in `storage`).
   * Wallet signatures asked for: none (override/stored keys), one ("Enable Identity": restore
   * from the network) or two ("Create Identity" + "Enable Identity": new user).
   */
  static async create(signer: Signer | null, opts: ClientOptions = {}): Promise<Client> {
    const api = makeApi(opts);
    const storage = opts.storage ?? new MemoryStorage();
    let keys: PrivateKeyBundle | undefined;
    if (opts.privateKeyOverride) keys = PrivateKeyBundle.decode(opts.privateKeyOverride);
    if (!keys) {
      const stored = await storage.loadKeys();
      if (stored) keys = PrivateKeyBundle.decode(stored);
    }
    if (keys && signer && keys.walletAddress !== toChecksumAddress(await signer.getAddress())) {
      throw new XmtpError('key_store', 'the keys do not belong to this wallet');
    }
    if (!keys) {
      if (!signer) throw new XmtpError('key_store', 'a signer is required without privateKeyOverride');
      keys = await loadKeysFromNetwork(api, signer);
      if (!keys) {
        keys = await PrivateKeyBundle.generate(signer, { now: opts.now });
        api.setAuth(new AuthCache(keys, opts.now));
        await storeKeysOnNetwork(api, signer, keys);
      }
    }
    await storage.saveKeys(keys.encode());
    const client = new Client(keys, api, storage, opts);
    if (!opts.skipContactPublishing) await client.directory.ensurePublished(keys);
    return client;
  }

  /** Whether one address (boolean) or each of many (boolean[]) has a contact bundle. */
  canMessage(peer: string): Promise<boolean>;
  canMessage(peers: string[]): Promise<boolean[]>;
  async canMessage(peer: string | string[]): Promise<boolean | boolean[]> {
    if (Array.isArray(peer)) return (await this.directory.getMany(peer)).map((c) => !!c);
    try {
      return !!(await this.directory.get(peer));
    } catch {
      return false;
    }
  }

  /** Without keys: a fresh unauthenticated API client, like the SDK's static canMessage. */
  static canMessage(peer: string, opts?: ClientOptions): Promise<boolean>;
  static canMessage(peers: string[], opts?: ClientOptions): Promise<boolean[]>;
  static async canMessage(peer: string | string[], opts: ClientOptions = {}): Promise<boolean | boolean[]> {
    const dir = new ContactDirectory(makeApi(opts));
    if (Array.isArray(peer)) return (await dir.getMany(peer)).map((c) => !!c);
    try {
      return !!(await dir.get(peer));
    } catch {
      return false;
    }
  }

  /** Encoded PrivateKeyBundle (v1) for the extension's keystore; feed back as privateKeyOverride. */
  exportKeyBundle(): Uint8Array {
    return this.keys.encode();
  }

  registerCodec(codec: ContentCodec): void {
    this.registry.register(codec);
  }

  get publicKeyBundle() {
    return this.keys.publicBundle;
  }
}
