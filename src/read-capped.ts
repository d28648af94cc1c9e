// Reads an HTTP response body up to a byte limit, whatever Content-Length claims: a hostile server
// cannot make the reader buffer more than `max` bytes.
import { concatBytes } from './xmtp/crypto/bytes.ts';

/** The body's bytes, or undefined when it is larger than `max` (the rest is not read) or fails. */
export async function readCapped(res: Response, max: number): Promise<Uint8Array | undefined> {
  if (Number(res.headers.get('content-length') ?? 0) > max || !res.body) {
    await res.body?.cancel().catch(() => {});
    return undefined;
  }
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > max) {
        await reader.cancel().catch(() => {});
        return undefined;
      }
      parts.push(value);
    }
  } catch {
    return undefined;
  }
  return concatBytes(...parts);
}
