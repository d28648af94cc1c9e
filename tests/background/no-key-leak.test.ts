// Nothing secret crosses from the background to another context. Every frame the background sends
// over ports (responses and events) during a full session is captured and searched for the wallet keys,
// the XMTP identity and pre-keys, the key bundle, the data key and the password.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshBackground, memoryNode } from './setup.ts';
import { createRouter, type Handlers } from '../../background/router.ts';
import { setRouter } from '../../background/events.ts';
import { appHandlers } from '../../background/handlers.ts';
import { wireBroadcasts } from '../../background/broadcast.ts';
import { db } from '../../background/db.ts';
import { getSession } from '../../background/xmtp-session.ts';
import { openSecrets } from '../../background/keystore.ts';
import { PrivateKeyBundle } from '../../src/xmtp/keys/private-key-bundle.ts';
import { Client } from '../../src/xmtp/client.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import { bytesToHex, toBase64 } from '../../src/xmtp/crypto/bytes.ts';

const node = memoryNode();

const BASE = 'chrome-extension://abcdefghijklmnop/';

function fakePort(name: string, frames: unknown[]) {
  const listeners: ((m: unknown) => void)[] = [];
  const port = {
    name,
    sender: { url: `${BASE}${name}.html`, id: 'abcdefghijklmnop' },
    postMessage: (m: unknown) => frames.push(structuredClone(m)),
    onMessage: { addListener: (fn: (m: unknown) => void) => listeners.push(fn) },
    onDisconnect: { addListener: () => {} },
    disconnect: () => {},
  };
  let id = 0;
  const call = async (method: string, params?: unknown) => {
    const n = ++id;
    const before = frames.length;
    for (const fn of listeners) fn({ id: n, method, params });
    for (let i = 0; i < 600; i++) {
      const reply = frames.slice(before).find((f) => (f as { id?: number }).id === n) as { result?: unknown; error?: { message: string } } | undefined;
      if (reply) {
        if (reply.error) throw new Error(`${method}: ${reply.error.message}`);
        return reply.result;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`${method}: no answer`);
  };
  return { port, call };
}

test('no frame sent to the popup or prompt carries key material, the key bundle, the data key or the password', async () => {
  await freshBackground(node.url);
  const frames: unknown[] = [];
  const router = createRouter(appHandlers as Handlers, BASE);
  setRouter(router);
  wireBroadcasts();
  const popup = fakePort('popup', frames);
  const prompt = fakePort('prompt', frames);
  router.attach(popup.port as never);
  router.attach(prompt.port as never);

  const password = 'a very secret password';
  const otherWalletKey = '0x' + '5c'.repeat(32);
  const checked = (await popup.call('account.checkImport', { privateKey: otherWalletKey })) as { address: string };
  const { address: me } = (await popup.call('account.create', { password })) as { address: string };
  const bob = await Client.create(privateKeySigner('0x' + '6d'.repeat(32)), { apiUrl: node.url });
  const incoming = await bob.conversations.newConversation(me);
  await incoming.send('hi from bob');
  await popup.call('sync.now');
  const list = (await popup.call('conversations.list')) as { id: string }[];
  await popup.call('messages.list', { topic: list[0].id });
  await popup.call('messages.send', { topic: list[0].id, content: 'hi bob' });
  await popup.call('conversations.markRead', { topic: list[0].id });
  await popup.call('contacts.canMessage', { addresses: [bob.address, checked.address] });
  await popup.call('consent.set', { peerAddress: bob.address, state: 'allowed' });
  await popup.call('settings.get');
  await popup.call('account.changePassword', { oldPassword: password, newPassword: password + '!' });
  await popup.call('account.lock');
  await prompt.call('account.unlock', { password: password + '!' });
  await prompt.call('app.status');
  await new Promise((r) => setTimeout(r, 500)); // let background deliveries emit their events

  // Everything secret this session holds.
  const unlocked = (await getSession().current())!;
  const record = (await (await db()).get('accounts', me))!;
  const key = unlocked.keys.get(me)!.keys.get(record.keys[0]!.id)!;
  const secrets = await openSecrets(record, key);
  const bundle = PrivateKeyBundle.decode(secrets.keyBundle);
  const dataKey = new Uint8Array(await crypto.subtle.exportKey('raw', key));
  const secretBytes: [string, Uint8Array][] = [
    ['wallet key', secrets.walletKey!],
    ['identity key', bundle.identity.privateKey],
    ...bundle.preKeys.map((k, i): [string, Uint8Array] => [`pre-key ${i}`, k.privateKey]),
    ['key bundle', secrets.keyBundle],
    ['data key', dataKey],
    ['vault key', unlocked.vaultKey],
    ['index key', secrets.indexKey!],
    ['recovery phrase', new TextEncoder().encode(secrets.mnemonic!.phrase)],
    ['the other wallet key', Uint8Array.from(Buffer.from(otherWalletKey.slice(2), 'hex'))],
  ];
  assert.ok(secrets.walletKey && secrets.walletKey.length === 32);

  assert.ok(frames.length > 20, `captured ${frames.length} frames`);
  const text = JSON.stringify(frames, (k, v) => {
    if (v instanceof Uint8Array || ArrayBuffer.isView(v)) throw new Error(`a frame carries raw bytes (${k})`);
    if (typeof v === 'bigint') throw new Error(`a frame carries internal fields (${k})`);
    return v;
  }).toLowerCase();
  for (const [what, bytes] of secretBytes) {
    const hex = bytesToHex(bytes);
    assert.ok(!text.includes(hex), `${what} (hex) must not leave the background`);
    assert.ok(!text.includes(toBase64(bytes).toLowerCase()), `${what} (base64) must not leave the background`);
    assert.ok(!text.includes(bytesToHex(bytes.subarray(0, 16))), `${what} (even half of it) must not leave the background`);
  }
  assert.ok(!text.includes(password.toLowerCase()), 'the password is never echoed');
  assert.ok(!text.includes(secrets.mnemonic!.phrase.split(' ').slice(0, 3).join(' ')), 'the recovery phrase never leaves without a reveal');
  assert.ok(text.includes('hi from bob'), 'the capture does contain the conversation (it is not vacuous)');
});
