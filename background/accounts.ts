// Accounts and the lock. An account is created here (a new wallet with a recovery phrase), imported (a
// private key or a phrase) or signed in with a page's wallet; then its XMTP identity is created or
// restored, its keys sealed, and it becomes the current account. One password unlocks every account;
// switching, renaming, backing up and removing work on the unlocked extension.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { Client } from '../src/xmtp/client.ts';
import { privateKeySigner } from '../src/xmtp/keys/private-key-signer.ts';
import type { Signer } from '../src/xmtp/keys/signer.ts';
import { MemoryStorage } from '../src/xmtp/storage/memory.ts';
import { privateStoreTopic } from '../src/xmtp/topics.ts';
import { toChecksumAddress } from '../src/xmtp/crypto/address.ts';
import { bytesToHex, hexToBytes } from '../src/xmtp/crypto/bytes.ts';
import { ErrorCode, RpcError } from '../src/rpc.ts';
import type { AppStatus } from '../src/views.ts';
import type { ImportCheck, NewAccountOptions, WalletSecret } from '../src/messages.ts';
import type { StoreNames } from 'idb';
import { db, type AccountRecord, type InboxDB, type VaultRecord } from './db.ts';
import {
  cacheKeysOf,
  createAccountRecord,
  createVault,
  deriveVaultKey,
  openSecrets,
  rotateDataKey,
  sealSecrets,
  unwrapAccountKeys,
  wrongPassword,
  type KeystoreSecrets,
} from './keystore.ts';
import type { CacheKeys } from '../src/cache/seal.ts';
import { resealInBackground } from './reseal.ts';
import { currentAccount, getAccount, getVault, listAccounts } from './account-store.ts';
import { keyFromPhrase, newPhrase } from './recovery-phrase.ts';
import { deleteSettings, getSettings, writeSettings } from './settings.ts';
import { updateBadge } from './notify.ts';
import { unreadConversations, writesDone } from './inbox-store.ts';
import { statusOf } from '../src/cache/status.ts';
import { nodesFor } from './nodes.ts';
import { connection } from './connection.ts';
import { anonymousApi, dropClient, getSession, lockedError, onboardingError } from './xmtp-session.ts';

const statusListeners: ((s: AppStatus) => void)[] = [];
/** Lock, unlock, account added, switched, renamed or removed. */
export function onStatus(fn: (s: AppStatus) => void): void {
  statusListeners.push(fn);
}

export async function status(): Promise<AppStatus> {
  const [current, accounts, unlocked, settings] = await Promise.all([currentAccount(), listAccounts(), getSession().current(), getSettings()]);
  const unread = new Map(await Promise.all(accounts.map(async (a) => [a.address, unlocked ? await unreadConversations(a.address) : 0] as const)));
  return statusOf({ accounts, current, unlocked: !!unlocked, nodeUrl: connection().node?.url ?? settings.nodeUrls[0]!, unread });
}

/** Tells every listener (ports, provider, badge) the new status. */
export async function announce(): Promise<AppStatus> {
  const s = await status();
  for (const fn of statusListeners) fn(s);
  return s;
}

// Account changes run one at a time: two onboardings at once (popup and prompt) must not both create
// the vault, and a removal must not interleave with a switch.
let queue: Promise<unknown> = Promise.resolve();
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => {});
  return run;
}

const notAdded = () => new RpcError(ErrorCode.invalidParams, 'There is no such account in XMTP Inbox', { reason: 'unknown-account' });

async function requireAccount(address: string): Promise<AccountRecord> {
  const a = await getAccount(toChecksumAddress(address));
  if (!a) throw notAdded();
  return a;
}

function walletKeyFrom(hex: string): Uint8Array {
  const key = hexToBytes(hex.trim().replace(/^0x/i, ''));
  if (key.length !== 32 || !secp256k1.utils.isValidSecretKey(key)) {
    throw new RpcError(ErrorCode.invalidParams, 'That is not a valid secp256k1 private key');
  }
  return key;
}

/** The wallet key (and phrase, if any) an import names. */
async function walletFrom(secret: WalletSecret): Promise<{ key: Uint8Array; mnemonic?: KeystoreSecrets['mnemonic'] }> {
  if ('phrase' in secret) {
    const index = secret.index ?? 0;
    const { phrase, key } = await keyFromPhrase(secret.phrase, index);
    return { key, mnemonic: { phrase, index } };
  }
  return { key: walletKeyFrom(secret.privateKey) };
}

