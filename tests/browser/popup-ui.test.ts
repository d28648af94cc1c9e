// The built popup UI in real Chromium against an in-page fake background (tests/popup/): every screen,
// driven by role and accessible name as a person would, plus keyboard use, windowing performance,
// axe-core accessibility checks and the screenshots of docs/screenshots/.
//   UPDATE_SCREENSHOTS=1 npm test -- tests/browser/popup-ui.test.ts   rewrites docs/screenshots/*.png
// (The same flows against the real background, a real node and the official SDK: popup.test.ts.)
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir } from 'node:fs/promises';
import { existsSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './support/browsers.ts';
import { axeViolations, launchHarness, type Harness } from '../popup/harness.ts';
import { ALICE, SAMPLE_NAMES, bigSeed, ME, NOT_ON_XMTP, ERIN, PASSWORD, RESTORE_ADDRESS, RESTORE_KEY, SAMPLE_PHRASE, sampleSeed, samplePhoto, TOPICS, NEWBIE, WORK } from '../popup/seed.ts';
import type { FakeSeed } from '../popup/fake-background.ts';
import { MAX_REMOTE_FILE_BYTES } from '../../src/xmtp/limits.ts';
import decodeQR from '@paulmillr/qr/decode.js';

const UPDATE = process.env.UPDATE_SCREENSHOTS === '1';
let shotDir: string;
let h: Harness;

/** Without a colour emoji font, reactions draw as boxes: fine for the tests, not for the docs. */
const EMOJI_FONT = '/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf';

before(async () => {
  if (UPDATE && !existsSync(EMOJI_FONT)) throw new Error('UPDATE_SCREENSHOTS needs the emoji font: apt-get install -y fonts-noto-color-emoji');
  h = await launchHarness();
  shotDir = UPDATE ? path.join(ROOT, 'docs/screenshots') : await mkdtemp(path.join(os.tmpdir(), 'popup-shots-'));
  await mkdir(shotDir, { recursive: true });
});
after(() => h?.close());
// a failed test leaves its page open: close it, or the next page opens in the background (no frames)
afterEach(() => h.closePages());

const onboardingSeed = (): FakeSeed => {
  const s = sampleSeed();
  return { ...s, status: { ...s.status, state: 'onboarding', address: undefined, accounts: [] }, conversations: [], messages: {} };
};
const lockedSeed = (): FakeSeed => {
  const s = sampleSeed();
  return { ...s, status: { ...s.status, state: 'locked' } };
};
/** Two accounts: the sample inbox's, and "Work" (not backed up, 4 unread). */
const twoAccountSeed = (): FakeSeed => {
  const s = sampleSeed();
  const work = { address: WORK, label: 'Work', wallet: 'extension' as const, backup: 'key' as const, backedUp: false, unread: 4 };
  return { ...s, status: { ...s.status, accounts: [...s.status.accounts, work] } };
};
const calls = (page: Page) => page.evaluate(() => (window as any).__fake.calls as { method: string; params: any }[]);
const conversationsList = (page: Page) => page.getByRole('list', { name: /conversations$/ });

describe('onboarding', () => {
  test('create a new wallet: password rules, then the inbox', async () => {
    const page = await h.open(onboardingSeed());
    await page.getByRole('heading', { name: 'Welcome to XMTP Inbox' }).waitFor();
    await page.getByText('Create Identity').waitFor(); // the signature explanation
    await page.getByRole('button', { name: 'Create new wallet' }).click();
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByLabel('Confirm password').fill('short');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByText('Use at least 8 characters.').waitFor();
    assert.equal(await page.getByLabel('Password', { exact: true }).evaluate((e) => e === document.activeElement), true, 'focus goes to the bad field');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Confirm password').fill(PASSWORD + 'x');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByText('The passwords do not match.').waitFor();
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('tab', { name: /Messages/ }).waitFor();
    assert.deepEqual((await calls(page)).find((c) => c.method === 'account.create')?.params, { password: PASSWORD });
    await page.close();
  });

  test('import a key: an existing identity is announced and restored', async () => {
    const page = await h.open(onboardingSeed());
    await page.getByRole('button', { name: 'Import a wallet' }).click();
    await page.getByRole('radio', { name: 'Import with a private key' }).check();
    await page.getByLabel('Private key', { exact: true }).fill('0x' + RESTORE_KEY);
    await page.getByText('this wallet already has an XMTP identity — it will be restored.').waitFor();
    await page.getByText(`Wallet ${RESTORE_ADDRESS.slice(0, 6)}…${RESTORE_ADDRESS.slice(-4)}`).waitFor();
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('tab', { name: /Messages/ }).waitFor();
    const c = (await calls(page)).find((x) => x.method === 'account.import');
    assert.deepEqual(c?.params, { privateKey: '0x' + RESTORE_KEY, password: PASSWORD });
    await page.close();
  });

  test('import refuses a malformed key before asking the background', async () => {
    const page = await h.open(onboardingSeed());
    await page.getByRole('button', { name: 'Import a wallet' }).click();
    await page.getByRole('radio', { name: 'Import with a private key' }).check();
    await page.getByLabel('Private key', { exact: true }).fill('0x1234');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'A private key is 64 hexadecimal characters' }).waitFor();
    assert.equal((await calls(page)).some((c) => c.method === 'account.import'), false);
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByRole('button', { name: 'Create new wallet' }).waitFor();
    await page.close();
  });
});

