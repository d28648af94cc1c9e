// The outbox against a real node: pending at once, delivered when the node comes back (also after a
// worker restart), no duplicate when an acknowledgement is lost, failed sends can be retried or discarded.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freshBackground, restartWorker } from './setup.ts';
import { startNode, type XmtpNode } from '../../server/node.ts';
import { Client } from '../../src/xmtp/client.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import * as accounts from '../../background/accounts.ts';
import { getClient, dropClient } from '../../background/xmtp-session.ts';
import { syncAll } from '../../background/sync.ts';
import { Outbox } from '../../background/outbox.ts';
import * as store from '../../background/inbox-store.ts';
import { db } from '../../background/db.ts';
import { updateSettings } from '../../background/settings.ts';
import type { MessageView } from '../../src/views.ts';

const PASSWORD = 'correct horse battery';
const key = (n: number) => '0x' + n.toString(16).padStart(2, '0').repeat(32);
const dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-test-'));
let port = 0;
let node: XmtpNode | undefined;
const dbFile = path.join(dir, 'node.sqlite');
const aclFile = path.join(dir, 'acl.txt');

async function startOurNode() {
  node = await startNode({ port, db: dbFile, logLevel: 'error', rateLimits: false, aclFile, aclReloadMs: 0 });
  port = node.port;
  return node;
}
before(async () => {
  writeFileSync(aclFile, '');
  await startOurNode();
});
after(async () => {
  await node?.close();
  rmSync(dir, { recursive: true, force: true });
});

let now = Date.now();
const clock = () => now;
const events: Map<string, MessageView[]>[] = [];
const outboxes: Outbox[] = [];
const newOutbox = () => {
  const o = new Outbox(getClient, (_account, c) => events.push(c), clock);
  outboxes.push(o);
  return o;
};
// One outbox per worker in the product; here each test's must not keep retrying into the next test.
afterEach(() => outboxes.splice(0).forEach((o) => o.stop()));

async function setup(n: number) {
  await freshBackground(node!.url);
  events.length = 0;
  const { address: me } = await accounts.importWallet({ privateKey: key(n), password: PASSWORD });
  const bob = await Client.create(privateKeySigner(key(n + 1)), { apiUrl: node!.url });
  const convo = await bob.conversations.newConversation(me);
  const a = await getClient();
  a.storage.onMessages = (c) => events.push(c); // what the background broadcasts to the popup
  await syncAll(a);
  return { me, bob, topic: convo.topic, bobConvo: convo };
}

const bobSees = async (c: Awaited<ReturnType<typeof setup>>['bobConvo']) => (await c.messages()).map((m) => m.content);

test('a send is pending at once and sent after delivery, in place', async () => {
  const { me, topic, bobConvo } = await setup(0x10);
  const outbox = newOutbox();
  const pending = await outbox.enqueue(me, topic, { content: 'hello bob' });
  assert.equal(pending.status, 'pending');
  assert.equal(pending.localId, pending.id);
  await outbox.deliverDue();
  const [m] = await store.listMessages(me, topic);
  assert.equal(m.status, 'sent');
  assert.equal(m.localId, pending.localId, 'the delivered message keeps the local id the popup knows');
  assert.notEqual(m.id, pending.id);
  assert.equal(m.content, 'hello bob');
  assert.deepEqual(await bobSees(bobConvo), ['hello bob']);
  assert.equal((await (await db()).getAll('outbox')).length, 0);
  assert.ok(events.some((c) => c.get(topic)?.some((v) => v.status === 'sent' && v.localId === pending.localId)), 'the popup was told');
});

test('a send made while the node is down is delivered after it comes back, across a worker restart', async () => {
  const { me, topic, bobConvo } = await setup(0x20);
  await node!.close();
  const outbox = newOutbox();
  const pending = await outbox.enqueue(me, topic, { content: 'written offline' });
  await outbox.deliverDue();
  let [m] = await store.listMessages(me, topic);
  assert.equal(m.status, 'pending', 'still pending while the node is down');
  const record = (await store.outboxDue(me))[0]!;
  assert.equal(record.attempts, 1);
  assert.ok(record.nextAttemptAt > now);

  outbox.stop();
  restartWorker(); // the worker is stopped (and its outbox with it); IndexedDB and storage.session survive
  await startOurNode();
  now += 120_000;
  await updateSettings({}, async () => {});
  await newOutbox().deliverDue(); // what the minute alarm does in a fresh worker
  [m] = await store.listMessages(me, topic);
  assert.equal(m.status, 'sent');
  assert.equal(m.localId, pending.localId);
  assert.deepEqual(await bobSees(bobConvo), ['written offline']);
});

