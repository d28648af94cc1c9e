// Nodes as Waku v2 relay peers, in one process (each node its own libp2p host and SQLite store):
// relay of published envelopes, ephemeral topics relayed but not stored, repair after a partition,
// and the trust checks a peer's envelopes pass (contact bundles, key-store proofs, deny list).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type XmtpNode } from '../../server/node.ts';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import { Bans, createHost, Penalties } from '../../server/p2p/host.ts';
import { encodeWakuMessage, PUBSUB_TOPIC } from '../../server/p2p/wire.ts';
import { encode, mc } from '../../src/xmtp/proto.ts';
import { PrivateKeyBundle } from '../../src/xmtp/keys/private-key-bundle.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import { env, identity, mintToken, post, sleep, StreamReader } from './helpers.ts';
import { startPostgres } from '../support/postgres.ts';

const nodes: XmtpNode[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.close()));
});

async function netNode(peers: string[] = [], extra: Parameters<typeof startNode>[0] = {}): Promise<XmtpNode> {
  const n = await startNode({ port: 0, db: ':memory:', logLevel: 'silent', rateLimits: false, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], peers, repairIntervalMs: 60_000, settleMs: 0 }, ...extra });
  nodes.push(n);
  return n;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

async function queryTopic(n: XmtpNode, topic: string): Promise<string[]> {
  const r = await post(n.url, '/message/v1/query', { contentTopics: [topic], pagingInfo: { direction: 'SORT_DIRECTION_ASCENDING' } });
  return r.json.envelopes.map((e: { message: string }) => Buffer.from(e.message, 'base64').toString());
}

async function meshed(a: XmtpNode, b: XmtpNode) {
  const health = async (n: XmtpNode) => (await (await fetch(n.url + '/healthz')).json()).p2p;
  await until('peers connected', async () => (await health(a)).peers > 0 && (await health(b)).peers > 0);
  // gossipsub needs a heartbeat to put the new peer in its mesh
  await sleep(1200);
}

const alice = identity(1, 2);

test('a line of three nodes relays every envelope to every node; ephemeral ones are delivered, not stored', async () => {
  const c = await netNode();
  const b = await netNode([c.network!.info().addrs[0]!]);
  const a = await netNode([b.network!.info().addrs[0]!]);
  const h = await (await fetch(a.url + '/healthz')).json();
  assert.match(h.p2p.peerId, /^16Uiu2/);
  assert.ok(h.p2p.addrs[0].endsWith(`/p2p/${h.p2p.peerId}`));
  await meshed(a, b);
  await meshed(b, c);
  const topic = '/xmtp/0/m-relay-test/proto';
  const eph = '/xmtp/0/mE-relay-test/proto';
  const sub = await StreamReader.open(c.url, '/message/v1/subscribe', { contentTopics: [topic, eph] });
  const auth = { Authorization: `Bearer ${mintToken(alice)}` };
  const r = await post(a.url, '/message/v1/publish', { envelopes: [env(topic, 1000, 'one'), env(eph, 1001, 'typing')] }, auth);
  assert.equal(r.status, 200, r.text);
  const lines = await sub.take(2);
  assert.deepEqual(lines.map((l) => Buffer.from(l.result.message, 'base64').toString()).sort(), ['one', 'typing']);
  assert.deepEqual(await until('stored on C', async () => (await queryTopic(c, topic)).length === 1 && queryTopic(c, topic)), ['one']);
  assert.deepEqual(await queryTopic(b, topic), ['one']);
  assert.deepEqual(await queryTopic(c, eph), []);
  sub.close();
  const metrics = b.metrics.registry.render();
  assert.match(metrics, /xmtp_relay_envelopes_total\{direction="in",outcome="accepted"\} [1-9]/);
});

test('a partition heals with nothing lost: repair fetches what the other side missed, both ways', async () => {
  const a = await netNode();
  const b = await netNode();
  await a.network!.dial(b.network!.info().addrs[0]!);
  await meshed(a, b);
  const auth = { Authorization: `Bearer ${mintToken(alice)}` };
  const topic = '/xmtp/0/m-partition/proto';
  assert.equal((await post(a.url, '/message/v1/publish', { envelopes: [env(topic, 1, 'before')] }, auth)).status, 200);
  await until('relayed before the partition', async () => (await queryTopic(b, topic)).length === 1);
  await a.network!.hangUp(b.network!.peerId);
  await until('apart', async () => a.network!.info().peers === 0 && b.network!.info().peers === 0);
  // 1,200 envelopes on A (more than one repair leaf) and some on B while apart.
  const many = Array.from({ length: 1200 }, (_, i) => env(topic, 1000 + i, `a${i}`));
  for (let i = 0; i < many.length; i += 300) assert.equal((await post(a.url, '/message/v1/publish', { envelopes: many.slice(i, i + 300) }, auth)).status, 200);
  assert.equal((await post(b.url, '/message/v1/publish', { envelopes: [env(topic, 5000, 'b0'), env(topic, 5001, 'b1')] }, auth)).status, 200);
  assert.equal((await queryTopic(b, topic)).length, 3);
  // Gossipsub itself re-offers messages of its last few heartbeats to a peer that comes back (IHAVE):
  // wait until these are older than that, so only repair can bring them.
  await sleep(5500);
  // Heal: the reconnection starts a repair round on both sides.
  await b.network!.dial(a.network!.info().addrs[0]!);
  const total = 1 + 1200 + 2;
  await until('B repaired', async () => (await b.store.count()) === total, 30_000);
  await until('A repaired', async () => (await a.store.count()) === total, 30_000);
  const metrics = b.metrics.registry.render();
  assert.match(metrics, /xmtp_repair_envelopes_total\{outcome="stored"\} 1200/);
});