describe('accounts and backup', () => {
  test('the header switches accounts in one click or from its menu; a wallet not backed up says so; adding asks for no password', async () => {
    const page = await h.open(twoAccountSeed());
    await conversationsList(page).waitFor();
    assert.equal(await page.getByRole('note').filter({ hasText: 'lives only in this browser' }).count(), 0, 'Account 1 is backed up');
    await page.getByRole('button', { name: 'Switch to Work, 4 unread' }).click();
    await page.getByRole('button', { name: 'Work — switch account' }).waitFor();
    assert.deepEqual((await calls(page)).filter((c) => c.method === 'account.switch').map((c) => c.params), [{ address: WORK }]);
    await page.getByRole('note').filter({ hasText: 'This wallet lives only in this browser' }).getByRole('button', { name: 'Back up' }).click();
    await page.getByRole('heading', { name: 'Back up Work' }).waitFor();
    assert.equal(await page.getByRole('radio').count(), 0, 'a wallet imported from a key has no phrase to choose');
    await page.getByRole('button', { name: 'Back' }).click();

    // The menu: every account, the current one checked; arrows move; Escape closes.
    await page.getByRole('button', { name: 'Work — switch account' }).click();
    const menu = page.getByRole('menu', { name: 'Accounts' });
    // Focus is in the menu as soon as it shows, so the keys below reach it (CI once saw Escape reach the button).
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-checked')), 'true');
    assert.equal(await menu.getByRole('menuitemradio', { name: /Work/ }).getAttribute('aria-checked'), 'true');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' }); // closes on the next render, not within the key press
    await page.getByRole('button', { name: 'Work — switch account' }).click();
    await menu.getByRole('menuitemradio', { name: /Account 1/ }).click();
    await page.getByRole('button', { name: 'Account 1 — switch account' }).waitFor();
    await page.getByRole('button', { name: 'Account 1 — switch account' }).click();
    await menu.getByRole('menuitem', { name: 'Add account' }).click();
    await page.getByRole('heading', { name: 'Add an account' }).waitFor();
    await page.getByRole('button', { name: 'Create new wallet' }).click();
    assert.equal(await page.getByLabel('Password', { exact: true }).count(), 0, 'one password for every account');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('button', { name: 'Account 3 — switch account' }).waitFor();
    assert.deepEqual((await calls(page)).find((c) => c.method === 'account.create')?.params, {});
    await page.close();
  });

  test('import from a recovery phrase, with an account number; a phrase of the wrong length is refused before asking', async () => {
    const page = await h.open(onboardingSeed());
    await page.getByRole('button', { name: 'Import a wallet' }).click();
    const words = SAMPLE_PHRASE.split(' ');
    await page.getByLabel('Recovery phrase', { exact: true }).fill(words.slice(0, 11).join(' '));
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'this one has 11' }).waitFor();
    assert.equal((await calls(page)).some((c) => c.method === 'account.import'), false);
    await page.getByLabel('Recovery phrase', { exact: true }).fill(`1. ${words.slice(0, 6).join(' ')}\n7. ${words.slice(6).join(' ')}`);
    await page.getByLabel('Account number').fill('2');
    await page.getByText(/it will be restored/).waitFor();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('tab', { name: /Messages/ }).waitFor();
    const c = (await calls(page)).find((x) => x.method === 'account.import');
    assert.equal(c?.params.index, 2);
    assert.equal(c?.params.password, PASSWORD);
    assert.match(c?.params.phrase, /abandon/);
    await page.close();
  });

  test('backup: the password is asked again; the phrase shows in order; a copy clears itself, and leaving clears it at once', async () => {
    const page = await h.open(sampleSeed(), { hash: `#/backup/${ME}` });
    // The harness page is not a secure context, so it has no clipboard: a stand-in records what is written.
    await page.evaluate(`{
      let text = 'something the user copied before';
      Object.defineProperty(navigator, 'clipboard', { value: { writeText: async (t) => void (text = t), readText: async () => text } });
    }`);
    await page.getByRole('heading', { name: 'Back up Account 1' }).waitFor();
    await page.getByText('Anyone who sees your recovery phrase').waitFor();
    await page.getByLabel('Password').fill('not it');
    await page.getByRole('button', { name: 'Show recovery phrase' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong password' }).waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Show recovery phrase' }).click();
    const words = page.getByRole('list', { name: 'Recovery phrase words, in order' }).getByRole('listitem');
    assert.deepEqual(await words.allTextContents(), SAMPLE_PHRASE.split(' '));
    const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
    await page.clock.install();
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('status').filter({ hasText: 'The clipboard is cleared in 30 seconds' }).waitFor();
    assert.equal(await clipboard(), SAMPLE_PHRASE);
    await page.clock.runFor(31_000);
    await page.getByRole('status').filter({ hasText: 'The clipboard was cleared' }).waitFor();
    assert.equal(await clipboard(), '');
    await page.getByRole('button', { name: 'Copy' }).click();
    assert.equal(await clipboard(), SAMPLE_PHRASE);
    await page.getByRole('button', { name: 'Back' }).click();
    await conversationsList(page).waitFor();
    assert.equal(await clipboard(), '', 'leaving the screen clears a pending copy');
    await page.close();
  });

  test('accounts: rename; removing a wallet that is not backed up needs a confirmed backup', async () => {
    const page = await h.open(twoAccountSeed(), { hash: '#/accounts' });
    await page.getByRole('button', { name: 'Rename Account 1' }).click();
    await page.getByLabel('New name for Account 1').fill('Main');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('button', { name: 'Rename Main' }).waitFor();
    await page.getByRole('button', { name: 'Remove Work' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Remove Work?' });
    await dialog.getByText('You have not backed up this wallet').waitFor();
    const remove = dialog.getByRole('button', { name: 'Remove account' });
    assert.equal(await remove.isDisabled(), true);
    await dialog.getByLabel('I have saved its recovery phrase or private key').check();
    await remove.click();
    await page.getByRole('button', { name: 'Remove Work' }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Rename Main' }).waitFor();
    assert.deepEqual((await calls(page)).filter((c) => c.method === 'account.remove').map((c) => c.params), [{ address: WORK }]);
    await page.close();
  });

  test('a forgotten password: start over removes every account and onboarding begins', async () => {
    const page = await h.open({ ...twoAccountSeed(), status: { ...twoAccountSeed().status, state: 'locked' } });
    await page.getByRole('button', { name: 'Start over…' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Start over?' });
    await dialog.getByText('all 2 accounts').waitFor();
    await dialog.getByRole('checkbox').check();
    await dialog.getByRole('button', { name: 'Remove everything' }).click();
    await page.getByRole('heading', { name: 'Welcome to XMTP Inbox' }).waitFor();
    assert.equal((await calls(page)).filter((c) => c.method === 'account.remove').length, 2);
    await page.close();
  });
});

describe('lock and unlock', () => {
  test('a wrong password says so; the right one opens the inbox; Lock locks', async () => {
    const page = await h.open(lockedSeed());
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong password.' }).waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('tab', { name: /Messages/ }).waitFor();
    await page.getByRole('button', { name: 'Lock' }).click();
    await page.getByRole('button', { name: 'Unlock' }).waitFor();
    assert.equal(await page.getByRole('tab').count(), 0, 'nothing of the inbox stays on screen');
    await page.close();
  });
});

describe('inbox', () => {
  test('my address in the header: in full, copied, and as a QR code that scans back to it', async () => {
    const page = await h.open(sampleSeed());
    await conversationsList(page).waitFor();
    await page.getByRole('button', { name: 'My address' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your address' });
    await dialog.getByText(ME, { exact: true }).waitFor();
    // (the harness page is not a secure context: the copy falls back to a selected field, as it can in the popup)
    await page.evaluate(() => {
      document.addEventListener('copy', () => ((window as any).__copied = String(document.getSelection())));
    });
    await dialog.getByRole('button', { name: 'Copy address' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Copied to the clipboard' }).waitFor();
    assert.equal(await page.evaluate(() => (window as any).__copied), ME);
    // draw the code as a camera would see it and decode it with an independent decoder
    const qr = dialog.getByRole('img', { name: /QR code of your address/ });
    const image = await qr.evaluate(async (svg) => {
      const img = new Image();
      img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(new XMLSerializer().serializeToString(svg));
      await img.decode();
      const px = (svg as SVGSVGElement).viewBox.baseVal.width * 8; // 8 pixels a module
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = px;
      const ctx = canvas.getContext('2d')!;
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(img, 0, 0, px, px);
      const { data } = ctx.getImageData(0, 0, px, px);
      return { width: px, height: px, data: Array.from(data) };
    });
    assert.equal(decodeQR({ ...image, data: Uint8Array.from(image.data) }), ME);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.close();
  });

  test('offline: a banner says so in plain words (details one click away); a row shows our unsent and failed messages', async () => {
    const seed = sampleSeed({ connection: { online: false, since: Date.now() - 60_000, detail: 'websocket closed (1006) · http://localhost:5555' } });
    const bob = seed.conversations.find((c) => c.id === TOPICS.bob)!;
    bob.lastMessage = { id: 'p1', conversation: TOPICS.bob, senderAddress: ME, sent: Date.now(), contentType: 'xmtp.org/text:1.0', content: 'on its way', status: 'pending' };
    const alice = seed.conversations.find((c) => c.id === TOPICS.alice)!;
    alice.lastMessage = { id: 'f1', conversation: TOPICS.alice, senderAddress: ME, sent: Date.now() - 1000, contentType: 'xmtp.org/text:1.0', content: 'refused', status: 'failed', error: 'The node refused the message.' };
    const page = await h.open(seed);
    const banner = page.getByRole('alert').filter({ hasText: 'Offline: cannot reach the XMTP node.' });
    await banner.waitFor();
    assert.doesNotMatch((await banner.locator('p, span').first().textContent())!, /1006|websocket/i, 'no developer words in the sentence');
    await banner.getByText('Details').click();
    await banner.getByText(/websocket closed \(1006\)/).waitFor();
    await conversationsList(page).getByRole('button', { name: /Sending… · You: on its way/ }).waitFor();
    await conversationsList(page).getByRole('button', { name: /Not sent · You: refused/ }).waitFor();
    // the node is back: the banner goes
    await page.evaluate(() => (window as any).__fake.emit('connection', { online: true, since: Date.now() }));
    await banner.waitFor({ state: 'detached' });
    // the first node does not answer and the second one is in use: a status says which, why on request
    const failover = { from: 'https://a.example', at: Date.now(), reason: 'TypeError: Failed to fetch' };
    await page.evaluate((f) => (window as any).__fake.emit('connection', { online: true, since: Date.now(), node: { url: 'https://c.example', index: 1, failover: f } }), failover);
    const notice = page.getByRole('status').filter({ hasText: 'Using node https://c.example: https://a.example does not answer.' });
    await notice.getByText('Details').click();
    await notice.getByText(/Failed to fetch/).waitFor();
    // back on the first node: the notice goes
    await page.evaluate(() => (window as any).__fake.emit('connection', { online: true, since: Date.now(), node: { url: 'https://a.example', index: 0 } }));
    await notice.waitFor({ state: 'detached' });
    await page.close();
  });

  test('tabs by consent with counts, previews, unread, search, keyboard', async () => {
    const page = await h.open(sampleSeed(), { fixedClock: true });
    const messages = page.getByRole('tab', { name: /Messages/ });
    await messages.waitFor();
    assert.equal(await messages.getAttribute('aria-selected'), 'true');
    assert.match((await messages.textContent()) ?? '', /Messages\s*1 unread/);
    assert.match((await page.getByRole('tab', { name: /Requests/ }).textContent()) ?? '', /Requests\s*2 conversations/);
    const rows = conversationsList(page).getByRole('listitem');
    assert.equal(await rows.count(), 5);
    // newest first, with previews
    await rows.nth(0).getByRole('button', { name: /^0xA11C…1ce0,? \d\d:\d\d,? You: Tacos, obviously 🌮$/ }).waitFor();
    await rows.nth(1).getByRole('button', { name: /^0xB0B0…0b0b,? \d\d:\d\d,? need one more signer,? 2 unread$/ }).waitFor();
    assert.equal(await rows.nth(0).getByRole('button').getAttribute('title'), ALICE, 'full address on hover');
    await page.getByText('Replied: Sounds good').waitFor();
    await page.getByText('Reacted ❤️').waitFor();
    // arrow keys move between rows, tabs switch with arrows
    await rows.nth(0).getByRole('button').focus();
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('title')), '0xB0B0000000000000000000000000000000000b0b');
    await messages.focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getByRole('tab', { name: /Requests/ }).getAttribute('aria-selected'), 'true');
    assert.equal(await rows.count(), 2);
    await page.keyboard.press('ArrowRight');
    assert.equal(await rows.count(), 1);
    await page.getByRole('tab', { name: /Messages/ }).click();
    await page.getByLabel('Search conversations').fill('b0b0');
    assert.equal(await rows.count(), 1);
    await page.getByLabel('Search conversations').fill('0x9999');
    await page.getByText('No conversation matches “0x9999”.').waitFor();
    await page.close();
  });

  test('keyboard only: open a conversation, send, go back to the same row', async () => {
    const page = await h.open(sampleSeed());
    await conversationsList(page).waitFor();
    // the account, header buttons, search, the selected tab, then the first row
    const order: string[] = [];
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.getAttribute('role') ?? document.activeElement?.tagName ?? ''));
    }
    assert.deepEqual(order.slice(0, 7), ['BUTTON', 'My address', 'New conversation', 'Settings', 'Lock', 'Search conversations', 'tab']); // the account first
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('title')), ALICE, 'Tab reaches the first conversation');
    assert.equal(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle), 'solid', 'focus is visible');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: '0xB0B0…0b0b' }).waitFor();
    // opening a conversation puts the focus in the message box: typing goes straight in
    await page.waitForFunction(() => document.activeElement?.getAttribute('placeholder') === 'Message');
    await page.keyboard.type('typed with the keyboard');
    await page.keyboard.press('Enter');
    await page.getByText('typed with the keyboard').waitFor();
    await page.keyboard.press('Escape');
    await conversationsList(page).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('title')), '0xB0B0000000000000000000000000000000000b0b', 'focus is back on the row');
  });

  test('a request moves to Messages with Allow; another is blocked', async () => {
    const page = await h.open(sampleSeed());
    await page.getByRole('tab', { name: /Requests/ }).click();
    await conversationsList(page).getByRole('button', { name: /^0xE414…0e41/ }).click();
    await page.getByRole('region', { name: 'Message request' }).waitFor();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('region', { name: 'Message request' }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Back to inbox' }).click();
    assert.equal(await conversationsList(page).getByRole('listitem').count(), 1, 'one request left');
    await conversationsList(page).getByRole('button', { name: /^0x5BA3…5ba3/ }).click();
    await page.getByRole('button', { name: 'Block' }).click();
    await page.getByRole('region', { name: 'Blocked' }).waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Message' }).count(), 0, 'no composer for a blocked address');
    await page.keyboard.press('Escape');
    await page.getByRole('tab', { name: /Requests/ }).waitFor();
    await page.getByText(/No message requests/).waitFor();
    await page.getByRole('tab', { name: /Messages/ }).click();
    assert.ok(await conversationsList(page).getByRole('button', { name: /^0xE414…0e41/ }).isVisible());
    await page.getByRole('tab', { name: /Blocked/ }).click();
    await conversationsList(page).getByRole('button', { name: /^0x5BA3…5ba3/ }).waitFor();
    const consent = (await calls(page)).filter((c) => c.method === 'consent.set').map((c) => c.params);
    assert.deepEqual(consent, [
      { peerAddress: ERIN, state: 'allowed' },
      { peerAddress: '0x5BA3000000000000000000000000000000005ba3', state: 'denied' },
    ]);
    await page.close();
  });

  test('an allowed conversation is blocked through a confirmation dialog', async () => {
    const page = await h.open(sampleSeed(), { hash: '#/c/' + encodeURIComponent(TOPICS.bob) });
    await page.getByRole('button', { name: 'Block' }).click();
    const dialog = page.getByRole('alertdialog', { name: /Block 0xB0B0…0b0b/ });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Block' }).click();
    await dialog.getByRole('button', { name: 'Block' }).click();
    await page.getByRole('region', { name: 'Blocked' }).waitFor();
    await page.close();
  });

  test('sync failure shows an offline banner over the cached list', async () => {
    const page = await h.open(sampleSeed({ syncError: 'Cannot reach the XMTP node at http://localhost:5555' }));
    await page.getByRole('alert').filter({ hasText: 'Offline: Cannot reach the XMTP node at http://localhost:5555. Showing saved messages.' }).waitFor();
    assert.equal(await conversationsList(page).getByRole('listitem').count(), 5);
    await page.close();
  });
});

