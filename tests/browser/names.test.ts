// Names end to end in Chromium: a local Ethereum chain with the real ENS contracts, where alice.eth is
// the address of a user of the official XMTP SDK, with an avatar. The user sets the Ethereum RPC in
// Settings, types alice.eth in New conversation, sees the address before Start and talks to alice; the
// inbox shows alice.eth with its avatar; a dapp starts a conversation with 'alice.eth' and the prompt
// shows the name and the address.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { launchChromium, type ChromiumExt } from './support/browsers.ts';
import { startPageServer, type PageServer } from '../support/page-server.ts';
import { startNode, type XmtpNode } from '../../server/node.ts';
import { createSdkClient, ContentTypeText } from '../support/sdk.ts';
import { clickClosing, dappHtml, nextPrompt, noPrompt, start, until } from './support/dapp.ts';
import { bgCall, PASSWORD, randomKey } from './support/bg.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import { startChain, type Address, type LocalChain } from '../support/eth-chain.ts';
import { deployEns } from '../support/ens.ts';
import { appScopeKey } from '../../background/provider/scope.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

// an 8×8 PNG, one colour: the avatar record is a data: URL
const AVATAR = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC';

let node: XmtpNode;
let chain: LocalChain;
let pages: PageServer;
let ext: ChromiumExt;
let popup: Page;
let alice: Any;

before(async () => {
  node = await startNode({ port: 0, db: ':memory:', logLevel: 'error' });
  chain = await startChain();
  const ens = await deployEns(chain);
  alice = await createSdkClient(privateKeySigner(randomKey()), node.url);
  await ens.register('alice.eth', { owner: alice.address as Address, texts: { avatar: AVATAR } });
  await ens.setPrimaryName(alice.address as Address, 'alice.eth');
  pages = await startPageServer({ '/': await dappHtml() });
  ext = await launchChromium();
  popup = await ext.openPopup();
  await bgCall(popup, 'settings.update', { nodeUrl: node.url });
  await bgCall(popup, 'account.import', { privateKey: randomKey(), password: PASSWORD });
  await popup.reload();
});
after(async () => {
  await ext?.close();
  await pages?.close();
  await chain?.close();
  await node?.close();
});

