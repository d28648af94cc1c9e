// Typed errors. Anything that comes from the network and fails validation is rejected per message
// with one of these (as `MessageError` records in lists, or `onError` in streams), never thrown
// out of a list or a stream.

export type XmtpErrorCode =
  | 'invalid_protobuf'
  | 'invalid_ciphertext'
  | 'decryption_failed'
  | 'invalid_signature'
  | 'invalid_key_bundle'
  | 'topic_mismatch'
  | 'invitation_timestamp_mismatch'
  | 'invalid_invitation'
  | 'invalid_message'
  | 'unknown_content_type'
  | 'invalid_content'
  /** an envelope, or content after decompression, larger than the protocol allows (limits.ts) */
  | 'too_large'
  | 'not_on_network'
  | 'invalid_address'
  | 'api_error'
  | 'key_store'
  | 'unsupported';

export class XmtpError extends Error {
  readonly code: XmtpErrorCode;
  constructor(code: XmtpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'XmtpError';
  }
}

export const isXmtpError = (e: unknown, code?: XmtpErrorCode): e is XmtpError =>
  e instanceof XmtpError && (code === undefined || e.code === code);

/** Wraps unknown failures so callers always see an XmtpError with a code. */
export function asXmtpError(e: unknown, fallback: XmtpErrorCode = 'invalid_message'): XmtpError {
  if (e instanceof XmtpError) return e;
  return new XmtpError(fallback, e instanceof Error ? e.message : String(e), { cause: e });
}
