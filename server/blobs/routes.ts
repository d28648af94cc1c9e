// The blob store's routes (--blobs): PUT /blobs/<sha256> uploads a remote attachment's encrypted
// file, GET /blobs/<sha256> serves it. Admission (admission.ts) checks the token, the upload's
// declared length, the uploads in progress and the wallet's byte budget before the body is read.
//
// Downloads are cached for good: a blob's bytes never change (its name is their hash). They are served
// as opaque bytes that a browser must not render: octet-stream, no sniffing, as a download, and in a
// sandbox, so nobody can host a page on the node's origin by uploading one.
import { pipeline } from 'node:stream/promises';
import { ApiError, Code, invalidArgument } from '../errors.ts';
import { sendJson } from '../http.ts';
import type { Route } from '../routes.ts';
import { BLOB_ID, BlobDigestMismatch, BlobStoreFull, BlobTooLarge, type BlobStore } from './store.ts';

export const BLOB_PATH = '/blobs/';

const IMMUTABLE = 'public, max-age=31536000, immutable';

function idOf(path: string): string {
  const id = path.slice(BLOB_PATH.length);
  if (!BLOB_ID.test(id)) throw invalidArgument("a blob is named by the SHA-256 of its bytes: 64 lower-case hex digits");
  return id;
}

export function blobRoutes(store: BlobStore, maxBlobBytes: number): Route[] {
  return [
    {
      method: 'PUT',
      path: `${BLOB_PATH}*`,
      name: 'blob-put',
      auth: 'token',
      bucket: 'publish',
      bodyLimit: maxBlobBytes,
      streamedBody: true,
      async handle(call) {
        const id = idOf(call.path);
        let stored;
        try {
          stored = await store.put(id, call.req, Number(call.req.headers['content-length']));
        } catch (err) {
          if (err instanceof BlobDigestMismatch) throw invalidArgument(err.message);
          if (err instanceof BlobTooLarge) throw new ApiError(Code.RESOURCE_EXHAUSTED, err.message);
          if (err instanceof BlobStoreFull) throw new ApiError(Code.UNAVAILABLE, err.message);
          throw err;
        }
        sendJson(call.res, 201, JSON.stringify({ id: stored.id, size: stored.size, path: BLOB_PATH + stored.id }), { Location: BLOB_PATH + stored.id });
      },
    },
    {
      method: 'GET',
      path: `${BLOB_PATH}*`,
      name: 'blob-get',
      auth: 'none',
      bucket: 'query',
      bodyLimit: 0,
      async handle(call) {
        const id = call.path.slice(BLOB_PATH.length);
        const blob = await store.get(id);
        if (!blob) throw new ApiError(Code.NOT_FOUND, 'no such blob');
        const headers = {
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(blob.size),
          'Cache-Control': IMMUTABLE,
          ETag: `"${id}"`,
          'X-Content-Type-Options': 'nosniff',
          'Content-Disposition': 'attachment',
          'Content-Security-Policy': "default-src 'none'; sandbox",
          'Cross-Origin-Resource-Policy': 'cross-origin',
        };
        const etags = call.req.headers['if-none-match'];
        if (etags && (etags === '*' || etags.split(',').some((t) => t.trim().replace(/^W\//, '') === headers.ETag))) {
          const { 'Content-Length': _, ...rest } = headers;
          call.res.writeHead(304, rest);
          call.res.end();
          return;
        }
        call.res.writeHead(200, headers);
        if (call.req.method === 'HEAD') {
          call.res.end();
          return;
        }
        await pipeline(await blob.open(), call.res);
      },
    },
  ];
}
