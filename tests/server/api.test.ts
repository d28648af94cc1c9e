// The node's Message API v1 over HTTP/JSON against SQLite (in process): JSON mapping, paging and
// cursors, de-duplication, ephemeral topics, streams, WebSocket, CORS, auth, ACL, rate limits,
// health, metrics, graceful shutdown.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startNode, type XmtpNode } from '../../server/node.ts';
import type { LogRecord } from '../../server/log.ts';
import { env, identity, mintToken, post, sleep, StreamReader } from './helpers.ts';

const alice = identity(0x11, 0x21);
const bob = identity(0x12, 0x22);
const digest = (topic: string, msg: string | Buffer) => createHash('sha256').update(topic).update(Buffer.from(msg)).digest('base64');

describe('Message API v1 on SQLite', () => {
  let node: XmtpNode;
  const logs: LogRecord[] = [];
  const auth = () => ({ Authorization: `Bearer ${mintToken(alice)}` });

  before(async () => {
    node = await startNode({ port: 0, logLevel: 'debug', logSink: (r) => logs.push(r), streamKeepaliveMs: 200, rateLimits: false, metricsPort: 0 });
  });
  after(async () => {
    await node.close();
  });

  test('publish then query: proto3 JSON out (uint64 strings, padded base64, enum names, defaults emitted)', async () => {
    const topic = '/xmtp/0/m-json/proto';
    const r = await post(node.url, '/message/v1/publish', { envelopes: [env(topic, 1700000000000000001n, 'hi')] }, auth());
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, {});
    const q = await post(node.url, '/message/v1/query', { contentTopics: [topic] }, { Origin: 'chrome-extension://abcdefghijklmnop' });
    assert.equal(q.status, 200);
    assert.match(q.headers.get('content-type')!, /application\/json/);
    assert.equal(q.headers.get('access-control-allow-origin'), 'chrome-extension://abcdefghijklmnop');
    assert.deepEqual(q.json, {
      envelopes: [{ contentTopic: topic, timestampNs: '1700000000000000001', message: 'aGk=' }],
      pagingInfo: { limit: 0, cursor: null, direction: 'SORT_DIRECTION_DESCENDING' },
    });
  });

  test('requests accept snake_case names, numbers for uint64, URL-safe/unpadded base64, text/plain, unknown fields', async () => {
    const topic = '/xmtp/0/m-snake/proto';
    const msg = Buffer.from([0xfb, 0xff, 0xfe]);
    const r = await fetch(node.url + '/message/v1/publish', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8', ...auth() },
      body: JSON.stringify({ envelopes: [{ content_topic: topic, timestamp_ns: 42, message: msg.toString('base64url'), extra: true }], unknown: 1 }),
    });
    assert.equal(r.status, 200);
    const q = await post(node.url, '/message/v1/query', { content_topics: [topic], paging_info: { limit: '5', direction: 1 } });
    assert.equal(q.status, 200);
    assert.deepEqual(q.json.envelopes, [{ contentTopic: topic, timestampNs: '42', message: msg.toString('base64') }]);
    assert.equal(q.json.pagingInfo.direction, 'SORT_DIRECTION_ASCENDING');
    const empty = await post(node.url, '/message/v1/batch-query', '');
    assert.deepEqual(empty.json, { responses: [] });
  });

  test('paging: order by (timestamp, digest), cursor iff page full, both directions, inclusive time bounds', async () => {
    const topic = '/xmtp/0/m-paging/proto';
    const envs = [];
    for (let i = 0; i < 25; i++) envs.push(env(topic, 1000n + BigInt(Math.floor(i / 2)), `msg-${i}`)); // pairs share a timestamp
    const r = await post(node.url, '/message/v1/publish', { envelopes: envs }, auth());
    assert.equal(r.status, 200);
    const expected = envs
      .map((e) => ({ ...e, d: Buffer.from(digest(topic, Buffer.from(e.message, 'base64')), 'base64') }))
      .sort((a, b) => (BigInt(a.timestampNs) === BigInt(b.timestampNs) ? Buffer.compare(a.d, b.d) : BigInt(a.timestampNs) < BigInt(b.timestampNs) ? -1 : 1))
      .map((e) => e.message);
    for (const direction of ['SORT_DIRECTION_ASCENDING', 'SORT_DIRECTION_DESCENDING']) {
      const got: string[] = [];
      let cursor: unknown = undefined;
      let pages = 0;
      for (;;) {
        const q = await post(node.url, '/message/v1/query', { contentTopics: [topic], pagingInfo: { limit: 10, direction, cursor } });
        assert.equal(q.status, 200);
        pages++;
        got.push(...q.json.envelopes.map((e: { message: string }) => e.message));
        if (q.json.envelopes.length < 10) {
          assert.deepEqual(q.json.pagingInfo, { limit: 0, cursor: null, direction });
          break;
        }
        assert.equal(q.json.pagingInfo.limit, 10);
        const last = q.json.envelopes[9];
        assert.deepEqual(q.json.pagingInfo.cursor, { index: { digest: digest(topic, Buffer.from(last.message, 'base64')), senderTimeNs: last.timestampNs } });
        cursor = q.json.pagingInfo.cursor;
      }
      assert.equal(pages, 3);
      assert.deepEqual(got, direction === 'SORT_DIRECTION_ASCENDING' ? expected : [...expected].reverse());
    }
    // Inclusive bounds on the sender timestamp.
    const b = await post(node.url, '/message/v1/query', { contentTopics: [topic], startTimeNs: '1003', endTimeNs: '1005', pagingInfo: { direction: 'SORT_DIRECTION_ASCENDING' } });
    assert.deepEqual(b.json.envelopes.map((e: { timestampNs: string }) => e.timestampNs), ['1003', '1003', '1004', '1004', '1005', '1005']);
    // Bounds combine with a cursor.
    const c1 = await post(node.url, '/message/v1/query', { contentTopics: [topic], startTimeNs: '1003', endTimeNs: '1005', pagingInfo: { limit: 4, direction: 'SORT_DIRECTION_ASCENDING' } });
    const c2 = await post(node.url, '/message/v1/query', { contentTopics: [topic], startTimeNs: '1003', endTimeNs: '1005', pagingInfo: { limit: 4, direction: 'SORT_DIRECTION_ASCENDING', cursor: c1.json.pagingInfo.cursor } });
    assert.deepEqual(c2.json.envelopes.map((e: { timestampNs: string }) => e.timestampNs), ['1005', '1005']);
    // A cursor with a timestamp but no digest is ignored (first page again), as the official node does.
    const d = await post(node.url, '/message/v1/query', { contentTopics: [topic], pagingInfo: { limit: 3, direction: 'SORT_DIRECTION_ASCENDING', cursor: { index: { senderTimeNs: '1010' } } } });
    assert.deepEqual(d.json.envelopes.map((e: { message: string }) => e.message), expected.slice(0, 3));
    // Several topics merge into one ordered result.
    const m = await post(node.url, '/message/v1/query', { contentTopics: [topic, '/xmtp/0/m-json/proto'], pagingInfo: { limit: 100, direction: 'SORT_DIRECTION_ASCENDING' } });
    assert.equal(m.json.envelopes.length, 26);
    assert.equal(m.json.envelopes[0].timestampNs, '1000');
    assert.equal(m.json.envelopes[25].timestampNs, '1700000000000000001');
  });

  test('limit 0 means 100; an exactly full last page is followed by an empty page without cursor', async () => {
    const topic = '/xmtp/0/m-hundred/proto';
    const envs = Array.from({ length: 100 }, (_, i) => env(topic, 5000 + i, `x${i}`));
    await post(node.url, '/message/v1/publish', { envelopes: envs }, auth());
    const q = await post(node.url, '/message/v1/query', { contentTopics: [topic], pagingInfo: { direction: 'SORT_DIRECTION_ASCENDING' } });
    assert.equal(q.json.envelopes.length, 100);
    assert.equal(q.json.pagingInfo.limit, 100);
    const q2 = await post(node.url, '/message/v1/query', { contentTopics: [topic], pagingInfo: { direction: 'SORT_DIRECTION_ASCENDING', cursor: q.json.pagingInfo.cursor } });
    assert.deepEqual(q2.json, { envelopes: [], pagingInfo: { limit: 0, cursor: null, direction: 'SORT_DIRECTION_ASCENDING' } });
    const unknown = await post(node.url, '/message/v1/query', { contentTopics: ['/xmtp/0/m-nothing/proto'] });
    assert.deepEqual(unknown.json.envelopes, []);
  });

  test('identical envelopes are stored and delivered once; the same payload at another timestamp is new', async () => {
    const topic = '/xmtp/0/m-dedup/proto';
    const s = await StreamReader.open(node.url, '/message/v1/subscribe', { contentTopics: [topic] });
    const e = env(topic, 77, 'same');
    await post(node.url, '/message/v1/publish', { envelopes: [e, e] }, auth());
    await post(node.url, '/message/v1/publish', { envelopes: [e] }, auth());
    await post(node.url, '/message/v1/publish', { envelopes: [env(topic, 78, 'same')] }, auth());
    const q = await post(node.url, '/message/v1/query', { contentTopics: [topic] });
    assert.deepEqual(q.json.envelopes.map((x: { timestampNs: string }) => x.timestampNs), ['78', '77']);
    const lines = await s.take(2);
    assert.deepEqual(lines.map((l) => l.result.timestampNs), ['77', '78']);
    await sleep(100);
    assert.equal(s.received.length, 2);
    s.close();
  });

  test('ephemeral mE-/dmE- envelopes are relayed to subscribers but never stored', async () => {
    const topics = ['/xmtp/0/mE-eph/proto', '/xmtp/0/dmE-0xA-0xB/proto'];
    const s = await StreamReader.open(node.url, '/message/v1/subscribe', { contentTopics: topics });
    for (const t of topics) assert.equal((await post(node.url, '/message/v1/publish', { envelopes: [env(t, 1, 'typing')] }, auth())).status, 200);
    const lines = await s.take(2);
    assert.deepEqual(lines.map((l) => l.result.contentTopic), topics);
    for (const t of topics) assert.deepEqual((await post(node.url, '/message/v1/query', { contentTopics: [t] })).json.envelopes, []);
    s.close();
  });

  test('subscribe: headers at once, {"result":…} lines, whitespace keepalives (never a bare newline), only the requested topics', async () => {
    const origin = 'moz-extension://0b6e6b3c-52b4-4c4c-9c1e-6d9f3c0e2a11';
    const s = await StreamReader.open(node.url, '/message/v1/subscribe', { contentTopics: ['/xmtp/0/m-s1/proto', '/xmtp/0/m-s2/proto'] }, { Origin: origin });
    assert.equal(s.status, 200);
    assert.equal(s.headers!.get('access-control-allow-origin'), origin);
    await sleep(450); // keepalive every 200 ms in this test
    assert.match(s.raw, /^ +$/);
    await post(node.url, '/message/v1/publish', { envelopes: [env('/xmtp/0/m-other/proto', 1, 'no'), env('/xmtp/0/m-s2/proto', 2, 'yes'), env('/xmtp/0/m-s1/proto', 3, 'yes too')] }, auth());
    const lines = await s.take(2);
    assert.deepEqual(lines, [
      { result: { contentTopic: '/xmtp/0/m-s2/proto', timestampNs: '2', message: Buffer.from('yes').toString('base64') } },
      { result: { contentTopic: '/xmtp/0/m-s1/proto', timestampNs: '3', message: Buffer.from('yes too').toString('base64') } },
    ]);
    assert.ok(!s.raw.includes('\n\n') && !s.raw.startsWith('\n'));
    s.close();
  });

  test('subscribe-all delivers every /xmtp/0/ envelope', async () => {
    const s = await StreamReader.open(node.url, '/message/v1/subscribe-all', {});
    await sleep(20);
    await post(node.url, '/message/v1/publish', { envelopes: [env('/xmtp/0/m-any1/proto', 1, 'a'), env('/xmtp/0/invite-x/proto', 2, 'b')] }, auth());
    assert.deepEqual((await s.take(2)).map((l) => l.result.contentTopic), ['/xmtp/0/m-any1/proto', '/xmtp/0/invite-x/proto']);
    s.close();
  });

  test('WebSocket: ready, subscribe/unsubscribe/set acks, envelopes as the HTTP stream, ping/pong, errors', async () => {
    const ws = new WebSocket(node.url.replace('http', 'ws') + '/message/v1/ws');
    const frames: any[] = [];
    const waiters: Array<() => void> = [];
    ws.on('message', (d) => {
      frames.push(JSON.parse(String(d)));
      waiters.splice(0).forEach((w) => w());
    });
    const next = async (pred: (f: any) => boolean) => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const i = frames.findIndex(pred);
        if (i >= 0) return frames.splice(i, 1)[0];
        if (Date.now() > deadline) throw new Error('no matching frame; have ' + JSON.stringify(frames));
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    };
    const ready = await next((f) => f.type === 'ready');
    assert.deepEqual(ready, { type: 'ready', protocol: 1, pingIntervalMs: 20000, maxTopics: 10000 });
    const A = '/xmtp/0/m-wsA/proto';
    const B = '/xmtp/0/m-wsB/proto';
    const C = '/xmtp/0/m-wsC/proto';
    ws.send(JSON.stringify({ type: 'subscribe', id: 1, topics: [A, B] }));
    assert.deepEqual(await next((f) => f.type === 'ack'), { type: 'ack', id: 1, topics: 2 });
    await post(node.url, '/message/v1/publish', { envelopes: [env(A, 10, 'a1'), env(C, 11, 'c1')] }, auth());
    assert.deepEqual(await next((f) => f.type === 'envelope'), { type: 'envelope', result: { contentTopic: A, timestampNs: '10', message: Buffer.from('a1').toString('base64') } });
    ws.send(JSON.stringify({ type: 'set', id: 'x', topics: [C] }));
    assert.deepEqual(await next((f) => f.type === 'ack'), { type: 'ack', id: 'x', topics: 1 });
    await post(node.url, '/message/v1/publish', { envelopes: [env(A, 12, 'a2'), env(C, 13, 'c2')] }, auth());
    assert.equal((await next((f) => f.type === 'envelope')).result.timestampNs, '13');
    ws.send(JSON.stringify({ type: 'unsubscribe', id: 2, topics: [C] }));
    assert.deepEqual(await next((f) => f.type === 'ack'), { type: 'ack', id: 2, topics: 0 });
    ws.send(JSON.stringify({ type: 'ping', id: 3 }));
    assert.deepEqual(await next((f) => f.type === 'pong'), { type: 'pong', id: 3 });
    ws.send('{nope');
    assert.equal((await next((f) => f.type === 'error')).error.code, 3);
    ws.send(JSON.stringify({ type: 'subscribe', id: 4, topics: ['not a topic'] }));
    assert.deepEqual(await next((f) => f.type === 'error'), { type: 'error', id: 4, error: { code: 3, message: 'invalid topic "not a topic": expected /xmtp/0/<printable ASCII name>/proto', details: [] } });
    ws.send(JSON.stringify({ type: 'launch' }));
    assert.match((await next((f) => f.type === 'error')).error.message, /unknown message type/);
    await post(node.url, '/message/v1/publish', { envelopes: [env(C, 14, 'c3')] }, auth());
    await sleep(100);
    assert.equal(frames.filter((f) => f.type === 'envelope').length, 0);
    ws.close();
  });

  test('CORS preflight, 404 and 501 bodies, health and metrics', async () => {
    const pre = await fetch(node.url + '/message/v1/publish', {
      method: 'OPTIONS',
      headers: { Origin: 'chrome-extension://abcdefghijklmnop', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,x-client-version' },
    });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'chrome-extension://abcdefghijklmnop');
    for (const h of ['Authorization', 'X-Client-Version', 'X-App-Version', 'Content-Type']) assert.ok(pre.headers.get('access-control-allow-headers')!.includes(h));
    assert.match(pre.headers.get('access-control-allow-methods')!, /POST/);
    const nf = await post(node.url, '/message/v1/nope', {});
    assert.deepEqual([nf.status, nf.json], [404, { code: 5, message: 'Not Found', details: [] }]);
    const get = await fetch(node.url + '/message/v1/query');
    assert.deepEqual([get.status, await get.json()], [501, { code: 12, message: 'Method Not Allowed', details: [] }]);
    const h = await fetch(node.url + '/healthz');
    assert.equal(h.status, 200);
    assert.equal((await h.json()).status, 'ok');
    // Metrics only on the operator address (loopback), never on the public one.
    assert.equal((await fetch(node.url + '/metrics')).status, 404);
    const m = await (await fetch(node.metricsUrl + '/metrics')).text();
    for (const name of ['xmtp_api_requests_total{', 'xmtp_api_request_duration_seconds_bucket{', 'xmtp_envelopes_total{outcome="stored"}', 'xmtp_subscribers{transport="http"}', 'xmtp_store_write_duration_seconds_count']) {
      assert.ok(m.includes(name), `metrics lack ${name}`);
    }
  });

  test('bad requests are logged as structured records', async () => {
    const before = logs.length;
    await post(node.url, '/message/v1/query', '{"contentTopics": [1]}');
    const rec = logs.slice(before).find((r) => r.msg === 'request refused');
    assert.ok(rec);
    assert.equal(rec.level, 'warn');
    assert.equal(rec.code, 3);
    assert.equal(rec.path, '/message/v1/query');
    assert.match(String(rec.message), /contentTopics\[0\]/);
  });
});

