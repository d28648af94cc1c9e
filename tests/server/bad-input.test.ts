// Bad input is answered with the right gRPC code and HTTP status, logged, and never crashes the node.
// Each row of CASES is one bad request and its expected answer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startNode, type XmtpNode } from '../../server/node.ts';
import type { LogRecord } from '../../server/log.ts';
import { env, identity, mintToken, post } from './helpers.ts';

const alice = identity(0x11, 0x21);
const bob = identity(0x12, 0x22);
const mallory = identity(0x13, 0x23);
const T = '/xmtp/0/m-bad/proto';
const NOW = Date.now();
const tok = (t: string) => ({ Authorization: `Bearer ${t}` });
const good = tok(mintToken(alice, { createdMs: NOW }));
const q = (extra: object = {}) => ({ contentTopics: [T], ...extra });

interface Case {
  name: string;
  path: string;
  body: unknown;
  headers?: Record<string, string>;
  status: number;
  code: number;
  message?: string | RegExp;
}

const CASES: Case[] = [
  // malformed JSON and wrong shapes
  { name: 'malformed JSON', path: 'publish', body: '{"envelopes": [', headers: good, status: 400, code: 3, message: /^invalid JSON/ },
  { name: 'JSON that is not an object', path: 'query', body: '[1,2]', status: 400, code: 3, message: /expected a JSON object/ },
  { name: 'envelopes is not an array', path: 'publish', body: { envelopes: {} }, headers: good, status: 400, code: 3, message: /envelopes: expected an array/ },
  { name: 'envelope is a string', path: 'publish', body: { envelopes: ['x'] }, headers: good, status: 400, code: 3, message: /envelopes\[0\]: expected an object/ },
  { name: 'timestampNs is an object', path: 'publish', body: { envelopes: [{ contentTopic: T, timestampNs: {}, message: 'aGk=' }] }, headers: good, status: 400, code: 3, message: /timestampNs/ },
  { name: 'timestampNs is negative', path: 'publish', body: { envelopes: [{ contentTopic: T, timestampNs: '-1', message: 'aGk=' }] }, headers: good, status: 400, code: 3 },
  { name: 'timestampNs as an inexact JSON number', path: 'publish', body: '{"envelopes":[{"contentTopic":"/xmtp/0/m-bad/proto","timestampNs":1700000000000000001,"message":"aGk="}]}', headers: good, status: 400, code: 3, message: /decimal strings/ },
  { name: 'timestampNs beyond uint64', path: 'publish', body: { envelopes: [{ contentTopic: T, timestampNs: '18446744073709551616', message: 'aGk=' }] }, headers: good, status: 400, code: 3, message: /out of range/ },
  { name: 'timestampNs beyond int64 (cannot be stored)', path: 'publish', body: { envelopes: [{ contentTopic: T, timestampNs: '9223372036854775808', message: 'aGk=' }] }, headers: good, status: 400, code: 3, message: /timestampNs out of range/ },
  { name: 'contentTopic is a number', path: 'publish', body: { envelopes: [{ contentTopic: 5, timestampNs: '1', message: 'aGk=' }] }, headers: good, status: 400, code: 3, message: /contentTopic: expected a string/ },
  { name: 'contentTopics is a string', path: 'query', body: { contentTopics: T }, status: 400, code: 3, message: /contentTopics: expected an array/ },
  { name: 'limit is negative', path: 'query', body: q({ pagingInfo: { limit: -1 } }), status: 400, code: 3, message: /limit/ },
  { name: 'direction is unknown', path: 'query', body: q({ pagingInfo: { direction: 'UPWARDS' } }), status: 400, code: 3, message: /SortDirection/ },
  { name: 'pagingInfo is an array', path: 'query', body: q({ pagingInfo: [] }), status: 400, code: 3, message: /pagingInfo: expected an object/ },
  // bad base64
  { name: 'message is not base64', path: 'publish', body: { envelopes: [{ contentTopic: T, timestampNs: '1', message: 'not base64!' }] }, headers: good, status: 400, code: 3, message: /illegal base64/ },
  { name: 'message has impossible base64 length', path: 'publish', body: { envelopes: [{ contentTopic: T, timestampNs: '1', message: 'aGk=a' }] }, headers: good, status: 400, code: 3, message: /illegal base64/ },
  { name: 'cursor digest is not base64', path: 'query', body: q({ pagingInfo: { cursor: { index: { digest: '%%%', senderTimeNs: '1' } } } }), status: 400, code: 3, message: /digest: illegal base64/ },
  // sizes and topics
  { name: 'oversized envelope (1,048,215 bytes)', path: 'publish', body: { envelopes: [env(T, 1, Buffer.alloc(1_048_215, 1))] }, headers: good, status: 400, code: 3, message: 'message too big' },
  { name: 'request body over the node limit', path: 'publish', body: { envelopes: [env(T, 1, Buffer.alloc(2_500_000, 1))] }, headers: good, status: 429, code: 8, message: /request body larger than max/ },
  { name: 'empty topic', path: 'publish', body: { envelopes: [env('', 1, 'x')] }, headers: good, status: 400, code: 3, message: 'topic is empty' },
  { name: 'topic over 300 bytes', path: 'publish', body: { envelopes: [env(`/xmtp/0/m-${'a'.repeat(290)}/proto`, 1, 'x')] }, headers: good, status: 400, code: 3, message: 'topic length too big' },
  { name: 'topic of the wrong form', path: 'publish', body: { envelopes: [env('hello', 1, 'x')] }, headers: good, status: 400, code: 3, message: /invalid topic/ },
  { name: 'topic with a space', path: 'query', body: { contentTopics: ['/xmtp/0/m-a b/proto'] }, status: 400, code: 3, message: /invalid topic/ },
  { name: 'subscribe to an invalid topic', path: 'subscribe', body: { contentTopics: ['/xmtp/1/x/proto'] }, status: 400, code: 3, message: /invalid topic/ },
  { name: 'second envelope invalid (nothing stored)', path: 'publish', body: { envelopes: [env(T, 1, 'ok'), env('bad', 2, 'x')] }, headers: good, status: 400, code: 3, message: /^envelopes\[1\]: invalid topic/ },
  // query limits
  { name: 'query without topics', path: 'query', body: {}, status: 400, code: 3, message: 'content topics required' },
  { name: 'query limit over 100', path: 'query', body: q({ pagingInfo: { limit: 101 } }), status: 400, code: 3, message: 'cannot exceed 100 rows per query' },
  { name: 'userpreferences limit over 500', path: 'query', body: { contentTopics: ['/xmtp/0/userpreferences-abc/proto'], pagingInfo: { limit: 501 } }, status: 400, code: 3, message: 'cannot exceed 100 rows per query' },
  { name: 'too many queries in a batch (51)', path: 'batch-query', body: { requests: Array.from({ length: 51 }, () => q()) }, status: 400, code: 3, message: 'cannot exceed 50 requests in single batch' },
  { name: 'a bad sub-query fails the batch', path: 'batch-query', body: { requests: [q(), {}] }, status: 500, code: 13, message: 'rpc error: code = InvalidArgument desc = content topics required' },
  { name: 'requests is not an array', path: 'batch-query', body: { requests: 1 }, status: 400, code: 3, message: /requests: expected an array/ },
  // tokens
  { name: 'missing token', path: 'publish', body: { envelopes: [env(T, 1, 'x')] }, status: 401, code: 16, message: 'authorization token is not provided' },
  { name: 'header without scheme', path: 'publish', body: { envelopes: [env(T, 1, 'x')] }, headers: { Authorization: 'abc' }, status: 401, code: 16, message: 'invalid authorization header' },
  { name: 'wrong scheme', path: 'publish', body: { envelopes: [env(T, 1, 'x')] }, headers: { Authorization: 'Basic abc' }, status: 401, code: 16, message: 'unrecognized authorization scheme Basic' },
  { name: 'token is not base64', path: 'publish', body: { envelopes: [env(T, 1, 'x')] }, headers: tok('@@@@'), status: 401, code: 16, message: /^extracting token: / },
  { name: 'token is not a protobuf Token', path: 'publish', body: { envelopes: [env(T, 1, 'x')] }, headers: tok(Buffer.from([0xff, 0xff, 0xff]).toString('base64')), status: 401, code: 16, message: /^extracting token: / },
  { name: 'token whose identity key is unsigned', path: 'publish', body: { envelopes: [env(T, 1, 'x')] }, headers: tok(mintToken(alice, { omitIdentitySignature: true })), status: 401, code: 16, message: 'extracting token: missing identity key' },
  { name: 'expired token (1 h + 1 s old)', path: 'publish', body: { envelopes: [env(T, 1, 'x')] }, headers: tok(mintToken(alice, { createdMs: NOW - 3601_000 })), status: 401, code: 16, message: 'validating token: token expired' },
  { name: 'forged AuthData signature', path: 'publish', body: { envelopes: [env(T, 1, 'x')] }, headers: tok(mintToken(alice, { authSigningPriv: mallory.identityPriv })), status: 401, code: 16, message: 'validating token: invalid signature' },
  { name: 'identity key of another wallet claiming alice', path: 'publish', body: { envelopes: [env(T, 1, 'x')] }, headers: tok(mintToken(alice, { signingWalletPriv: mallory.walletPriv })), status: 401, code: 16, message: 'validating token: wallet address mismatch' },
  { name: 'wallet address not in EIP-55 case', path: 'publish', body: { envelopes: [env(T, 1, 'x')] }, headers: tok(mintToken(alice, { walletAddr: alice.wallet.toLowerCase() })), status: 401, code: 16, message: 'validating token: wallet address mismatch' },
  { name: 'AuthData signature with a wallet tag', path: 'publish', body: { envelopes: [env(T, 1, 'x')] }, headers: tok(mintToken(alice, { authSigTag: 'walletEcdsaCompact' })), status: 401, code: 16, message: 'validating token: unknown signature type' },
  { name: 'token without AuthData', path: 'publish', body: { envelopes: [env(T, 1, 'x')] }, headers: tok(mintToken(alice, { omitAuthData: true })), status: 401, code: 16, message: 'validating token: missing auth data' },
  // topic ownership
  { name: "token for another wallet's contact- topic", path: 'publish', body: { envelopes: [env(`/xmtp/0/contact-${bob.wallet}/proto`, 1, 'x')] }, headers: good, status: 403, code: 7, message: 'publishing to restricted topic' },
  { name: "token for another wallet's privatestore- topic", path: 'publish', body: { envelopes: [env(`/xmtp/0/privatestore-${bob.wallet}/key_bundle/proto`, 1, 'x')] }, headers: good, status: 403, code: 7, message: 'publishing to restricted topic' },
  // routes
  { name: 'unknown path', path: 'unknown', body: {}, status: 404, code: 5, message: 'Not Found' },
];

