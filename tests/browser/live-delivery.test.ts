// Live delivery with the popup closed: while the inbox is unlocked the background holds the node's
// WebSocket, whose application-level keep-alives keep it running (Chrome counts WebSocket messages
// within its 30 s idle window; a Firefox event page counts the API call each keep-alive makes), so a
// message from an official-SDK user changes the badge within seconds instead of at the next alarm.
// Chromium runs unattached (no debugger on the worker), so its real idle timeout applies; Firefox
// runs with its idle timeout scaled down (5 s, keep-alives every second) to keep the test short.
// The two run side by side: most of their time is waiting.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromiumUnattached, launchFirefox } from './support/browsers.ts';
import { rpc, badgeText, waitFor } from './support/extension-rpc.ts';
import { testNode, type TestNode } from './support/test-node.ts';
import { createSdkClient } from '../support/sdk.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import { PASSWORD, randomKey } from './support/bg.ts';

interface Evaluator {
  evaluate(expression: string): Promise<unknown>;
  close(): Promise<unknown>;
}

const chromiumNode = testNode('live-chromium-');
const firefoxNode = testNode('live-firefox-', { wsPingMs: 1_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Imports a fresh account, lets an SDK user start a conversation and marks it read, closes every
 * extension page, idles `idleMs` while checking that the node never loses the extension's
 * WebSocket, then has the SDK user send: returns how long the badge took to show it.
 */
async function idleThenReceive(node: TestNode, openPage: (file: string) => Promise<Evaluator>, idleMs: number): Promise<{ badgeMs: number; fewestSockets: number }> {
  const probe = await openPage('prompt.html');
  await rpc(probe, 'settings.update', { nodeUrl: node.url });
  const { address: me } = await rpc<{ address: string }>(probe, 'account.import', { privateKey: randomKey(), password: PASSWORD });
  const sdk = await createSdkClient(privateKeySigner('0x' + randomKey()), node.url);
  const convo = await sdk.conversations.newConversation(me);
  await convo.send('before the idle');
  await waitFor(async () => (await badgeText(probe)) === '1', 'the first message');
  await rpc(probe, 'conversations.markRead', { topic: convo.topic });
  await waitFor(async () => (await badgeText(probe)) === '', 'the badge to clear');
  await probe.close(); // nothing of the extension is open now (an open page would ping the background)
  await waitFor(async () => node.stats().websockets === 1, "the extension's live WebSocket");

  let fewestSockets = Infinity;
  const end = Date.now() + idleMs;
  while (Date.now() < end) {
    fewestSockets = Math.min(fewestSockets, node.stats().websockets);
    await sleep(250);
  }
  // A page that only reads the badge: it opens no port, so it does not wake a stopped background.
  const reader = await openPage('manifest.json');
  assert.equal(await badgeText(reader), '', 'nothing new yet');
  const t0 = Date.now();
  await convo.send('after the idle');
  await waitFor(async () => (await badgeText(reader)) === '1', 'the badge after the idle', 20_000);
  const badgeMs = Date.now() - t0;
  await reader.close();
  return { badgeMs, fewestSockets };
}

describe('live delivery with the popup closed', { concurrency: true }, () => {
  test('Chromium: idle 45 s (the browser stops an idle worker after 30 s), then a message changes the badge within 5 s', async () => {
    const ext = await launchChromiumUnattached();
    try {
      const { badgeMs, fewestSockets } = await idleThenReceive(chromiumNode, (f) => ext.openPage(f), 45_000);
      assert.equal(fewestSockets, 1, 'the live WebSocket stayed open through the idle');
      assert.equal(ext.workerStops, 0, 'the browser never stopped the worker');
      assert.ok(badgeMs <= 5_000, `badge after ${badgeMs} ms`);
    } finally {
      await ext.close();
    }
  });

  test('Firefox ESR: the event page outlives its idle timeout (5 s here) three times over, and a message changes the badge within 5 s', async () => {
    const ext = await launchFirefox(undefined, { 'extensions.background.idle.timeout': 5_000 });
    try {
      const { badgeMs, fewestSockets } = await idleThenReceive(firefoxNode, (f) => ext.openPopup(f), 15_000);
      assert.equal(fewestSockets, 1, 'the live WebSocket stayed open through the idle: the event page was not suspended');
      assert.ok(badgeMs <= 5_000, `badge after ${badgeMs} ms`);
    } finally {
      await ext.close();
    }
  });
});
