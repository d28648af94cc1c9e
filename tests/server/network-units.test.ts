// The network's parts without a network: what a node accepts from a peer (trust.ts), range
// reconciliation between two stores (reconcile.ts + the repair answers), and the wire formats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { AccessControl } from '../../server/acl.ts';
import { createLogger } from '../../server/log.ts';
import { coalesce, MAX_CHUNK } from '../../server/p2p/coalesce.ts';
import { answer } from '../../server/p2p/repair.ts';
import { LIMITS, reconcile, roundRanges, split, type RangeSource } from '../../server/p2p/reconcile.ts';
import { Trust } from '../../server/p2p/trust.ts';
import { decodeWakuMessage, encodeWakuMessage, type WakuMessage } from '../../server/p2p/wire.ts';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { MAX_INT64, type StoredEnvelope } from '../../server/store/types.ts';
import { encode, mc } from '../../src/xmtp/proto.ts';
import { PrivateKeyBundle } from '../../src/xmtp/keys/private-key-bundle.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import { identity, mintToken } from './helpers.ts';

const log = createLogger({ level: 'silent' });
const alice = identity(1, 2);
const mallory = identity(3, 4);

async function trust(deny: string[] = []) {
  const store = new SqliteStore(':memory:');
  for (const a of deny) await store.aclSet({ address: a, permission: 'deny', comment: '' });
  const acl = new AccessControl({ store, reloadMs: 0, log });
  await acl.start();
  return new Trust({ acl });
}

const msg = (contentTopic: string, payload: Uint8Array, meta?: Uint8Array, timestamp = BigInt(Date.now()) * 1_000_000n): WakuMessage => ({ contentTopic, payload: Buffer.from(payload), timestamp, meta: meta && Buffer.from(meta) });
const tokenBytes = (id = alice, o: Parameters<typeof mintToken>[1] = {}) => Buffer.from(mintToken(id, o), 'base64');

test('WakuMessage framing round-trips (14/WAKU2-MESSAGE field numbers)', () => {
  const m = msg('/xmtp/0/m-x/proto', Buffer.from('payload'), Buffer.from('meta'), 1_700_000_000_123_456_789n);
  const bytes = encodeWakuMessage(m);
  // payload = field 1 (tag 0x0a), content_topic = field 2 (0x12), timestamp = field 10 sint64 (0x50), meta = field 11 (0x5a)
  assert.deepEqual([...bytes.slice(0, 1)], [0x0a]);
  assert.ok(Buffer.from(bytes).includes(Buffer.from([0x50])) && Buffer.from(bytes).includes(Buffer.from([0x5a, 4])));
  const back = decodeWakuMessage(bytes);
  assert.equal(back.contentTopic, m.contentTopic);
  assert.equal(back.timestamp, m.timestamp);
  assert.equal(Buffer.from(back.payload).toString(), 'payload');
  assert.equal(Buffer.from(back.meta!).toString(), 'meta');
});

test('a peer gets exactly what a client would: contact bundles must be signed by their wallet', async () => {
  const t = await trust();
  const keys = await PrivateKeyBundle.generate(privateKeySigner(alice.walletPriv));
  const bundle = encode(mc.ContactBundle, { v1: { keyBundle: keys.publicBundle } });
  assert.deepEqual(t.check(msg(`/xmtp/0/contact-${alice.wallet}/proto`, bundle), true), { ok: true });
  const forged = t.check(msg(`/xmtp/0/contact-${mallory.wallet}/proto`, bundle), true);
  assert.equal(forged.ok, false);
  assert.match(!forged.ok ? forged.reason : '', /signed by/);
  const garbage = t.check(msg(`/xmtp/0/contact-${alice.wallet}/proto`, Buffer.from('not a bundle')), true);
  assert.equal(garbage.ok, false);
});

