// Several accounts in the built extension against a real node, each talking to a user of the official
// SDK: each account sees only its own inbox, the header switches in one click, the badge counts every
// account, sites' grants follow the account (accountsChanged), and removing an account leaves no record
// of it anywhere the extension stores data. A created wallet's recovery phrase, shown in the popup,
// restores it in a fresh profile. The main flow also runs in Firefox ESR.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { launchChromium, launchFirefox, type ChromiumExt, type FirefoxExt } from './support/browsers.ts';
import { badgeText, everythingStored, fireTickAlarm, rpc, storedMessages, waitFor } from './support/extension-rpc.ts';
import { inPage } from './support/in-page.ts';
import { testNode } from './support/test-node.ts';
import { startPageServer, type PageServer } from '../support/page-server.ts';
import { call, clickClosing, dappHtml, events, nextPrompt, noPrompt, start, until } from './support/dapp.ts';
import { createSdkClient } from '../support/sdk.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import { validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';

const key = (n: number) => '0x' + n.toString(16).padStart(2, '0').repeat(32);
const PASSWORD = 'correct horse battery';
const node = testNode('accounts-e2e-');

/** Two accounts (the second, "Work", is current), each with an SDK user who wrote to it. */
async function twoAccounts(probe: { evaluate(e: string): Promise<unknown> }, keys: [number, number, number, number]) {
  await rpc(probe, 'settings.update', { nodeUrl: node.url });
  const { address: a } = await rpc<{ address: string }>(probe, 'account.import', { privateKey: key(keys[0]), password: PASSWORD });
  const { address: b } = await rpc<{ address: string }>(probe, 'account.import', { privateKey: key(keys[1]), label: 'Work' });
  const alice = await createSdkClient(privateKeySigner(key(keys[2])), node.url);
  const bob = await createSdkClient(privateKeySigner(key(keys[3])), node.url);
  const toA = await alice.conversations.newConversation(a);
  await toA.send('hello Account 1, from alice');
  const toB = await bob.conversations.newConversation(b);
  await toB.send('hello Work, from bob');
  return { a, b, alice, bob, toA, toB };
}

