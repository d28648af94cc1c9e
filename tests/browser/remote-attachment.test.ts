// Large files through remote attachments, with a user of the official SDK, in Chromium: the node
// keeps encrypted files (--blobs) and serves HTTPS (the official codec sends https URLs only), with a
// certificate made here that Chromium is told to trust by its key. We send a 20 MB file from the popup
// (encrypted and uploaded by its worker, with a progress bar); the SDK user downloads, decrypts and
// verifies it with the official codec. The SDK user encrypts a 20 MB file with the official codec,
// uploads it and sends it back; the popup loads it on a click and offers the same bytes for download.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { DIST, launchChromium, type ChromiumExt } from './support/browsers.ts';
import { rpc, waitFor } from './support/extension-rpc.ts';
import { testNode } from './support/test-node.ts';
import { AttachmentCodec, ContentTypeRemoteAttachment, RemoteAttachmentCodec, createSdkClient } from '../support/sdk.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import { identity, mintToken } from '../server/helpers.ts';

const MB = 1000 * 1000;
const key = (n: number) => '0x' + n.toString(16).padStart(2, '0').repeat(32);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;

// A certificate for 127.0.0.1, and its key's SHA-256 for Chromium's --ignore-certificate-errors-spki-list.
const dir = mkdtempSync(path.join(tmpdir(), 'remote-att-e2e-'));
const cert = path.join(dir, 'cert.pem');
const certKey = path.join(dir, 'key.pem');
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', certKey, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
const spki = execFileSync('sh', ['-c', `openssl x509 -in '${cert}' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`]).toString().trim();
// The SDK user runs in this process, on Node's fetch: it trusts the test node's certificate too.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

const node = testNode('remote-att-node-', { tls: { cert, key: certKey }, blobs: path.join(dir, 'blobs') });

let ext: ChromiumExt;
let popup: Page;
let me: string;
let peer: any;
let convo: any;

before(async () => {
  ext = await launchChromium(DIST.chrome, [`--ignore-certificate-errors-spki-list=${spki}`]);
  const probe = await ext.openPopup('prompt.html');
  await rpc(probe, 'settings.update', { nodeUrl: node.url });
  ({ address: me } = await rpc<{ address: string }>(probe, 'account.import', { privateKey: key(0xa1), password: 'correct horse battery' }));
  peer = await createSdkClient(privateKeySigner(key(0xa2)), node.url);
  await rpc(probe, 'conversations.new', { peerAddress: peer.address });
  await probe.close();
  convo = await peer.conversations.newConversation(me);
  popup = await ext.openPopup();
  await popup.getByText(short(peer.address)).first().click();
  await popup.getByRole('textbox', { name: 'Message' }).waitFor();
});
after(async () => {
  await ext?.close();
  rmSync(dir, { recursive: true, force: true });
});

const messages = () => popup.getByRole('list', { name: /^Messages with/ });

test('a 20 MB file sent from the popup: a progress bar, then the official SDK downloads, decrypts and verifies it', async () => {
  const file = randomBytes(20 * MB);
  const filePath = path.join(dir, 'field-recording.wav');
  writeFileSync(filePath, file);
  const t0 = Date.now();
  await popup.locator('input[type=file]').setInputFiles(filePath);
  await popup.getByRole('button', { name: 'Send' }).click();
  await popup.getByRole('progressbar', { name: 'Sending field-recording.wav' }).waitFor();
  await popup.getByRole('progressbar').waitFor({ state: 'detached', timeout: 60_000 });
  await messages().getByRole('button', { name: 'Load field-recording.wav' }).waitFor();
  const sent = await waitFor(async () => (await convo.messages()).find((m: any) => m.contentType.sameAs(ContentTypeRemoteAttachment)), 'the remote attachment at the SDK', 30_000);
  assert.match(sent.content.url, new RegExp(`^${node.url}/blobs/[0-9a-f]{64}$`));
  assert.equal(sent.content.contentLength, file.length);
  const got = await RemoteAttachmentCodec.load(sent.content, peer);
  assert.equal(got.filename, 'field-recording.wav');
  assert.equal(got.mimeType, 'audio/wav');
  assert.equal(sha(got.data), sha(file), 'the SDK user has the same bytes');
  console.log(`# 20 MB sent and verified at the SDK in ${Date.now() - t0} ms`);
});

test('a 20 MB file from the official SDK: encrypted and uploaded there, loaded on a click here, the same bytes', async () => {
  const data = randomBytes(20 * MB);
  const t0 = Date.now();
  const enc = await RemoteAttachmentCodec.encodeEncrypted({ filename: 'survey.bin', mimeType: 'application/octet-stream', data }, new AttachmentCodec());
  // The SDK has no upload service: an app puts the ciphertext where it likes, here our node's blob store.
  const url = `${node.url}/blobs/${enc.digest}`;
  const up = await fetch(url, { method: 'PUT', body: enc.payload, headers: { Authorization: `Bearer ${mintToken(identity(0xa3, 0xb3))}` } });
  assert.equal(up.status, 201, await up.text());
  await convo.send(
    { url, contentDigest: enc.digest, salt: enc.salt, nonce: enc.nonce, secret: enc.secret, scheme: 'https://', contentLength: data.length, filename: 'survey.bin' },
    { contentType: ContentTypeRemoteAttachment },
  );
  const load = messages().getByRole('button', { name: 'Load survey.bin' });
  await load.waitFor({ timeout: 30_000 });
  await load.click();
  const download = messages().getByRole('link', { name: 'Download survey.bin' });
  await download.waitFor({ timeout: 60_000 });
  const href = await download.getAttribute('href');
  const digest = await popup.evaluate(async (u) => {
    const bytes = await (await fetch(u!)).arrayBuffer();
    return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
  }, href);
  assert.equal(digest, sha(data), 'the popup offers the same bytes');
  console.log(`# 20 MB from the SDK loaded and verified in the popup in ${Date.now() - t0} ms`);
});