test('key store writes need their owner\'s auth token in meta; stale, foreign and future tokens are refused', async () => {
  const t = await trust();
  const topic = `/xmtp/0/privatestore-${alice.wallet}/key_bundle/proto`;
  const now = BigInt(Date.now()) * 1_000_000n;
  assert.equal(t.check(msg(topic, Buffer.from('sealed'), undefined), true).ok, false);
  assert.deepEqual(t.check(msg(topic, Buffer.from('sealed'), tokenBytes()), true), { ok: true });
  assert.equal(t.check(msg(topic, Buffer.from('sealed'), tokenBytes(mallory)), true).ok, false);
  assert.equal(t.check(msg(topic, Buffer.from('sealed'), Buffer.from('junk')), true).ok, false);
  // A token of two hours ago: refused live, and for an envelope stamped now also in repair…
  const old = tokenBytes(alice, { createdMs: Date.now() - 2 * 3600_000 });
  assert.equal(t.check(msg(topic, Buffer.from('sealed'), old), true).ok, false);
  assert.equal(t.check(msg(topic, Buffer.from('sealed'), old), false).ok, false);
  // …but an envelope stamped when that token was fresh is repaired (it was valid when published).
  assert.deepEqual(t.check(msg(topic, Buffer.from('sealed'), old, now - 2n * 3600n * 1_000_000_000n + 60n * 1_000_000_000n), false), { ok: true });
  // A token made after the envelope's timestamp proves nothing about it.
  assert.equal(t.check(msg(topic, Buffer.from('sealed'), tokenBytes(), now - 3600n * 1_000_000_000n), false).ok, false);
});

test('size, topic and timestamp rules apply as for clients; the deny list applies to relayed envelopes', async () => {
  const t = await trust([alice.wallet]);
  assert.equal(t.check(msg('/not/an/xmtp/topic', Buffer.from('x')), true).ok, false);
  assert.equal(t.check(msg(`/xmtp/0/m-${'a'.repeat(300)}/proto`, Buffer.from('x')), true).ok, false);
  assert.equal(t.check(msg('/xmtp/0/m-big/proto', Buffer.alloc(1_048_215)), true).ok, false);
  assert.equal(t.check(msg('/xmtp/0/m-late/proto', Buffer.from('x'), undefined, MAX_INT64 + 1n), true).ok, false);
  assert.deepEqual(t.check(msg('/xmtp/0/m-ok/proto', Buffer.from('x')), true), { ok: true });
  const denied = t.check(msg(`/xmtp/0/privatestore-${alice.wallet}/key_bundle/proto`, Buffer.from('s'), tokenBytes()), true);
  assert.equal(denied.ok, false);
  assert.match(!denied.ok ? denied.reason : '', /deny/);
  // Ephemeral envelopes are relayed live but never come from repair (nobody stores them).
  assert.deepEqual(t.check(msg('/xmtp/0/mE-typing/proto', Buffer.from('x')), true), { ok: true });
  assert.equal(t.check(msg('/xmtp/0/mE-typing/proto', Buffer.from('x')), false).ok, false);
});

function envelope(topic: string, ts: bigint, body: string): StoredEnvelope {
  const message = Buffer.from(body);
  return { topic, ts, message, digest: createHash('sha256').update(topic).update(message).digest() };
}

/** The peer's store behind answer(), as repair.ts would reach it over a stream. */
function sourceOf(store: SqliteStore, calls: { n: number; pulled?: Set<bigint> }): RangeSource {
  return {
    fingerprints: async (ranges) => (calls.n++, (await answer(store, { kind: 'fingerprints', ranges })).fingerprints!),
    ids: async (range, limit) => (calls.n++, (await answer(store, { kind: 'ids', range, limit })).ids!),
    fetch: async (ids) => {
      calls.n++;
      const r = await answer(store, { kind: 'fetch', ids });
      return { messages: r.messages!, done: r.ids!.length };
    },
    pull: async (range, after) => {
      calls.n++;
      const r = await answer(store, { kind: 'pull', range, after });
      if (r.messages!.length) calls.pulled?.add(range.lo);
      return { messages: r.messages!, next: r.ids![0] ?? null };
    },
  };
}

