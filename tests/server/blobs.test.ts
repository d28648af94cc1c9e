// The node's blob store on disk: content-addressed (the bytes must hash to the name), idempotent,
// bounded while streaming and in total, never a path; crash leftovers removed at start.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { DiskBlobStore } from '../../server/blobs/disk.ts';
import { BlobDigestMismatch, BlobStoreFull, BlobTooLarge } from '../../server/blobs/store.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'blobs-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function* chunks(...parts: string[]) {
  for (const p of parts) yield new TextEncoder().encode(p);
}
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const files = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(d, e.name)) : [e.name]));

test('a blob is stored under the SHA-256 of its bytes, read back whole, and stored once', async () => {
  const store = await DiskBlobStore.open(dir);
  const id = sha('ciphertext');
  assert.deepEqual(await store.put(id, chunks('cipher', 'text'), 10), { id, size: 10 });
  const got = await store.get(id);
  assert.equal(got?.size, 10);
  assert.equal(await text(await got!.open()), 'ciphertext');
  assert.deepEqual(await store.put(id, chunks('ciphertext'), 10), { id, size: 10 });
  assert.equal(files(dir).filter((f) => f === id).length, 1);
  assert.equal(store.usedBytes, 10, 'stored once, counted once');
});

test('bytes that do not hash to the name are refused and leave nothing behind', async () => {
  const store = await DiskBlobStore.open(dir);
  const before = files(dir).length;
  await assert.rejects(store.put(sha('what I claim'), chunks('what I send'), 11), BlobDigestMismatch);
  assert.equal(await store.get(sha('what I claim')), undefined);
  assert.equal(files(dir).length, before);
});

test('an upload past its declared length stops while streaming and leaves nothing behind', async () => {
  const store = await DiskBlobStore.open(dir);
  const before = files(dir).length;
  let read = 0;
  async function* endless() {
    for (;;) {
      read++;
      yield new Uint8Array(64 * 1024);
    }
  }
  await assert.rejects(store.put(sha('x'), endless(), 256 * 1024), BlobTooLarge);
  assert.ok(read <= 5, `stopped after ${read} chunks`);
  assert.equal(files(dir).length, before, 'no partial file');
});

test('the store keeps to its capacity, counting what it holds at start; crash leftovers are removed', async () => {
  mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  writeFileSync(path.join(dir, 'tmp', 'half-an-upload'), 'x'.repeat(100));
  const store = await DiskBlobStore.open(dir, 30);
  assert.equal(store.usedBytes, 10, 'the blob of the first test');
  assert.deepEqual(files(path.join(dir, 'tmp')), []);
  await assert.rejects(store.put(sha('a'.repeat(21)), chunks('a'.repeat(21)), 21), BlobStoreFull);
  await store.put(sha('b'.repeat(20)), chunks('b'.repeat(20)), 20);
  assert.equal(store.usedBytes, 30);
  await assert.rejects(store.put(sha('c'), chunks('c'), 1), BlobStoreFull);
});

test('only 64 hex digits name a blob: no path, no unknown id', async () => {
  const store = await DiskBlobStore.open(dir);
  for (const id of ['../../etc/passwd', 'tmp', sha('nothing stored'), 'A'.repeat(64), '']) assert.equal(await store.get(id), undefined, id);
});
