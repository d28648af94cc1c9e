// Adapts the background's inbox service (inbox.ts) and accounts (accounts.ts) to what the provider
// needs (backend.ts).
import * as accounts from '../accounts.ts';
import * as inbox from '../inbox.ts';
import type { ProviderBackend } from './backend.ts';
import { names } from '../names/index.ts';

export function createBackend(): ProviderBackend {
  return {
    status: async () => {
      const s = await accounts.status();
      return s.address ? { state: s.state, address: s.address } : { state: s.state };
    },
    listConversations: (account) => inbox.listConversations(account),
    getConversation: (account, topic) => inbox.getConversation(account, topic),
    newConversation: (account, peer, context) => inbox.newConversation(account, peer, context),
    listMessages: (account, topic, opts) => inbox.listMessages(account, topic, opts),
    sendMessage: (account, topic, content) => inbox.sendMessage(account, topic, content),
    canMessage: (account, addresses) => inbox.canMessage(account, addresses),
    setConsent: (account, peer, state) => inbox.setConsent(account, peer, state),
    resolveName: (name) => names().resolve(name),
    lookupAddress: (address) => names().lookupNow(address),
    onMessages: (fn) => inbox.onMessages((account, changed) => fn(account, [...changed.values()].flat())),
    onStatus: (fn) => accounts.onStatus((s) => fn(s.address ? { state: s.state, address: s.address } : { state: s.state })),
    acquireLive: () => inbox.live.acquire(),
  };
}
