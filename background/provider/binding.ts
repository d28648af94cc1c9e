// Adapts the background's inbox service, session and accounts to what the provider needs
// (backend.ts). Until the inbox service is wired, the extension reports "no identity yet": every
// site can still connect-prompt (and onboard from the prompt), and nothing else answers.
import { ErrorCode, RpcError } from '../../src/rpc.ts';
import type { ProviderBackend } from './backend.ts';

const unavailable = () => new RpcError(ErrorCode.internal, 'XMTP Inbox has no identity yet', { reason: 'onboarding' });

export function createBackend(): ProviderBackend {
  return {
    status: async () => ({ state: 'onboarding' }),
    listConversations: async () => [],
    getConversation: async () => undefined,
    newConversation: async () => {
      throw unavailable();
    },
    listMessages: async () => [],
    sendMessage: async () => {
      throw unavailable();
    },
    canMessage: async () => {
      throw unavailable();
    },
    setConsent: async () => {
      throw unavailable();
    },
    onMessages: () => {},
    onStatus: () => {},
    acquireLive: () => () => {},
  };
}
