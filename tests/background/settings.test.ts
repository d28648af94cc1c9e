import { test, beforeEach, before, after } from 'node:test';
import assert from 'node:assert/strict';
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resetDbHandle, DEFAULT_SETTINGS } from '../../background/db.ts';
import { getSettings, updateSettings, forgetCachedSettings, normaliseNodeUrl, probeNode } from '../../background/settings.ts';
import { startNode } from '../../server/node.ts';

let node: Awaited<ReturnType<typeof startNode>>;
let notANode: ReturnType<typeof createServer>;
let notANodeUrl: string;
before(async () => {
  node = await startNode({ port: 0, db: ':memory:', logLevel: 'error' });
  notANode = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>hello</h1>'));
  await new Promise<void>((r) => notANode.listen(0, '127.0.0.1', r));
  notANodeUrl = `http://127.0.0.1:${(notANode.address() as AddressInfo).port}`;
});
after(async () => {
  await node.close();
  notANode.close();
});
beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
  resetDbHandle();
  forgetCachedSettings();
});

const reason = (e: unknown) => (e as { data?: { reason?: string } }).data?.reason;

test('defaults until changed; changes persist', async () => {
  assert.deepEqual(await getSettings(), DEFAULT_SETTINGS);
  assert.equal(DEFAULT_SETTINGS.nodeUrl, 'http://localhost:5555');
  await updateSettings({ lockAfterMinutes: 5, notifications: false });
  forgetCachedSettings();
  assert.deepEqual(await getSettings(), { ...DEFAULT_SETTINGS, lockAfterMinutes: 5, notifications: false });
});

test('a node URL is accepted only where an XMTP node answers', async () => {
  const s = await updateSettings({ nodeUrl: node.url + '/' });
  assert.equal(s.nodeUrl, node.url);
  await assert.rejects(updateSettings({ nodeUrl: notANodeUrl }), (e) => reason(e) === 'not-a-node');
  await assert.rejects(updateSettings({ nodeUrl: 'http://127.0.0.1:1' }), (e) => reason(e) === 'unreachable');
  assert.equal((await getSettings()).nodeUrl, node.url, 'a refused URL changes nothing');
});

test('node URLs are normalised and bad ones refused with a readable message', () => {
  assert.equal(normaliseNodeUrl(' https://node.example.org/api/ '), 'https://node.example.org/api');
  assert.throws(() => normaliseNodeUrl('ftp://x'), /http:\/\/ or https:\/\//);
  assert.throws(() => normaliseNodeUrl('not a url'), /is not a URL/);
  assert.throws(() => normaliseNodeUrl('https://user:pw@x.org'), /user name or password/);
});

test('probing a live node succeeds', async () => {
  await probeNode(node.url);
});
