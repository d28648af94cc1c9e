// Size limits of the protocol as this client enforces them: one definition, used by the core, the
// extension (background, popup, provider) and the node.

/** Largest envelope message the node stores: libp2p pubsub default (1 MiB) − 300 − 62, as the official node enforced. */
export const MAX_MESSAGE_BYTES = 1_048_214;

/**
 * Largest inline attachment we send or accept from a page or the popup: with its EncodedContent and V2
 * envelope around it (a few hundred bytes) it fits in one message. Larger files go as remote attachments.
 */
export const MAX_INLINE_ATTACHMENT_BYTES = 1_000_000;

/**
 * Largest content we decode, after decompression. No honest sender needs more: uncompressed content
 * fits in one message, and we (like the official SDK, which cannot inflate more than 1000 bytes)
 * never compress anything larger. A deflate bomb is refused at this size, not at its inflated size.
 */
export const MAX_CONTENT_BYTES = Math.max(MAX_MESSAGE_BYTES, MAX_INLINE_ATTACHMENT_BYTES);

/** Largest file sent as a remote attachment (encrypted and uploaded to the node's blob store). */
export const MAX_REMOTE_FILE_BYTES = 100 * 1024 * 1024;

/**
 * Largest remote attachment payload uploaded or downloaded: a file of MAX_REMOTE_FILE_BYTES encrypted,
 * with its EncodedContent (filename, MIME type) and the AES-GCM tag around it. The node's upload limit.
 */
export const MAX_REMOTE_ATTACHMENT_BYTES = MAX_REMOTE_FILE_BYTES + 64 * 1024;

/**
 * Largest answer to a query or batch query read at once (JSON, as it comes). A page of envelopes
 * larger than this (a hundred envelopes of a megabyte) is asked for again in smaller pieces.
 */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** Base64 length of `n` bytes. */
export const base64Length = (n: number): number => Math.ceil(n / 3) * 4;

/**
 * Largest message content as JSON (what pages and the popup send): an inline attachment of the
 * largest size in base64, with room for its filename, MIME type and the JSON around them.
 */
export const MAX_CONTENT_JSON_BYTES = base64Length(MAX_INLINE_ATTACHMENT_BYTES) + 16 * 1024;
