// Three node processes on loopback, each with its own store (SQLite, SQLite, PostgreSQL), peered in a
// line A–B–C (B dials A through a TCP relay the test controls, and C directly). Official-SDK users
// on A and C talk across the network; B is killed with SIGKILL and restarted; the A–B link is cut
// and healed; a hostile peer attacks B. After each, every node holds every envelope.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import { Bans, createHost, Penalties } from '../../server/p2p/host.ts';
import { encodeWakuMessage, PUBSUB_TOPIC } from '../../server/p2p/wire.ts';
import { startPostgres, type PgCluster } from '../support/postgres.ts';
import { tcpPortOf, TcpLink } from '../support/tcp-link.ts';
import { createSdkClient } from '../support/sdk.ts';
import { post, sleep, spawnNode, type ChildNode } from './helpers.ts';
import { wallet } from './sdk-suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'xmtp-net-'));
const children: ChildNode[] = [];
let cluster: PgCluster | undefined;
// Whatever the test opened that would keep this process alive if it fails midway (the SDK's streams
// resubscribe for ever once their node is gone; the link's sockets).
const opened: Array<() => unknown> = [];
after(async () => {
  for (const close of opened) await Promise.resolve(close()).catch(() => {});
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGTERM');
  await Promise.all(children.map((c) => c.exited));
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function start(db: string, extra: string[] = []): Promise<ChildNode> {
  const c = await spawnNode(['--port', '0', '--db', db, '--p2p-listen', '/ip4/127.0.0.1/tcp/0', '--repair-interval', '2', '--log-level', 'warn', '--metrics-port', '0', ...extra]);
  children.push(c);
  return c;
}

const health = async (n: ChildNode) => (await (await fetch(n.url + '/healthz')).json()) as { p2p: { peerId: string; addrs: string[]; peers: number } };

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(100);
  }
}

const countOf = async (n: ChildNode, topics: string[]) =>
  (await post(n.url, '/message/v1/batch-query', { requests: topics.map((t) => ({ contentTopics: [t], pagingInfo: { limit: 100 } })) })).json.responses.reduce(
    (s: number, r: { envelopes: unknown[] }) => s + r.envelopes.length,
    0,
  );

async function nextMessage(stream: AsyncIterator<{ content: string; senderAddress: string }>, ms = 20_000) {
  const r = await Promise.race([stream.next(), sleep(ms).then(() => ({ done: true, value: undefined }))]);
  assert.ok(!r.done && r.value, 'no message in the live stream');
  return r.value!;
}

