// The popup against the real background, a real node on 127.0.0.1 and users of the official SDK on the
// other side, driven only through the UI by role and accessible name, as a person would: onboarding by
// creating a wallet (Chromium) and by importing a key whose identity is restored (Firefox ESR), lock
// and unlock with a wrong password first, a conversation with live messages both ways, a reply, a
// reaction and an attachment, Requests → Messages and Block, the node list (an unreachable node
// refused, a second added, moved first, removed), and the offline state when the node is down.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Page as PpPage } from 'puppeteer-core';
import { launchChromium, launchFirefox, type ChromiumExt, type FirefoxExt } from './support/browsers.ts';
import { rpc, waitFor } from './support/extension-rpc.ts';
import { startNode } from '../../server/node.ts';
import { testNode } from './support/test-node.ts';
import { createSdkClient, ContentTypeReaction, ContentTypeReply, ContentTypeText } from '../support/sdk.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import { samplePhoto } from '../popup/seed.ts';
import { seedCache } from '../../bench/popup.ts';
import { inPage } from './support/in-page.ts';

const key = (n: number) => '0x' + n.toString(16).padStart(2, '0').repeat(32);
const PASSWORD = 'correct horse battery';
const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;
const node = testNode('popup-e2e-');

/** Messages of an SDK conversation, polled until `pick` finds one. */
async function sdkSees(convo: any, pick: (m: any) => boolean, what: string): Promise<any> {
  return waitFor(async () => (await convo.messages()).find(pick), what, 30_000);
}