describe('conversation', () => {
  test('unread: a line above the first unread, opened at it; scrolled up, a button counts what arrives and jumps to the newest', async () => {
    const seed = bigSeed(3, 300);
    const t0 = seed.conversations[0]!;
    t0.unreadCount = 40;
    const page = await h.open(seed, { hash: '#/c/' + encodeURIComponent(t0.id) });
    const line = page.getByText('40 unread messages');
    await line.waitFor();
    const inView = (el: { boundingBox(): Promise<{ y: number } | null> }) => el.boundingBox().then((b) => !!b && b.y > 0 && b.y < 600);
    assert.equal(await inView(line), true, 'opened at the first unread');
    const newest = await page.evaluate(() => (window as any).__fake.state.messages[Object.keys((window as any).__fake.state.messages)[0]].at(-1).content);
    assert.equal(await page.getByText(newest, { exact: true }).count(), 0, 'the newest is further down, not rendered yet');
    const jump = page.getByRole('button', { name: /Newest|new message/ });
    await jump.waitFor();
    await page.evaluate(
      ({ topic, peer }) => (window as any).__fake.push(topic, { id: 'live-1', conversation: topic, senderAddress: peer, sent: Date.now(), contentType: 'xmtp.org/text:1.0', content: 'arrived while you read', status: 'sent' }),
      { topic: t0.id, peer: t0.peerAddress },
    );
    await page.getByRole('button', { name: '1 new message' }).click();
    const arrived = page.getByRole('list', { name: /^Messages with/ }).getByText('arrived while you read');
    await arrived.waitFor();
    assert.equal(await inView(arrived), true);
    await jump.waitFor({ state: 'detached' });
    // the way back up to where the unread began
    await page.getByRole('button', { name: 'First unread' }).click();
    await line.waitFor();
    assert.equal(await inView(line), true);
    await page.close();
  });

  test('links are links; a stranger’s asks first, and opens with no way back to the inbox', async () => {
    const page = await h.open(sampleSeed(), { hash: '#/c/' + encodeURIComponent(TOPICS.erin) });
    await page.getByText(/found your address/).waitFor();
    const url = 'http://popup.test/landing?from=erin';
    await page.evaluate(
      ({ topic, peer, url }) => (window as any).__fake.push(topic, { id: 'link-1', conversation: topic, senderAddress: peer, sent: Date.now(), contentType: 'xmtp.org/text:1.0', content: `our repo: ${url}.`, status: 'sent' }),
      { topic: TOPICS.erin, peer: ERIN, url },
    );
    const link = page.getByRole('link', { name: url });
    await link.click();
    const dialog = page.getByRole('alertdialog', { name: 'Open this link?' });
    await dialog.getByText(url).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(page.context().pages().length, 1, 'nothing opened');
    await link.click();
    const opened = page.context().waitForEvent('page');
    await page.getByRole('alertdialog', { name: 'Open this link?' }).getByRole('button', { name: 'Open link' }).click();
    const tab = await opened;
    await tab.waitForLoadState();
    assert.equal(tab.url(), url);
    assert.equal(await tab.evaluate(() => window.opener), null, 'noopener');
    await page.close();
  });

  test('keyboard: focus starts in the message box, at most 3 Tabs from the header; the messages are one Tab stop, with arrow keys inside', async () => {
    const page = await h.open(sampleSeed(), { hash: '#/c/' + encodeURIComponent(TOPICS.bob) });
    await page.getByText('need one more signer').waitFor();
    const box = page.getByRole('textbox', { name: 'Message' });
    await page.waitForFunction(() => document.activeElement?.getAttribute('placeholder') === 'Message');
    // every control inside the messages is reached with arrows: the whole list is a single Tab stop
    const tabbable = await page.locator('.messages :is([tabindex="0"], a[href]:not([tabindex="-1"]), button:not([tabindex="-1"]), summary:not([tabindex="-1"]))').count();
    assert.equal(tabbable, 1);
    await page.locator('header.bar').getByRole('button').last().focus();
    let presses = 0;
    while (presses < 10 && !(await box.evaluate((el) => el === document.activeElement))) {
      await page.keyboard.press('Tab');
      presses++;
    }
    assert.ok(presses <= 3, `${presses} Tab presses from the header to the message box`);
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-msg') ?? document.activeElement?.getAttribute('aria-label') ?? '');
    await page.keyboard.press('Shift+Tab'); // the attach button
    await page.keyboard.press('Shift+Tab'); // the newest message
    const newest = await focused();
    assert.match(newest, /^msg-/);
    await page.keyboard.press('ArrowUp');
    const earlier = await focused();
    assert.ok(earlier && earlier !== newest, 'ArrowUp moves to the message before');
    await page.keyboard.press('ArrowRight');
    assert.equal(await focused(), 'React');
    await page.keyboard.press('ArrowRight');
    assert.equal(await focused(), 'Reply');
    await page.keyboard.press('Escape');
    assert.equal(await focused(), earlier, 'Escape goes back to the message, not out of the conversation');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await page.getByText(/Replying to/).waitFor();
    assert.equal(await box.evaluate((el) => el === document.activeElement), true, 'Reply puts the focus in the box');
    await page.keyboard.press('Escape'); // cancels the reply, stays in the conversation
    await page.getByText(/Replying to/).waitFor({ state: 'detached' });
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focused(), earlier, 'the list remembers the message last focused');
    // Home and End go to the first and the last message, past the day separator that opens the list
    const firstMessage = await page.locator('.messages [data-vi]:has([data-msg])').first().locator('[data-msg]').first().getAttribute('data-msg');
    assert.equal(await page.locator('.messages [data-vi="0"] [data-msg]').count(), 0, 'the first row is a day separator');
    await page.keyboard.press('Home');
    await page.waitForFunction((id) => document.activeElement?.getAttribute('data-msg') === id, firstMessage);
    await page.keyboard.press('End');
    await page.waitForFunction((id) => document.activeElement?.getAttribute('data-msg') === id, newest);
    await page.close();
  });

  test('send with Enter, Shift+Enter for a new line, pending then sent, failed with Retry', async () => {
    const page = await h.open(sampleSeed({ deliveryMs: 400 }), { hash: '#/c/' + encodeURIComponent(TOPICS.bob) });
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('first line');
    await box.press('Shift+Enter');
    await box.pressSequentially('second line');
    await box.press('Enter');
    const item = page.getByRole('listitem').filter({ hasText: 'first line' });
    await item.getByText('Sending…').waitFor();
    await item.getByText('Sending…').waitFor({ state: 'detached' });
    assert.equal(await box.inputValue(), '');
    const sent = (await calls(page)).find((c) => c.method === 'messages.send');
    assert.deepEqual(sent?.params, { topic: TOPICS.bob, content: 'first line\nsecond line' });
    await box.fill('fail');
    await page.getByRole('button', { name: 'Send' }).click();
    const failed = page.getByRole('listitem').filter({ hasText: 'Not sent' });
    await failed.getByText('Not sent: the node did not answer').waitFor();
    await failed.getByRole('button', { name: 'Retry' }).click();
    await page.getByText('fail (retried)').waitFor();
    await box.fill('fail');
    await box.press('Enter');
    await failed.getByRole('button', { name: 'Discard' }).click();
    await failed.waitFor({ state: 'detached' });
    assert.deepEqual((await calls(page)).filter((c) => c.method.startsWith('outbox.')).map((c) => c.method), ['outbox.retry', 'outbox.discard']);
    await page.close();
  });

  test('live incoming message, reply with a quote, react and remove the reaction', async () => {
    const page = await h.open(sampleSeed(), { hash: '#/c/' + encodeURIComponent(TOPICS.bob) });
    await page.getByText('need one more signer').waitFor();
    await page.evaluate(
      ({ topic, peer }) =>
        (window as any).__fake.push(topic, { id: 'incoming-1', conversation: topic, senderAddress: peer, sent: Date.now(), contentType: 'xmtp.org/text:1.0', content: 'signed ✅', status: 'sent' }),
      { topic: TOPICS.bob, peer: '0xB0B0000000000000000000000000000000000b0b' },
    );
    const incoming = page.getByRole('listitem').filter({ hasText: 'signed ✅' });
    await incoming.waitFor();
    assert.match((await page.locator('[aria-live="polite"]').last().textContent())!, /New message from 0xB0B0…0b0b: signed ✅/);
    // reply
    await incoming.hover();
    await incoming.getByRole('button', { name: 'Reply' }).click();
    await page.getByText(/Replying to 0xB0B0…0b0b/).waitFor();
    await page.getByRole('textbox', { name: 'Message' }).fill('thanks!');
    await page.keyboard.press('Enter');
    const reply = page.getByRole('listitem').filter({ hasText: 'thanks!' });
    await reply.getByText('In reply to').waitFor({ state: 'attached' });
    assert.match((await reply.textContent())!, /0xB0B0…0b0bsigned ✅/);
    const sent = (await calls(page)).filter((c) => c.method === 'messages.send').at(-1);
    assert.deepEqual(sent?.params, { topic: TOPICS.bob, contentType: 'xmtp.org/reply:1.0', content: { reference: 'incoming-1', contentType: 'xmtp.org/text:1.0', content: 'thanks!' } });
    // react with the keyboard, then remove it
    await incoming.getByRole('button', { name: 'React' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('group', { name: 'Choose a reaction' }).waitFor();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter'); // ❤️
    const chip = incoming.getByRole('button', { name: '❤️ 1' });
    await chip.waitFor();
    assert.equal(await chip.getAttribute('aria-pressed'), 'true');
    await chip.click();
    await chip.waitFor({ state: 'detached' });
    const reactions = (await calls(page)).filter((c) => c.method === 'messages.send' && c.params.contentType === 'xmtp.org/reaction:1.0').map((c) => c.params.content);
    assert.deepEqual(reactions, [
      { reference: 'incoming-1', action: 'added', schema: 'unicode', content: '❤️' },
      { reference: 'incoming-1', action: 'removed', schema: 'unicode', content: '❤️' },
    ]);
    await page.close();
  });

  test('attachments: an image shows inline from a blob: URL, files over 100 MB are refused, a remote one loads', async () => {
    const page = await h.open(sampleSeed(), { hash: '#/c/' + encodeURIComponent(TOPICS.bob) });
    await page.getByText('need one more signer').waitFor();
    await page.locator('.messages').evaluate((el) => (el.scrollTop = 0));
    await page.getByRole('button', { name: 'Load minutes.txt' }).click();
    await page.getByRole('link', { name: 'Download remote.txt' }).waitFor();
    assert.deepEqual((await calls(page)).find((c) => c.method === 'attachments.loadRemote')?.params, { messageId: 'msg-13' });
    const input = page.locator('input[type=file]');
    const big = path.join(mkdtempSync(path.join(os.tmpdir(), 'popup-ui-big-')), 'big.bin');
    writeFileSync(big, '');
    truncateSync(big, MAX_REMOTE_FILE_BYTES + 20 * 1024 * 1024); // sparse: nothing written
    await input.setInputFiles(big);
    await page.getByRole('alert').filter({ hasText: '“big.bin” is 120.0 MB. Files up to 100.0 MB can be sent' }).waitFor();
    rmSync(path.dirname(big), { recursive: true });
    const photo = samplePhoto();
    await input.setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: photo });
    await page.getByRole('button', { name: 'Remove photo.png' }).waitFor();
    await page.getByRole('button', { name: 'Send' }).click();
    const img = page.getByRole('img', { name: 'photo.png' });
    await img.waitFor();
    assert.match((await img.getAttribute('src'))!, /^blob:/);
    await page.waitForFunction(() => [...document.images].some((i) => i.alt === 'photo.png' && i.complete && i.naturalWidth === 240));
    const sent = (await calls(page)).filter((c) => c.method === 'messages.send').at(-1);
    assert.equal(sent?.params.contentType, 'xmtp.org/attachment:1.0');
    assert.equal(sent?.params.content.data, photo.toString('base64'));
    await page.close();
  });

  test("a peer's html or svg file is offered as a download (application/octet-stream), never rendered", async () => {
    const seed = sampleSeed();
    const bob = seed.messages[TOPICS.bob]!;
    const last = bob.at(-1)!;
    const file = (id: string, filename: string, mimeType: string, body: string) => ({
      ...last,
      id,
      sent: last.sent + bob.length,
      contentType: 'xmtp.org/attachment:1.0',
      content: { filename, mimeType, data: Buffer.from(body).toString('base64') },
    });
    bob.push(
      file('html-file', 'invite.html', 'text/html', '<form action="https://evil.example/"><input name=pw></form><script>document.title="pwned"</script>'),
      file('svg-file', 'logo.svg', 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"><script>document.title="pwned"</script></svg>'),
    );
    const page = await h.open(seed, { hash: '#/c/' + encodeURIComponent(TOPICS.bob) });
    for (const name of ['invite.html', 'logo.svg']) {
      const link = page.getByRole('link', { name: `Download ${name}` });
      await link.waitFor();
      assert.equal(await link.getAttribute('download'), name);
      const type = await page.evaluate(async (href) => (await (await fetch(href)).blob()).type, (await link.getAttribute('href'))!);
      assert.equal(type, 'application/octet-stream', name);
      assert.equal(await page.getByRole('img', { name }).count(), 0, `${name} is not shown inline`);
    }
    assert.equal(await page.locator('iframe, object, embed').count(), 0);
    assert.notEqual(await page.title(), 'pwned');
    await page.close();
  });

  test('shows unknown content with its fallback, replies, reactions, files and Read', async () => {
    const page = await h.open(sampleSeed(), { hash: '#/c/' + encodeURIComponent(TOPICS.alice), fixedClock: true });
    await page.getByText('Poll: pizza or tacos after the meetup?').waitFor();
    await page.getByText('example.com/poll is not supported here').waitFor();
    await page.getByText('Read', { exact: true }).waitFor();
    await page.getByRole('link', { name: 'Download talk-outline.pdf' }).waitFor();
    await page.getByRole('button', { name: '👍 1' }).waitFor();
    await page.close();
  });
});

