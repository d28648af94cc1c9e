// The blob routes (--blobs) through the node's route table and admission, with each backend: a
// directory, and an S3-compatible bucket served by a real S3 server in its own process (s3rver).
// Uploads need a token, name the SHA-256 of their bytes, declare their length and keep to the
// upload limit and the wallet's byte budget; downloads are immutable, cacheable, opaque bytes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, type XmtpNode } from '../../server/node.ts';
import { identity, mintToken } from './helpers.ts';
import { startS3, type S3Server } from './s3-server.ts';

const MiB = 1024 * 1024;
const alice = identity(0x51, 0x61);
const bob = identity(0x52, 0x62);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request; `body` as a Buffer (with its length) or as chunks sent without a length. */
function call(url: string, method: string, path: string, headers: Record<string, string | number> = {}, body?: Buffer | Buffer[]): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { method, headers: Buffer.isBuffer(body) ? { 'Content-Length': body.length, ...headers } : headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (Array.isArray(body)) {
      for (const b of body) req.write(b);
      req.end();
    } else req.end(body);
  });
}

const auth = (who = alice) => ({ Authorization: `Bearer ${mintToken(who)}` });
const put = (node: XmtpNode, bytes: Buffer, who = alice, id = sha(bytes)) => call(node.url, 'PUT', `/blobs/${id}`, auth(who), bytes);
const errorOf = (a: Answer) => JSON.parse(a.body.toString()) as { code: number; message: string };

for (const backend of ['disk', 's3'] as const) {
  describe(`blob routes, ${backend}`, () => {
    let node: XmtpNode;
    let dir: string;
    let s3: S3Server | undefined;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'xmtp-blob-routes-'));
      if (backend === 's3') s3 = await startS3();
      node = await startNode({
        port: 0,
        logLevel: 'silent',
        blobs: s3 ? `s3://${s3.bucket}/attachments` : dir,
        s3: s3 && { endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey },
        limits: { maxBlobBytes: 24 * MiB },
        // Alice's budget: 40 MiB at once, nearly nothing after.
        rateLimits: { blob: { burst: 40 * MiB, perMinute: 1, priorityMultiplier: 1 } },
      });
    });
    after(async () => {
      await node?.close();
      await s3?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('an upload of 20 MB is stored under its SHA-256 and served as immutable, opaque bytes', async () => {
      const bytes = randomBytes(20 * 1000 * 1000);
      const id = sha(bytes);
      const up = await put(node, bytes);
      assert.equal(up.status, 201, up.body.toString());
      assert.deepEqual(JSON.parse(up.body.toString()), { id, size: bytes.length, path: `/blobs/${id}` });
      const down = await call(node.url, 'GET', `/blobs/${id}`);
      assert.equal(down.status, 200);
      assert.ok(down.body.equals(bytes), 'the same bytes');
      assert.equal(down.headers['content-type'], 'application/octet-stream');
      assert.equal(down.headers['content-length'], String(bytes.length));
      assert.equal(down.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.equal(down.headers.etag, `"${id}"`);
      assert.equal(down.headers['x-content-type-options'], 'nosniff');
      assert.equal(down.headers['content-disposition'], 'attachment');
      assert.match(String(down.headers['content-security-policy']), /sandbox/);
      const again = await call(node.url, 'GET', `/blobs/${id}`, { 'If-None-Match': `"${id}"` });
      assert.deepEqual([again.status, again.body.length], [304, 0]);
      const head = await call(node.url, 'HEAD', `/blobs/${id}`);
      assert.deepEqual([head.status, head.headers['content-length'], head.body.length], [200, String(bytes.length), 0]);
      // The same bytes again: idempotent.
      assert.equal((await put(node, bytes)).status, 201);
      const root = JSON.parse((await call(node.url, 'GET', '/')).body.toString());
      assert.deepEqual(root.blobs, { path: '/blobs/', maxBytes: 24 * MiB });
    });

    test('refused uploads: no token, another digest, no length, too large, past the wallet budget', async () => {
      const bytes = randomBytes(1000);
      const noToken = await call(node.url, 'PUT', `/blobs/${sha(bytes)}`, {}, bytes);
      assert.deepEqual([noToken.status, errorOf(noToken).code], [401, 16]);
      const other = sha(Buffer.from('something else'));
      const lie = await put(node, bytes, alice, other);
      assert.deepEqual([lie.status, errorOf(lie).code], [400, 3]);
      assert.match(errorOf(lie).message, /^the uploaded bytes hash to [0-9a-f]{64}, not to/);
      assert.equal((await call(node.url, 'GET', `/blobs/${other}`)).status, 404, 'nothing stored');
      const chunked = await call(node.url, 'PUT', `/blobs/${sha(bytes)}`, auth(), [bytes]);
      assert.deepEqual([chunked.status, errorOf(chunked).message], [400, 'an upload must declare its Content-Length']);
      const badName = await call(node.url, 'PUT', '/blobs/..%2F..%2Fetc%2Fpasswd', auth(), bytes);
      assert.deepEqual([badName.status, errorOf(badName).code], [400, 3]);
      const big = randomBytes(24 * MiB + 1);
      const tooLarge = await put(node, big, bob);
      assert.deepEqual([tooLarge.status, errorOf(tooLarge).message], [429, `request body larger than max (${big.length} vs. ${24 * MiB})`]);
      // Alice has spent 40 MB of her 40 MiB on the test before: a further 2 MB is over her budget,
      // refused before its body is read; Bob, on the same address, still has his.
      const two = randomBytes(2 * MiB);
      const spent = await put(node, two);
      assert.deepEqual([spent.status, errorOf(spent).code], [429, 8]);
      assert.match(errorOf(spent).message, /exceeds rate limit/);
      assert.equal((await put(node, two, bob)).status, 201);
    });

    test('downloads of unknown or malformed names are 404', async () => {
      for (const path of [`/blobs/${sha(Buffer.from('never'))}`, '/blobs/..%2Fnode.sqlite', '/blobs/', `/blobs/${'A'.repeat(64)}`]) {
        const a = await call(node.url, 'GET', path);
        assert.deepEqual([a.status, errorOf(a).code], [404, 5], path);
      }
    });
  });
}

test('a node without --blobs has no blob routes', async () => {
  const node = await startNode({ port: 0, logLevel: 'silent' });
  try {
    assert.equal((await call(node.url, 'GET', `/blobs/${'0'.repeat(64)}`)).status, 404);
    assert.equal(JSON.parse((await call(node.url, 'GET', '/')).body.toString()).blobs, undefined);
  } finally {
    await node.close();
  }
});