describe('Chromium', () => {
  let ext: ChromiumExt;
  let pages: PageServer;
  let probe: Page;
  let s: Awaited<ReturnType<typeof twoAccounts>>;

  before(async () => {
    pages = await startPageServer();
    pages.set('/', await dappHtml());
    ext = await launchChromium();
    probe = await ext.openPopup('prompt.html');
    s = await twoAccounts(probe, [0xc1, 0xc2, 0xc3, 0xc4]);
  });
  after(async () => {
    await ext?.close();
    await pages?.close();
  });

  test('each account sees only its own inbox; the header switches in one click; the badge counts both', async () => {
    await fireTickAlarm(probe); // the minute alarm catches every unlocked account up
    await waitFor(async () => (await badgeText(probe)) === '2' && 'two', 'the badge to count one unread conversation in each account', 30_000);

    const popup = await ext.openPopup();
    await popup.getByRole('button', { name: 'Work — switch account' }).waitFor();
    // A first message from a stranger is a request.
    const requests = () => popup.getByRole('tab', { name: /Requests/ }).click();
    const row = (address: string) => popup.getByRole('list', { name: /conversations$/ }).locator(`[title="${address}"]`);
    await requests();
    await row(s.bob.address).waitFor({ timeout: 30_000 });
    assert.equal(await row(s.alice.address).count(), 0, "Work does not see Account 1's conversation");

    await popup.getByRole('button', { name: 'Switch to Account 1, 1 unread' }).click();
    await popup.getByRole('button', { name: 'Account 1 — switch account' }).waitFor();
    await requests();
    await row(s.alice.address).waitFor({ timeout: 30_000 });
    assert.equal(await row(s.bob.address).count(), 0, "Account 1 does not see Work's conversation");
    await row(s.alice.address).click();
    await popup.getByText('hello Account 1, from alice').waitFor();
    await popup.close();
  });

  test('the popup paints on its own: with the worker stopped, the list (unlocked) and the lock screen (locked) come from the cache', async () => {
    const firstScreen = (page: Page) =>
      page.evaluate(() => (performance.getEntriesByName('first-screen-local')[0] as PerformanceMark | undefined)?.detail as { state: string; conversations: number | null } | undefined);
    const snapshotRead = (page: Page) =>
      page.evaluate(() => (performance.getEntriesByName('first-screen-snapshot')[0] as PerformanceMark | undefined)?.detail as { account: string; conversations: number } | undefined);
    // the background keeps the current account's first screen in storage.session (memory)
    const kept = async () => (await probe.evaluate(inPage(async () => (await (globalThis as any).chrome.storage.session.get('firstScreen')).firstScreen?.account ?? null))) as string | null;
    await waitFor(async () => (await kept()) === s.a, "the first screen's snapshot of Account 1", 30_000);
    await ext.stopWorker();
    const popup = await ext.openPopup();
    await popup.getByRole('tab', { name: /Requests/ }).click(); // Account 1's conversation is a request
    await popup.getByRole('list', { name: /conversations$/ }).waitFor();
    assert.deepEqual(await firstScreen(popup), { state: 'unlocked', conversations: 1 }, 'the status and first page were read in the popup');
    const read = await snapshotRead(popup);
    assert.equal(read?.account, s.a, "the background's snapshot was read with the session's keys");
    assert.equal(read?.conversations, 1);
    await popup.close();
    // A switch, and the worker stopped at once: the popup never paints the previous account's snapshot.
    await rpc(probe, 'account.switch', { address: s.b });
    await ext.stopWorker();
    const switched = await ext.openPopup();
    await switched.getByRole('button', { name: 'Work — switch account' }).waitFor();
    assert.notEqual((await snapshotRead(switched))?.account, s.a, "no snapshot of Account 1 once Work is current");
    await switched.getByRole('tab', { name: /Requests/ }).click();
    await switched.getByRole('list', { name: /conversations$/ }).locator(`[title="${s.bob.address}"]`).waitFor();
    assert.equal(await switched.getByRole('list', { name: /conversations$/ }).locator(`[title="${s.alice.address}"]`).count(), 0);
    await switched.close();
    await rpc(probe, 'account.switch', { address: s.a });
    await rpc(probe, 'account.lock');
    await ext.stopWorker();
    const locked = await ext.openPopup();
    await locked.getByRole('heading', { name: 'Welcome back' }).waitFor();
    assert.deepEqual(await firstScreen(locked), { state: 'locked', conversations: null });
    await locked.getByLabel('Password').fill(PASSWORD);
    await locked.getByRole('button', { name: 'Unlock' }).click();
    await locked.getByRole('tab', { name: /Requests/ }).click();
    await locked.getByRole('list', { name: /conversations$/ }).waitFor();
    await locked.close();
  });

  test("grants follow the account: a site granted by one account sees nothing of the other, and hears accountsChanged", async () => {
    await rpc(probe, 'account.switch', { address: s.a });
    await probe.close(); // it is a prompt.html page too: out of the way of the real prompt
    const page = await ext.context.newPage();
    await page.goto(pages.url + '/');
    await page.waitForFunction(() => !!(window as unknown as { xmtp?: unknown }).xmtp);
    const r = await start(page, 'xmtp_connect');
    await clickClosing((await nextPrompt(ext.context, ext.base)).getByRole('button', { name: 'Allow' }));
    assert.deepEqual((await r.settled()).ok, { address: s.a, scope: 'app' });
    await noPrompt(ext.context, ext.base);
    probe = await ext.openPopup('prompt.html');

    await rpc(probe, 'account.switch', { address: s.b });
    await until(async () => (await events(page, 'accountsChanged')).some((x) => Array.isArray(x) && x.length === 0), 'accountsChanged [] after the switch');
    assert.deepEqual((await call(page, 'xmtp_accounts')).ok, []);
    assert.equal((await call(page, 'xmtp_listConversations')).code, 4100, 'Work never granted this site');

    await rpc(probe, 'account.switch', { address: s.a });
    await until(async () => JSON.stringify((await events(page, 'accountsChanged')).at(-1)) === JSON.stringify([s.a]), 'accountsChanged [Account 1] after switching back');
    assert.deepEqual((await call(page, 'xmtp_accounts')).ok, [s.a]);
    await page.close();
  });

  test('removing an account (with its backup reminder) leaves no record of it', async () => {
    await rpc(probe, 'account.switch', { address: s.b });
    const before = await everythingStored(probe);
    const bHex = s.b.slice(2).toLowerCase();
    assert.ok(before.includes(bHex), 'the check below can fail: Work is stored now');
    // At rest (not the session's memory, where the unlocked first screen may show Work's request).
    const atRest = await everythingStored(probe, { atRest: true });
    assert.ok(!atRest.includes(s.toB.topic.toLowerCase()) && !atRest.includes('hello work'), 'sealed: neither its topic nor its messages are readable without its key');
    assert.ok((await storedMessages(probe)).some((m) => m.content === 'hello Work, from bob'), 'with its key (the session), they are');
    assert.equal(await badgeText(probe), '1', "Work's request is unread (Account 1's was read)");

    const popup = await ext.openPopup('popup.html#/accounts');
    await popup.getByRole('button', { name: 'Remove Work' }).click();
    const dialog = popup.getByRole('alertdialog', { name: 'Remove Work?' });
    await dialog.getByText('You have not backed up this wallet').waitFor();
    await dialog.getByRole('checkbox', { name: 'I have saved its recovery phrase or private key' }).check();
    await dialog.getByRole('button', { name: 'Remove account' }).click();
    await popup.getByRole('button', { name: 'Remove Work' }).waitFor({ state: 'detached' });
    await popup.close();

    const after = await everythingStored(probe);
    assert.ok(!after.includes(bHex), 'no record names the removed account');
    assert.ok(!(await storedMessages(probe)).some((m) => m.content === 'hello Work, from bob'), 'no record holds its messages, nor its keys');
    assert.ok(after.includes(s.a.slice(2).toLowerCase()), 'the other account stays');
    assert.equal(await badgeText(probe), '', 'the badge no longer counts the removed account');
  });

  test("backup: a created wallet's phrase, shown after the password, restores the same identity and its conversations in a fresh profile; a wrong phrase gets a clear error", async () => {
    const { address: created } = await rpc<{ address: string }>(probe, 'account.create', { label: 'Saved' });
    const carol = await createSdkClient(privateKeySigner(key(0xc9)), node.url);
    await (await carol.conversations.newConversation(created)).send('hello Saved, from carol');

    const backup = await ext.openPopup(`popup.html#/backup/${created}`);
    await backup.getByRole('heading', { name: 'Back up Saved' }).waitFor();
    await backup.getByLabel('Password').fill(PASSWORD);
    await backup.getByRole('button', { name: 'Show recovery phrase' }).click();
    const list = backup.getByRole('list', { name: 'Recovery phrase words, in order' });
    await list.waitFor({ timeout: 30_000 }); // the password is checked with the slow KDF first
    const words = await list.getByRole('listitem').allTextContents();
    await backup.close();
    assert.equal(words.length, 12);
    const phrase = words.join(' ');
    // The mistake people make: two words swapped (the first swap that breaks the checksum).
    const swapped = [...Array(11).keys()]
      .map((i) => [...words.slice(0, i), words[i + 1]!, words[i]!, ...words.slice(i + 2)].join(' '))
      .find((p) => !validateMnemonic(p, wordlist))!;

    const fresh = await launchChromium();
    try {
      await rpc(await fresh.openPopup('prompt.html'), 'settings.update', { nodeUrl: node.url });
      const popup = await fresh.openPopup();
      await popup.getByRole('button', { name: 'Import a wallet' }).click();
      const field = popup.getByLabel('Recovery phrase', { exact: true });
      await field.fill(swapped);
      await popup.getByRole('alert').filter({ hasText: 'the checksum does not match' }).waitFor();
      await field.fill(phrase);
      await popup.getByText(/already has an XMTP identity — it will be restored/).waitFor({ timeout: 30_000 });
      await popup.getByLabel('Password', { exact: true }).fill('another password');
      await popup.getByLabel('Confirm password').fill('another password');
      await popup.getByRole('button', { name: 'Import', exact: true }).click();
      await popup.getByRole('tab', { name: /Requests/ }).click({ timeout: 60_000 });
      const status = await rpc<{ address: string }>(popup, 'app.status');
      assert.equal(status.address, created, 'the same identity');
      const row = popup.getByRole('list', { name: /conversations$/ }).locator(`[title="${carol.address}"]`);
      await row.waitFor({ timeout: 30_000 });
      await row.click();
      await popup.getByText('hello Saved, from carol').waitFor({ timeout: 30_000 });
    } finally {
      await fresh.close();
    }
  });
});

