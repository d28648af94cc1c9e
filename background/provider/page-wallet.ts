// The page-wallet bridge: a Signer (src/xmtp/keys/signer.ts) backed by the Ethereum wallet of a web
// page (its window.ethereum, EIP-1193), so a dapp user with MetaMask signs the XMTP identity texts in
// their own wallet and never handles a private key.
//
// background → `wallet.request` event on the frame's content port (or runtime message when the frame
// has no port yet) → content script → inpage script → window.ethereum.request(...) → back as the
// `wallet.response` request, which is accepted only from the very frame that was asked.
// Every signature is checked to recover to the wallet's address before it is handed on.
import type { Runtime } from 'webextension-polyfill';
import { ErrorCode, RpcError } from '../../src/rpc.ts';
import type { Signer } from '../../src/xmtp/keys/signer.ts';
import { bytesToHex, utf8 } from '../../src/xmtp/crypto/bytes.ts';
import { isAddress, toChecksumAddress } from '../../src/xmtp/crypto/address.ts';
import { recoverPersonalSignAddress, splitWalletSignature } from '../../src/xmtp/crypto/eip191.ts';

export type WalletTarget = { tabId: number; frameId?: number } | { promptId: string };
type WalletMethod = 'eth_requestAccounts' | 'personal_sign';

export interface PageWalletDeps {
  /** the live content port of a frame, if it has one */
  portOf(tabId: number, frameId: number): Runtime.Port | undefined;
  /** pushes the `wallet.request` event on a content port */
  post(port: Runtime.Port, data: { requestId: string; method: WalletMethod; params?: unknown[] }): void;
  /** reaches a frame without a port (its content script opens one to answer) */
  sendToFrame(tabId: number, frameId: number, msg: unknown): Promise<unknown>;
  /** the frame that made a prompt's request */
  promptRequester(promptId: string): { tabId?: number; frameId?: number } | undefined;
  timeoutMs?: { accounts: number; sign: number };
}

interface Pending {
  tabId: number;
  frameId: number;
  resolve(v: unknown): void;
  reject(e: RpcError): void;
  timer: ReturnType<typeof setTimeout>;
}

const noPage = () => new RpcError(ErrorCode.internal, 'That page cannot be reached; open the dapp page and try again', { reason: 'no-page' });
const pageGone = () => new RpcError(ErrorCode.internal, 'The page was closed or navigated away before its wallet answered', { reason: 'page-gone' });

export class PageWalletBridge {
  private pending = new Map<string, Pending>();
  private readonly timeouts: { accounts: number; sign: number };

  constructor(private readonly deps: PageWalletDeps) {
    this.timeouts = deps.timeoutMs ?? { accounts: 5 * 60_000, sign: 5 * 60_000 };
  }

  signer(target: WalletTarget): Signer {
    let address: string | undefined;
    const frame = () => this.frameOf(target);
    const getAddress = async (): Promise<string> => {
      if (address) return address;
      const accounts = await this.request(frame(), 'eth_requestAccounts', [], this.timeouts.accounts);
      const first = Array.isArray(accounts) ? accounts[0] : undefined;
      if (!isAddress(first)) throw new RpcError(ErrorCode.internal, 'The page wallet returned no account', { reason: 'no-account' });
      address = toChecksumAddress(first);
      return address;
    };
    return {
      getAddress,
      signMessage: async (text: string): Promise<string> => {
        const addr = await getAddress();
        const sig = await this.request(frame(), 'personal_sign', ['0x' + bytesToHex(utf8(text)), addr], this.timeouts.sign);
        if (typeof sig !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(sig)) {
          throw new RpcError(ErrorCode.internal, 'The page wallet returned something that is not a signature', { reason: 'bad-signature' });
        }
        let signer: string | null = null;
        try {
          signer = recoverPersonalSignAddress(text, splitWalletSignature(sig));
        } catch {
          signer = null;
        }
        if (!signer || signer.toLowerCase() !== addr.toLowerCase()) {
          throw new RpcError(ErrorCode.internal, `The page wallet's signature is not from ${addr}`, { reason: 'bad-signature' });
        }
        return sig;
      },
    };
  }

