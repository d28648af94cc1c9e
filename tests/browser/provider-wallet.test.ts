// "Sign in with the wallet of the requesting page" (Chromium): a dapp with a fake window.ethereum
// (secp256k1 via noble) asks to connect while the extension has no identity; the prompt onboards with
// the page's wallet, which signs XMTP's identity texts; the site is then connected with that address.
// Also the errors: a page without a wallet, and a user who rejects in the wallet.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { launchChromium, type ChromiumExt } from './support/browsers.ts';
import { startPageServer, type PageServer } from '../support/page-server.ts';
import { startNode, type XmtpNode } from '../../server/node.ts';
import { createSdkClient } from '../support/sdk.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import { call, clickClosing, dappHtml, nextPrompt, noPrompt, openDapp, start, until, waitOutBackoff } from './support/dapp.ts';
import { bgCall, PASSWORD, randomKey } from './support/bg.ts';

let node: XmtpNode;
let pages: PageServer;
let ext: ChromiumExt;
const walletKey = randomKey();
const walletAddress = privateKeySigner(walletKey).address;
const secondKey = randomKey();

before(async () => {
  node = await startNode({ port: 0, db: ':memory:', logLevel: 'error' });
  pages = await startPageServer();
  pages.set('/', await dappHtml({ walletKey }));
  pages.set('/no-wallet', await dappHtml({ title: 'dapp without a wallet' }));
  pages.set('/second', await dappHtml({ title: 'second wallet', walletKey: secondKey }));
  ext = await launchChromium();
  const control = await ext.openPopup();
  await bgCall(control, 'settings.update', { nodeUrl: node.url });
  await control.close();
});
after(async () => {
  await ext?.close();
  await pages?.close();
  await node?.close();
});

const dapp = (path = '/', origin = pages.url): Promise<Page> => openDapp(ext.context, origin + path);

/** In the prompt: onboarding → "Use this page's wallet" → passwords → "Connect wallet". */
async function useWallet(prompt: Page) {
  await prompt.getByRole('button', { name: "Use this page's wallet" }).click();
  await prompt.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await prompt.getByLabel('Confirm password').fill(PASSWORD);
  await prompt.getByRole('button', { name: 'Connect wallet' }).click();
}

describe("onboarding with the requesting page's wallet (Chromium)", () => {
  test('a page without window.ethereum: the prompt says so', async () => {
    const page = await dapp('/no-wallet');
    const r = await start(page, 'xmtp_connect');
    const prompt = await nextPrompt(ext.context, ext.base);
    await prompt.getByText(pages.url, { exact: true }).waitFor();
    await useWallet(prompt);
    await prompt.getByRole('alert').filter({ hasText: 'no Ethereum wallet' }).waitFor();
    await prompt.close();
    const closed = await r.settled();
    assert.equal(closed.code, 4001);
    await noPrompt(ext.context, ext.base);
    await page.close();
    await waitOutBackoff(closed); // closing the prompt was a Deny: the site backs off
  });

  test('rejecting in the wallet: the prompt says so and nothing is created', async () => {
    const page = await dapp('/', pages.altUrl); // another site: its Deny does not hold up the next test's

    await page.evaluate(() => ((window as unknown as { __fakeWallet: { reject: boolean } }).__fakeWallet.reject = true));
    const r = await start(page, 'xmtp_connect');
    const prompt = await nextPrompt(ext.context, ext.base);
    await useWallet(prompt);
    await prompt.getByRole('alert').filter({ hasText: 'rejected' }).waitFor();
    const status = await bgCall<{ state: string }>(prompt, 'app.status');
    assert.equal(status.state, 'onboarding');
    await prompt.close();
    assert.equal((await r.settled()).code, 4001);
    await noPrompt(ext.context, ext.base);
    await page.close();
  });

  test('the page wallet signs, the identity is created, and the site is connected with that address', async () => {
    const page = await dapp();
    assert.deepEqual((await call(page, 'xmtp_accounts')).ok, []);
    const r = await start(page, 'xmtp_connect');
    const prompt = await nextPrompt(ext.context, ext.base);
    await useWallet(prompt);
    // identity created with the page's wallet; then the same window asks for the connection
    await prompt.getByRole('button', { name: 'Allow' }).waitFor({ timeout: 60_000 });
    await clickClosing(prompt.getByRole('button', { name: 'Allow' }));
    const out = await r.settled();
    assert.deepEqual(out.ok, { address: walletAddress, scope: 'app' }, JSON.stringify(out));
    const calls = await page.evaluate(() => (window as unknown as { __fakeWallet: { calls: string[] } }).__fakeWallet.calls);
    assert.deepEqual(calls.filter((c) => c !== 'eth_requestAccounts'), ['personal_sign', 'personal_sign'], 'Create Identity and Enable Identity');
    assert.deepEqual((await call(page, 'xmtp_accounts')).ok, [walletAddress]);
    // the identity is on the network: an official-SDK user can message it
    const sdk = await createSdkClient(privateKeySigner(randomKey()), node.url);
    assert.equal(await sdk.canMessage(walletAddress), true);
    await until(async () => ((await call(page, 'xmtp_canMessage', { addresses: [sdk.address] })).ok as Record<string, boolean>)?.[sdk.address], 'canMessage');
    await noPrompt(ext.context, ext.base);
    await page.close();
  });

  test("from the popup, any open page's wallet signs in: the pages are listed, and the chosen one adds an account", async () => {
    const second = await ext.context.newPage();
    await second.goto(pages.altUrl + '/second'); // another origin, another wallet
    const plain = await dapp('/no-wallet');
    const popup = await ext.openPopup('popup.html#/accounts/add');
    await popup.getByRole('button', { name: 'Use a wallet on an open page' }).click();
    const altHost = new URL(pages.altUrl).host;
    const choices = popup.getByRole('radio');
    assert.ok((await choices.count()) >= 2, 'the open pages are listed');
    await popup.getByRole('radio', { name: new RegExp(`${altHost.replace(/[.:]/g, '\\$&')}.*second wallet`) }).check();
    assert.equal(await popup.getByLabel('Password', { exact: true }).count(), 0, 'an added account needs no new password');
    await popup.getByRole('button', { name: 'Connect wallet' }).click();
    const secondAddress = privateKeySigner(secondKey).address;
    await until(async () => (await bgCall<{ address?: string }>(popup, 'app.status')).address === secondAddress, 'the second account to be current', 60_000);
    const calls = await second.evaluate(() => (window as unknown as { __fakeWallet: { calls: string[] } }).__fakeWallet.calls);
    assert.deepEqual(calls.filter((c) => c !== 'eth_requestAccounts'), ['personal_sign', 'personal_sign'], 'the chosen page signed');
    await Promise.all([popup.close(), second.close(), plain.close()]);
  });
});
