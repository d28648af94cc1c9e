// window.xmtp requests from pages (relayed by content scripts): the provider API of DESIGN.md.
import { ErrorCode, RpcError } from '../../src/rpc.ts';
import { isProviderMethod } from '../../src/provider-api.ts';
import type { Handlers } from '../router.ts';

export const providerHandlers: Pick<Handlers, 'provider.request'> = {
  'provider.request': ({ method }) => {
    if (!isProviderMethod(method)) throw new RpcError(ErrorCode.methodNotFound, `unknown method ${method}`);
    throw new RpcError(ErrorCode.unsupportedMethod, `${method} is not supported by this version of XMTP Inbox`);
  },
};
