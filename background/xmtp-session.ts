// The XMTP clients of the unlocked accounts. Each is built lazily from its sealed key bundle (no wallet
// and no network needed to start), rebuilt after a worker restart from storage.session, dropped on lock,
// on removal or when its node changes.
import { Client } from '../src/xmtp/client.ts';
import { ApiClient } from '../src/xmtp/api/api-client.ts';
import { HttpTransport } from '../src/xmtp/api/http-transport.ts';
import { WebSocketTransport, type WsTransportOptions } from '../src/xmtp/api/ws-transport.ts';
import type { StreamConnection, SubscribeTransport, Envelope } from '../src/xmtp/api/types.ts';
import { ErrorCode, RpcError } from '../src/rpc.ts';
import { currentAccount, getAccount } from './account-store.ts';
import { IdbStorage } from './idb-storage.ts';
import { openSecrets } from './keystore.ts';
import { getSettings } from './settings.ts';
import { platform } from './platform.ts';
import { getSession, lockedError } from './session.ts';
import { installWasmVerifier } from '../src/xmtp/crypto/wasm-verifier.ts';

let fastCrypto: Promise<void> | undefined;
/**
 * Switches signature checks (and the core's other secp256k1 work) to libsecp256k1 in WebAssembly,
 * once per worker. Until it is ready, or if it cannot load, the JavaScript implementation is used.
 */
export function ensureFastCrypto(): Promise<void> {
  const load = platform().secp256k1Wasm;
  fastCrypto ??= load
    ? load()
        .then((bytes) => installWasmVerifier(bytes))
        .then(
          () => {},
          (e) => console.warn('[xmtp-inbox] WebAssembly secp256k1 unavailable, using JavaScript:', e instanceof Error ? e.message : e),
        )
    : Promise.resolve();
  return fastCrypto;
}

export interface ActiveClient {
  account: string;
  client: Client;
  storage: IdbStorage;
  /** how live subscriptions reach the node */
  subscriptions: PreferWebSocket;
}

export { getSession, resetSession, lockedError } from './session.ts';
export const onboardingError = () => new RpcError(ErrorCode.internal, 'XMTP Inbox has no account yet', { reason: 'onboarding' });

/** Accounts whose keys the unlocked session holds (none while locked). */
export async function unlockedAccounts(): Promise<string[]> {
  return [...((await getSession().current())?.keys.keys() ?? [])];
}

const clients = new Map<string, Promise<ActiveClient>>();
const clientListeners: ((c: ActiveClient) => void)[] = [];

/** Runs for every client built (the background wires storage hooks and live streams here). */
export function onClient(fn: (c: ActiveClient) => void): void {
  clientListeners.push(fn);
}

/**
 * The client of an unlocked account (default: the current one), built once from its sealed key bundle;
 * throws 'locked' / 'onboarding' RpcErrors otherwise.
 */
export async function getClient(account?: string): Promise<ActiveClient> {
  const who = account ?? (await currentAccount());
  if (!who) throw onboardingError();
  const keys = await getSession().keysOf(who);
  if (!keys) throw lockedError();
  const known = clients.get(who);
  if (known) return known;
  const building = (async () => {
    await ensureFastCrypto();
    const record = await getAccount(who);
    if (!record) throw onboardingError();
    const dataKey = keys.keys.get(record.keys[0]!.id);
    if (!dataKey) throw lockedError();
    const { keyBundle } = await openSecrets(record, dataKey);
    const { nodeUrl } = await getSettings(who);
    const storage = new IdbStorage(who, undefined, keyBundle);
    const subscriptions = new PreferWebSocket(nodeUrl, { onKeepAlive: () => platform().keepAwake?.('keepalive') });
    const client = await Client.create(null, {
      apiUrl: nodeUrl,
      privateKeyOverride: keyBundle,
      storage,
      skipContactPublishing: true, // published when the identity was created or restored
      subscribeTransport: subscriptions,
    });
    const c: ActiveClient = { account: who, client, storage, subscriptions };
    for (const fn of clientListeners) fn(c);
    return c;
  })();
  clients.set(who, building);
  building.catch(() => {
    if (clients.get(who) === building) clients.delete(who);
  });
  return building;
}

/** The current account's client if one is already running (never builds one). */
export async function runningClient(): Promise<ActiveClient | undefined> {
  const who = await currentAccount();
  return who ? clients.get(who)?.catch(() => undefined) : undefined;
}

/** Forgets an account's client, or every client (lock, new node URL); the next getClient() builds a new one. */
export function dropClient(account?: string): void {
  if (account === undefined) clients.clear();
  else clients.delete(account);
}

/** An API client with no identity, for lookups before onboarding (does this wallet have XMTP keys?). */
export async function anonymousApi(): Promise<ApiClient> {
  const { nodeUrl } = await getSettings();
  return new ApiClient({ transport: new HttpTransport({ apiUrl: nodeUrl }) });
}

/**
 * Live subscriptions over the node's WebSocket endpoint when it has one (application-level pings
 * every 20 s keep a Chrome service worker alive; `onKeepAlive` lets a Firefox event page count them),
 * over the HTTP stream otherwise. A node whose WebSocket never worked
 * is assumed not to offer one; once it has worked, a failure is an outage, and the subscription's
 * own reconnect logic handles it.
 */
export class PreferWebSocket implements SubscribeTransport {
  private mode: 'unknown' | 'ws' | 'http' = 'unknown';
  private readonly http: HttpTransport;
  private readonly ws: WebSocketTransport | undefined;

  constructor(apiUrl: string, opts: Omit<WsTransportOptions, 'apiUrl'> = {}) {
    this.http = new HttpTransport({ apiUrl });
    try {
      this.ws = new WebSocketTransport({ apiUrl, ...opts });
    } catch {
      this.mode = 'http'; // no WebSocket in this environment
    }
  }

  get usingWebSocket(): boolean {
    return this.mode === 'ws';
  }

  openStream(topics: string[], onEnvelope: (envelope: Envelope) => void): StreamConnection {
    if (this.mode === 'http' || !this.ws) return this.http.openStream(topics, onEnvelope);
    let current = this.ws.openStream(topics, onEnvelope);
    current.closed.catch(() => {}); // a failed WebSocket is answered below (fallback or reconnect)
    const ready = current.ready.then(
      () => {
        this.mode = 'ws';
      },
      async (e) => {
        if (this.mode === 'ws') throw e;
        current = this.http.openStream(topics, onEnvelope);
        await current.ready;
        this.mode = 'http';
      },
    );
    ready.catch(() => {});
    const closed = ready.then(() => current.closed);
    closed.catch(() => {});
    const conn: StreamConnection = {
      ready,
      closed,
      close: () => current.close(),
    };
    // Only a WebSocket connection can change its topics in place; without `setTopics` the
    // subscription reconnects with the new set instead.
    Object.defineProperty(conn, 'setTopics', {
      get: () => (current.setTopics ? (t: string[]) => current.setTopics!(t) : undefined),
    });
    return conn;
  }
}
