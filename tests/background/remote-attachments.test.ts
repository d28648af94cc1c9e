// Remote attachments in the background: where the popup uploads (the configured node's blob store,
// with a token), and loading a received one: from the configured node's origin even over http on
// 127.0.0.1 (an explicit allowance for that origin, not for every loopback address), handed over in
// parts when large.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshBackground, PASSWORD, walletKey } from './setup.ts';
import { startNode, type XmtpNode } from '../../server/node.ts';
import * as accounts from '../../background/accounts.ts';
import * as store from '../../background/inbox-store.ts';
import { loadRemotePart, uploadTarget } from '../../background/remote-attachments.ts';
import { updateSettings } from '../../background/settings.ts';
import { AttachmentCodec } from '../../src/xmtp/content/attachment.ts';
import { encryptRemoteContent } from '../../src/xmtp/content/remote-attachment.ts';
import { bytesToHex } from '../../src/xmtp/crypto/bytes.ts';
import { ContentTypes, type MessageView } from '../../src/views.ts';

let node: XmtpNode;
let plain: XmtpNode;
const dir = mkdtempSync(path.join(os.tmpdir(), 'bg-remote-att-'));
before(async () => {
  node = await startNode({ port: 0, logLevel: 'error', rateLimits: false, blobs: dir });
  plain = await startNode({ port: 0, logLevel: 'error' });
});
after(async () => {
  await node?.close();
  await plain?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Encrypts `data`, uploads it where uploadTarget says, and stores a message that carries it. */
async function received(me: string, id: string, data: Uint8Array): Promise<void> {
  const target = await uploadTarget(me);
  const enc = await encryptRemoteContent({ filename: `${id}.bin`, mimeType: 'application/octet-stream', data }, new AttachmentCodec(), { codecFor: () => undefined });
  const url = target.url + enc.digest;
  const up = await fetch(url, { method: 'PUT', body: Buffer.from(enc.payload), headers: { Authorization: target.authorization } });
  assert.equal(up.status, 201, await up.text());
  const content = { url, contentDigest: enc.digest, secret: bytesToHex(enc.secret), salt: bytesToHex(enc.salt), nonce: bytesToHex(enc.nonce), scheme: 'https://', contentLength: data.length, filename: `${id}.bin` };
  const m: MessageView = { id, conversation: '/xmtp/0/m-remote/proto', senderAddress: me, sent: Date.now(), contentType: ContentTypes.remoteAttachment, content, status: 'sent' };
  await store.putMessages(me, [m]);
}

test('upload target: the configured node blob store and a token; a node without one is named', async () => {
  await freshBackground(node.url);
  const { address: me } = await accounts.importWallet({ privateKey: walletKey(0x91), password: PASSWORD });
  const target = await uploadTarget(me);
  assert.equal(target.url, `${node.url}/blobs/`);
  assert.match(target.authorization, /^Bearer [A-Za-z0-9+/=]+$/);
  assert.equal(target.maxBytes, node.limits.maxBlobBytes);
  await updateSettings({ nodeUrl: plain.url }, async () => {});
  await assert.rejects(uploadTarget(me), (e: { data?: { reason?: string }; message: string }) => e.data?.reason === 'no-blob-store' && /does not keep files/.test(e.message));
});

test('a received file on the configured http node loads, in parts when large; another loopback origin does not', async () => {
  await freshBackground(node.url);
  const { address: me } = await accounts.importWallet({ privateKey: walletKey(0x92), password: PASSWORD });
  const small = crypto.getRandomValues(new Uint8Array(1000));
  await received(me, 'small', small);
  const one = await loadRemotePart(me, 'small');
  assert.deepEqual([one.parts, Buffer.from(one.data, 'base64').equals(Buffer.from(small))], [undefined, true]);
  const big = new Uint8Array(13 * 1024 * 1024).map((_, i) => i * 7);
  await received(me, 'big', big);
  const first = await loadRemotePart(me, 'big');
  assert.equal(first.parts, 2);
  const second = await loadRemotePart(me, 'big', 1);
  assert.ok(Buffer.from(first.data + second.data, 'base64').equals(Buffer.from(big)), 'the parts join into the file');
  // The same node under another loopback name is not the configured origin: https is asked for.
  await updateSettings({ nodeUrl: node.url.replace('127.0.0.1', 'localhost') }, async () => {});
  await assert.rejects(loadRemotePart(me, 'small'), (e: { data?: { reason?: string } }) => e.data?.reason === 'insecure-url');
});
