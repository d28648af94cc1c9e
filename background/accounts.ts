// Onboarding and the lock: create a wallet in the extension, import one, or sign in with a page's
// wallet; then create or restore the XMTP identity, seal its keys under the password and unlock.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { Client } from '../src/xmtp/client.ts';
import { privateKeySigner } from '../src/xmtp/keys/private-key-signer.ts';
import type { Signer } from '../src/xmtp/keys/signer.ts';
import { MemoryStorage } from '../src/xmtp/storage/memory.ts';
import { privateStoreTopic } from '../src/xmtp/topics.ts';
import { toChecksumAddress } from '../src/xmtp/crypto/address.ts';
import { hexToBytes } from '../src/xmtp/crypto/bytes.ts';
import { ErrorCode, RpcError } from '../src/rpc.ts';
import type { AppStatus } from '../src/views.ts';
import type { ImportCheck } from '../src/messages.ts';
import { db } from './db.ts';
import { changeAccountPassword, createAccountRecord, unlockAccount } from './keystore.ts';
import { getSettings } from './settings.ts';
import { anonymousApi, currentAccount, dropClient, getSession, lockedError } from './xmtp-session.ts';

const statusListeners: ((s: AppStatus) => void)[] = [];
/** Lock, unlock, account switch, onboarding finished. */
export function onStatus(fn: (s: AppStatus) => void): void {
  statusListeners.push(fn);
}

export async function status(): Promise<AppStatus> {
  const [account, unlocked, settings] = await Promise.all([currentAccount(), getSession().current(), getSettings()]);
  const s: AppStatus = {
    version: __VERSION__,
    target: __TARGET__,
    state: !account ? 'onboarding' : unlocked?.account === account ? 'unlocked' : 'locked',
    nodeUrl: settings.nodeUrl,
  };
  if (account) s.address = account;
  return s;
}

async function announce(): Promise<AppStatus> {
  const s = await status();
  for (const fn of statusListeners) fn(s);
  return s;
}

function walletKeyFrom(hex: string): Uint8Array {
  const key = hexToBytes(hex.trim().replace(/^0x/i, ''));
  if (key.length !== 32 || !secp256k1.utils.isValidSecretKey(key)) {
    throw new RpcError(ErrorCode.invalidParams, 'That is not a valid secp256k1 private key');
  }
  return key;
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

export async function checkImport(privateKeyHex: string): Promise<ImportCheck> {
  const signer = privateKeySigner(walletKeyFrom(privateKeyHex));
  return { address: signer.address, hasIdentity: await hasNetworkIdentity(signer.address) };
}

/**
 * Creates or restores the XMTP identity of `signer` (the official SDK's bootstrap: network key store,
 * else new keys stored to the network, then the contact bundle), seals it under `password` and unlocks.
 */
async function onboard(signer: Signer, password: string, walletKey: Uint8Array | undefined, wallet: 'extension' | 'external') {
  const address = toChecksumAddress(await signer.getAddress());
  const restored = await hasNetworkIdentity(address);
  const { nodeUrl } = await getSettings();
  let client: Client;
  try {
    client = await Client.create(signer, { apiUrl: nodeUrl, storage: new MemoryStorage() });
  } catch (e) {
    if (e instanceof RpcError) throw e;
    throw new RpcError(ErrorCode.internal, `Could not set up XMTP for ${address}: ${e instanceof Error ? e.message : String(e)}`, { reason: 'onboarding-failed' });
  }
  const { record, dataKey } = await createAccountRecord(address, password, { keyBundle: client.exportKeyBundle(), walletKey }, { createdAt: Date.now(), wallet });
  const d = await db();
  const tx = d.transaction(['accounts', 'meta'], 'readwrite');
  await tx.objectStore('accounts').put(record);
  await tx.objectStore('meta').put(address, 'currentAccount');
  await tx.done;
  dropClient();
  await getSession().unlock(address, dataKey);
  await announce();
  return { address, restored };
}

export async function createWallet(password: string): Promise<{ address: string }> {
  const key = secp256k1.utils.randomSecretKey();
  const { address } = await onboard(privateKeySigner(key), password, key, 'extension');
  return { address };
}

export async function importWallet(privateKeyHex: string, password: string): Promise<{ address: string; restored: boolean }> {
  const key = walletKeyFrom(privateKeyHex);
  return onboard(privateKeySigner(key), password, key, 'extension');
}

/** Onboarding with a wallet outside the extension (a page's window.ethereum): only it can sign. */
export function connectExternalWallet(signer: Signer, password: string): Promise<{ address: string; restored: boolean }> {
  return onboard(signer, password, undefined, 'external');
}

export async function unlock(password: string): Promise<AppStatus> {
  const account = await currentAccount();
  if (!account) throw new RpcError(ErrorCode.internal, 'XMTP Inbox has no account yet', { reason: 'onboarding' });
  const record = await (await db()).get('accounts', account);
  if (!record) throw new RpcError(ErrorCode.internal, 'The account record is missing', { reason: 'corrupted' });
  const { dataKey } = await unlockAccount(record, password);
  await getSession().unlock(account, dataKey);
  return announce();
}

export async function lock(): Promise<AppStatus> {
  await getSession().lock();
  dropClient();
  return announce();
}

export async function changePassword(oldPassword: string, newPassword: string): Promise<true> {
  const account = await currentAccount();
  const unlocked = await getSession().current();
  if (!account || unlocked?.account !== account) throw lockedError();
  const d = await db();
  const record = await d.get('accounts', account);
  if (!record) throw new RpcError(ErrorCode.internal, 'The account record is missing', { reason: 'corrupted' });
  if (oldPassword === newPassword) throw new RpcError(ErrorCode.invalidParams, 'The new password is the same as the old one');
  await d.put('accounts', await changeAccountPassword(record, oldPassword, newPassword));
  return true;
}
