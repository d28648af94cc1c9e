// The node's blob store: encrypted attachments (XMTP remote attachments) that clients upload and
// fetch. A blob is named by the SHA-256 of its bytes: the client names it when it uploads (it already
// knows the digest: the remote attachment carries it), the store checks the bytes against it, so an
// upload is idempotent, a blob never changes (downloads are cached for good) and no one can put other
// bytes under a name. The store never sees plaintext: clients encrypt before uploading.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

/** A blob's name: 64 lower-case hex digits (never a path). */
export const BLOB_ID = /^[0-9a-f]{64}$/;

export class BlobTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`the upload is larger than ${maxBytes} bytes`);
  }
}

export class BlobDigestMismatch extends Error {
  constructor(readonly id: string, readonly actual: string) {
    super(`the uploaded bytes hash to ${actual}, not to ${id}`);
  }
}

export class BlobStoreFull extends Error {
  constructor(readonly capacityBytes: number) {
    super(`the blob store is full (${capacityBytes} bytes)`);
  }
}

export interface StoredBlob {
  id: string;
  size: number;
}

export interface BlobStore {
  readonly kind: 'disk' | 's3';
  /**
   * Stores the bytes of `body` (its declared length `size`: more are refused) as blob `id`, which must
   * be their SHA-256. Throws BlobTooLarge, BlobDigestMismatch or BlobStoreFull, leaving nothing behind.
   */
  put(id: string, body: AsyncIterable<Uint8Array>, size: number): Promise<StoredBlob>;
  /** The blob `id`, or undefined (unknown, or not an id at all). */
  get(id: string): Promise<{ size: number; open(): Promise<Readable> } | undefined>;
  close(): Promise<void>;
}

/**
 * Passes `body` through while counting and hashing it; past `maxBytes` it throws BlobTooLarge.
 * `check()` after the last chunk throws BlobDigestMismatch unless the bytes hash to `id`.
 */
export function digesting(id: string, body: AsyncIterable<Uint8Array>, maxBytes: number): { chunks: AsyncGenerator<Uint8Array>; size(): number; check(): void } {
  const hash = createHash('sha256');
  let size = 0;
  async function* chunks() {
    for await (const chunk of body) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new BlobTooLarge(maxBytes);
      hash.update(chunk);
      yield chunk;
    }
  }
  return {
    chunks: chunks(),
    size: () => size,
    check() {
      const actual = hash.digest('hex');
      if (actual !== id) throw new BlobDigestMismatch(id, actual);
    },
  };
}