describe('new conversation', () => {
  test('checks the address, explains when it is not on XMTP, opens the conversation', async () => {
    const page = await h.open(sampleSeed());
    await page.getByRole('button', { name: 'New conversation' }).click();
    await page.getByLabel('Address').fill('0x123');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByText('Enter a name such as alice.eth, or an Ethereum address: 0x followed by 40 hexadecimal characters.').waitFor();
    await page.getByLabel('Address').fill(ME);
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByText(/That is your own address/).waitFor();
    await page.getByLabel('Address').fill(NOT_ON_XMTP);
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('alert').filter({ hasText: 'This address is not on XMTP yet, so it cannot receive messages.' }).waitFor();
    await page.getByLabel('Address').fill(NEWBIE);
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('heading', { name: '0x0e70…0e70' }).waitFor();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    await page.close();
  });
});

describe('names', () => {
  const named = () => sampleSeed({ names: SAMPLE_NAMES });
  const AVATAR = SAMPLE_NAMES[ALICE.toLowerCase()]!.avatar;

  test('the inbox shows names and avatars as they arrive, finds conversations by name, and the header keeps the address a click away', async () => {
    const page = await h.open(named());
    const list = conversationsList(page);
    await list.getByRole('button', { name: /^alice\.eth,? / }).waitFor();
    assert.equal(await list.getByRole('button', { name: /^alice\.eth/ }).getAttribute('title'), `alice.eth · ${ALICE}`);
    assert.equal(await list.getByRole('button', { name: /^alice\.eth/ }).locator('img.avatar').getAttribute('src'), AVATAR);
    // the second half of the names came later, by event
    await list.getByRole('button', { name: /^carol\.lens,? / }).waitFor();
    await page.getByLabel('Search conversations').fill('caro');
    assert.equal(await list.getByRole('button').count(), 1);
    await list.getByRole('button', { name: /^carol\.lens/ }).click();
    await page.getByRole('heading', { name: 'carol.lens' }).waitFor();
    await page.getByText('0xCa40…a401').waitFor();
    await page.getByRole('button', { name: 'Copy address' }).waitFor();
    await page.close();
  });

  test('new conversation by name: the address before Start, a name that does not resolve, a name without XMTP', async () => {
    const page = await h.open(named());
    await page.getByRole('button', { name: 'New conversation' }).click();
    const field = page.getByLabel('Name or address');
    await field.fill('nobody.eth');
    await page.getByText('nobody.eth does not point to an address').waitFor();
    await field.fill('ghost.eth');
    await page.getByRole('status', { name: `ghost.eth is ${NOT_ON_XMTP}` }).getByText('Not on XMTP yet').waitFor();
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('alert').filter({ hasText: 'ghost.eth (0x0000…0bad) is not on XMTP yet' }).waitFor();
    await field.fill('NewBie.eth');
    await page.getByRole('status', { name: `newbie.eth is ${NEWBIE}` }).waitFor();
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('heading', { name: 'newbie.eth' }).waitFor();
    const started = (await calls(page)).filter((c) => c.method === 'conversations.new').at(-1);
    assert.equal(started?.params.peerAddress, NEWBIE);
    await page.close();
  });
});

