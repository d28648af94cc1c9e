// gRPC status codes and their HTTP mapping, as grpc-gateway answers them (xmtp-node-api.md §11).

export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type CodeValue = (typeof Code)[keyof typeof Code];

const HTTP_STATUS: Record<number, number> = {
  0: 200, 1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409, 11: 400,
  12: 501, 13: 500, 14: 503, 15: 500, 16: 401,
};

export const CODE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(Code).map(([name, value]) => [value, name]),
);

export function httpStatusOf(code: number): number {
  return HTTP_STATUS[code] ?? 500;
}

/** An error answered to the client as `{code, message, details: []}` with the matching HTTP status. */
export class ApiError extends Error {
  readonly code: CodeValue;
  constructor(code: CodeValue, message: string) {
    super(message);
    this.code = code;
    this.name = 'ApiError';
  }
  get status(): number {
    return httpStatusOf(this.code);
  }
  toJSON(): { code: number; message: string; details: never[] } {
    return { code: this.code, message: this.message, details: [] };
  }
}

export const invalidArgument = (message: string) => new ApiError(Code.INVALID_ARGUMENT, message);