test('a node still down when the duplicate check runs keeps the send pending; the node coming back sends it at once, once', async () => {
  const { me, topic, bobConvo } = await setup(0x28);
  await node!.close();
  const outbox = newOutbox();
  const pending = await outbox.enqueue(me, topic, { content: 'offline twice' });
  await outbox.deliverDue(); // the publish fails: its outcome is unknown, so the next try checks the node first
  assert.equal((await store.outboxDue(me))[0]!.ambiguousNs.length, 1);
  now += 10_000;
  await outbox.deliverDue(); // ... and that check cannot reach the node either
  let [m] = await store.listMessages(me, topic);
  assert.equal(m.status, 'pending', 'a network error in the duplicate check is transient too');
  assert.equal((await store.outboxDue(me))[0]!.attempts, 2);
  await startOurNode();
  await outbox.nodeBack(); // what the live connection reopening does; the backoff is not over yet
  [m] = await store.listMessages(me, topic);
  assert.equal(m.status, 'sent');
  assert.equal(m.localId, pending.localId);
  assert.deepEqual(await bobSees(bobConvo), ['offline twice']);
});

test('an attempt whose acknowledgement is lost is not sent twice', async () => {
  const { me, topic, bobConvo } = await setup(0x30);
  // A proxy in front of the node that, while `dropAcks` is set, forwards publishes but drops the
  // connection before answering: the sender cannot know whether they landed.
  let dropAcks = true;
  let publishes = 0;
  let publishesAfterAcksCameBack = 0;
  const proxy: Server = createServer(async (req, res) => {
    // Counted on arrival: a request's body may still be streaming in when the test looks.
    if (req.url === '/message/v1/publish') {
      publishes++;
      if (!dropAcks) publishesAfterAcksCameBack++;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const upstream = await fetch(node!.url + req.url, { method: req.method, headers: req.headers as Record<string, string>, body: chunks.length ? Buffer.concat(chunks) : undefined });
    const body = Buffer.from(await upstream.arrayBuffer());
    if (req.url === '/message/v1/publish' && dropAcks) {
      req.socket.destroy();
      return;
    }
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(body);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  try {
    await updateSettings({ nodeUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` }, async () => {});
    dropClient();
    const outbox = newOutbox();
    const pending = await outbox.enqueue(me, topic, { content: 'exactly once' });
    await outbox.deliverDue();
    assert.equal((await store.listMessages(me, topic))[0].status, 'pending', 'outcome unknown: kept pending');
    assert.ok(publishes >= 1);
    dropAcks = false;
    now += 10_000;
    await outbox.deliverDue();
    assert.equal(publishesAfterAcksCameBack, 0, 'found on the node: not published again');
    const msgs = await store.listMessages(me, topic);
    assert.deepEqual(msgs.map((m) => [m.status, m.localId]), [['sent', pending.localId]]);
    assert.deepEqual(await bobSees(bobConvo), ['exactly once'], 'the peer has one copy');
  } finally {
    proxy.close();
  }
});

test('a send the node refuses fails; retry and discard are the user\'s choice', async () => {
  const { me, topic, bobConvo } = await setup(0x40);
  writeFileSync(aclFile, `deny ${me}\n`);
  await node!.reloadAcl();
  const outbox = newOutbox();
  const pending = await outbox.enqueue(me, topic, { content: 'refused' });
  await outbox.deliverDue();
  let [m] = await store.listMessages(me, topic);
  assert.equal(m.status, 'failed');
  assert.match(m.error ?? '', /refused/i);
  assert.ok(m.errorDetail, 'what the node said is kept for the details');
  await outbox.retry(me, pending.localId!);
  await outbox.deliverDue();
  [m] = await store.listMessages(me, topic);
  assert.equal(m.status, 'failed', 'still refused');
  writeFileSync(aclFile, '');
  await node!.reloadAcl();
  assert.equal((await outbox.retry(me, pending.localId!)).status, 'pending');
  await outbox.deliverDue();
  [m] = await store.listMessages(me, topic);
  assert.equal(m.status, 'sent');
  assert.deepEqual(await bobSees(bobConvo), ['refused']);

  writeFileSync(aclFile, `deny ${me}\n`);
  await node!.reloadAcl();
  const doomed = await outbox.enqueue(me, topic, { content: 'never mind' });
  await outbox.deliverDue();
  await outbox.discard(me, doomed.localId!);
  assert.deepEqual((await store.listMessages(me, topic)).map((x) => x.content), ['refused']);
  assert.equal((await store.listConversations(me))[0].lastMessage?.content, 'refused', 'the preview falls back');
  await assert.rejects(outbox.discard(me, doomed.localId!), /no longer waiting/);
  writeFileSync(aclFile, '');
  await node!.reloadAcl();
  await outbox.deliverDue();
  assert.equal((await (await db()).getAll('outbox')).length, 0);
});

test('bad content is refused before it is queued', async () => {
  const { me, topic } = await setup(0x50);
  await assert.rejects(newOutbox().enqueue(me, topic, { content: '' }), (e: { code: number }) => e.code === -32602);
  assert.equal((await (await db()).getAll('outbox')).length, 0);
});
