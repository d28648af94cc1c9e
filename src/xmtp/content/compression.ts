// deflate (zlib-wrapped, RFC 1950) and gzip via the Compression Streams API, available in Node 18+,
// workers and pages.
import { XmtpError } from '../errors.ts';
import { Compression } from './encoded-content.ts';

/**
 * The official SDK decompresses with a 1000-byte output cap (spec 11.2): compressed content that
 * inflates beyond it cannot be read by SDK peers, so we never compress more than this.
 */
export const SDK_DECOMPRESSED_LIMIT = 1000;
/** The SDK only compresses content of at least this many bytes. */
export const MIN_COMPRESS_SIZE = 10;
/** Our own read limit, against decompression bombs. */
export const MAX_DECOMPRESSED_SIZE = 100 * 1024 * 1024;

const formatOf = (c: Compression): CompressionFormat => {
  if (c === Compression.Deflate) return 'deflate';
  if (c === Compression.Gzip) return 'gzip';
  throw new XmtpError('invalid_content', `unknown compression ${c}`);
};

type ByteTransform = { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array<ArrayBuffer>> };

async function pump(stream: ByteTransform, input: Uint8Array, limit: number): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  const write = writer.write(input as Uint8Array<ArrayBuffer>).then(() => writer.close());
  write.catch(() => {});
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new XmtpError('invalid_content', 'maximum decompressed size exceeded');
    }
    chunks.push(value);
  }
  await write;
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

export async function compress(data: Uint8Array, compression: Compression): Promise<Uint8Array> {
  return pump(new CompressionStream(formatOf(compression)) as unknown as ByteTransform, data, Infinity);
}

export async function decompress(data: Uint8Array, compression: Compression, limit = MAX_DECOMPRESSED_SIZE): Promise<Uint8Array> {
  try {
    return await pump(new DecompressionStream(formatOf(compression)) as unknown as ByteTransform, data, limit);
  } catch (e) {
    if (e instanceof XmtpError) throw e;
    throw new XmtpError('invalid_content', `decompression failed: ${(e as Error).message}`);
  }
}