test('range reconciliation fetches exactly what is missing, both ways, and an idle round is one request', async () => {
  const a = new SqliteStore(':memory:');
  const b = new SqliteStore(':memory:');
  const common: StoredEnvelope[] = [];
  const onlyA: StoredEnvelope[] = [];
  const onlyB: StoredEnvelope[] = [];
  const base = 1_700_000_000_000_000_000n;
  for (let i = 0; i < 6000; i++) {
    const e = envelope(`/xmtp/0/m-${i % 37}/proto`, base + BigInt(i) * 1_000_000n, `m${i}`);
    (i % 10 === 3 ? onlyA : i % 10 === 7 ? onlyB : common).push(e);
  }
  // Timestamps far apart and equal timestamps on different topics, too.
  onlyA.push(envelope('/xmtp/0/m-old/proto', 5n, 'ancient'), envelope('/xmtp/0/m-x/proto', base, 'same ts as m0'));
  await a.insert([...common, ...onlyA]);
  await b.insert([...common, ...onlyB]);
  const ranges = [{ lo: 0n, hi: MAX_INT64 }];
  const toStore = (into: SqliteStore) => async (msgs: WakuMessage[]) =>
    (await into.insert(msgs.map((m) => envelope(m.contentTopic, m.timestamp, Buffer.from(m.payload).toString())))).length;
  const callsB = { n: 0 };
  const rb = await reconcile(b, sourceOf(a, callsB), ranges, toStore(b));
  assert.equal(rb.fetched, onlyA.length);
  assert.equal(rb.accepted, onlyA.length);
  const ra = await reconcile(a, sourceOf(b, { n: 0 }), ranges, toStore(a));
  assert.equal(ra.accepted, onlyB.length);
  assert.equal(await a.count(), await b.count());
  assert.deepEqual(await a.fingerprints(ranges), await b.fingerprints(ranges));
  // Nothing new: one fingerprint request, nothing fetched.
  const idle = { n: 0 };
  const again = await reconcile(a, sourceOf(b, idle), roundRanges(BigInt(Date.now()) * 1_000_000n, 10_000_000_000n), toStore(a));
  assert.deepEqual([again.fetched, idle.n], [0, 1]);
  // A node that holds nothing pulls whole ranges page by page (2,048 per page) without comparing ids.
  const empty = new SqliteStore(':memory:');
  const calls = { n: 0 };
  const re = await reconcile(empty, sourceOf(a, calls), ranges, toStore(empty));
  assert.equal(re.accepted, await a.count());
  assert.ok(calls.n <= 1 + Math.ceil(re.accepted / LIMITS.maxIds) + 1, `${calls.n} requests`);
  await Promise.all([a.close(), b.close(), empty.close()]);
});

test('a range we hold nothing of, its timestamps crowded into a sliver of it, is pulled in parts of known size, several at once', async () => {
  const peer = new SqliteStore(':memory:');
  const base = 1_700_000_000_000_000_000n;
  // 40,000 envelopes 1 ns apart (as a burst of publishes can be), nothing else.
  await peer.insert(Array.from({ length: 40_000 }, (_, i) => envelope('/xmtp/0/m-crowd/proto', base + BigInt(i), `c${i}`)));
  const empty = new SqliteStore(':memory:');
  const calls = { n: 0, pulled: new Set<bigint>() };
  const r = await reconcile(empty, sourceOf(peer, calls), [{ lo: 0n, hi: MAX_INT64 }], async (msgs) =>
    (await empty.insert(msgs.map((m) => envelope(m.contentTopic, m.timestamp, Buffer.from(m.payload).toString())))).length);
  assert.equal(r.accepted, 40_000);
  assert.equal(await empty.count(), 40_000);
  // Split by fingerprints until no part holds more than a worker's share, not blindly by time.
  assert.ok(calls.pulled.size >= LIMITS.concurrency, `${calls.pulled.size} parts pulled had envelopes`);
  await Promise.all([peer.close(), empty.close()]);
});

