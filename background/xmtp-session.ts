// The XMTP client of the unlocked account. Built lazily from the sealed key bundle (no wallet and no
// network needed to start), rebuilt after a worker restart from storage.session, dropped on lock or when
// the node changes.
import { Client } from '../src/xmtp/client.ts';
import { ApiClient } from '../src/xmtp/api/api-client.ts';
import { HttpTransport } from '../src/xmtp/api/http-transport.ts';
import { WebSocketTransport, type WebSocketConstructor } from '../src/xmtp/api/ws-transport.ts';
import type { StreamConnection, SubscribeTransport, Envelope } from '../src/xmtp/api/types.ts';
import { ErrorCode, RpcError } from '../src/rpc.ts';
import { db } from './db.ts';
import { IdbStorage } from './idb-storage.ts';
import { openSecrets } from './keystore.ts';
import { getSettings } from './settings.ts';
import { platform } from './platform.ts';
import { Session } from './session.ts';
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

let session: Session | undefined;
export function getSession(): Session {
  session ??= new Session(platform().session);
  return session;
}

/** For tests: forget the in-memory session (as a restarted worker would). */
export function resetSession(): void {
  session = undefined;
}

export const lockedError = () => new RpcError(ErrorCode.internal, 'XMTP Inbox is locked', { reason: 'locked' });
export const onboardingError = () => new RpcError(ErrorCode.internal, 'XMTP Inbox has no account yet', { reason: 'onboarding' });

export async function currentAccount(): Promise<string | undefined> {
  return (await (await db()).get('meta', 'currentAccount')) as string | undefined;
}

let active: Promise<ActiveClient> | undefined;
let activeAccount: string | undefined;
const clientListeners: ((c: ActiveClient) => void)[] = [];

/** Runs for every client built (the background wires storage hooks and live streams here). */
export function onClient(fn: (c: ActiveClient) => void): void {
  clientListeners.push(fn);
}

/** The client of the unlocked account; throws 'locked' / 'onboarding' RpcErrors otherwise. */
export async function getClient(): Promise<ActiveClient> {
  const unlocked = await getSession().current();
  if (!unlocked) throw (await currentAccount()) ? lockedError() : onboardingError();
  if (active && activeAccount === unlocked.account) return active;
  activeAccount = unlocked.account;
  const building = (async () => {
    await ensureFastCrypto();
    const record = await (await db()).get('accounts', unlocked.account);
    if (!record) throw onboardingError();
    const { keyBundle } = await openSecrets(record, unlocked.key);
    const { nodeUrl } = await getSettings();
    const storage = new IdbStorage(unlocked.account, unlocked.key, undefined, keyBundle);
    const subscriptions = new PreferWebSocket(nodeUrl);
    const client = await Client.create(null, {
      apiUrl: nodeUrl,
      privateKeyOverride: keyBundle,
      storage,
      skipContactPublishing: true, // published when the identity was created or restored
      subscribeTransport: subscriptions,
    });
    const c: ActiveClient = { account: unlocked.account, client, storage, subscriptions };
    for (const fn of clientListeners) fn(c);
    return c;
  })();
  active = building;
  building.catch(() => {
    if (active === building) {
      active = undefined;
      activeAccount = undefined;
    }
  });
  return building;
}

/** The client if one is already running (never builds one). */
export async function runningClient(): Promise<ActiveClient | undefined> {
  return active?.catch(() => undefined);
}

/** Forgets the client (lock, account switch, new node URL); the next getClient() builds a new one. */
export function dropClient(): void {
  active = undefined;
  activeAccount = undefined;
}

/** An API client with no identity, for lookups before onboarding (does this wallet have XMTP keys?). */
export async function anonymousApi(): Promise<ApiClient> {
  const { nodeUrl } = await getSettings();
  return new ApiClient({ transport: new HttpTransport({ apiUrl: nodeUrl }) });
}

/**
 * Live subscriptions over the node's WebSocket endpoint when it has one (pings every 20 s keep a
 * Chrome service worker alive), over the HTTP stream otherwise. A node whose WebSocket never worked
 * is assumed not to offer one; once it has worked, a failure is an outage, and the subscription's
 * own reconnect logic handles it.
 */
export class PreferWebSocket implements SubscribeTransport {
  private mode: 'unknown' | 'ws' | 'http' = 'unknown';
  private readonly http: HttpTransport;
  private readonly ws: WebSocketTransport | undefined;

  constructor(apiUrl: string, WebSocket?: WebSocketConstructor) {
    this.http = new HttpTransport({ apiUrl });
    try {
      this.ws = new WebSocketTransport({ apiUrl, WebSocket });
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