describe('settings', () => {
  test('nodes (add one that does not answer, add, move up, remove), read receipts, revoke a site, change password', async () => {
    const page = await h.open(sampleSeed());
    await page.getByRole('button', { name: 'Settings' }).click();
    const nodes = page.getByRole('list', { name: 'Nodes, in order of preference' });
    await nodes.getByRole('listitem').filter({ hasText: 'http://localhost:5555' }).waitFor();
    assert.equal(await page.getByRole('button', { name: /^Remove http/ }).count(), 0, 'the only node cannot be removed');
    const url = page.getByLabel('Add a node');
    await url.fill('not a url');
    await page.getByRole('button', { name: 'Add node' }).click();
    await page.getByText('Enter an http:// or https:// URL').waitFor();
    await url.fill('http://localhost:5555/');
    await page.getByRole('button', { name: 'Add node' }).click();
    await page.getByText('This node is in the list already.').waitFor();
    await url.fill('http://unreachable.test:1/');
    await page.getByRole('button', { name: 'Add node' }).click();
    await page.getByRole('alert').filter({ hasText: 'Cannot reach an XMTP node at http://unreachable.test:1/.' }).waitFor();
    await url.fill('http://127.0.0.1:5556');
    await page.getByRole('button', { name: 'Add node' }).click();
    await page.getByRole('status').filter({ hasText: 'Added http://127.0.0.1:5556.' }).waitFor();
    assert.deepEqual(await nodes.getByRole('listitem').locator('.site-origin').allTextContents(), ['http://localhost:5555', 'http://127.0.0.1:5556']);
    await page.getByRole('button', { name: 'Move http://127.0.0.1:5556 up' }).click();
    await page.getByRole('status').filter({ hasText: 'http://127.0.0.1:5556 moved up.' }).waitFor();
    assert.deepEqual(await nodes.getByRole('listitem').locator('.site-origin').allTextContents(), ['http://127.0.0.1:5556', 'http://localhost:5555']);
    await page.getByRole('button', { name: 'Remove http://localhost:5555' }).click();
    await page.getByRole('status').filter({ hasText: 'http://localhost:5555 removed.' }).waitFor();
    const updates = (await calls(page)).filter((c) => c.method === 'settings.update').map((c) => c.params);
    assert.deepEqual(updates.slice(-3), [
      { nodeUrls: ['http://localhost:5555', 'http://127.0.0.1:5556'] },
      { nodeUrls: ['http://127.0.0.1:5556', 'http://localhost:5555'] },
      { nodeUrls: ['http://127.0.0.1:5556'] },
    ]);
    await page.getByLabel(/Read receipts/).uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const update = (await calls(page)).filter((c) => c.method === 'settings.update').at(-1);
    assert.deepEqual(update?.params, { readReceipts: false });
    await page.getByRole('definition').filter({ hasText: 'http://127.0.0.1:5556' }).waitFor(); // About: the node in use
    await page.getByRole('button', { name: 'Revoke https://converse.xyz' }).click();
    await page.getByText('converse.xyz', { exact: true }).waitFor({ state: 'detached' });
    await page.getByLabel('Current password').fill('wrong password');
    await page.getByLabel('New password', { exact: true }).fill('another password');
    await page.getByLabel('Confirm new password').fill('another password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong password.' }).waitFor();
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed.').waitFor();
    await page.getByRole('button', { name: 'Lock' }).click();
    await page.getByRole('button', { name: 'Unlock' }).waitFor();
    await page.close();
  });
});