describe('Chromium', () => {
  let ext: ChromiumExt;
  let popup: Page;
  let me: string;
  let alice: any;
  let aliceConvo: any;

  before(async () => {
    ext = await launchChromium();
    alice = await createSdkClient(privateKeySigner(key(0xc1)), node.url);
  });
  after(() => ext?.close());

  const list = () => popup.getByRole('list', { name: /conversations$/ });
  const messages = () => popup.getByRole('list', { name: /^Messages with/ });

  test('onboard by creating a wallet, after choosing the node', async () => {
    popup = await ext.openPopup();
    await popup.getByRole('button', { name: 'Create new wallet' }).waitFor();
    await popup.getByText('XMTP node:').click();
    await popup.getByLabel('Node URL').fill(node.url);
    await popup.getByRole('button', { name: 'Save' }).click();
    await popup.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await popup.getByRole('button', { name: 'Create new wallet' }).click();
    await popup.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await popup.getByLabel('Confirm password').fill(PASSWORD);
    await popup.getByRole('button', { name: 'Create', exact: true }).click();
    await popup.getByRole('tab', { name: /Messages/ }).waitFor({ timeout: 60_000 });
    await popup.getByText('No conversations yet.').waitFor();
    me = (await rpc<{ address: string }>(popup, 'app.status')).address;
    assert.match(me, /^0x[0-9a-fA-F]{40}$/);
    assert.equal(await alice.canMessage(me), true, 'the new identity is published on the network');
  });

  test('lock, a wrong password, unlock', async () => {
    await popup.getByRole('button', { name: 'Lock' }).click();
    await popup.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await popup.getByLabel('Password').fill('not my password');
    await popup.getByRole('button', { name: 'Unlock' }).click();
    await popup.getByRole('alert').filter({ hasText: /wrong password/i }).waitFor({ timeout: 30_000 });
    await popup.getByLabel('Password').fill(PASSWORD);
    await popup.getByRole('button', { name: 'Unlock' }).click();
    await popup.getByRole('tab', { name: /Messages/ }).waitFor({ timeout: 30_000 });
  });

  test('a new conversation is refused for an address not on XMTP, then started with an SDK user', async () => {
    await popup.getByRole('button', { name: 'New conversation' }).click();
    await popup.getByLabel('Address').fill('0x000000000000000000000000000000000000dEaD');
    await popup.getByRole('button', { name: 'Start' }).click();
    await popup.getByRole('alert').filter({ hasText: 'This address is not on XMTP yet' }).waitFor();
    await popup.getByLabel('Address').fill(alice.address);
    await popup.getByRole('button', { name: 'Start' }).click();
    await popup.getByRole('heading', { name: short(alice.address) }).waitFor();
  });

  test('messages both ways, live', async () => {
    const box = popup.getByRole('textbox', { name: 'Message' });
    await box.fill('hello from the extension');
    await box.press('Enter');
    await messages().getByText('hello from the extension').waitFor();
    const mine = messages().getByRole('listitem').filter({ hasText: 'hello from the extension' });
    await mine.getByText('Sending…').waitFor({ state: 'detached', timeout: 30_000 });
    aliceConvo = await waitFor(async () => (await alice.conversations.list()).find((c: any) => c.peerAddress.toLowerCase() === me.toLowerCase()), 'the conversation at the SDK');
    await sdkSees(aliceConvo, (m) => m.content === 'hello from the extension', 'our message at the SDK');
    await aliceConvo.send('hello back from the SDK');
    await messages().getByText('hello back from the SDK').waitFor({ timeout: 30_000 });
  });

  test('reply, react and attach; the SDK user gets each; their reply and reaction show', async () => {
    // (later the reply quotes it too: the first match is the original)
    const theirs = messages().getByRole('listitem').filter({ hasText: 'hello back from the SDK' }).first();
    const original = await sdkSees(aliceConvo, (m) => m.content === 'hello back from the SDK', 'their message');
    // reply
    await theirs.hover();
    await theirs.getByRole('button', { name: 'Reply' }).click();
    await popup.getByRole('textbox', { name: 'Message' }).fill('this is a reply');
    await popup.keyboard.press('Enter');
    const reply = await sdkSees(aliceConvo, (m) => m.contentType.typeId === 'reply' && m.content?.content === 'this is a reply', 'the reply at the SDK');
    assert.equal(reply.content.reference, original.id);
    // react
    await theirs.hover();
    await theirs.getByRole('button', { name: 'React' }).click();
    await popup.getByRole('button', { name: 'React with 👍' }).click();
    await theirs.getByRole('button', { name: '👍 1' }).waitFor();
    const reaction = await sdkSees(aliceConvo, (m) => m.contentType.typeId === 'reaction', 'the reaction at the SDK');
    assert.deepEqual({ reference: reaction.content.reference, action: reaction.content.action, content: reaction.content.content }, { reference: original.id, action: 'added', content: '👍' });
    // attachment
    const photo = samplePhoto();
    await popup.locator('input[type=file]').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: photo });
    await popup.getByRole('button', { name: 'Send' }).click();
    await messages().getByRole('img', { name: 'photo.png' }).waitFor();
    // the image is shown from a blob: URL: the extension CSP allows it and it decodes
    await popup.waitForFunction(() => [...document.images].some((i) => i.alt === 'photo.png' && i.src.startsWith('blob:') && i.complete && i.naturalWidth === 240));
    const att = await sdkSees(aliceConvo, (m) => m.contentType.typeId === 'attachment', 'the attachment at the SDK');
    assert.equal(att.content.filename, 'photo.png');
    assert.equal(att.content.mimeType, 'image/png');
    assert.deepEqual(Buffer.from(att.content.data), photo);
    // their reply to our first message and their reaction show up live
    const ours = await sdkSees(aliceConvo, (m) => m.content === 'hello from the extension', 'our first message');
    await aliceConvo.send({ reference: ours.id, contentType: ContentTypeText, content: 'replying to you' }, { contentType: ContentTypeReply });
    await aliceConvo.send({ reference: ours.id, action: 'added', schema: 'unicode', content: '🎉' }, { contentType: ContentTypeReaction });
    const quoted = messages().getByRole('listitem').filter({ hasText: 'replying to you' });
    await quoted.waitFor({ timeout: 30_000 });
    assert.match((await quoted.textContent())!, /In reply to\s*Youhello from the extension/);
    await messages().getByRole('listitem').filter({ hasText: 'hello from the extension' }).first().getByRole('button', { name: '🎉 1' }).waitFor({ timeout: 30_000 });
  });

  test('the inbox row previews an attachment by name; a draft is kept across closing the popup', async () => {
    await popup.locator('input[type=file]').setInputFiles({ name: 'holiday.png', mimeType: 'image/png', buffer: samplePhoto() });
    await popup.getByRole('button', { name: 'Send' }).click();
    await messages().getByRole('img', { name: 'holiday.png' }).waitFor();
    await popup.getByRole('button', { name: 'Back to inbox' }).click();
    const row = list().getByRole('button', { name: new RegExp(`^${short(alice.address)}`) });
    await row.filter({ hasText: 'You: 📎 holiday.png' }).waitFor({ timeout: 30_000 });
    await row.click();
    await popup.waitForFunction(() => document.activeElement?.getAttribute('placeholder') === 'Message');
    await popup.keyboard.type('half-written thought');
    await popup.waitForTimeout(600); // the draft is kept a moment after typing stops
    await popup.close();
    popup = await ext.openPopup();
    await list().getByRole('button', { name: new RegExp(`^${short(alice.address)}`) }).click();
    await popup.waitForFunction(() => (document.querySelector('textarea') as HTMLTextAreaElement | null)?.value === 'half-written thought');
    await popup.getByRole('textbox', { name: 'Message' }).press('Enter');
    await sdkSees(aliceConvo, (m) => m.content === 'half-written thought', 'the draft, sent');
    await popup.getByRole('button', { name: 'Back to inbox' }).click();
    await popup.getByRole('button', { name: new RegExp(`^${short(alice.address)}`) }).click();
    assert.equal(await popup.getByRole('textbox', { name: 'Message' }).inputValue(), '', 'a sent draft is gone');
  });

  test('Requests: one is allowed into Messages, another is blocked', async () => {
    const bob = await createSdkClient(privateKeySigner(key(0xc2)), node.url);
    const carol = await createSdkClient(privateKeySigner(key(0xc3)), node.url);
    await (await bob.conversations.newConversation(me)).send('hi, I am bob');
    await (await carol.conversations.newConversation(me)).send('buy my token');
    await popup.getByRole('button', { name: 'Back to inbox' }).click();
    const requests = popup.getByRole('tab', { name: /Requests/ });
    await popup
      .waitForFunction(() => /Requests\s*2/.test(document.querySelector('#tab-unknown')?.textContent ?? ''), undefined, { timeout: 30_000 })
      .catch(async (e) => {
        const listed = await rpc<{ peerAddress: string; consent: string }[]>(popup, 'conversations.list').catch((x) => x);
        console.log('requests did not reach 2:', await popup.locator('main').innerText(), JSON.stringify(listed));
        throw e;
      });
    await requests.click();
    await list().getByRole('button', { name: new RegExp(`^${short(bob.address)}`) }).click();
    await popup.getByRole('button', { name: 'Allow' }).click();
    await popup.getByRole('region', { name: 'Message request' }).waitFor({ state: 'detached' });
    await popup.getByRole('button', { name: 'Back to inbox' }).click();
    await list().getByRole('button', { name: new RegExp(`^${short(carol.address)}`) }).click();
    await popup.getByRole('button', { name: 'Block' }).click();
    await popup.getByRole('region', { name: 'Blocked' }).waitFor();
    await popup.getByRole('button', { name: 'Back to inbox' }).click();
    await popup.getByRole('tab', { name: /Messages/ }).click();
    await list().getByRole('button', { name: new RegExp(`^${short(bob.address)}`) }).waitFor();
    await popup.getByRole('tab', { name: /Blocked/ }).click();
    await list().getByRole('button', { name: new RegExp(`^${short(carol.address)}`) }).waitFor();
  });

  test('Settings › Nodes: an unreachable node is refused with a clear message; a second node of the network, moved first, comes into use; removed, the first is in use again', async () => {
    await popup.getByRole('button', { name: 'Settings' }).click();
    const nodes = popup.getByRole('list', { name: 'Nodes, in order of preference' });
    const inUse = popup.getByRole('definition').filter({ hasText: /^http/ }); // About: the node in use
    const add = popup.getByLabel('Add a node');
    await add.fill('http://127.0.0.1:1');
    await popup.getByRole('button', { name: 'Add node' }).click();
    const alert = popup.getByRole('alert').filter({ hasText: /127\.0\.0\.1:1/ });
    await alert.waitFor({ timeout: 30_000 });
    assert.match((await alert.textContent())!, /reach|unreachable|connect/i);
    // a second node process on the same database is a different URL for the same network
    const other = await startNode({ port: 0, db: path.join(node.dir, 'node.sqlite'), logLevel: 'error', rateLimits: false });
    try {
      await add.fill(other.url);
      await popup.getByRole('button', { name: 'Add node' }).click();
      await popup.getByRole('status').filter({ hasText: `Added ${other.url}.` }).waitFor({ timeout: 30_000 });
      await popup.getByRole('button', { name: `Move ${other.url} up` }).click();
      await popup.getByRole('status').filter({ hasText: `${other.url} moved up.` }).waitFor({ timeout: 30_000 });
      assert.deepEqual(await nodes.getByRole('listitem').locator('.site-origin').allTextContents(), [other.url, node.url]);
      await inUse.filter({ hasText: other.url }).waitFor({ timeout: 30_000 });
      await popup.getByRole('button', { name: `Remove ${other.url}` }).click();
      await popup.getByRole('status').filter({ hasText: `${other.url} removed.` }).waitFor({ timeout: 30_000 });
      assert.deepEqual(await nodes.getByRole('listitem').locator('.site-origin').allTextContents(), [node.url]);
      await inUse.filter({ hasText: node.url }).waitFor({ timeout: 30_000 });
    } finally {
      await other.close();
    }
  });

  test('with the node down the inbox opens from the cache and says it is offline', async () => {
    await node.stop();
    try {
      const again = await ext.openPopup();
      await again.getByRole('list', { name: /conversations$/ }).getByRole('button', { name: new RegExp(`^${short(alice.address)}`) }).waitFor();
      const banner = again.getByRole('alert').filter({ hasText: /^Offline:/ });
      await banner.waitFor({ timeout: 30_000 });
      assert.match((await banner.textContent())!, /reach|unreachable|connect/i);
      await again.close();
    } finally {
      await node.start();
    }
  });

  test('search finds a word in the 15,000th of 15,000 cached messages, and opens its conversation', async () => {
    // 15,000 messages written into the cache as the sync engine would (with their search index)
    const seeded = await seedCache(popup, { account: me, conversations: 30, messages: 15_000, big: 500, now: Date.now() - 86_400_000, names: false });
    assert.ok(seeded.stored.messages >= 15_000);
    await popup.reload();
    await popup.getByRole('searchbox', { name: 'Search conversations' }).fill('kumquat');
    const results = popup.getByRole('region', { name: 'Messages with “kumquat”' });
    const hit = results.getByRole('button', { name: /kumquat/ });
    await hit.waitFor({ timeout: 30_000 });
    assert.equal(await results.getByRole('button').count(), 1);
    await hit.click();
    await messages().getByText(/kumquat/).first().waitFor({ timeout: 30_000 });
  });
});

