// Positions in a topic, in the node's paging order: (sender timestamp, digest), the digest being
// sha256(topic ‖ message).
import type { Envelope } from '../api/types.ts';
import { concatBytes, utf8 } from '../crypto/bytes.ts';
import { sha256 } from '../crypto/hashes.ts';
import type { SyncPosition } from '../storage/types.ts';

/** The node's paging digest of an envelope. */
export const pagingDigest = (e: Envelope): Uint8Array => sha256(concatBytes(utf8(e.contentTopic), e.message));

function compareDigest(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Whether `a` comes after `b` in the node's ascending order. */
export const afterPosition = (a: { ns: bigint; digest: Uint8Array }, b: { ns: bigint; digest: Uint8Array }): boolean =>
  a.ns > b.ns || (a.ns === b.ns && compareDigest(a.digest, b.digest) > 0);

/** A topic never read. */
export const emptyPosition = (): SyncPosition => ({ ns: 0n, digest: new Uint8Array(0), lookedAtNs: 0n, requestBytes: 0, heldBack: false, refused: 0 });
