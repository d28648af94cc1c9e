// The background in real browsers against a real node, with a user of the official SDK on the other
// side: messages arrive while the popup is closed (minute alarm, worker asleep), a worker stopped in
// the middle of a live stream loses nothing, a send made while the node is down is delivered after it
// comes back, and the badge counts unread conversations. The main flow also runs in Firefox ESR.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { launchChromium, launchFirefox, type ChromiumExt, type FirefoxExt } from './support/browsers.ts';
import { rpc, storedMessages, fireTickAlarm, badgeText, waitFor } from './support/extension-rpc.ts';
import { inPage } from './support/in-page.ts';
import { testNode } from './support/test-node.ts';
import { createSdkClient } from '../support/sdk.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';

const key = (n: number) => '0x' + n.toString(16).padStart(2, '0').repeat(32);
const PASSWORD = 'correct horse battery';
const node = testNode('bg-e2e-');

const contents = (msgs: { content: unknown }[]) => msgs.map((m) => m.content);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stops the node, sends `text` from the extension, checks it stays pending through failed attempts
 * (the duplicate check before a retry included), restarts the node and waits for delivery: the live
 * connection reopening sends it, within 10 s and exactly once at the SDK user.
 */
async function sendThroughOutage(probe: { evaluate(e: string): Promise<unknown> }, convo: any, text: string) {
  await node.stop();
  // rpc() opens a port named 'popup', as the popup does.
  const pending = await rpc<{ status: string; localId: string }>(probe, 'messages.send', { topic: convo.topic, content: text });
  assert.equal(pending.status, 'pending');
  await sleep(3_000); // two or three attempts fail meanwhile
  const mine = async () => (await storedMessages(probe)).find((m) => m.localId === pending.localId);
  assert.equal((await mine())?.status, 'pending', 'a network failure never fails a send for good');
  await node.start();
  const sent = await waitFor(async () => (await mine())?.status === 'sent' && mine(), "delivery within 10 s of the node's return", 10_000);
  assert.equal(sent.content, text);
  const theirs = (await convo.messages()).map((m: any) => m.content);
  assert.equal(theirs.filter((x: string) => x === text).length, 1, 'the SDK user got it once');
}

