// Remote attachments in the background: where the popup uploads (the configured node's blob store,
// with a token), and loading a received one: from the configured node's origin even over http on
// 127.0.0.1 (an explicit allowance for that origin, not for every loopback address), handed over in
// parts when large.
import { test, before, after } from 'node:test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
import { MAX_REMOTE_ATTACHMENT_BYTES } from '../../src/xmtp/limits.ts';

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
  await storeRemote(me, id, url, enc);
}

/** Stores a received message whose remote attachment is at `url` (the keys, if given, are the file's). */
async function storeRemote(me: string, id: string, url: string, enc?: { digest: string; secret: Uint8Array; salt: Uint8Array; nonce: Uint8Array }): Promise<void> {
  const key = (b?: Uint8Array) => bytesToHex(b ?? new Uint8Array(32));
  const content = { url, contentDigest: enc?.digest ?? '00', secret: key(enc?.secret), salt: key(enc?.salt), nonce: key(enc?.nonce?.subarray(0, 12)), scheme: 'https://', contentLength: 1, filename: `${id}.bin` };
  const m: MessageView = { id, conversation: '/xmtp/0/m-remote/proto', senderAddress: me, sent: Date.now(), contentType: ContentTypes.remoteAttachment, content, status: 'sent' };
  await store.putMessages(me, [m]);
}

const reason = (want: string) => (e: { data?: { reason?: string }; message: string }) => {
  assert.equal(e.data?.reason, want, e.message);
  return true;
};

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

test('a peer\'s URL on a private or loopback address is refused before any request; http is refused', async () => {
  let requests = 0;
  const local = createServer((_req, res) => {
    requests++;
    res.end('secret');
  });
  await new Promise<void>((r) => local.listen(0, '127.0.0.1', r));
  const { port } = local.address() as AddressInfo;
  await freshBackground(node.url);
  const { address: me } = await accounts.importWallet({ privateKey: walletKey(0x93), password: PASSWORD });
  const cases: [string, string][] = [
    [`https://127.0.0.1:${port}/x`, 'private-address'],
    [`https://2130706433:${port}/x`, 'private-address'], // 127.0.0.1 as one number
    [`https://[::ffff:127.0.0.1]:${port}/x`, 'private-address'],
    [`https://localhost:${port}/x`, 'private-address'],
    ['https://169.254.169.254/latest/meta-data/', 'private-address'],
    ['https://10.0.0.1/x', 'private-address'],
    [`http://127.0.0.1:${port}/x`, 'insecure-url'], // not the configured node's origin
    ['http://example.com/x', 'insecure-url'],
  ];
  for (const [i, [url, why]] of cases.entries()) {
    await storeRemote(me, `private-${i}`, url);
    await assert.rejects(loadRemotePart(me, `private-${i}`), reason(why), url);
  }
  assert.equal(requests, 0, 'nothing was asked of the local server');
  await new Promise((r) => local.close(r));
});

test('where the browser resolves names (Firefox), a public-looking name that points at the local network is refused', async () => {
  const platform = await freshBackground(node.url);
  const { address: me } = await accounts.importWallet({ privateKey: walletKey(0x95), password: PASSWORD });
  const asked: string[] = [];
  const answers: Record<string, string[]> = { 'files.example': ['93.184.216.34', '10.0.0.5'], 'v6.example': ['fd00::5'] };
  platform.resolveHost = async (host) => (asked.push(host), answers[host] ?? []);
  for (const host of Object.keys(answers)) {
    await storeRemote(me, host, `https://${host}/file`);
    await assert.rejects(loadRemotePart(me, host), reason('private-address'), host);
  }
  assert.deepEqual(asked, Object.keys(answers));
});

test('a configured node that streams past the limit without a Content-Length is cut off at the limit', async () => {
  // The node in the settings (its origin may be http and loopback), turned hostile: a chunked body
  // that never ends. The reader must stop at MAX_REMOTE_ATTACHMENT_BYTES, not buffer the stream.
  let sent = 0;
  let closed = false;
  const chunk = Buffer.alloc(1024 * 1024, 7);
  const hostile = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' }); // no Content-Length: chunked
    const pump = () => {
      while (!closed && sent < 4 * MAX_REMOTE_ATTACHMENT_BYTES) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('close', () => (closed = true));
    pump();
  });
  await new Promise<void>((r) => hostile.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
  await freshBackground(node.url);
  const { address: me } = await accounts.importWallet({ privateKey: walletKey(0x94), password: PASSWORD });
  await updateSettings({ nodeUrl: url }, async () => {});
  await storeRemote(me, 'endless', `${url}/blobs/endless`);
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  await assert.rejects(loadRemotePart(me, 'endless'), reason('too-large'));
  clearInterval(sample);
  const grew = peak - rss0;
  for (let i = 0; i < 200 && !closed; i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(closed, 'the reader closed the download');
  const over = sent - MAX_REMOTE_ATTACHMENT_BYTES;
  console.log(`endless body: ${(sent / 2 ** 20).toFixed(1)} MiB sent (limit ${(MAX_REMOTE_ATTACHMENT_BYTES / 2 ** 20).toFixed(1)} MiB), peak rss +${(grew / 2 ** 20).toFixed(0)} MiB`);
  assert.ok(over < 32 * 1024 * 1024, `the reader stopped at the limit: ${sent} bytes sent`);
  await new Promise((r) => hostile.close(r));
});
