// Reads an HTTP response body up to a byte limit, whatever Content-Length claims (or when there is
// none, as with a chunked body): a hostile server cannot make the reader buffer more than `max`
// bytes; the stream is cancelled as soon as it goes past. The core's node answers and the extension's
// downloads (src/read-capped.ts) both read through it.
import { concatBytes } from '../crypto/bytes.ts';

/** The body's bytes; throws `tooLarge()` once more than `max` arrive (the rest is not read), or the stream's own error. */
export async function readBodyAtMost(res: Response, max: number, tooLarge: () => Error): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge();
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
      throw tooLarge();
    }
    parts.push(value);
  }
  return parts.length === 1 ? parts[0]! : concatBytes(...parts);
}