describe('Chromium', () => {
  let ext: ChromiumExt;
  // An extension page that is not the popup app: it reads IndexedDB and fires alarms without holding
  // the live subscription (only its short rpc() calls open a 'popup' port).
  let probe: Page;
  let me: string;
  let sdk: any;
  let convo: any;

  before(async () => {
    ext = await launchChromium();
    probe = await ext.openPopup('prompt.html');
    await rpc(probe, 'settings.update', { nodeUrl: node.url });
    ({ address: me } = await rpc<{ address: string }>(probe, 'account.import', { privateKey: key(0xa1), password: PASSWORD }));
    sdk = await createSdkClient(privateKeySigner(key(0xa2)), node.url);
  });
  after(async () => {
    await ext?.close();
  });

  test('the worker verifies signatures with libsecp256k1 in WebAssembly (the CSP allows it)', async () => {
    const sw = await ext.worker();
    const backend = await sw.evaluate(() => (globalThis as any).xmtpInboxDiagnostics.cryptoBackend());
    assert.notEqual(backend, 'noble');
    assert.match(String(backend), /wasm|secp256k1/i);
  });

  test('a message sent while the popup is closed and the worker asleep is there after the next alarm; the badge counts it', async () => {
    await ext.stopWorker();
    convo = await sdk.conversations.newConversation(me);
    await convo.send('hello while you were away');
    await fireTickAlarm(probe); // wakes the worker the way the browser's alarm does
    const msgs = await waitFor(async () => (await storedMessages(probe)).filter((m) => m.content === 'hello while you were away').length === 1 && storedMessages(probe), 'the alarm catch-up');
    assert.equal(msgs.length, 1);
    assert.equal(msgs[0].senderAddress, sdk.address);
    assert.equal(await waitFor(async () => (await badgeText(probe)) === '1' && '1', 'the badge'), '1');
  });

  test('stopping the worker in the middle of a live stream loses nothing and duplicates nothing', async () => {
    const popup = await ext.openPopup();
    try {
      // The worker restarted by the alarm starts the live subscription on its own (the inbox is
      // unlocked); it is in place once the worker reports its transport.
      const sw = await ext.worker();
      await waitFor(() => sw.evaluate(() => (globalThis as any).xmtpInboxDiagnostics.liveTransport()).then((t) => t === 'websocket'), 'the live WebSocket (our node offers it)');
      await convo.send('live 1');
      await waitFor(async () => contents(await storedMessages(probe)).includes('live 1'), 'live delivery');
      await ext.stopWorker();
      await convo.send('gap 1');
      await convo.send('gap 2');
      await popup.reload(); // the popup reconnects, which starts the worker again
      await convo.send('after restart');
      const all = await waitFor(async () => {
        const m = contents(await storedMessages(probe));
        return ['gap 1', 'gap 2', 'after restart'].every((x) => m.includes(x)) && m;
      }, 'the gap and the live message after the restart');
      for (const text of ['hello while you were away', 'live 1', 'gap 1', 'gap 2', 'after restart']) {
        assert.equal(all.filter((x) => x === text).length, 1, `exactly one "${text}"`);
      }
    } finally {
      await popup.close(); // an open popup silences notifications: never leave it to the next test
    }
  });

  test('a send made while the node is down stays pending, and arrives once within 10 s of the node\'s return, with no click and no alarm', async () => {
    await sendThroughOutage(probe, convo, 'sent while the node was down');
  });

  test('opening the conversation clears the badge and sends a read receipt the SDK user can read', async () => {
    await rpc(probe, 'conversations.markRead', { topic: convo.topic });
    assert.equal(await waitFor(async () => (await badgeText(probe)) === '' && 'cleared', 'the badge to clear'), 'cleared');
    const receipt = await waitFor(
      async () => (await convo.messages()).find((m: any) => m.contentType.typeId === 'readReceipt' && m.senderAddress === me),
      'the read receipt at the SDK',
    );
    assert.ok(receipt);
  });

  test('a new message in an allowed conversation raises a notification while the popup is closed; a blocked sender never does, nor stores anything', async () => {
    const listNotifications = async () =>
      Object.keys(
        (await probe.evaluate(inPage(async () => ((globalThis as any).chrome.notifications.getAll()) as Promise<Record<string, unknown>>))) as Record<string, unknown>,
      );
    await rpc(probe, 'consent.set', { peerAddress: sdk.address, state: 'allowed' });
    await convo.send('ping for a notification');
    await fireTickAlarm(probe);
    // The id names the account and the conversation a click opens.
    await waitFor(async () => (await listNotifications()).includes(`msg:${me}:${convo.topic}`), 'the notification');
    await probe.evaluate(inPage(async (id: string) => (globalThis as any).chrome.notifications.clear(id), `msg:${me}:${convo.topic}`));

    const spammer = await createSdkClient(privateKeySigner(key(0xa3)), node.url);
    const spam = await spammer.conversations.newConversation(me);
    await rpc(probe, 'consent.set', { peerAddress: spammer.address, state: 'denied' });
    await spam.send('buy now');
    await convo.send('after the spam');
    await fireTickAlarm(probe);
    // One catch-up reads every conversation: once the later message is stored, the spam was read too.
    await waitFor(async () => contents(await storedMessages(probe)).includes('after the spam'), 'the later message to be stored');
    assert.ok(!contents(await storedMessages(probe)).includes('buy now'), 'a blocked sender stores nothing');
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(!(await listNotifications()).some((id) => id.endsWith(spam.topic)), 'no notification for a blocked sender');
  });
});

describe('Firefox ESR', () => {
  let ext: FirefoxExt;
  before(async () => {
    ext = await launchFirefox();
  });
  after(() => ext?.close());

  test('import, receive through the alarm, send, and send through a node outage', async () => {
    const probe = await ext.openPopup('prompt.html');
    await rpc(probe, 'settings.update', { nodeUrl: node.url });
    const { address: me } = await rpc<{ address: string }>(probe, 'account.import', { privateKey: key(0xb1), password: PASSWORD });
    const sdk = await createSdkClient(privateKeySigner(key(0xb2)), node.url);
    const convo = await sdk.conversations.newConversation(me);
    await convo.send('hello firefox');
    await fireTickAlarm(probe);
    await waitFor(async () => contents(await storedMessages(probe)).includes('hello firefox'), 'the alarm catch-up in Firefox');
    const sent = await rpc<{ localId: string }>(probe, 'messages.send', { topic: convo.topic, content: 'hello from firefox' });
    await waitFor(async () => (await storedMessages(probe)).some((m) => m.localId === sent.localId && m.status === 'sent'), 'delivery');
    assert.ok((await convo.messages()).some((m: any) => m.content === 'hello from firefox'));
    await sendThroughOutage(probe, convo, 'sent from firefox while the node was down');
    await probe.close();
  });
});