describe('bad input', () => {
  let node: XmtpNode;
  const logs: LogRecord[] = [];
  before(async () => {
    node = await startNode({ port: 0, logLevel: 'warn', logSink: (r) => logs.push(r), rateLimits: false, limits: { maxPublishBodyBytes: 2 * 1024 * 1024 } });
  });
  after(() => node.close());

  for (const c of CASES) {
    test(`${c.name} → ${c.status} / code ${c.code}`, async () => {
      const before = logs.length;
      const r = await post(node.url, `/message/v1/${c.path}`, c.body, c.headers);
      assert.equal(r.status, c.status, r.text.slice(0, 300));
      assert.equal(r.headers.get('content-type'), 'application/json');
      assert.equal(r.json.code, c.code);
      assert.deepEqual(r.json.details, []);
      assert.equal(typeof r.json.message, 'string');
      if (typeof c.message === 'string') assert.equal(r.json.message, c.message);
      else if (c.message) assert.match(r.json.message, c.message);
      const rec = logs.slice(before).find((l) => l.code === c.code && l.path === `/message/v1/${c.path}`);
      assert.ok(rec, 'the refusal is logged');
      assert.equal(rec.level, c.status >= 500 ? 'error' : 'warn');
    });
  }

  test('nothing of a rejected publish was stored', async () => {
    const r = await post(node.url, '/message/v1/query', { contentTopics: [T] });
    assert.deepEqual(r.json.envelopes, []);
  });

  test('a malformed HTTP request gets 400 and the node keeps serving', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const u = new URL(node.url);
      const s = connect(Number(u.port), u.hostname, () => s.write('NONSENSE\r\n\r\n'));
      let data = '';
      s.on('data', (d) => (data += d));
      s.on('end', () => resolve(data));
      s.on('error', reject);
    });
    assert.match(reply, /^HTTP\/1\.1 400/);
    const h = await fetch(node.url + '/healthz');
    assert.equal(h.status, 200);
    // The valid token still works after all of the above.
    assert.equal((await post(node.url, '/message/v1/publish', { envelopes: [env(T, 1, 'fine')] }, good)).status, 200);
  });
});