describe('auth tokens and topic ownership', () => {
  const T0 = 1_700_000_003_000;
  let clock = T0 + 1000;
  let node: XmtpNode;
  before(async () => {
    node = await startNode({ port: 0, logLevel: 'silent', now: () => clock, rateLimits: false });
  });
  after(() => node.close());

  test('the known-answer token of xmtp-protocol.md §16.6 is accepted for its wallet, then expires after one hour', async () => {
    const vector =
      'CpQBCIDQlf+8MRJGCkQKQCOMePvyxfPRvKCRfTq69/oQA23gmZm/DX1D06jg44ZURFaMiSPvs4vxGbElSGSXQV/7trzq8HfYYUcAH8clXE0QARpDCkEEjXUA3UwSaF0fVotMK1BI6FNLhzMZ86japhK0aRMux/cl+58OtmK4MZl5y2SXPWeOuYuv9/YN+Bf0f2T8kdQPYBI2CioweDE5RTdFMzc2RTdDMjEzQjdFN2U3ZTQ2Y2M3MEE1ZEQwODZEQWZmMkEQgLzpx+6f58sXGkYKRApA7wpCQ7R8Bj1Kq0Qyef4bC2YbL1IGR3UATZZuCk4vfS11IjsuZzqDdq2D/LKjE9RW+veEJyvy/GtdBXyWBmRd1BAB';
    assert.equal(mintToken(alice, { createdMs: T0 }), vector);
    const h = { Authorization: `Bearer ${vector}` };
    const own = `/xmtp/0/contact-${alice.wallet}/proto`;
    assert.equal((await post(node.url, '/message/v1/publish', { envelopes: [env(own, 1, 'bundle')] }, h)).status, 200);
    assert.equal((await post(node.url, '/message/v1/publish', { envelopes: [env(`/xmtp/0/privatestore-${alice.wallet}/key_bundle/proto`, 1, 'keys')] }, h)).status, 200);
    const foreign = await post(node.url, '/message/v1/publish', { envelopes: [env(`/xmtp/0/contact-${bob.wallet}/proto`, 1, 'x')] }, h);
    assert.deepEqual([foreign.status, foreign.json], [403, { code: 7, message: 'publishing to restricted topic', details: [] }]);
    // The address must match exactly (EIP-55 case).
    const lower = await post(node.url, '/message/v1/publish', { envelopes: [env(`/xmtp/0/contact-${alice.wallet.toLowerCase()}/proto`, 1, 'x')] }, h);
    assert.equal(lower.status, 403);
    clock = T0 + 3600_000 + 1;
    const expired = await post(node.url, '/message/v1/publish', { envelopes: [env(own, 2, 'bundle')] }, h);
    assert.deepEqual([expired.status, expired.json.code, expired.json.message], [401, 16, 'validating token: token expired']);
    assert.equal(expired.headers.get('www-authenticate'), 'validating token: token expired');
    clock = T0 + 1000;
  });

  test('both identity signature tags are accepted; a token from a fast clock is accepted within the skew, a future-dated one refused', async () => {
    const pub = (token: string, ts: number) => post(node.url, '/message/v1/publish', { envelopes: [env('/xmtp/0/m-tags/proto', ts, 'x')] }, { Authorization: `Bearer ${token}` });
    assert.equal((await pub(mintToken(bob, { walletSigTag: 'walletEcdsaCompact', createdMs: clock }), 1)).status, 200);
    assert.equal((await pub(mintToken(bob, { createdMs: clock + 299_000 }), 2)).status, 200, '4 min 59 s ahead: a fast client clock');
    const ahead = await pub(mintToken(bob, { createdMs: clock + 301_000 }), 3);
    assert.deepEqual([ahead.status, ahead.json.code, ahead.json.message], [401, 16, "validating token: token created in the future (more than 300 s ahead of the node's clock)"]);
    // A token dated in 2100 would otherwise never expire.
    assert.equal((await pub(mintToken(bob, { createdMs: Date.UTC(2100, 0, 1) }), 4)).status, 401);
  });
});