describe('Firefox ESR', () => {
  let ext: FirefoxExt;

  before(async () => {
    ext = await launchFirefox();
  });
  after(async () => {
    await ext?.close();
  });

  test('two accounts, each with its own inbox; switching in the popup header', async () => {
    const probe = await ext.openPopup('prompt.html');
    const s = await twoAccounts(probe, [0xc5, 0xc6, 0xc7, 0xc8]);
    await fireTickAlarm(probe);
    await waitFor(async () => (await badgeText(probe)) === '2' && 'two', 'the badge to count both accounts', 30_000);
    const kept = () => probe.evaluate(async () => (await (globalThis as any).browser.storage.session.get('firstScreen')).firstScreen?.account ?? null);
    await waitFor(async () => (await kept()) === s.b, "the first screen's snapshot of Work", 30_000);
    const popup = await ext.openPopup();
    const aria = (role: string, name: string) => `::-p-aria([name="${name}"][role="${role}"])`;
    const has = (text: string) => popup.evaluate((t: string) => document.body.textContent?.includes(t) ?? false, text);
    // Firefox lets extension pages read storage.session too: the popup painted from the background's
    // snapshot, then read the cache itself.
    const snapshot = await popup.waitForFunction(() => (performance.getEntriesByName('first-screen-snapshot')[0] as PerformanceMark | undefined)?.detail, { timeout: 30_000 });
    assert.deepEqual(await snapshot.jsonValue(), { account: s.b, conversations: 1, names: 0, painted: true });
    const local = await popup.waitForFunction(() => (performance.getEntriesByName('first-screen-local')[0] as PerformanceMark | undefined)?.detail, { timeout: 30_000 });
    assert.deepEqual(await local.jsonValue(), { state: 'unlocked', conversations: 1 });
    await popup.locator('#tab-unknown').click(); // a first message from a stranger is a request
    await popup.waitForFunction((t: string) => document.body.textContent?.includes(t), { timeout: 30_000 }, 'hello Work, from bob');
    assert.equal(await has('hello Account 1, from alice'), false);
    await popup.locator(aria('button', 'Switch to Account 1, 1 unread')).click();
    await popup.locator(aria('button', 'Account 1 — switch account')).wait();
    await popup.locator('#tab-unknown').click();
    await popup.waitForFunction((t: string) => document.body.textContent?.includes(t), { timeout: 30_000 }, 'hello Account 1, from alice');
    assert.equal(await has('hello Work, from bob'), false);
  });
});
