import { test, beforeEach, before, after } from 'node:test';
import assert from 'node:assert/strict';
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDB } from 'idb';
import { db, DB_NAME, resetDbHandle, DEFAULT_SETTINGS } from '../../background/db.ts';
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
  assert.deepEqual(DEFAULT_SETTINGS.nodeUrls, ['http://localhost:5555']);
  await updateSettings({ lockAfterMinutes: 5, notifications: false });
  forgetCachedSettings();
  assert.deepEqual(await getSettings(), { ...DEFAULT_SETTINGS, lockAfterMinutes: 5, notifications: false });
});

test('a node URL is accepted only where an XMTP node answers', async () => {
  const s = await updateSettings({ nodeUrl: node.url + '/' });
  assert.deepEqual(s.nodeUrls, [node.url]);
  await assert.rejects(updateSettings({ nodeUrl: notANodeUrl }), (e) => reason(e) === 'not-a-node');
  await assert.rejects(updateSettings({ nodeUrls: [node.url, 'http://127.0.0.1:1'] }), (e) => reason(e) === 'unreachable');
  assert.deepEqual((await getSettings()).nodeUrls, [node.url], 'a refused URL changes nothing');
});

test('the node list: ordered, normalised, each node once, one to eight of them; only new nodes are probed', async () => {
  const probed: string[] = [];
  const probe = async (url: string) => void probed.push(url);
  const a = 'http://a.test:5555';
  const b = 'https://b.test/api';
  assert.deepEqual((await updateSettings({ nodeUrls: [a, b + '/'] }, probe)).nodeUrls, [a, b]);
  assert.deepEqual(probed, [a, b]);
  // Reordering and removing probe nothing; adding probes the new one only.
  assert.deepEqual((await updateSettings({ nodeUrls: [b, a] }, probe)).nodeUrls, [b, a]);
  assert.deepEqual((await updateSettings({ nodeUrls: [a] }, probe)).nodeUrls, [a]);
  assert.deepEqual((await updateSettings({ nodeUrls: [a, 'http://c.test'] }, probe)).nodeUrls, [a, 'http://c.test']);
  assert.deepEqual(probed, [a, b, 'http://c.test']);
  await assert.rejects(updateSettings({ nodeUrls: [a, a + '/'] }, probe), /is in the list already/);
  await assert.rejects(updateSettings({ nodeUrls: [] }, probe), /at least one node/);
  await assert.rejects(updateSettings({ nodeUrls: Array.from({ length: 9 }, (_, i) => `http://n${i}.test`) }, probe), /At most 8 nodes/);
  assert.deepEqual((await getSettings()).nodeUrls, [a, 'http://c.test'], 'a refused list changes nothing');
});

test('settings stored with one node URL (database version 6) become a list of that node, the extension\'s and each account\'s', async () => {
  const old = await openDB(DB_NAME, 6, { upgrade: (d) => void d.createObjectStore('meta') });
  await old.put('meta', { nodeUrl: 'http://old.test:5555', lockAfterMinutes: 5 }, 'settings');
  await old.put('meta', { nodeUrl: 'https://mine.test', readReceipts: false }, 'settings:0xA11CE');
  await old.put('meta', { something: 'else', nodeUrl: 'not a setting' }, 'other');
  old.close();
  const global = await getSettings('');
  assert.deepEqual(global.nodeUrls, ['http://old.test:5555']);
  assert.equal(global.lockAfterMinutes, 5);
  const mine = await getSettings('0xA11CE');
  assert.deepEqual(mine.nodeUrls, ['https://mine.test']);
  assert.equal(mine.readReceipts, false);
  assert.ok(!('nodeUrl' in mine));
  assert.deepEqual(await (await db()).get('meta', 'other'), { something: 'else', nodeUrl: 'not a setting' }, 'other records are left as they are');
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