describe('allow/deny lists and rate limits', () => {
  let node: XmtpNode;
  let dir: string;
  let aclFile: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xmtp-acl-'));
    aclFile = join(dir, 'acl.txt');
    writeFileSync(aclFile, `# operators\ndeny ${bob.wallet} spam\n`);
    node = await startNode({
      port: 0,
      logLevel: 'silent',
      aclFile,
      aclReloadMs: 0,
      rateLimits: { publish: { burst: 5, perMinute: 1, priorityMultiplier: 2 }, query: { burst: 3, perMinute: 1, priorityMultiplier: 1 } },
    });
  });
  after(async () => {
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('deny-list from a file, reloaded; allow-list from the database table restricts publishers', async () => {
    const pub = (who: typeof alice, ts: number) =>
      post(node.url, '/message/v1/publish', { envelopes: [env('/xmtp/0/m-acl/proto', ts, 'x')] }, { Authorization: `Bearer ${mintToken(who)}` });
    const denied = await pub(bob, 1);
    assert.deepEqual([denied.status, denied.json], [403, { code: 7, message: 'wallet is deny listed', details: [] }]);
    assert.equal((await pub(alice, 2)).status, 200);
    writeFileSync(aclFile, '# nobody denied\n');
    await node.reloadAcl();
    assert.equal((await pub(bob, 3)).status, 200);
    await node.store.aclSet({ address: alice.wallet, permission: 'allow', comment: 'operator' });
    await node.reloadAcl();
    assert.equal((await pub(alice, 4)).status, 200);
    const notAllowed = await pub(bob, 5);
    assert.deepEqual([notAllowed.status, notAllowed.json.message], [403, 'wallet is not allow listed']);
    await node.store.aclRemove(alice.wallet);
    await node.reloadAcl();
  });

  test('per-IP buckets for publish and query answer RESOURCE_EXHAUSTED (429)', async () => {
    const q = () => post(node.url, '/message/v1/query', { contentTopics: ['/xmtp/0/m-rl/proto'] });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await q()).status);
    assert.deepEqual(codes, [200, 200, 200, 429]);
    const limited = await q();
    assert.equal(limited.json.code, 8);
    assert.match(limited.json.message, /^1 exceeds rate limit R.*DEF$/);
    // The publish bucket is separate (5 tokens, all spent by the test above): a 2-envelope publish exceeds it.
    const big = await post(node.url, '/message/v1/publish', { envelopes: [env('/xmtp/0/m-rl/proto', 1, 'a'), env('/xmtp/0/m-rl/proto', 2, 'b')] }, { Authorization: `Bearer ${mintToken(alice)}` });
    assert.deepEqual([big.status, big.json.code], [429, 8]);
    assert.match(big.json.message, /^2 exceeds rate limit R.*PUB$/);
  });
});

