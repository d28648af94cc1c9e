// The XMTP clients of the unlocked accounts. Each is built lazily from its sealed key bundle (no wallet
// and no network needed to start), rebuilt after a worker restart from storage.session, dropped on lock,
// on removal or when its node list changes. Each talks to its account's nodes (nodes.ts).
import { Client } from '../src/xmtp/client.ts';
import { ApiClient } from '../src/xmtp/api/api-client.ts';
import { ErrorCode, RpcError } from '../src/rpc.ts';
import { currentAccount, getAccount } from './account-store.ts';
import { IdbStorage } from './idb-storage.ts';
import { openSecrets } from './keystore.ts';
import { getSettings } from './settings.ts';
import { platform } from './platform.ts';
import { getSession, lockedError } from './session.ts';
import { nodesFor, type Nodes } from './nodes.ts';
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
  /** the account's nodes, used as one: requests and live subscriptions go through them */
  nodes: Nodes;
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
    const nodes = nodesFor((await getSettings(who)).nodeUrls);
    const storage = new IdbStorage(who, undefined, keyBundle);
    const client = await Client.create(null, {
      transport: nodes,
      subscribeTransport: nodes,
      privateKeyOverride: keyBundle,
      storage,
      skipContactPublishing: true, // published when the identity was created or restored
    });
    const c: ActiveClient = { account: who, client, storage, nodes };
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

/** Forgets an account's client, or every client (lock, new node list); the next getClient() builds a new one. */
export function dropClient(account?: string): void {
  if (account === undefined) clients.clear();
  else clients.delete(account);
}

/** An API client with no identity, for lookups before onboarding (does this wallet have XMTP keys?). */
export async function anonymousApi(): Promise<ApiClient> {
  return new ApiClient({ transport: nodesFor((await getSettings()).nodeUrls) });
}
