// User settings, stored in IndexedDB (`meta` store). Each account has its own (`settings:<address>`);
// what belongs to the one password or to the chain rather than to an identity (the lock timeout, name
// lookups) is the extension's (`settings`, which also holds what onboarding chose before there was an
// account). A node URL joins an account's node list only if an XMTP node answers there, and a new
// Ethereum RPC URL only if an Ethereum JSON-RPC endpoint does, so a typo cannot silently cut the inbox
// (or its names) off.
import type { Settings } from '../src/views.ts';
import type { SettingsPatch } from '../src/messages.ts';
import { MAX_NODES } from '../src/validate.ts';
import { ErrorCode, RpcError } from '../src/rpc.ts';
import { db, DEFAULT_SETTINGS } from './db.ts';
import { currentAccount } from './account-store.ts';

const GLOBAL_KEY = 'settings';
const accountKey = (account: string) => `settings:${account}`;
/** Settings of the extension as a whole, whichever account is current. */
const GLOBAL: readonly (keyof Settings)[] = ['lockAfterMinutes', 'ensNames', 'ethRpcUrl', 'ipfsGateway', 'lensNames', 'lensApiUrl'];

const cached = new Map<string, Settings>();

function split(s: Partial<Settings>): { global: Partial<Settings>; own: Partial<Settings> } {
  const global: Partial<Settings> = {};
  const own: Partial<Settings> = { ...s };
  for (const k of GLOBAL) {
    if (k in own) Object.assign(global, { [k]: own[k] });
    delete own[k];
  }
  return { global, own };
}

/** The settings of `account` (default: the current one; before onboarding, the extension's). */
export async function getSettings(account?: string): Promise<Settings> {
  const who = account ?? (await currentAccount()) ?? '';
  const hit = cached.get(who);
  if (hit) return hit;
  const d = await db();
  const global = (await d.get('meta', GLOBAL_KEY)) as Partial<Settings> | undefined;
  const own = who ? ((await d.get('meta', accountKey(who))) as Partial<Settings> | undefined) : undefined;
  const s: Settings = { ...DEFAULT_SETTINGS, ...global, ...(own && split(own).own) };
  cached.set(who, s);
  return s;
}

export async function updateSettings(
  patch: SettingsPatch,
  probe: (url: string) => Promise<void> = probeNode,
  probeRpc: (url: string) => Promise<void> = probeEthRpc,
  account?: string,
): Promise<Settings> {
  const who = account ?? (await currentAccount()) ?? '';
  const current = await getSettings(who);
  const { nodeUrl, ...rest } = patch;
  const next: Settings = { ...current, ...rest };
  const urls = nodeUrl !== undefined ? [nodeUrl] : patch.nodeUrls;
  if (urls !== undefined) {
    next.nodeUrls = nodeList(urls);
    // Only a node new to the list is checked (the others answered when they were added).
    for (const url of next.nodeUrls) if (!current.nodeUrls.includes(url)) await probe(url);
  }
  if (patch.ethRpcUrl !== undefined) {
    next.ethRpcUrl = serviceUrl(patch.ethRpcUrl, 'the Ethereum RPC URL', { keepQuery: true });
    if (next.ethRpcUrl !== current.ethRpcUrl) await probeRpc(next.ethRpcUrl);
  }
  if (patch.ipfsGateway !== undefined) next.ipfsGateway = new URL(serviceUrl(patch.ipfsGateway, 'the IPFS gateway')).origin;
  if (patch.lensApiUrl !== undefined) next.lensApiUrl = serviceUrl(patch.lensApiUrl, 'the Lens API URL');
  await writeSettings(who, next);
  return next;
}

/** A node list as stored: normalised URLs, each once, between one and MAX_NODES of them. */
function nodeList(urls: readonly string[]): string[] {
  const list = urls.map(normaliseNodeUrl);
  if (!list.length) throw new RpcError(ErrorCode.invalidParams, 'Keep at least one node');
  if (list.length > MAX_NODES) throw new RpcError(ErrorCode.invalidParams, `At most ${MAX_NODES} nodes`);
  const twice = list.find((u, i) => list.indexOf(u) !== i);
  if (twice) throw new RpcError(ErrorCode.invalidParams, `${twice} is in the list already`);
  return list;
}

