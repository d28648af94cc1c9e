// The provider's entry point in the background: wires the provider service, the prompt queue, the
// rate limiter and the page-wallet bridge to the browser, and exports the catalogue handlers they
// answer (background/index.ts spreads `providerHandlers` into the router). Listeners are registered
// here, synchronously, when the background module loads.
import browser, { type Runtime } from '../../src/browser.ts';
import { ErrorCode, RpcError } from '../../src/rpc.ts';
import type { Handlers } from '../router.ts';
import { connectedPorts } from '../events.ts';
import { PromptQueue, type PromptWindows } from './prompts.ts';
import { RateLimiter } from './ratelimit.ts';
import { ProviderService } from './service.ts';
import { PageWalletBridge, setPageWalletBridge } from './page-wallet.ts';
import { listGrants, revokeOrigin } from './grants.ts';
import { createBackend } from './binding.ts';

const PROMPT_SIZE = { width: 400, height: 640 };

const windows: PromptWindows = {
  async open(url) {
    let position: { left?: number; top?: number } = {};
    try {
      const last = await browser.windows.getLastFocused();
      if (last.left !== undefined && last.width !== undefined && last.top !== undefined) {
        position = { left: Math.max(0, last.left + last.width - PROMPT_SIZE.width - 16), top: last.top + 64 };
      }
    } catch {
      // no window to sit next to
    }
    let w;
    try {
      w = await browser.windows.create({ url, type: 'popup', focused: true, ...PROMPT_SIZE, ...position });
    } catch {
      // Bounds off a (small or virtual) screen are refused: let the browser place it.
      w = await browser.windows.create({ url, type: 'popup', focused: true });
    }
    return { windowId: w.id!, tabId: w.tabs?.[0]?.id };
  },
  async navigate(win, url) {
    const tabId = win.tabId ?? (await browser.tabs.query({ windowId: win.windowId }))[0]?.id;
    if (tabId !== undefined) await browser.tabs.update(tabId, { url });
  },
  async close(windowId) {
    await browser.windows.remove(windowId);
  },
  async focus(windowId) {
    await browser.windows.update(windowId, { focused: true }).catch(() => {});
  },
};

export const prompts = new PromptQueue(windows, (id) => browser.runtime.getURL(`prompt.html?id=${encodeURIComponent(id)}`));
browser.windows.onRemoved.addListener((windowId) => prompts.windowClosed(windowId));

const send = (port: Runtime.Port, event: string, data: unknown) => {
  try {
    port.postMessage({ event, data });
  } catch {
    // the port closed meanwhile
  }
};

export const service = new ProviderService({
  backend: createBackend(),
  prompts,
  limiter: new RateLimiter(),
  send: (port, event, data) => send(port, 'provider', { event, data }),
});

const tracked = new WeakSet<Runtime.Port>();
function track(port: Runtime.Port): Runtime.Port {
  if (tracked.has(port)) return port;
  tracked.add(port);
  port.onDisconnect.addListener(() => {
    service.portClosed(port);
    wallet.portClosed(port.sender);
  });
  return port;
}

const wallet = new PageWalletBridge({
  portOf: (tabId, frameId) => {
    const port = connectedPorts('content').find((p) => p.sender?.tab?.id === tabId && (p.sender.frameId ?? 0) === frameId);
    return port && track(port);
  },
  post: (port, data) => port.postMessage({ event: 'wallet.request', data }),
  sendToFrame: (tabId, frameId, msg) => browser.tabs.sendMessage(tabId, msg, { frameId }),
  promptRequester: (id) => prompts.requesterOf(id),
});
setPageWalletBridge(wallet);

const expired = () => new RpcError(ErrorCode.invalidParams, 'This request is no longer waiting', { reason: 'expired' });

export const providerHandlers: Pick<
  Handlers,
  'provider.request' | 'wallet.response' | 'prompt.get' | 'prompt.resolve' | 'sites.list' | 'sites.revoke'
> = {
  'provider.request': ({ method, params }, ctx) => service.request(method, params, track(ctx.port)),
  'wallet.response': (params, ctx) => wallet.response(params, track(ctx.port).sender),
  'prompt.get': ({ id }) => {
    const view = prompts.get(id);
    if (!view) throw expired();
    return view;
  },
  'prompt.resolve': ({ id, approved, scope }) => {
    if (!prompts.resolve(id, { approved, scope })) throw expired();
    return true;
  },
  'sites.list': () => listGrants(),
  'sites.revoke': async ({ origin }) => {
    await revokeOrigin(origin);
    await service.grantsChanged(origin);
    return true as const;
  },
};