describe('performance (windowed lists)', () => {
  test('1,000 conversations and a 500-message conversation paint quickly with few DOM rows', async () => {
    const seed = bigSeed(1000, 500);
    // the rows in the DOM when the list's first frame has been painted
    const beforeLoad = () => {
      const mark = performance.mark.bind(performance);
      performance.mark = (name: string, opts?: PerformanceMarkOptions) => {
        if (name === 'list-painted') (window as any).__rowsAtFirstPaint ??= document.querySelectorAll('.vrow').length;
        return mark(name, opts);
      };
    };
    const page = await h.open({ ...seed, latencyMs: 0 }, { beforeLoad });
    await page.waitForFunction(() => performance.getEntriesByName('list-painted').length > 0);
    const listMs = await page.evaluate(() => performance.getEntriesByName('list-painted')[0].startTime);
    // 600 px popup, 64 px rows: the first frame has the 8 rows in view, the rows around them come next
    assert.equal(await page.evaluate(() => (window as any).__rowsAtFirstPaint), 8, 'the first frame renders only the rows in view');
    await page.waitForFunction(() => document.querySelectorAll('.vrow').length > 8);
    await page.locator('.tab-count').first().waitFor(); // counts appear once the list is complete
    const calls0 = (await calls(page)).filter((c) => c.method === 'conversations.list').map((c) => c.params);
    assert.deepEqual(
      calls0,
      [{ limit: 40 }, ...[40, 240, 440, 640, 840].map((offset) => ({ offset, limit: 200 }))],
      'a first page, then the rest in chunks after it is painted',
    );
    const rows = await conversationsList(page).getByRole('listitem').count();
    assert.ok(rows < 30, `only the visible rows are in the DOM (${rows})`);
    assert.equal(await conversationsList(page).getByRole('listitem').first().getAttribute('aria-setsize'), '1000');
    // scroll to the end: the last conversation is reachable
    await page.locator('.vlist').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.getByRole('button', { name: /^0x0000…03e8/ }).waitFor();
    await page.locator('.vlist').evaluate((el) => (el.scrollTop = 0));
    await page.getByRole('button', { name: /^0x0000…0001/ }).click();
    await page.waitForFunction(() => performance.getEntriesByName('conversation-painted').length > 0);
    const convMs = await page.evaluate(() => performance.getEntriesByName('conversation-painted')[0].startTime - performance.getEntriesByName('conversation-open')[0].startTime);
    const msgRows = await page.locator('.messages .vrow').count();
    assert.ok(msgRows < 60, `only the visible messages are in the DOM (${msgRows})`);
    // the newest message is in view (stuck to the bottom)
    await page.getByText('short 499', { exact: true }).waitFor();
    assert.ok(await page.getByText('short 499', { exact: true }).isVisible());
    // scrolling up loads older pages and keeps the place
    for (let i = 0; i < 30 && !(await page.getByText('short 1', { exact: true }).count()); i++) {
      await page.locator('.messages').evaluate((el) => (el.scrollTop = 0));
      await page.waitForTimeout(60);
    }
    await page.getByText('short 1', { exact: true }).waitFor();
    // Speed is the bench's business (npm run bench -- popup); this only says what it saw.
    console.log(`# fake background, no IPC: list painted ${listMs.toFixed(0)} ms after navigation; 500-message conversation painted ${convMs.toFixed(0)} ms after the click`);
    await page.close();
  });
});