test('split() covers a range exactly; repair answers stay within their bounds', async () => {
  for (const r of [{ lo: 0n, hi: MAX_INT64 }, { lo: 10n, hi: 12n }, { lo: 7n, hi: 7n }, { lo: 100n, hi: 131n }]) {
    const parts = split(r, LIMITS.fanout);
    assert.equal(parts[0]!.lo, r.lo);
    assert.equal(parts.at(-1)!.hi, r.hi);
    for (let i = 1; i < parts.length; i++) assert.equal(parts[i]!.lo, parts[i - 1]!.hi + 1n);
  }
  const s = new SqliteStore(':memory:');
  assert.match((await answer(s, { kind: 'fingerprints', ranges: Array(LIMITS.maxRanges + 1).fill({ lo: 0n, hi: 1n }) })).error!, /at most/);
  assert.match((await answer(s, { kind: 'fingerprints', ranges: [{ lo: 5n, hi: 1n }] })).error!, /invalid/);
  assert.match((await answer(s, { kind: 'fetch', ids: [{ ts: 1n, digest: Buffer.alloc(3) }] })).error!, /invalid/);
  // A fetch answer stops at ~4 MiB and says how far it got.
  const big = Array.from({ length: 6 }, (_, i) => envelope('/xmtp/0/m-big/proto', BigInt(i + 1), String(i).repeat(1_000_000)));
  await s.insert(big);
  const r = await answer(s, { kind: 'fetch', ids: big.map((e) => ({ ts: e.ts, digest: e.digest })) });
  assert.equal(r.messages!.length, 4);
  assert.equal(r.ids!.length, 4);
  await s.close();
});

/** A frame queue like yamux's (a pushable): readableLength is the bytes queued now. */
function frameQueue() {
  const queued: Uint8Array[] = [];
  let wake: (() => void) | null = null;
  let ended = false;
  const source = (async function* () {
    for (;;) {
      if (queued.length) yield queued.shift()!;
      else if (ended) return;
      else await new Promise<void>((r) => (wake = r));
    }
  })();
  Object.defineProperty(source, 'readableLength', { get: () => queued.reduce((n, b) => n + b.length, 0) });
  return {
    source,
    push: (b: Uint8Array) => (queued.push(b), wake?.()),
    end: () => ((ended = true), wake?.()),
  };
}

test('frames queued during one turn reach the connection as one chunk, in order, bounded in size', async () => {
  const q = frameQueue();
  const out = coalesce(q.source);
  const frame = (i: number, n = 100) => new Uint8Array(n).fill(i % 251);
  const bytes = (c: Uint8Array | { subarray(): Uint8Array }) => Buffer.from(c instanceof Uint8Array ? c : c.subarray());
  // 100 relayed envelopes in one turn: one chunk (one Noise message, one socket write), not 100.
  for (let i = 0; i < 100; i++) q.push(frame(i));
  const one = await out.next();
  assert.ok(!one.done);
  assert.deepEqual(bytes(one.value), Buffer.concat(Array.from({ length: 100 }, (_, i) => frame(i))));
  // A frame of a later turn is not held back for more.
  await new Promise((r) => setImmediate(r));
  q.push(frame(7));
  assert.deepEqual(bytes((await out.next()).value!), Buffer.from(frame(7)));
  // 1,000 frames in one turn: chunks of at most one Noise message (plus the frame that crossed it), all in order.
  for (let i = 0; i < 1000; i++) q.push(frame(i));
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < 100_000) {
    const c = bytes((await out.next()).value!);
    assert.ok(c.length <= MAX_CHUNK + 100, `${c.length} bytes`);
    chunks.push(c);
    total += c.length;
  }
  assert.ok(chunks.length >= 2 && chunks.length <= 3, `${chunks.length} chunks`);
  assert.deepEqual(Buffer.concat(chunks), Buffer.concat(Array.from({ length: 1000 }, (_, i) => frame(i))));
  q.end();
  assert.equal((await out.next()).done, true);
});