async function hasNetworkIdentity(address: string): Promise<boolean> {
  try {
    const api = await anonymousApi();
    return (await api.query(privateStoreTopic(address), { direction: 'descending', pageSize: 1, limit: 1 })).length > 0;
  } catch (e) {
    throw unreachable(e);
  }
}

function unreachable(e: unknown): RpcError {
  if (e instanceof RpcError) return e;
  return new RpcError(ErrorCode.internal, `Cannot reach the XMTP node: ${e instanceof Error ? e.message : String(e)}`, { reason: 'unreachable' });
}

export async function checkImport(secret: WalletSecret): Promise<ImportCheck> {
  const signer = privateKeySigner((await walletFrom(secret)).key);
  return { address: signer.address, hasIdentity: await hasNetworkIdentity(signer.address) };
}

/**
 * The vault key a new account is sealed under: the unlocked extension's, or, for the very first
 * account, a new vault for `password`.
 */
async function vaultFor(password: string | undefined): Promise<{ vaultKey: Uint8Array; created?: VaultRecord }> {
  if (await getVault()) {
    const unlocked = await getSession().current();
    if (!unlocked) throw lockedError();
    return { vaultKey: unlocked.vaultKey };
  }
  if (!password) throw new RpcError(ErrorCode.invalidParams, 'Choose a password: it protects every account in XMTP Inbox');
  const { vault, vaultKey } = await createVault(password);
  return { vaultKey, created: vault };
}

interface OnboardWallet {
  signer: Signer;
  wallet: 'extension' | 'external';
  walletKey?: Uint8Array;
  mnemonic?: KeystoreSecrets['mnemonic'];
}

/**
 * Creates or restores the XMTP identity of a wallet (the official SDK's bootstrap: network key store,
 * else new keys stored to the network, then the contact bundle), seals it, and makes it the current
 * account. The first account also sets the extension's password.
 */
function onboard(w: OnboardWallet, opts: NewAccountOptions): Promise<{ address: string; restored: boolean }> {
  return exclusive(async () => {
    const address = toChecksumAddress(await w.signer.getAddress());
    if (await getAccount(address)) throw new RpcError(ErrorCode.invalidParams, `${address} is already in XMTP Inbox`, { reason: 'account-exists' });
    const { vaultKey, created } = await vaultFor(opts.password);
    const restored = await hasNetworkIdentity(address);
    const settings = await getSettings(); // the current account's: a new account starts on the same nodes
    let client: Client;
    try {
      const nodes = nodesFor(settings.nodeUrls);
      client = await Client.create(w.signer, { transport: nodes, subscribeTransport: nodes, storage: new MemoryStorage() });
    } catch (e) {
      if (e instanceof RpcError) throw e;
      throw new RpcError(ErrorCode.internal, `Could not set up XMTP for ${address}: ${e instanceof Error ? e.message : String(e)}`, { reason: 'onboarding-failed' });
    }
    const accounts = await listAccounts();
    const { record, cache } = await createAccountRecord(
      vaultKey,
      address,
      { keyBundle: client.exportKeyBundle(), walletKey: w.walletKey, mnemonic: w.mnemonic },
      { createdAt: Math.max(Date.now(), ...accounts.map((a) => a.createdAt + 1)), wallet: w.wallet, label: opts.label?.trim() || nextLabel(accounts) },
    );
    const d = await db();
    await getSession().dropFirstScreen(); // the new account becomes current (and again once it is)
    const tx = d.transaction(['accounts', 'meta'], 'readwrite');
    if (created) await tx.objectStore('meta').put(created, 'vault');
    await tx.objectStore('accounts').put(record);
    await tx.objectStore('meta').put(address, 'currentAccount');
    await tx.done;
    await getSession().dropFirstScreen();
    await writeSettings(address, settings);
    if (created) await getSession().unlock(vaultKey, new Map([[address, cache]]));
    else await getSession().setAccount(cache);
    await announce();
    return { address, restored };
  });
}

function nextLabel(accounts: AccountRecord[]): string {
  const taken = new Set(accounts.map((a) => a.label));
  let n = accounts.length + 1;
  while (taken.has(`Account ${n}`)) n++;
  return `Account ${n}`;
}

/** A new wallet made here, from a new recovery phrase (so it can be written down and restored anywhere). */
export async function createWallet(opts: NewAccountOptions): Promise<{ address: string }> {
  const phrase = newPhrase();
  const { key } = await keyFromPhrase(phrase, 0);
  const { address } = await onboard({ signer: privateKeySigner(key), wallet: 'extension', walletKey: key, mnemonic: { phrase, index: 0 } }, opts);
  return { address };
}

