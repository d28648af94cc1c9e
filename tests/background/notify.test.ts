// Notifications against a real node: what they show follows the privacy setting (who wrote and what,
// or only who wrote), and a preview in the list of an attachment names the file.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { freshBackground, memoryNode, PASSWORD, walletKey } from './setup.ts';
import { Client } from '../../src/xmtp/client.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import * as accounts from '../../background/accounts.ts';
import * as inbox from '../../background/inbox.ts';
import { getClient } from '../../background/xmtp-session.ts';
import { updateSettings } from '../../background/settings.ts';

const node = memoryNode();
let platform: Awaited<ReturnType<typeof freshBackground>>;
beforeEach(async () => {
  platform = await freshBackground(node.url);
});

async function receive(n: number, preview: 'text' | 'sender', texts: string[]) {
  const { address: me } = await accounts.importWallet({ privateKey: walletKey(n), password: PASSWORD });
  await getClient(me); // notifications start from when the client first runs
  await updateSettings({ notificationPreview: preview }, undefined, undefined, me);
  const bob = await Client.create(privateKeySigner(walletKey(n + 1)), { apiUrl: node.url });
  const convo = await bob.conversations.newConversation(me);
  await inbox.setConsent(me, bob.address, 'allowed'); // only allowed conversations notify
  for (const t of texts) await convo.send(t);
  await inbox.syncNow(me);
  await new Promise((r) => setTimeout(r, 100));
  return { bob, notes: platform.notifications };
}

test('notifications show who wrote and what, by default', async () => {
  const { bob, notes } = await receive(0x71, 'text', ['the secret is 42']);
  assert.equal(notes.length, 1);
  assert.equal(notes[0]!.message, 'the secret is 42');
  assert.equal(notes[0]!.title, `${bob.address.slice(0, 6)}…${bob.address.slice(-4)}`);
});

test('with "sender only" a notification says who wrote, never what', async () => {
  const { bob, notes } = await receive(0x73, 'sender', ['the secret is 42', 'and 43']);
  assert.equal(notes.length, 1);
  assert.equal(notes[0]!.message, '2 new messages');
  assert.ok(!JSON.stringify(notes).includes('secret'), 'no text of the messages');
  assert.equal(notes[0]!.title, `${bob.address.slice(0, 6)}…${bob.address.slice(-4)}`);
});
