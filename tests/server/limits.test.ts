// Each limit of server/limits.ts that the attacks of hostile.test.ts do not reach with the default
// values: capped query pages continued by cursor, node-wide limits, body bytes in flight, requests in
// progress, CORS origins, the operator's metrics. In-process nodes with small limits, for speed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { startNode, type XmtpNode } from '../../server/node.ts';
import { CorsPolicy, defaultOrigins } from '../../server/cors.ts';
import { env, identity, mintToken, post } from './helpers.ts';

const alice = identity(0x51, 0x61);
const auth = () => ({ Authorization: `Bearer ${mintToken(alice)}` });

/** Sends a request head (and no body) on its own connection: the answer, and a way to hang up. */
function headOnly(url: string, path: string, headers: Record<string, string | number>) {
  const u = new URL(url);
  const req = request({ host: u.hostname, port: Number(u.port), path, method: 'POST', agent: false, headers });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
  });
  req.flushHeaders();
  return {
    answer,
    hangUp: () => {
      answer.catch(() => {}); // hung up before an answer: expected
      req.destroy();
    },
  };
}

describe('query answers are cut at the byte limit and continue by cursor', () => {
  let node: XmtpNode;
  const T = '/xmtp/0/m-pages/proto';
  const sizes = [100, 30_000, 200, 30_000, 30_000, 5_000, 100, 30_000, 30_000, 30_000, 300, 30_000];
  before(async () => {
    node = await startNode({ port: 0, logLevel: 'silent', rateLimits: false, limits: { maxQueryResponseBytes: 100_000, maxBatchResponseBytes: 150_000 } });
    const envelopes = sizes.map((n, i) => env(T, 1000 + i, Buffer.alloc(n, i + 1)));
    assert.equal((await post(node.url, '/message/v1/publish', { envelopes }, auth())).status, 200);
  });
  after(() => node.close());

  for (const direction of ['SORT_DIRECTION_ASCENDING', 'SORT_DIRECTION_DESCENDING']) {
    test(`query ${direction}: every page within the limit, every row once, in order`, async () => {
      const seen: string[] = [];
      let cursor = null;
      let pages = 0;
      for (;;) {
        const r = await post(node.url, '/message/v1/query', { contentTopics: [T], pagingInfo: { limit: 100, direction, cursor } });
        assert.equal(r.status, 200);
        assert.ok(r.text.length <= 100_000, `${r.text.length} bytes`);
        seen.push(...r.json.envelopes.map((e: { timestampNs: string; message: string }) => `${e.timestampNs}:${Buffer.from(e.message, 'base64').length}`));
        pages++;
        cursor = r.json.pagingInfo.cursor;
        if (!cursor) break;
      }
      const expected = sizes.map((n, i) => `${1000 + i}:${n}`);
      assert.deepEqual(seen, direction === 'SORT_DIRECTION_ASCENDING' ? expected : expected.reverse());
      assert.ok(pages >= 3);
    });
  }

  test('batch: sub-queries past the batch limit answer one row and a cursor', async () => {
    const requests = Array.from({ length: 5 }, () => ({ contentTopics: [T], pagingInfo: { limit: 100, direction: 'SORT_DIRECTION_ASCENDING' } }));
    const r = await post(node.url, '/message/v1/batch-query', { requests });
    assert.equal(r.status, 200);
    const counts = r.json.responses.map((p: { envelopes: unknown[] }) => p.envelopes.length);
    assert.ok(counts[0] > 1);
    assert.equal(counts[4], 1);
    assert.ok(r.json.responses.every((p: { pagingInfo: { cursor: unknown } }) => p.pagingInfo.cursor));
    assert.ok(r.text.length <= 150_000 + 5 * 41_000);
    assert.ok(node.metrics.truncatedResponses.get({ method: 'batch-query' }) >= 1);
  });
});

