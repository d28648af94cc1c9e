// A client with an ordered node list (src/xmtp/api/failover.ts) against two nodes of one network: when
// the node in use stops, queries and the live subscription go on at the next one, from where they
// were, with nothing lost and nothing delivered twice; when the first node is back, the first request
// after the retry interval finds it and everything (the live subscription too) moves back to it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type XmtpNode } from '../../server/node.ts';
import { ApiClient } from '../../src/xmtp/api/api-client.ts';
import { FailoverTransport } from '../../src/xmtp/api/failover.ts';
import { HttpTransport } from '../../src/xmtp/api/http-transport.ts';
import type { Envelope } from '../../src/xmtp/api/types.ts';
import { identity, mintToken, sleep } from './helpers.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const nodes: XmtpNode[] = [];
const subs: { close(): void }[] = [];
after(() => {
  for (const s of subs) s.close();
  return Promise.all(nodes.map((n) => n.close()));
});

test('the client fails over to the next node and resumes from its cursor: nothing lost, no duplicates; it moves back to the first node when that is back', { timeout: 90_000 }, async () => {
  const p2p = (peers: string[] = []) => ({ listen: ['/ip4/127.0.0.1/tcp/0'], peers, settleMs: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'xmtp-failover-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let a = await startNode({ port: 0, db: join(dir, 'a.sqlite'), logLevel: 'silent', p2p: { ...p2p(), keyFile: null } });
  const c = await startNode({ port: 0, db: ':memory:', logLevel: 'silent', p2p: p2p([a.network!.info().addrs[0]!]) });
  nodes.push(a, c);
  while (!a.network!.info().peers) await sleep(50);
  await sleep(1200); // gossipsub mesh

  const switches: string[] = [];
  let clock = 0; // the failover's own clock: when the first node is tried again
  const fo = new FailoverTransport({
    now: () => clock,
    urls: [a.url, c.url],
    connect: (url) => {
      const t = new HttpTransport({ apiUrl: url });
      return { unary: t, subscribe: t };
    },
    onSwitch: (url) => switches.push(url),
  });
  const api = new ApiClient({ transport: fo, subscribeTransport: fo, retryDelayMs: 10 });
  const topic = '/xmtp/0/m-failover/proto';
  const got: string[] = [];
  const sub = api.subscribe([topic], (e: Envelope) => got.push(Buffer.from(e.message).toString()), { maxBackoffMs: 200 });
  subs.push(sub);
  await sub.ready;
  const token = mintToken(identity(5, 6));
  const base = BigInt(Date.now()) * 1_000_000n;
  const send = (ts: number, text: string) => fo.publish([{ contentTopic: topic, timestampNs: base + BigInt(ts), message: Buffer.from(text) }], token);
  await send(1, 'on A');
  while (got.length < 1) await sleep(20);
  assert.equal(fo.current, a.url);

  // Published on C (relayed to A) while A is still up, then A stops.
  const other = new HttpTransport({ apiUrl: c.url });
  await other.publish([{ contentTopic: topic, timestampNs: base + 2n, message: Buffer.from('via C before A stops') }], token);
  await a.close();
  await other.publish([{ contentTopic: topic, timestampNs: base + 3n, message: Buffer.from('while A is down') }], token);
  // The next call finds A gone and goes on at C; the subscription reconnects there and catches up.
  const page = await fo.query({ contentTopics: [topic], direction: 'ascending' });
  assert.deepEqual(page.envelopes.map((e) => Buffer.from(e.message).toString()), ['on A', 'via C before A stops', 'while A is down']);
  assert.equal(fo.current, c.url);
  assert.deepEqual(switches, [c.url]);
  await send(4, 'on C');
  const deadline = Date.now() + 20_000;
  while (got.length < 4 && Date.now() < deadline) await sleep(50);
  assert.deepEqual(got, ['on A', 'via C before A stops', 'while A is down', 'on C']);

  // A comes back (same port and data, peered with C); within the retry interval requests stay on C.
  const aPort = new URL(a.url).port;
  a = await startNode({ port: Number(aPort), db: join(dir, 'a.sqlite'), logLevel: 'silent', p2p: { ...p2p([c.network!.info().addrs[0]!]), keyFile: null } });
  nodes.push(a);
  while (!a.network!.info().peers) await sleep(50);
  await sleep(1200); // gossipsub mesh
  await fo.query({ contentTopics: [topic], direction: 'ascending' });
  assert.equal(fo.current, c.url, 'the first node is not tried again before its retry is due');
  clock += 60_000;
  await fo.query({ contentTopics: [topic], direction: 'ascending' });
  assert.equal(fo.current, a.url, 'back on the first node once it answers');
  assert.deepEqual(switches, [c.url, a.url]);
  // The live subscription left C for A.
  while (a.stats(topic).topicSubscribers === 0 && Date.now() < deadline + 20_000) await sleep(50);
  assert.equal(a.stats(topic).topicSubscribers, 1, 'the live subscription is on A');
  assert.equal(c.stats(topic).topicSubscribers, 0, 'and no longer on C');
  // A message published at A arrives (through A's own fan-out
  // or C's relay, once), and so does one published at C.
  await send(5, 'on A again');
  await other.publish([{ contentTopic: topic, timestampNs: base + 6n, message: Buffer.from('via C after the move') }], token);
  while (got.length < 6 && Date.now() < deadline + 20_000) await sleep(50);
  await sleep(500);
  assert.deepEqual(got, ['on A', 'via C before A stops', 'while A is down', 'on C', 'on A again', 'via C after the move']);
  sub.close();
});
