// The node's blob store on disk (`--blobs <dir>`): encrypted attachments (XMTP remote attachments) that
// clients upload and fetch. A blob's id is the SHA-256 of its bytes, so an upload is idempotent, a blob
// never changes (downloads can be cached for good) and a client can check what it got. The store
// never sees plaintext: clients encrypt before uploading.
//
// Writes stream to a temporary file while hashing and counting; past `maxBytes` the upload stops and
// its file is removed. A finished file is renamed into place, so a reader never sees half a blob.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';

export const BLOB_ID = /^[0-9a-f]{64}$/;

export class BlobTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`the upload is larger than ${maxBytes} bytes`);
  }
}

export interface StoredBlob {
  id: string;
  size: number;
}

export interface BlobStore {
  /** Stores the bytes of `body` (at most `maxBytes`); throws BlobTooLarge past it, leaving nothing behind. */
  put(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StoredBlob>;
  /** The blob `id`, or undefined (unknown, or not an id at all). */
  get(id: string): Promise<{ size: number; open(): Readable } | undefined>;
}

export class DiskBlobStore implements BlobStore {
  constructor(private readonly dir: string) {}

  private fileOf(id: string): string {
    return path.join(this.dir, id.slice(0, 2), id);
  }

  async put(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StoredBlob> {
    const tmpDir = path.join(this.dir, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, randomUUID());
    const out = createWriteStream(tmp, { flags: 'wx' });
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of body) {
        size += chunk.byteLength;
        if (size > maxBytes) throw new BlobTooLarge(maxBytes);
        hash.update(chunk);
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
      out.end();
      await finished(out);
      const id = hash.digest('hex');
      await mkdir(path.dirname(this.fileOf(id)), { recursive: true });
      await rename(tmp, this.fileOf(id)); // the same bytes again replace an identical file
      return { id, size };
    } catch (e) {
      out.destroy();
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async get(id: string): Promise<{ size: number; open(): Readable } | undefined> {
    if (!BLOB_ID.test(id)) return undefined; // never a path: only 64 hex digits name a file
    const file = this.fileOf(id);
    try {
      const s = await stat(file);
      return { size: s.size, open: () => createReadStream(file) };
    } catch {
      return undefined;
    }
  }
}