describe('node-wide limits, bodies and requests in progress', () => {
  let node: XmtpNode;
  before(async () => {
    node = await startNode({
      port: 0,
      logLevel: 'silent',
      rateLimits: false,
      trustProxy: true, // X-Forwarded-For stands for many client addresses
      limits: { maxConnections: 12, maxTopicsPerAddress: 10, maxTopics: 15, maxRequestsPerAddress: 2, maxBodyBytesInFlightPerAddress: 3_000_000, maxPublishBodyBytes: 2_000_000 },
    });
  });
  after(() => node.close());

  test('topics: the address limit (429) and the node limit (503)', async () => {
    const sub = (ip: string, n: number) => {
      const controller = new AbortController();
      const topics = Array.from({ length: n }, (_, i) => `/xmtp/0/m-${ip}-${i}/proto`);
      return fetch(node.url + '/message/v1/subscribe', { method: 'POST', body: JSON.stringify({ contentTopics: topics }), headers: { 'X-Forwarded-For': ip }, signal: controller.signal }).then((res) => ({ res, controller }));
    };
    const a = await sub('10.0.0.1', 10);
    assert.equal(a.res.status, 200);
    const a2 = await sub('10.0.0.1', 1);
    assert.deepEqual([a2.res.status, (await a2.res.json()).code], [429, 8]);
    const b = await sub('10.0.0.2', 6);
    const body = await b.res.json();
    assert.deepEqual([b.res.status, body.code, body.message], [503, 14, 'the node has too many subscribed topics (limit 15); try again later']);
    assert.equal(node.usage('topics'), 10);
    a.controller.abort();
    for (let i = 0; i < 100 && node.usage('topics') > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(node.usage('topics'), 0, 'released when the stream closes');
    assert.ok(node.metrics.limitRefusals.get({ limit: 'maxTopics' }) >= 1);
  });

  test('requests in progress and body bytes in flight per address', async () => {
    const head = (ip: string, length: number) => headOnly(node.url, '/message/v1/publish', { ...auth(), 'Content-Type': 'application/json', 'Content-Length': length, 'X-Forwarded-For': ip });
    // Two heads of 1.5 MB each are admitted and wait for their bodies; a third request is refused.
    const pending = [head('10.0.1.1', 1_500_000), head('10.0.1.1', 1_400_000)];
    try {
      for (let i = 0; i < 100 && node.usage('requests', '10.0.1.1') < 2; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(node.usage('bodyBytes', '10.0.1.1'), 2_900_000);
      const third = await head('10.0.1.1', 10).answer;
      assert.deepEqual([third.status, JSON.parse(third.body).message], [429, 'too many requests in progress from 10.0.1.1 (limit 2)']);
      const over = await head('10.0.1.2', 2_000_001).answer;
      assert.deepEqual([over.status, JSON.parse(over.body).code], [429, 8], 'over the publish body limit');
      // Bodies in flight: with 1.9 MB on the way, 1.2 MB more would pass the address's 3 MB.
      pending.push(head('10.0.1.3', 1_900_000));
      for (let i = 0; i < 100 && node.usage('bodyBytes', '10.0.1.3') === 0; i++) await new Promise((r) => setTimeout(r, 20));
      const inFlight = await head('10.0.1.3', 1_200_000).answer;
      assert.deepEqual([inFlight.status, JSON.parse(inFlight.body).message], [429, 'too many request body bytes in progress from 10.0.1.3 (limit 3000000)']);
    } finally {
      for (const p of pending) p.hangUp();
    }
    for (let i = 0; i < 100 && node.usage('requests') > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(node.usage('bodyBytes'), 0, 'released when the requests end');
  });

  test('connections: the node-wide limit answers 503 before reading anything', async () => {
    const u = new URL(node.url);
    const open = await Promise.all(Array.from({ length: 16 }, () => new Promise<string>((resolve) => {
      const s = connect(Number(u.port), u.hostname);
      let data = '';
      s.on('data', (d) => (data += d));
      s.on('close', () => resolve(data));
      setTimeout(() => {
        s.destroy();
        resolve(data);
      }, 500);
    })));
    const refused = open.filter((d) => d.startsWith('HTTP/1.1 503'));
    assert.ok(refused.length >= 2, `${refused.length} refused`);
    assert.match(refused[0]!, /"code":14,"message":"the node has too many connections \(limit 12\); try again later"/);
  });
});

describe('exposure: CORS origins and the operator metrics', () => {
  test('default origins: every origin on a public host, extensions and local pages on loopback', () => {
    assert.deepEqual(defaultOrigins('0.0.0.0'), ['*']);
    const local = new CorsPolicy(defaultOrigins('127.0.0.1'));
    for (const o of ['chrome-extension://abcdefghijklmnopabcdefghijklmnop', 'moz-extension://0b6e6b3c-52b4-4c4c-9c1e-6d9f3c0e2a11', 'http://localhost:3000', 'http://127.0.0.1:8080', undefined]) assert.ok(local.allows(o), String(o));
    for (const o of ['https://evil.example', 'http://localhost.evil.example', 'http://localhost:3000.evil.example', 'null', 'https://localhost']) assert.ok(!local.allows(o), o);
  });

  test('--cors-origin: the listed origin is echoed, others refused, Private Network Access answered', async () => {
    const node = await startNode({ port: 0, logLevel: 'silent', corsOrigins: ['https://app.example'] });
    try {
      const ok = await post(node.url, '/message/v1/query', { contentTopics: ['/xmtp/0/m-c/proto'] }, { Origin: 'https://app.example' });
      assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example');
      assert.equal(ok.headers.get('vary'), 'Origin');
      const pre = await fetch(node.url + '/message/v1/query', { method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Private-Network': 'true' } });
      assert.equal(pre.headers.get('access-control-allow-private-network'), 'true');
      const no = await post(node.url, '/message/v1/query', { contentTopics: ['/xmtp/0/m-c/proto'] }, { Origin: 'chrome-extension://abc' });
      assert.deepEqual([no.status, no.json.code], [403, 7]);
    } finally {
      await node.close();
    }
  });

  test('metrics: with --metrics-token on the main address for the operator only; the operator address checks the Host', async () => {
    const node = await startNode({ port: 0, logLevel: 'silent', metricsToken: 's3cret', metricsPort: 0 });
    try {
      const anon = await fetch(node.url + '/metrics');
      assert.deepEqual([anon.status, (await anon.json()).code], [401, 16]);
      const wrong = await fetch(node.url + '/metrics', { headers: { Authorization: 'Bearer s3creT' } });
      assert.equal(wrong.status, 401);
      const op = await fetch(node.url + '/metrics', { headers: { Authorization: 'Bearer s3cret' } });
      assert.equal(op.status, 200);
      assert.match(await op.text(), /xmtp_connections \d+/);
      const u = new URL(node.metricsUrl!);
      const rebound = await new Promise<number>((resolve) => {
        request({ host: u.hostname, port: Number(u.port), path: '/metrics', headers: { Host: `evil.example:${u.port}` } }, (res) => resolve(res.statusCode!)).end();
      });
      assert.equal(rebound, 421, 'a DNS-rebound page cannot read the operator address');
    } finally {
      await node.close();
    }
  });
});
