// deflate (zlib-wrapped, RFC 1950) and gzip via the Compression Streams API, available in Node 18+,
// workers and pages. Decompression is the door for deflate bombs (100 KB that inflate to 100 MB), so
// it streams: the input goes in small slices, output is counted as it comes, and the stream is
// cancelled the moment the count passes the cap. At most a few inflations run at once.
import { XmtpError } from '../errors.ts';
import { MAX_CONTENT_BYTES } from '../limits.ts';
import { Compression } from './encoded-content.ts';

/**
 * The official SDK decompresses with a 1000-byte output cap (spec 11.2): compressed content that
 * inflates beyond it cannot be read by SDK peers, so we never compress more than this.
 */
export const SDK_DECOMPRESSED_LIMIT = 1000;
/** The SDK only compresses content of at least this many bytes. */
export const MIN_COMPRESS_SIZE = 10;

/**
 * Input slice fed to the inflater at a time. Deflate expands at most about 1032:1, so one slice can
 * produce about 1 MiB: what a decoder holds beyond the cap before it notices.
 */
const SLICE = 1024;
/** Inflations at once (each may hold up to the cap): bounds the memory a page of bombs can take. */
const CONCURRENT_INFLATIONS = 2;

const formatOf = (c: Compression): CompressionFormat => {
  if (c === Compression.Deflate) return 'deflate';
  if (c === Compression.Gzip) return 'gzip';
  throw new XmtpError('invalid_content', `unknown compression ${c}`);
};

type ByteTransform = { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array<ArrayBuffer>> };

const tooLarge = (limit: number) => new XmtpError('too_large', `content inflates to more than ${limit} bytes`);

/** Feeds `input` in slices while reading the output; stops both sides once the output passes `limit`. */
async function pump(stream: ByteTransform, input: Uint8Array, limit: number, slice: number): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  let stopped = false;
  const writing = (async () => {
    for (let i = 0; i < input.length && !stopped; i += slice) {
      await writer.ready;
      // A slice is written only once the reader took the output of the previous one (backpressure).
      await writer.write(input.slice(i, i + slice) as Uint8Array<ArrayBuffer>);
    }
    if (!stopped) await writer.close();
  })();
  writing.catch(() => {});
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) throw tooLarge(limit);
      chunks.push(value);
    }
    await writing;
  } catch (e) {
    stopped = true;
    chunks.length = 0;
    await reader.cancel().catch(() => {});
    await writer.abort().catch(() => {});
    throw e;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

export async function compress(data: Uint8Array, compression: Compression): Promise<Uint8Array> {
  return pump(new CompressionStream(formatOf(compression)) as unknown as ByteTransform, data, Infinity, Math.max(data.length, 1));
}

let running = 0;
const waiting: Array<() => void> = [];

async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= CONCURRENT_INFLATIONS) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Inflates `data`; XmtpError 'too_large' past `limit` bytes (default: the content cap), 'invalid_content' when corrupt. */
export async function decompress(data: Uint8Array, compression: Compression, limit = MAX_CONTENT_BYTES): Promise<Uint8Array> {
  const format = formatOf(compression);
  return slot(async () => {
    try {
      return await pump(new DecompressionStream(format) as unknown as ByteTransform, data, limit, SLICE);
    } catch (e) {
      if (e instanceof XmtpError) throw e;
      throw new XmtpError('invalid_content', `decompression failed: ${(e as Error).message}`);
    }
  });
}
