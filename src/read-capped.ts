// Bounded reads of HTTP bodies for the extension's own downloads (remote attachments, avatars): see
// src/xmtp/api/read-body.ts.
import { readBodyAtMost } from './xmtp/api/read-body.ts';

export class BodyTooLarge extends Error {
  constructor(readonly max: number) {
    super(`it is larger than ${max} bytes`);
    this.name = 'BodyTooLarge';
  }
}

/** The body's bytes; throws BodyTooLarge once more than `max` arrive (the rest is not read), or the stream's own error. */
export const readAtMost = (res: Response, max: number): Promise<Uint8Array> => readBodyAtMost(res, max, () => new BodyTooLarge(max));

/** The body's bytes, or undefined when it is larger than `max` (the rest is not read) or fails. */
export async function readCapped(res: Response, max: number): Promise<Uint8Array | undefined> {
  try {
    return await readAtMost(res, max);
  } catch {
    return undefined;
  }
}