/** Stores settings as they are (no checks): an account's own part, and the extension's. */
export async function writeSettings(account: string, s: Settings): Promise<void> {
  const d = await db();
  const tx = d.transaction('meta', 'readwrite');
  const { global, own } = split(s);
  const storedGlobal = (await tx.store.get(GLOBAL_KEY)) as Partial<Settings> | undefined;
  await tx.store.put({ ...storedGlobal, ...(account ? global : s) }, GLOBAL_KEY);
  if (account) await tx.store.put(own, accountKey(account));
  await tx.done;
  cached.clear(); // the extension's part is in every account's settings
}

/** Removes an account's settings (the account is being removed). */
export async function deleteSettings(account: string): Promise<void> {
  await (await db()).delete('meta', accountKey(account));
  cached.delete(account);
}

/** For tests: forget what was read (after swapping the global indexedDB). */
export function forgetCachedSettings(): void {
  cached.clear();
}

/**
 * The configured nodes' origins are allowed as a remote attachment's address even where other URLs
 * are not (http, a loopback or private address): the person chose those nodes, and uploads go to the one in use.
 */
export async function isConfiguredNodeUrl(url: string): Promise<boolean> {
  try {
    const origin = new URL(url).origin;
    return (await getSettings()).nodeUrls.some((n) => new URL(n).origin === origin);
  } catch {
    return false;
  }
}

export function normaliseNodeUrl(url: string): string {
  return serviceUrl(url, 'the node URL');
}

/** An http(s) URL without credentials, trailing slashes or (unless kept) query; errors name the field. */
function serviceUrl(url: string, what: string, { keepQuery = false } = {}): string {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    throw new RpcError(ErrorCode.invalidParams, `"${url}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RpcError(ErrorCode.invalidParams, `${what} must start with http:// or https://`);
  if (u.username || u.password) throw new RpcError(ErrorCode.invalidParams, `${what} must not contain a user name or password`);
  return u.origin + u.pathname.replace(/\/+$/, '') + (keepQuery ? u.search : '');
}

/** Asks for the chain id: any JSON-RPC answer with one proves an Ethereum endpoint is there. */
export async function probeEthRpc(url: string, timeoutMs = 5000): Promise<void> {
  let body: unknown;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      credentials: 'omit',
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = res.ok ? await res.json() : undefined;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw new RpcError(ErrorCode.internal, `Cannot reach ${url}`, { reason: 'unreachable' });
  }
  const result = (body as { result?: unknown } | undefined)?.result;
  if (typeof result !== 'string' || !/^0x[0-9a-f]+$/i.test(result)) {
    throw new RpcError(ErrorCode.internal, `${url} does not answer as an Ethereum JSON-RPC endpoint`, { reason: 'not-an-rpc' });
  }
}

/**
 * Asks the node for one page of a topic nobody writes to. Any well-formed Message API answer proves an
 * XMTP node is there; anything else is reported in words a user can act on.
 */
export async function probeNode(url: string, timeoutMs = 5000): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`${url}/message/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contentTopics: ['/xmtp/0/probe-xmtp-inbox/proto'], pagingInfo: { limit: 1 } }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const timedOut = e instanceof DOMException && e.name === 'TimeoutError';
    throw new RpcError(ErrorCode.internal, timedOut ? `No answer from ${url} within ${timeoutMs / 1000} s` : `Cannot reach ${url}`, { reason: 'unreachable' });
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (!res.ok || typeof body !== 'object' || body === null || !('envelopes' in body || Object.keys(body).length === 0 || 'pagingInfo' in body)) {
    throw new RpcError(ErrorCode.internal, `${url} does not look like an XMTP node (HTTP ${res.status})`, { reason: 'not-a-node' });
  }
}
