// Frames exchanged over runtime.Port between the background and every other context (popup, prompt,
// content script). One request gets exactly one response with the same id; events have no id.

export interface RpcRequest<M extends string = string, P = unknown> {
  id: number;
  method: M;
  params?: P;
}
export interface RpcErrorShape {
  code: number;
  message: string;
  data?: unknown;
}
export type RpcResponse<R = unknown> = { id: number; result: R } | { id: number; error: RpcErrorShape };
export interface RpcEvent<D = unknown> {
  event: string;
  data: D;
}

/** EIP-1193 / JSON-RPC error codes used everywhere a request can fail (DESIGN.md). */
export const ErrorCode = {
  userRejected: 4001,
  unauthorized: 4100,
  unsupportedMethod: 4200,
  disconnected: 4900,
  requestPending: -32002,
  rateLimited: -32005,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Every `data.reason` an error of ours can carry: callers branch on these, never on messages. */
export type ErrorReason =
  // the inbox
  | 'locked'
  | 'onboarding'
  | 'onboarding-failed'
  | 'wrong-password'
  | 'corrupted'
  | 'unreachable'
  | 'not-a-node'
  | 'not-on-network'
  | 'bad-checksum'
  | 'internal'
  // names (ENS, Lens)
  | 'names-off'
  | 'invalid-name'
  | 'name-not-found'
  | 'names-unavailable'
  | 'not-an-rpc'
  // accounts and backups
  | 'account-exists'
  | 'unknown-account'
  | 'bad-phrase'
  | 'no-phrase'
  | 'external-wallet'
  // remote attachments
  | 'insecure-url'
  | 'private-address'
  | 'too-large'
  | 'download-failed'
  | 'bad-attachment'
  | 'no-blob-store'
  // prompts and limits
  | 'expired'
  | 'backoff'
  | 'busy'
  | 'too-many-subscriptions'
  // the page wallet
  | 'no-page'
  | 'page-gone'
  | 'no-account'
  | 'no-wallet'
  | 'bad-signature'
  | 'timeout'
  | 'wallet-error';

/** What `data` of our errors holds. */
export interface ErrorData {
  reason?: ErrorReason;
  /** rate limits and back-off: when asking again can succeed */
  retryAfterMs?: number;
  /** the page wallet's own error code */
  walletCode?: number;
}

export class RpcError extends Error implements RpcErrorShape {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: ErrorData,
  ) {
    super(message);
    this.name = 'RpcError';
  }
  toJSON(): RpcErrorShape {
    return this.data === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, data: this.data };
  }
  static from(e: unknown): RpcError {
    if (e instanceof RpcError) return e;
    if (isErrorShape(e)) return new RpcError(e.code, e.message, isErrorData(e.data) ? e.data : undefined);
    return new RpcError(ErrorCode.internal, e instanceof Error ? e.message : String(e));
  }
}

/** An error's `data.reason`, whatever was thrown. */
export function reasonOf(e: unknown): ErrorReason | undefined {
  return e instanceof RpcError ? e.data?.reason : isErrorShape(e) && isErrorData(e.data) ? e.data.reason : undefined;
}

/** Data of one of our errors (a plain object): the fields a caller reads are typed by ErrorData. */
function isErrorData(v: unknown): v is ErrorData {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isErrorShape(v: unknown): v is RpcErrorShape {
  return typeof v === 'object' && v !== null && typeof (v as RpcErrorShape).code === 'number' && typeof (v as RpcErrorShape).message === 'string';
}

export function isRequest(v: unknown): v is RpcRequest {
  return typeof v === 'object' && v !== null && Number.isSafeInteger((v as RpcRequest).id) && typeof (v as RpcRequest).method === 'string';
}

export function isResponse(v: unknown): v is RpcResponse {
  return typeof v === 'object' && v !== null && Number.isSafeInteger((v as RpcResponse).id) && ('result' in v || 'error' in v);
}

export function isEvent(v: unknown): v is RpcEvent {
  return typeof v === 'object' && v !== null && typeof (v as RpcEvent).event === 'string' && !('id' in v);
}
