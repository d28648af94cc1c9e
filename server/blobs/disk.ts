// The blob store on disk (`--blobs <dir>`, the default): one file per blob, named by its id under a
// folder of its first two hex digits. Writes stream to a temporary file while hashing and counting;
// past the limit, or when the bytes do not hash to the id, the upload stops and its file is removed. A
// finished file is renamed into place, so a reader never sees half a blob. The store keeps to a
// capacity: the bytes of its blobs, counted at start and on every write.
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { BLOB_ID, BlobStoreFull, digesting, type BlobStore, type StoredBlob } from './store.ts';

export class DiskBlobStore implements BlobStore {
  readonly kind = 'disk';
  /** Bytes of stored blobs plus uploads in progress (each counted at its declared length until it ends). */
  private used = 0;

  private constructor(private readonly dir: string, readonly capacityBytes: number) {}

  /** Opens (creating) the store in `dir`: removes temporary files left by a crash, counts what is stored. */
  static async open(dir: string, capacityBytes = Infinity): Promise<DiskBlobStore> {
    const store = new DiskBlobStore(dir, capacityBytes);
    await rm(path.join(dir, 'tmp'), { recursive: true, force: true });
    await mkdir(path.join(dir, 'tmp'), { recursive: true });
    for (const sub of await readdir(dir)) {
      if (!/^[0-9a-f]{2}$/.test(sub)) continue;
      for (const f of await readdir(path.join(dir, sub))) if (BLOB_ID.test(f)) store.used += (await stat(path.join(dir, sub, f))).size;
    }
    return store;
  }

  /** Bytes of the blobs stored (and of uploads in progress, at their declared lengths). */
  get usedBytes(): number {
    return this.used;
  }

  private fileOf(id: string): string {
    return path.join(this.dir, id.slice(0, 2), id);
  }

  async put(id: string, body: AsyncIterable<Uint8Array>, size: number): Promise<StoredBlob> {
    if (this.used + size > this.capacityBytes) throw new BlobStoreFull(this.capacityBytes);
    this.used += size; // reserved until the upload ends
    let kept = 0;
    const tmp = path.join(this.dir, 'tmp', randomUUID());
    const out = createWriteStream(tmp, { flags: 'wx' });
    const d = digesting(id, body, size);
    try {
      for await (const chunk of d.chunks) {
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
      out.end();
      await finished(out);
      d.check();
      const file = this.fileOf(id);
      const existed = await stat(file).then(() => true, () => false);
      await mkdir(path.dirname(file), { recursive: true });
      await rename(tmp, file); // the same bytes again replace an identical file
      if (!existed) kept = d.size();
      return { id, size: d.size() };
    } catch (e) {
      out.destroy();
      await rm(tmp, { force: true });
      throw e;
    } finally {
      this.used += kept - size;
    }
  }

  async get(id: string): Promise<{ size: number; open(): Promise<Readable> } | undefined> {
    if (!BLOB_ID.test(id)) return undefined; // never a path: only 64 hex digits name a file
    const file = this.fileOf(id);
    try {
      const s = await stat(file);
      return { size: s.size, open: async () => createReadStream(file) };
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {}
}
