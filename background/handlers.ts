// The popup's and prompt's requests (src/messages.ts), one line each: which module does the work.
// Params arrive validated (params.ts); the provider's own requests are in provider/index.ts.
import type { Handlers } from './router.ts';
import * as accounts from './accounts.ts';
import * as inbox from './inbox.ts';
import { getSettings, updateSettings } from './settings.ts';
import { dropClient } from './xmtp-session.ts';
import { names } from './names/index.ts';
import { currentAccount } from './account-store.ts';
import { connection } from './connection.ts';
import { showCurrentNodes } from './nodes.ts';
import { getDraft, setDraft } from './drafts.ts';
import * as store from './inbox-store.ts';
import { pageWalletSigner } from './provider/page-wallet.ts';
import { loadRemotePart, uploadTarget } from './remote-attachments.ts';
import { ErrorCode, RpcError } from '../src/rpc.ts';

type AppHandlers = Omit<Handlers, 'provider.request' | 'wallet.response' | 'prompt.get' | 'prompt.resolve' | 'sites.list' | 'sites.revoke'>;

export const appHandlers: AppHandlers = {
  'app.status': () => accounts.status(),
  'app.ping': () => true as const,
  'account.create': (opts) => accounts.createWallet(opts),
  'account.checkImport': (secret) => accounts.checkImport(secret),
  'account.import': (params) => accounts.importWallet(params),
  'account.connectPageWallet': ({ tabId, promptId, ...opts }) => {
    if (tabId === undefined && promptId === undefined) throw new RpcError(ErrorCode.invalidParams, 'tabId or promptId is required');
    return accounts.connectExternalWallet(pageWalletSigner(promptId !== undefined ? { promptId } : { tabId: tabId! }), opts);
  },
  'account.unlock': ({ password }) => accounts.unlock(password),
  'account.lock': () => accounts.lock(),
  'account.changePassword': ({ oldPassword, newPassword }) => accounts.changePassword(oldPassword, newPassword),
  'account.switch': ({ address }) => accounts.switchAccount(address),
  'account.rename': ({ address, label }) => accounts.renameAccount(address, label),
  'account.remove': ({ address }) => accounts.removeAccount(address),
  'account.reveal': ({ address, password, secret }) => accounts.reveal(address, password, secret),

  'settings.get': () => getSettings(),
  'settings.update': async (patch) => {
    const before = await getSettings();
    const after = await updateSettings(patch);
    if (after.nodeUrls.join('\n') !== before.nodeUrls.join('\n')) {
      dropClient(await currentAccount()); // the next request builds a client for the new node list
      showCurrentNodes(after.nodeUrls);
      inbox.live.restart();
      inbox.outbox.kick();
    }
    await names().settingsChanged();
    return after;
  },

  'conversations.list': async (params) => inbox.listConversations(await inbox.unlockedAccount(), params),
  'conversations.get': async ({ topic }) => {
    const c = await inbox.getConversation(await inbox.unlockedAccount(), topic);
    if (!c) throw new RpcError(ErrorCode.invalidParams, 'No such conversation');
    return c;
  },
  'conversations.new': async ({ peerAddress, conversationId, metadata }) =>
    inbox.newConversation(await inbox.unlockedAccount(), peerAddress, conversationId !== undefined ? { conversationId, metadata } : undefined),
  'conversations.markRead': async ({ topic }) => {
    await inbox.markRead(await inbox.unlockedAccount(), topic);
    return true as const;
  },
  'contacts.canMessage': async ({ addresses }) => inbox.canMessage(await inbox.unlockedAccount(), addresses),
  'consent.set': async ({ peerAddress, state }) => {
    await inbox.setConsent(await inbox.unlockedAccount(), peerAddress, state);
    return true as const;
  },
  'messages.list': async ({ topic, limit, before }) => inbox.listMessages(await inbox.unlockedAccount(), topic, { limit, before }),
  'messages.send': async ({ topic, contentType, content }) => inbox.sendMessage(await inbox.unlockedAccount(), topic, { contentType, content }),
  'outbox.retry': async ({ id }) => inbox.outbox.retry(await inbox.unlockedAccount(), id),
  'outbox.discard': async ({ id }) => {
    await inbox.outbox.discard(await inbox.unlockedAccount(), id);
    return true as const;
  },
  'attachments.loadRemote': async ({ messageId, part }) => loadRemotePart(await inbox.unlockedAccount(), messageId, part),
  'attachments.uploadTarget': async () => uploadTarget(await inbox.unlockedAccount()),
  'sync.now': () => inbox.syncNow(),

  'names.lookup': ({ addresses }) => names().lookup(addresses),
  'names.resolve': ({ name }) => names().resolve(name),
  'messages.search': async ({ query, limit }) => store.searchMessages(await inbox.unlockedAccount(), query, limit),
  'drafts.get': async ({ topic }) => getDraft(await inbox.unlockedAccount(), topic),
  'drafts.set': async ({ topic, text }) => {
    await setDraft(await inbox.unlockedAccount(), topic, text);
    return true as const;
  },
  'connection.get': () => connection(),
};