describe('names (Chromium)', () => {
  test('the Ethereum RPC is set in Settings, which says what a lookup reveals', async () => {
    await popup.getByRole('button', { name: 'Settings' }).click();
    const rpc = popup.getByLabel('Ethereum RPC URL');
    await popup.getByText(/Each lookup tells its operator your IP address and the addresses and names you look up/).waitFor();
    await rpc.fill('http://127.0.0.1:1/');
    await popup.getByRole('button', { name: 'Apply' }).click();
    await popup.getByText('Cannot reach http://127.0.0.1:1').waitFor({ timeout: 15_000 });
    await rpc.fill(chain.url);
    await popup.getByRole('button', { name: 'Apply' }).click();
    await popup.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await popup.getByRole('button', { name: 'Back to inbox' }).click();
  });

  test('New conversation with alice.eth: the address shows before Start, and the conversation reaches the SDK user', async () => {
    await popup.getByRole('button', { name: 'New conversation' }).click();
    await popup.getByLabel('Name or address').fill('unknown-name.eth');
    await popup.getByText('unknown-name.eth does not point to an address').waitFor({ timeout: 15_000 });
    await popup.getByLabel('Name or address').fill('Alice.eth');
    await popup.getByRole('status', { name: `alice.eth is ${alice.address}` }).waitFor({ timeout: 15_000 });
    await popup.getByRole('button', { name: 'Start' }).click();
    await popup.getByRole('heading', { name: 'alice.eth' }).waitFor({ timeout: 30_000 });
    await popup.getByRole('textbox', { name: 'Message' }).fill('gm alice.eth');
    await popup.getByRole('button', { name: 'Send' }).click();
    const convo = await until(async () => (await alice.conversations.list())[0], 'alice to see the conversation', 30_000);
    await until(async () => (await convo.messages()).find((m: Any) => m.content === 'gm alice.eth'), 'alice to get the message', 30_000);
    await convo.send('gm from the SDK', { contentType: ContentTypeText });
    await popup.getByRole('list', { name: /^Messages with alice\.eth/ }).getByText('gm from the SDK').waitFor({ timeout: 30_000 });
  });

  test('the inbox shows alice.eth with its avatar, and finds it by name', async () => {
    await popup.getByRole('button', { name: 'Back to inbox' }).click();
    const row = popup.getByRole('list', { name: /conversations$/ }).getByRole('button', { name: /^alice\.eth,? / });
    await row.waitFor();
    assert.equal(await row.getAttribute('title'), `alice.eth · ${alice.address}`);
    await until(async () => /^data:image\//.test((await row.locator('img.avatar').getAttribute('src').catch(() => null)) ?? ''), 'the avatar', 15_000);
    await popup.getByLabel('Search conversations').fill('alice.e');
    await row.waitFor();
    await popup.getByLabel('Search conversations').fill('');
  });

  test('a popup opened after the worker stopped paints alice.eth at once: the first screen\'s snapshot carries the cached name', async () => {
    const snapshotNames = () => popup.evaluate(async () => (await (globalThis as Any).chrome.storage.session.get('firstScreen')).firstScreen?.names ?? null);
    await until(async () => (await snapshotNames())?.[alice.address.toLowerCase()]?.name === 'alice.eth', "alice.eth in the snapshot", 15_000);
    assert.equal((await snapshotNames())[alice.address.toLowerCase()].avatar, undefined, 'names only: avatars follow from the background');
    await ext.stopWorker();
    const cold = await ext.openPopup();
    await cold.getByRole('list', { name: /conversations$/ }).getByRole('button', { name: /^alice\.eth,? / }).waitFor();
    const read = await cold.evaluate(() => (performance.getEntriesByName('first-screen-snapshot')[0] as PerformanceMark | undefined)?.detail);
    assert.deepEqual({ names: read?.names, painted: read?.painted }, { names: 1, painted: true }, 'the name came with the snapshot the list painted from');
    await cold.close();
  });

  test("a dapp's xmtp_newConversation({ peerAddress: 'alice.eth' }): the prompt shows the name and the address", async () => {
    const page = await ext.context.newPage();
    await page.goto(pages.url + '/');
    await page.waitForFunction(() => !!(window as unknown as { t?: unknown }).t && !!(window as unknown as { xmtp?: unknown }).xmtp);
    const connecting = await start(page, 'xmtp_connect', { scope: 'app' });
    await clickClosing((await nextPrompt(ext.context, ext.base)).getByRole('button', { name: 'Allow' }));
    assert.ok((await connecting.settled()).ok);
    await noPrompt(ext.context, ext.base);

    const starting = await start(page, 'xmtp_newConversation', { peerAddress: 'alice.eth' });
    const prompt = await nextPrompt(ext.context, ext.base);
    await prompt.getByRole('heading', { name: /wants to start a conversation with alice\.eth/ }).waitFor();
    await prompt.getByText(alice.address, { exact: true }).waitFor();
    await clickClosing(prompt.getByRole('button', { name: 'Allow' }));
    const out = (await starting.settled()) as { ok?: { peerAddress: string; context?: { conversationId: string } } };
    assert.equal(out.ok?.peerAddress, alice.address, JSON.stringify(out));
    assert.equal(out.ok?.context?.conversationId, `${appScopeKey(new URL(pages.url).origin)}/`);
    const resolved = await start(page, 'xmtp_lookupAddress', { address: alice.address });
    assert.deepEqual((await resolved.settled()).ok, { address: alice.address, name: 'alice.eth' });
    await page.close();
  });
});
