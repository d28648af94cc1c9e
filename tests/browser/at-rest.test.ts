// Nothing readable at rest, in a real Chromium profile: a message with a marker text arrives from a user
// of the official SDK, the popup shows it (and a notification announces it), the extension is locked
// and the browser closed; then every file of the profile — IndexedDB's LevelDB tables and logs, the
// extension's storage, caches, session files — is read, and the marker's bytes (UTF-8, UTF-16LE,
// UTF-16BE), whole or as the lower-case words the search index keeps, appear in none of them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { launchChromium, type ChromiumExt } from './support/browsers.ts';
import { fireTickAlarm, rpc, storedMessages, waitFor } from './support/extension-rpc.ts';
import { testNode } from './support/test-node.ts';
import { inPage } from './support/in-page.ts';
import { createSdkClient } from '../support/sdk.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import { words } from '../../background/search-index.ts';

const node = testNode('at-rest-e2e-');
const key = (n: number) => '0x' + n.toString(16).padStart(2, '0').repeat(32);
const MARKER = 'Zephyr-marker 7f3a quokka teaspoon';
/** stored in the clear on purpose (an account's name): the scan must find it, or it proves nothing */
const CONTROL = 'Control label 5d2c wombat';

let ext: ChromiumExt | undefined;
after(async () => {
  if (ext) {
    await ext.close({ keepProfile: true });
    await rm(ext.userDataDir, { recursive: true, force: true });
  }
});

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(p);
    else if (entry.isFile()) yield p;
  }
}

function utf16(text: string, bigEndian: boolean): Buffer {
  const le = Buffer.from(text, 'utf16le');
  return bigEndian ? Buffer.from(le.map((_, i) => le[i ^ 1]!)) : le;
}

test('after a locked browser closes, no file of its profile holds the marker text', async () => {
  ext = await launchChromium();
  const probe = await ext.openPopup('prompt.html');
  await rpc(probe, 'settings.update', { nodeUrl: node.url });
  const { address: me } = await rpc<{ address: string }>(probe, 'account.import', { privateKey: key(0xe1), password: 'correct horse battery' });
  const peer = await createSdkClient(privateKeySigner(key(0xe2)), node.url);
  const convo = await peer.conversations.newConversation(me);
  await rpc(probe, 'consent.set', { peerAddress: peer.address, state: 'allowed' }); // so it notifies, too
  await convo.send(MARKER);
  await fireTickAlarm(probe);
  await waitFor(async () => (await storedMessages(probe)).some((m) => m.content === MARKER), 'the marker to be stored');
  const popup = await ext.openPopup();
  await popup.getByText(MARKER).first().waitFor({ timeout: 30_000 }); // on screen: the preview of the list
  await popup.close();
  await rpc(probe, 'account.rename', { address: me, label: CONTROL });
  // The popup's first-screen snapshot sits in storage.session (memory) while unlocked, and lock removes it.
  const snapshot = async () =>
    (await probe.evaluate(inPage(async () => JSON.stringify((await (globalThis as any).chrome.storage.session.get('firstScreen')).firstScreen ?? null)))) as string;
  await waitFor(async () => (await snapshot()).includes(MARKER), 'the first-screen snapshot to hold the marker while unlocked');
  await rpc(probe, 'account.lock');
  assert.equal(await snapshot(), 'null', 'lock removes the first-screen snapshot');
  const dir = ext.userDataDir;
  await ext.close({ keepProfile: true });

  const needles = [Buffer.from(MARKER, 'utf8'), utf16(MARKER, false), utf16(MARKER, true)];
  // a shorter piece too: a record may be split, but not this finely
  needles.push(Buffer.from('quokka teaspoon', 'utf8'), utf16('quokka teaspoon', false));
  // and the search index's form of its words: lower-case tokens, each on its own
  const tokens = ['zephyr', 'quokka', 'teaspoon'];
  assert.deepEqual(words(MARKER).filter((w) => tokens.includes(w)), tokens, 'these are words the index keeps');
  for (const t of tokens) needles.push(Buffer.from(t, 'utf8'), utf16(t, false), utf16(t, true));
  const control = [Buffer.from(CONTROL, 'utf8'), utf16(CONTROL, false)];
  let scanned = 0;
  let bytes = 0;
  const found: string[] = [];
  const controlIn: string[] = [];
  for await (const file of files(dir)) {
    const data = await readFile(file).catch(() => undefined);
    if (!data) continue;
    scanned++;
    bytes += data.length;
    for (const n of needles) if (data.includes(n)) found.push(path.relative(dir, file));
    if (control.some((n) => data.includes(n))) controlIn.push(path.relative(dir, file));
  }
  console.log(`# scanned ${scanned} files, ${(bytes / 1e6).toFixed(1)} MB of the profile`);
  assert.ok(scanned > 50 && (await stat(dir)).isDirectory(), 'the profile was read');
  assert.ok(controlIn.some((f) => f.includes('IndexedDB')), `the scan finds text IndexedDB keeps in the clear (found in: ${controlIn.join(', ')})`);
  assert.deepEqual([...new Set(found)], [], 'the marker is readable in these files');
});