test('a hostile peer relaying a forged contact bundle, an unauthenticated key store write and a flood is refused, scored down and banned; honest traffic flows', async () => {
  const b = await netNode([], { p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], repairIntervalMs: 60_000, settleMs: 0, relayBurst: 300, relayPerMinute: 600 } });
  const a = await netNode([b.network!.info().addrs[0]!]);
  await meshed(a, b);
  const hostile = await createHost({ privateKey: await generateKeyPair('secp256k1'), listen: ['/ip4/127.0.0.1/tcp/0'], penalties: new Penalties(), bans: new Bans(), maxMessageBytes: 1_100_000 });
  await hostile.start();
  try {
    hostile.services.pubsub.subscribe(PUBSUB_TOPIC);
    await hostile.dial(multiaddr(b.network!.info().addrs[0]!));
    await until('hostile peer in the mesh', async () => hostile.services.pubsub.getMeshPeers(PUBSUB_TOPIC).length > 0);
    const send = (m: Parameters<typeof encodeWakuMessage>[0]) => hostile.services.pubsub.publish(PUBSUB_TOPIC, encodeWakuMessage(m));
    const now = BigInt(Date.now()) * 1_000_000n;
    const keys = await PrivateKeyBundle.generate(privateKeySigner(alice.walletPriv));
    const victim = identity(9, 9).wallet;
    await send({ contentTopic: `/xmtp/0/contact-${victim}/proto`, payload: Buffer.from(encode(mc.ContactBundle, { v1: { keyBundle: keys.publicBundle } })), timestamp: now });
    await send({ contentTopic: `/xmtp/0/privatestore-${victim}/key_bundle/proto`, payload: Buffer.from('overwritten keys'), timestamp: now + 1n });
    // The flood: far beyond the peer's relay budget.
    for (let i = 0; i < 3000; i++) await send({ contentTopic: '/xmtp/0/m-flood/proto', payload: Buffer.from(`junk ${i}`), timestamp: now + BigInt(i) });
    await until('hostile peer banned by B', async () => /xmtp_p2p_peers_banned_total 1/.test(b.metrics.registry.render()), 20_000);
    await until('hostile peer disconnected', async () => hostile.getPeers().length === 0);
    assert.deepEqual(await queryTopic(b, `/xmtp/0/contact-${victim}/proto`), []);
    assert.deepEqual(await queryTopic(b, `/xmtp/0/privatestore-${victim}/key_bundle/proto`), []);
    // At most the burst (300) and what refilled meanwhile (10/s) got through, of 3,000.
    const flooded = await b.store.count();
    assert.ok(flooded <= 400, `at most the relay budget got through (${flooded})`);
    // Refused while banned: B drops the connection once it knows who dialled.
    await hostile.dial(multiaddr(b.network!.info().addrs[0]!)).catch(() => {});
    await sleep(500);
    assert.deepEqual(hostile.getPeers(), []);
    assert.equal(b.network!.info().peers, 1);
    // Honest traffic is unaffected.
    const topic = '/xmtp/0/m-honest/proto';
    assert.equal((await post(a.url, '/message/v1/publish', { envelopes: [env(topic, 42, 'still here')] }, { Authorization: `Bearer ${mintToken(alice)}` })).status, 200);
    assert.deepEqual(await until('honest envelope on B', async () => (await queryTopic(b, topic)).length === 1 && queryTopic(b, topic)), ['still here']);
  } finally {
    await hostile.stop();
  }
});

test('a node of two processes on one PostgreSQL: a key store write taken by the process that is not its network member reaches the network with its proof', async () => {
  const cluster = await startPostgres();
  const own: XmtpNode[] = [];
  try {
    const db = await cluster.createDatabase('xmtp_proofs');
    const member = await startNode({ port: 0, db, bus: 'pg-notify', logLevel: 'silent', rateLimits: false, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], repairIntervalMs: 60_000, settleMs: 0 } });
    own.push(member);
    const sibling = await startNode({ port: 0, db, bus: 'pg-notify', logLevel: 'silent', rateLimits: false });
    own.push(sibling);
    const other = await netNode([member.network!.info().addrs[0]!]);
    await meshed(member, other);
    const topic = `/xmtp/0/privatestore-${alice.wallet}/key_bundle/proto`;
    const r = await post(sibling.url, '/message/v1/publish', { envelopes: [env(topic, BigInt(Date.now()) * 1_000_000n, 'her keys')] }, { Authorization: `Bearer ${mintToken(alice)}` });
    assert.equal(r.status, 200, r.text);
    // the member relays it (heard over the bus) with the proof the sibling kept; the other node checks it
    assert.deepEqual(await until('stored on the other node', async () => (await queryTopic(other, topic)).length > 0 && queryTopic(other, topic)), ['her keys']);
    assert.match(other.metrics.registry.render(), /xmtp_relay_envelopes_total\{direction="in",outcome="accepted"\} 1/);
  } finally {
    for (const n of own) await n.close();
    await cluster.stop();
  }
});