export async function importWallet(secret: WalletSecret & NewAccountOptions): Promise<{ address: string; restored: boolean }> {
  const { key, mnemonic } = await walletFrom(secret);
  return onboard({ signer: privateKeySigner(key), wallet: 'extension', walletKey: key, mnemonic }, secret);
}

/** Onboarding with a wallet outside the extension (a page's window.ethereum): only it can sign. */
export function connectExternalWallet(signer: Signer, opts: NewAccountOptions): Promise<{ address: string; restored: boolean }> {
  return onboard({ signer, wallet: 'external' }, opts);
}

interface OpenedAccount {
  record: AccountRecord;
  secrets: KeystoreSecrets;
  cache: CacheKeys;
}

/** An account's keys under the vault key; an account from before cache sealing gets its index key now. */
async function openAccount(vaultKey: Uint8Array, a: AccountRecord): Promise<OpenedAccount> {
  const keys = await unwrapAccountKeys(vaultKey, a);
  const current = keys.get(a.keys[0]!.id)!;
  let secrets = await openSecrets(a, current);
  let record = a;
  if (!secrets.indexKey) {
    secrets = { ...secrets, indexKey: crypto.getRandomValues(new Uint8Array(32)) };
    record = { ...a, secrets: await sealSecrets(current, a.address, secrets) };
    await (await db()).put('accounts', record);
  }
  return { record, secrets, cache: await cacheKeysOf(record, keys, secrets.indexKey!) };
}

/**
 * The vault key for a password: derived once (the slow step), then every account's data keys open
 * with it. A password that opens no account is wrong.
 */
async function openAll(password: string): Promise<{ vaultKey: Uint8Array; opened: OpenedAccount[] }> {
  const [vault, accounts] = await Promise.all([getVault(), listAccounts()]);
  if (!vault || !accounts.length) throw onboardingError();
  const vaultKey = await deriveVaultKey(password, vault.kdf);
  const opened: OpenedAccount[] = [];
  const failed: string[] = [];
  for (const a of accounts) {
    try {
      opened.push(await openAccount(vaultKey, a));
    } catch {
      failed.push(a.address);
    }
  }
  // Under the right password every account opens; one that does not while others do is damaged.
  if (opened.length && failed.length) console.warn(`[xmtp-inbox] the keys of ${failed.join(', ')} do not open; those accounts stay locked`);
  if (!opened.length) throw wrongPassword();
  return { vaultKey, opened };
}

const cachesOf = (opened: OpenedAccount[]) => new Map(opened.map((o) => [o.record.address, o.cache]));

export async function unlock(password: string): Promise<AppStatus> {
  const { vaultKey, opened } = await openAll(password);
  await getSession().unlock(vaultKey, cachesOf(opened));
  for (const o of opened) resealInBackground(o.record.address);
  return announce();
}

export async function lock(): Promise<AppStatus> {
  await getSession().lock();
  dropClient();
  await updateBadge(); // nothing to count while locked
  return announce();
}

/**
 * A new password for every account, and a new data key for each: the account's secrets are sealed
 * under it at once, its cache in the background (reseal.ts), resuming after an interruption; the old
 * key is kept, sealed under the new password, until nothing needs it.
 */
export function changePassword(oldPassword: string, newPassword: string): Promise<true> {
  return exclusive(async () => {
    if (!(await getSession().current())) throw lockedError();
    if (oldPassword === newPassword) throw new RpcError(ErrorCode.invalidParams, 'The new password is the same as the old one');
    const { opened } = await openAll(oldPassword);
    const { vault, vaultKey: newKey } = await createVault(newPassword);
    const rotated = await Promise.all(
      opened.map(async (o) => {
        const { record, keys } = await rotateDataKey(newKey, o.record, new Map(o.cache.keys), o.secrets);
        return { record, secrets: o.secrets, cache: { ...o.cache, current: record.keys[0]!.id, keys } };
      }),
    );
    const d = await db();
    const tx = d.transaction(['accounts', 'meta'], 'readwrite');
    await tx.objectStore('meta').put(vault, 'vault');
    for (const r of rotated) await tx.objectStore('accounts').put(r.record);
    await tx.done;
    await getSession().unlock(newKey, cachesOf(rotated));
    for (const r of rotated) resealInBackground(r.record.address);
    return true as const;
  });
}

