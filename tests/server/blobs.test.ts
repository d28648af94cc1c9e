// The node's blob store on disk: content-addressed, idempotent, bounded while streaming, never a path.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { BlobTooLarge, DiskBlobStore } from '../../server/blobs/disk.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'blobs-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const store = new DiskBlobStore(dir);

async function* chunks(...parts: string[]) {
  for (const p of parts) yield new TextEncoder().encode(p);
}
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const files = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(d, e.name)) : [e.name]));

test('a blob is stored under the SHA-256 of its bytes, read back whole, and stored once', async () => {
  const a = await store.put(chunks('cipher', 'text'), 1000);
  assert.deepEqual(a, { id: sha('ciphertext'), size: 10 });
  const got = await store.get(a.id);
  assert.equal(got?.size, 10);
  assert.equal(await text(got!.open()), 'ciphertext');
  assert.deepEqual(await store.put(chunks('ciphertext'), 1000), a);
  assert.equal(files(dir).filter((f) => f === a.id).length, 1);
});

test('an upload over the limit stops while streaming and leaves nothing behind', async () => {
  const before = files(dir).length;
  let read = 0;
  async function* endless() {
    for (;;) {
      read++;
      yield new Uint8Array(64 * 1024);
    }
  }
  await assert.rejects(store.put(endless(), 256 * 1024), BlobTooLarge);
  assert.ok(read <= 5, `stopped after ${read} chunks`);
  assert.equal(files(dir).length, before, 'no partial file');
});

test('only 64 hex digits name a blob: no path, no unknown id', async () => {
  for (const id of ['../../etc/passwd', 'tmp', sha('nothing stored'), 'A'.repeat(64), '']) assert.equal(await store.get(id), undefined, id);
});