test('three node processes in a line: SDK users on A and C, SIGKILL of B, a cut link, a hostile peer — nothing lost', { timeout: 180_000 }, async () => {
  cluster = await startPostgres();
  const c = await start(await cluster.createDatabase('xmtp_net'), ['--bus', 'none']);
  const a = await start(join(dir, 'a.sqlite'));
  const [ha, hc] = await Promise.all([health(a), health(c)]);
  const link = new TcpLink(tcpPortOf(ha.p2p.addrs[0]!));
  opened.push(() => link.close());
  const viaLink = `${await link.listen()}/p2p/${ha.p2p.peerId}`;
  // B takes at most 100 envelopes/s from one peer (bursts of 500): the flood below exceeds it.
  const bArgs = ['--peer', viaLink, '--peer', hc.p2p.addrs[0]!, '--peer-rate', '100'];
  let b = await start(join(dir, 'b.sqlite'), bArgs);
  const bId = (await health(b)).p2p.peerId;
  await until('line connected', async () => (await health(b)).p2p.peers === 2 && (await health(a)).p2p.peers === 1 && (await health(c)).p2p.peers === 1);
  await sleep(1500); // a gossipsub heartbeat grafts the new peers into the mesh

  // Official SDK users on A and C find each other and talk, live.
  const [aliceWallet, carolWallet] = [wallet(), wallet()];
  const alice = await createSdkClient(aliceWallet, a.url);
  const carol = await createSdkClient(carolWallet, c.url);
  await until('contacts replicated', async () => (await alice.canMessage(carolWallet.address)) && (await carol.canMessage(aliceWallet.address)));
  const carolAll = await carol.conversations.streamAllMessages();
  const aliceAll = await alice.conversations.streamAllMessages();
  opened.push(() => carolAll.return?.(), () => aliceAll.return?.());
  const toCarol = await alice.conversations.newConversation(carolWallet.address, { conversationId: 'net.test/1', metadata: {} });
  await sleep(300);
  await toCarol.send('hello from A');
  assert.equal((await nextMessage(carolAll)).content, 'hello from A');
  const toAlice = await until('invitation replicated', async () => (await carol.conversations.list()).find((x: { topic: string }) => x.topic === toCarol.topic));
  await toAlice.send('hello from C');
  // Alice's stream has her own message first.
  for (let m = await nextMessage(aliceAll); ; m = await nextMessage(aliceAll)) if (m.content === 'hello from C') break;

  const topics = () => [toCarol.topic, `/xmtp/0/contact-${aliceWallet.address}/proto`, `/xmtp/0/contact-${carolWallet.address}/proto`, `/xmtp/0/invite-${aliceWallet.address}/proto`, `/xmtp/0/invite-${carolWallet.address}/proto`];
  const allHold = async (n: number, nodes: ChildNode[]) => {
    for (const x of nodes) if ((await countOf(x, topics())) !== n) return false;
    return true;
  };
  const before = await countOf(a, topics());
  await until('B and C hold what A holds', () => allHold(before, [b, c]));

  // SIGKILL B; A and C keep talking (each to its own node) while it is down.
  b.proc.kill('SIGKILL');
  assert.equal((await b.exited).signal, 'SIGKILL');
  await toCarol.send('while B was down (A)');
  await toAlice.send('while B was down (C)');
  b = await start(join(dir, 'b.sqlite'), bArgs);
  assert.equal((await health(b)).p2p.peerId, bId, 'the identity key is kept beside the database');
  await until('B back with every envelope, and A and C repaired through it', () => allHold(before + 2, [a, b, c]), 30_000);
  await sleep(1500);
  await toCarol.send('through the restarted B');
  for (let m = await nextMessage(carolAll); ; m = await nextMessage(carolAll)) if (m.content === 'through the restarted B') break;

  // Cut the A–B link; both sides write; heal; nothing lost.
  link.cut();
  await until('A–B cut', async () => (await health(a)).p2p.peers === 0);
  await toCarol.send('during the partition (A)');
  await toAlice.send('during the partition (C)');
  link.heal();
  await until('partition healed with nothing lost', () => allHold(before + 5, [a, b, c]), 30_000);
  const texts = (await toCarol.messages()).map((m: { content: string }) => m.content);
  assert.deepEqual(texts.filter((t: string) => t.includes('partition') || t.includes('down')).sort(), ['during the partition (A)', 'during the partition (C)', 'while B was down (A)', 'while B was down (C)']);

  // A hostile peer attacks B: forged contact bundle, key store write without proof, a flood.
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${b.proc.pid}/status`, 'utf8'))![1]) * 1024;
  const rssBefore = rss();
  const hostile = await createHost({ privateKey: await generateKeyPair('secp256k1'), listen: ['/ip4/127.0.0.1/tcp/0'], penalties: new Penalties(), bans: new Bans(), maxMessageBytes: 1_100_000 });
  await hostile.start();
  try {
    hostile.services.pubsub.subscribe(PUBSUB_TOPIC);
    await hostile.dial(multiaddr((await health(b)).p2p.addrs[0]!));
    await until('hostile peer meshed with B', async () => hostile.services.pubsub.getMeshPeers(PUBSUB_TOPIC).length > 0);
    const send = (contentTopic: string, payload: Uint8Array, i = 0) =>
      hostile.services.pubsub.publish(PUBSUB_TOPIC, encodeWakuMessage({ contentTopic, payload: Buffer.from(payload), timestamp: BigInt(Date.now()) * 1_000_000n + BigInt(i) }));
    const contactTopic = `/xmtp/0/contact-${carolWallet.address}/proto`;
    const contact = (await post(c.url, '/message/v1/query', { contentTopics: [contactTopic] })).json.envelopes[0].message;
    await send(`/xmtp/0/contact-${aliceWallet.address}/proto`, Buffer.from(contact, 'base64')); // Carol's bundle as Alice's
    await send(`/xmtp/0/privatestore-${aliceWallet.address}/key_bundle/proto`, Buffer.from('not her keys'));
    // 2,000 envelopes/s (in bursts of 100, so its own gossipsub queue keeps up), redialling when the
    // connection drops, as an attacker would, until B bans it.
    const banned = async () => /xmtp_p2p_peers_banned_total [1-9]/.test(await (await fetch(b.metricsUrl + '/metrics')).text());
    const bAddr = multiaddr((await health(b)).p2p.addrs[0]!);
    const end = Date.now() + 60_000;
    for (let i = 0; !(i % 1000 === 0 && (await banned())); i++) {
      assert.ok(Date.now() < end, 'B did not ban the flooding peer within 60 s');
      if (!hostile.getPeers().length) await hostile.dial(bAddr).catch(() => sleep(200));
      await send('/xmtp/0/m-flood/proto', Buffer.alloc(512, i % 251), i + 10);
      if (i % 100 === 99) await sleep(50);
    }
    await until('B disconnected the hostile peer', async () => hostile.getPeers().length === 0, 30_000);
  } finally {
    await hostile.stop();
  }
  const metrics = await (await fetch(b.metricsUrl + '/metrics')).text();
  assert.match(metrics, /xmtp_p2p_peers_banned_total [1-9]/);
  assert.match(metrics, /xmtp_relay_envelopes_total\{direction="in",outcome="refused"\} [1-9]\d+/);
  const growth = rss() - rssBefore;
  assert.ok(growth < 150 * 1024 * 1024, `B's memory grew by ${Math.round(growth / 1048576)} MiB under the flood`);
  for (const n of [a, b, c]) {
    assert.equal((await post(n.url, '/message/v1/query', { contentTopics: [`/xmtp/0/privatestore-${aliceWallet.address}/key_bundle/proto`] })).json.envelopes.every((e: { message: string }) => Buffer.from(e.message, 'base64').toString() !== 'not her keys'), true);
  }
  assert.equal(await alice.canMessage(carolWallet.address), true);
  // Honest traffic still flows through B.
  await toAlice.send('after the attack');
  for (let m = await nextMessage(aliceAll); ; m = await nextMessage(aliceAll)) if (m.content === 'after the attack') break;
  await until('every node holds every envelope', () => allHold(before + 6, [a, b, c]));
});