describe('accessibility (axe-core) and screenshots, light and dark', () => {
  const screens: { name: string; seed: () => FakeSeed; hash?: string; prepare?: (p: Page) => Promise<void> }[] = [
    { name: 'onboarding', seed: onboardingSeed, prepare: (p) => p.getByRole('button', { name: 'Create new wallet' }).waitFor() },
    {
      name: 'import',
      seed: onboardingSeed,
      prepare: async (p) => {
        await p.getByRole('button', { name: 'Import a wallet' }).click();
        await p.getByLabel('Recovery phrase', { exact: true }).fill(SAMPLE_PHRASE);
        await p.getByText(/it will be restored/).waitFor();
      },
    },
    { name: 'unlock', seed: lockedSeed, prepare: (p) => p.getByRole('button', { name: 'Unlock' }).waitFor() },
    { name: 'inbox', seed: () => sampleSeed({ names: SAMPLE_NAMES }), prepare: (p) => conversationsList(p).getByRole('button', { name: /^carol\.lens/ }).waitFor() },
    {
      name: 'requests',
      seed: () => sampleSeed(),
      prepare: async (p) => {
        await p.getByRole('tab', { name: /Requests/ }).click();
        await conversationsList(p).getByRole('listitem').first().waitFor();
      },
    },
    { name: 'conversation', seed: () => sampleSeed(), hash: '#/c/' + encodeURIComponent(TOPICS.alice), prepare: (p) => p.getByText('Read', { exact: true }).waitFor() },
    { name: 'request', seed: () => sampleSeed(), hash: '#/c/' + encodeURIComponent(TOPICS.erin), prepare: (p) => p.getByRole('button', { name: 'Allow' }).waitFor() },
    { name: 'new-conversation', seed: () => sampleSeed(), hash: '#/new', prepare: (p) => p.getByLabel('Address').waitFor() },
    { name: 'settings', seed: () => sampleSeed(), hash: '#/settings', prepare: (p) => p.getByText('converse.xyz').waitFor() },
    {
      name: 'account-menu',
      seed: twoAccountSeed,
      prepare: async (p) => {
        await p.getByRole('button', { name: 'Account 1 — switch account' }).click();
        await p.getByRole('menu', { name: 'Accounts' }).waitFor();
      },
    },
    {
      name: 'my-address',
      seed: () => sampleSeed(),
      prepare: async (p) => {
        await p.getByRole('button', { name: 'My address' }).click();
        await p.getByRole('img', { name: /QR code of your address/ }).waitFor();
      },
    },
    {
      name: 'offline',
      seed: () => {
        const seed = sampleSeed({ connection: { online: false, since: Date.now() - 60_000, detail: 'websocket closed (1006)' } });
        const bob = seed.conversations.find((c) => c.id === TOPICS.bob)!;
        bob.lastMessage = { id: 'p1', conversation: TOPICS.bob, senderAddress: ME, sent: bob.updatedAt, contentType: 'xmtp.org/text:1.0', content: 'Signed, sending now', status: 'pending' };
        return seed;
      },
      prepare: (p) => p.getByRole('alert').filter({ hasText: 'Offline' }).waitFor(),
    },
    {
      name: 'search',
      seed: () => sampleSeed(),
      prepare: async (p) => {
        await p.getByRole('searchbox', { name: 'Search conversations' }).fill('meetup');
        await p.getByRole('region', { name: /Messages with/ }).getByRole('button').first().waitFor();
      },
    },
    { name: 'unread', seed: () => sampleSeed(), hash: '#/c/' + encodeURIComponent(TOPICS.bob), prepare: (p) => p.getByText('2 unread messages').waitFor() },
    {
      name: 'link-warning',
      seed: () => {
        const seed = sampleSeed();
        seed.messages[TOPICS.erin]![0]!.content = 'Hi, I found your address on the hackathon list. Our repo: https://github.example/erin/zk-team';
        return seed;
      },
      hash: '#/c/' + encodeURIComponent(TOPICS.erin),
      prepare: async (p) => {
        await p.getByRole('link', { name: /github\.example/ }).click();
        await p.getByRole('alertdialog', { name: 'Open this link?' }).waitFor();
      },
    },
    { name: 'accounts', seed: twoAccountSeed, hash: '#/accounts', prepare: (p) => p.getByRole('button', { name: 'Switch to Work' }).waitFor() },
    {
      name: 'backup',
      seed: () => sampleSeed(),
      hash: `#/backup/${ME}`,
      prepare: async (p) => {
        await p.getByLabel('Password').fill(PASSWORD);
        await p.getByRole('button', { name: 'Show recovery phrase' }).click();
        await p.getByRole('list', { name: 'Recovery phrase words, in order' }).waitFor();
      },
    },
  ];
  for (const scheme of ['light', 'dark'] as const) {
    for (const s of screens) {
      test(`${s.name} (${scheme})`, async () => {
        const page = await h.open(s.seed(), { hash: s.hash, colorScheme: scheme, fixedClock: true });
        await s.prepare?.(page);
        await page.evaluate(() => document.fonts.ready);
        await page.waitForFunction(() => [...document.images].every((i) => i.complete));
        await page.waitForTimeout(50);
        await page.screenshot({ path: path.join(shotDir, `${s.name}-${scheme}.png`) });
        const violations = await axeViolations(page);
        assert.deepEqual(violations, [], violations.join('\n'));
        await page.close();
      });
    }
  }
});