export function switchAccount(address: string): Promise<AppStatus> {
  return exclusive(async () => {
    const a = await requireAccount(address);
    // before, so no popup paints the old account's rows; after, so no snapshot read meanwhile is kept
    await getSession().dropFirstScreen();
    await (await db()).put('meta', a.address, 'currentAccount');
    await getSession().dropFirstScreen();
    return announce();
  });
}

export function renameAccount(address: string, label: string): Promise<AppStatus> {
  return exclusive(async () => {
    const a = await requireAccount(address);
    const name = label.trim();
    if (!name) throw new RpcError(ErrorCode.invalidParams, 'Give the account a name');
    await (await db()).put('accounts', { ...a, label: name });
    return announce();
  });
}

/**
 * The recovery phrase or wallet private key of an account, checked against the password (someone at an
 * unlocked browser must not read it). Showing it counts as backed up.
 */
export async function reveal(address: string, password: string, secret: 'phrase' | 'privateKey'): Promise<{ value: string; index?: number }> {
  const a = await requireAccount(address);
  const vault = await getVault();
  if (!vault) throw onboardingError();
  const keys = await unwrapAccountKeys(await deriveVaultKey(password, vault.kdf), a);
  const s = await openSecrets(a, keys.get(a.keys[0]!.id)!);
  let value: string;
  let index: number | undefined;
  if (secret === 'phrase') {
    if (!s.mnemonic) throw new RpcError(ErrorCode.invalidParams, 'This account has no recovery phrase; back up its private key instead', { reason: 'no-phrase' });
    ({ phrase: value, index } = s.mnemonic);
  } else {
    if (!s.walletKey) throw new RpcError(ErrorCode.invalidParams, 'The wallet of this account lives outside XMTP Inbox: back it up there', { reason: 'external-wallet' });
    value = '0x' + bytesToHex(s.walletKey);
  }
  if (!a.backedUp) {
    await exclusive(async () => {
      const now = await getAccount(a.address);
      if (now) await (await db()).put('accounts', { ...now, backedUp: true });
    });
    await announce();
  }
  return index === undefined ? { value } : { value, index };
}

/**
 * Removes an account from this browser: every record keyed by it (keys, cache, outbox, consent, grants
 * and whatever later stores add), its settings and marks, and its keys in the session. Another account
 * becomes current; removing the last one also removes the password, so onboarding starts afresh.
 */
export function removeAccount(address: string): Promise<AppStatus> {
  return exclusive(async () => {
    const a = await requireAccount(address);
    dropClient(a.address);
    // Its keys go first: a sync or a send still running for it can write nothing more (its writes now
    // fail as locked), and one already writing finishes before the wipe.
    await getSession().removeAccount(a.address);
    await writesDone(a.address);
    await wipeAccount(a.address);
    await deleteSettings(a.address);
    const rest = await listAccounts();
    const d = await db();
    if (!rest.length) {
      const tx = d.transaction('meta', 'readwrite');
      await tx.store.delete('vault');
      await tx.store.delete('currentAccount');
      await tx.done;
      await getSession().lock();
    } else if ((await currentAccount()) === a.address) {
      await d.put('meta', rest[0]!.address, 'currentAccount');
    }
    return announce();
  });
}

/** Deletes an account's records from every store whose keys start with the account, and its meta entries. */
async function wipeAccount(address: string): Promise<void> {
  const d = await db();
  const stores: StoreNames<InboxDB>[] = [];
  for (let i = 0; i < d.objectStoreNames.length; i++) {
    const name = d.objectStoreNames.item(i);
    if (name && name !== 'accounts' && name !== 'meta') stores.push(name);
  }
  const all: StoreNames<InboxDB>[] = [...stores, 'accounts', 'meta'];
  const tx = d.transaction(all, 'readwrite');
  // Array keys sort after every string, so [address, []] is above any [address, <id>].
  const range = IDBKeyRange.bound([address], [address, []]);
  for (const name of stores) {
    const store = tx.objectStore(name);
    if (Array.isArray(store.keyPath) && store.keyPath[0] === 'account') await store.delete(range);
  }
  // The names cache is shared by every account, but its entry for this address names it too.
  await tx.objectStore('names').delete(address.toLowerCase());
  await tx.objectStore('accounts').delete(address);
  const meta = tx.objectStore('meta');
  for (const key of await meta.getAllKeys()) if (typeof key === 'string' && key.endsWith(`:${address}`)) await meta.delete(key);
  await tx.done;
}
