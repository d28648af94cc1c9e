// A notification names its sender: the verified ENS name and avatar (cached, or looked up as it is
// announced).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { freshBackground, memoryNode, PASSWORD, walletKey } from './setup.ts';
import { Client } from '../../src/xmtp/client.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import * as accounts from '../../background/accounts.ts';
import * as inbox from '../../background/inbox.ts';
import { getClient } from '../../background/xmtp-session.ts';
import { updateSettings } from '../../background/settings.ts';
import { names } from '../../background/names/index.ts';
import { startChain, type Address, type LocalChain } from '../support/eth-chain.ts';
import { deployEns } from '../support/ens.ts';

const AVATAR = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const node = memoryNode();
let chain: LocalChain;
let platform: Awaited<ReturnType<typeof freshBackground>>;

before(async () => {
  chain = await startChain();
});
after(() => chain.close());
beforeEach(async () => {
  platform = await freshBackground(node.url);
});

test('a notification carries the sender’s ENS name and avatar', async () => {
  const ens = await deployEns(chain);
  const bob = await Client.create(privateKeySigner(walletKey(0x71)), { apiUrl: node.url });
  await ens.register('bob.eth', { owner: bob.address as Address, texts: { avatar: AVATAR } });
  await ens.setPrimaryName(bob.address as Address, 'bob.eth');
  await updateSettings({ ensNames: true, ethRpcUrl: chain.url }, async () => {}, async () => {});
  await names().settingsChanged();

  const { address: me } = await accounts.importWallet({ privateKey: walletKey(0x72), password: PASSWORD });
  await getClient(me);
  await (await bob.conversations.newConversation(me)).send('gm');
  await inbox.setConsent(me, bob.address, 'allowed');
  await inbox.syncNow(me);
  for (let i = 0; i < 100 && !platform.notifications.length; i++) await new Promise((r) => setTimeout(r, 50));
  const note = platform.notifications.find((n) => n.message === 'gm');
  assert.ok(note, JSON.stringify(platform.notifications));
  assert.equal(note.title, 'bob.eth');
  assert.equal(note.icon, AVATAR);
});
