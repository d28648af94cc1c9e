// Reads an HTTP response body up to a byte limit, whatever Content-Length claims (or when there is
// none, as with a chunked body): a hostile server cannot make the reader buffer more than `max` bytes;
// the stream is cancelled as soon as it goes past.
import { concatBytes } from './xmtp/crypto/bytes.ts';

export class BodyTooLarge extends Error {
  constructor(readonly max: number) {
    super(`it is larger than ${max} bytes`);
    this.name = 'BodyTooLarge';
  }
}

/** The body's bytes; throws BodyTooLarge once more than `max` arrive (the rest is not read), or the stream's own error. */
export async function readAtMost(res: Response, max: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await res.body?.cancel().catch(() => {});
    throw new BodyTooLarge(max);
  }
  if (!res.body) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLarge(max);
    }
    parts.push(value);
  }
  return parts.length === 1 ? parts[0] : concatBytes(...parts);
}

/** The body's bytes, or undefined when it is larger than `max` (the rest is not read) or fails. */
export async function readCapped(res: Response, max: number): Promise<Uint8Array | undefined> {
  try {
    return await readAtMost(res, max);
  } catch {
    return undefined;
  }
}