  /** `wallet.response` from a content port: accepted only from the frame that was asked. */
  response(params: { requestId: string; result?: unknown; error?: { code: number; message: string } }, sender: Runtime.MessageSender | undefined): true {
    const p = this.pending.get(params.requestId);
    if (!p || sender?.tab?.id !== p.tabId || (sender.frameId ?? 0) !== p.frameId) return true;
    this.pending.delete(params.requestId);
    clearTimeout(p.timer);
    if (params.error) p.reject(walletError(params.error));
    else p.resolve(params.result);
    return true;
  }

  /** A content port closed: requests to its frame cannot be answered any more. */
  portClosed(sender: Runtime.MessageSender | undefined): void {
    for (const [id, p] of this.pending) {
      if (sender?.tab?.id === p.tabId && (sender.frameId ?? 0) === p.frameId) {
        this.pending.delete(id);
        clearTimeout(p.timer);
        p.reject(pageGone());
      }
    }
  }

  private frameOf(target: WalletTarget): { tabId: number; frameId: number } {
    if ('tabId' in target) return { tabId: target.tabId, frameId: target.frameId ?? 0 };
    const r = this.deps.promptRequester(target.promptId);
    if (r?.tabId === undefined) throw new RpcError(ErrorCode.invalidParams, 'That request is no longer waiting', { reason: 'expired' });
    return { tabId: r.tabId, frameId: r.frameId ?? 0 };
  }

  private request(frame: { tabId: number; frameId: number }, method: WalletMethod, params: unknown[], timeoutMs: number): Promise<unknown> {
    const requestId = crypto.randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new RpcError(ErrorCode.internal, 'The page wallet did not answer in time', { reason: 'timeout' }));
      }, timeoutMs);
      this.pending.set(requestId, { ...frame, resolve, reject, timer });
      const fail = (e: RpcError) => {
        if (!this.pending.delete(requestId)) return;
        clearTimeout(timer);
        reject(e);
      };
      const data = { requestId, method, params };
      const port = this.deps.portOf(frame.tabId, frame.frameId);
      if (port) {
        try {
          this.deps.post(port, data);
          return;
        } catch {
          // fall through to the frame message
        }
      }
      this.deps.sendToFrame(frame.tabId, frame.frameId, { walletRequest: data }).catch(() => fail(noPage()));
    });
  }
}

function walletError(e: { code: number; message: string }): RpcError {
  if (e.code === ErrorCode.userRejected) return new RpcError(ErrorCode.userRejected, 'You rejected the request in your wallet');
  if (e.code === ErrorCode.unsupportedMethod) {
    return new RpcError(ErrorCode.internal, 'This page has no Ethereum wallet (window.ethereum)', { reason: 'no-wallet' });
  }
  return new RpcError(ErrorCode.internal, `The page wallet failed: ${e.message}`.slice(0, 300), { reason: 'wallet-error', walletCode: e.code });
}

let bridge: PageWalletBridge | undefined;

/** Installs the bridge the extension uses (background/provider/index.ts does this at start). */
export function setPageWalletBridge(b: PageWalletBridge): void {
  bridge = b;
}

/**
 * A Signer that asks the wallet of a page: `{ tabId, frameId? }` (frame 0 = the tab's top page) or
 * `{ promptId }` (the frame whose request opened that prompt). getAddress() asks eth_requestAccounts
 * once; signMessage() asks personal_sign and checks the signature. Errors are RpcErrors: 4001 when the
 * user rejects in the wallet, -32603 with data.reason 'no-wallet' | 'no-page' | 'page-gone' | 'timeout'
 * | 'no-account' | 'bad-signature' | 'wallet-error' | 'expired'.
 */
export function pageWalletSigner(target: WalletTarget): Signer {
  if (!bridge) throw new RpcError(ErrorCode.internal, 'the page wallet bridge is not set up');
  return bridge.signer(target);
}