describe('Firefox ESR', () => {
  let ext: FirefoxExt;
  before(async () => {
    ext = await launchFirefox();
  });
  after(() => ext?.close());

  /** Puppeteer's ARIA selector: role + accessible name. */
  const aria = (role: string, name: string) => `::-p-aria([name="${name}"][role="${role}"])`;
  /** The field a <label> names (Firefox's accessibility locator does not expose password fields). */
  const field = (label: string) => `::-p-xpath(//label[normalize-space()="${label}"]/following-sibling::input[1])`;

  test('import a key whose identity exists (restored), allow a request, reply', async () => {
    const dave = key(0xd1);
    const daveSdk = await createSdkClient(privateKeySigner(dave), node.url); // the identity exists on the network
    const erin = await createSdkClient(privateKeySigner(key(0xd2)), node.url);
    const erinConvo = await erin.conversations.newConversation(daveSdk.address);
    await erinConvo.send('hello dave, from erin');

    const popup: PpPage = await ext.openPopup();
    await popup.locator(aria('button', 'Import a wallet')).wait();
    await popup.locator('details.node-choice summary').click();
    await popup.locator(aria('textbox', 'Node URL')).fill(node.url);
    await popup.locator('details.node-choice button[type=submit]').click();
    await popup.waitForFunction(() => document.querySelector('details.node-choice [role=status]')?.textContent === 'Saved.', { timeout: 30_000 });
    await popup.locator(aria('button', 'Import a wallet')).click();
    await popup.locator(aria('radio', 'Import with a private key')).click();
    await popup.locator(field('Private key')).fill(dave);
    await popup.waitForFunction(() => document.body.textContent?.includes('it will be restored'), { timeout: 30_000 });
    await popup.locator(field('Password')).fill(PASSWORD);
    await popup.locator(field('Confirm password')).fill(PASSWORD);
    await popup.locator(aria('button', 'Import')).click();
    await popup.locator('[role=tablist]').setTimeout(60_000).wait(); // the inbox
    await popup.locator('#tab-unknown').click();
    await popup.locator(`button[title="${erin.address}"]`).setTimeout(30_000).click();
    await popup.waitForFunction(() => document.body.textContent?.includes('hello dave, from erin'), { timeout: 30_000 });
    await popup.locator(aria('button', 'Allow')).click();
    await popup.waitForFunction(() => !document.querySelector('[aria-label="Message request"]'));
    await popup.locator(aria('textbox', 'Message')).fill('hi erin, from firefox');
    await popup.keyboard.press('Enter');
    await sdkSees(erinConvo, (m) => m.content === 'hi erin, from firefox', 'the reply from Firefox at the SDK');
    await erinConvo.send('got it');
    await popup.waitForFunction(() => document.body.textContent?.includes('got it'), { timeout: 30_000 });
    await popup.close();
  });
});
