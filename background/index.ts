// Background entry (Chrome service worker / Firefox event page). Listeners are registered synchronously
// at top level so a restarted worker receives the event that woke it.
import browser from 'webextension-polyfill';
import { createRouter } from './router.ts';
import { ErrorCode, RpcError } from '../src/rpc.ts';
import { isProviderMethod } from '../src/provider-api.ts';
import type { AppStatus } from '../src/messages.ts';

const attach = createRouter({
  'app.status': (): AppStatus => ({ version: __VERSION__, target: __TARGET__, state: 'onboarding' }),
  'provider.request': ({ method }) => {
    if (!isProviderMethod(method)) throw new RpcError(ErrorCode.methodNotFound, `unknown method ${method}`);
    throw new RpcError(ErrorCode.unsupportedMethod, `${method} is not supported by this version of XMTP Inbox`);
  },
});

browser.runtime.onConnect.addListener(attach);