describe('client IP behind a trusted proxy', () => {
  test('with trustProxy the last X-Forwarded-For entry picks the bucket; without it the header is ignored', async () => {
    for (const trustProxy of [true, false]) {
      const node = await startNode({ port: 0, auth: false, logLevel: 'silent', trustProxy, rateLimits: { query: { burst: 1, perMinute: 1, priorityMultiplier: 1 } } });
      try {
        const q = (xff: string) => post(node.url, '/message/v1/query', { contentTopics: ['/xmtp/0/m-ip/proto'] }, { 'X-Forwarded-For': xff });
        const statuses = [(await q('1.1.1.1, 10.0.0.1')).status, (await q('1.1.1.1, 10.0.0.2')).status, (await q('9.9.9.9, 10.0.0.1')).status];
        assert.deepEqual(statuses, trustProxy ? [200, 200, 429] : [200, 429, 429]);
      } finally {
        await node.close();
      }
    }
  });
});

describe('WebSocket keepalive', () => {
  test('the server sends an application ping and a protocol ping every interval', async () => {
    const node = await startNode({ port: 0, auth: false, logLevel: 'silent', wsPingMs: 100 });
    try {
      const ws = new WebSocket(node.url.replace('http', 'ws') + '/message/v1/ws');
      const frames: any[] = [];
      let protocolPings = 0;
      ws.on('message', (d) => frames.push(JSON.parse(String(d))));
      ws.on('ping', () => protocolPings++);
      await new Promise((r) => ws.once('open', r));
      const deadline = Date.now() + 15_000;
      while ((frames.filter((f) => f.type === 'ping').length < 2 || protocolPings < 2) && Date.now() < deadline) await sleep(20);
      const pings = frames.filter((f) => f.type === 'ping');
      assert.ok(pings.length >= 2, `got ${pings.length} application pings`);
      assert.equal(typeof pings[0].t, 'number');
      assert.ok(protocolPings >= 2);
      assert.equal(ws.readyState, WebSocket.OPEN, 'a client that answers protocol pings stays connected');
      ws.close();
    } finally {
      await node.close();
    }
  });
});

describe('graceful shutdown', () => {
  test('close() ends open streams and WebSockets, refuses new work, and closes the database', async () => {
    const node = await startNode({ port: 0, auth: false, logLevel: 'silent' });
    const s = await StreamReader.open(node.url, '/message/v1/subscribe', { contentTopics: ['/xmtp/0/m-bye/proto'] });
    const ws = new WebSocket(node.url.replace('http', 'ws') + '/message/v1/ws');
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    await node.close();
    await s.waitEnd();
    assert.equal(await closed, 1001);
    await assert.rejects(fetch(node.url + '/healthz'));
    await assert.rejects(node.store.count());
  });
});
