// Message API v1 as the client sees it, independent of the wire (HTTP/JSON, WebSocket, or a test
// double). Transports move envelopes; ApiClient adds auth, retries, paging and stream recovery.
import { XmtpError } from '../errors.ts';

export interface Envelope {
  contentTopic: string;
  /** client-chosen sender timestamp, ns */
  timestampNs: bigint;
  message: Uint8Array;
}

export type SortDirection = 'ascending' | 'descending';

/** Opaque position in a query's result order, returned by the node. */
export interface Cursor {
  digest: Uint8Array;
  senderTimeNs: bigint;
}

export interface QueryRequest {
  contentTopics: string[];
  /** inclusive bound on sender timestamp (0/absent = unbounded) */
  startTimeNs?: bigint;
  endTimeNs?: bigint;
  limit?: number;
  /** Always sent: the node treats "unspecified" as descending. */
  direction: SortDirection;
  cursor?: Cursor;
}

export interface QueryResponse {
  envelopes: Envelope[];
  /** absent on the last page */
  cursor?: Cursor;
}

/** Unary calls. */
export interface Transport {
  publish(envelopes: Envelope[], authToken: string): Promise<void>;
  query(request: QueryRequest): Promise<QueryResponse>;
  /** at most 50 requests; responses in request order */
  batchQuery(requests: QueryRequest[]): Promise<QueryResponse[]>;
}

/** One live subscription connection. Ends (closed settles) on error, server end or close(). */
export interface StreamConnection {
  /** Settles once the node has registered the topics: from then on nothing published is missed. */
  readonly ready: Promise<void>;
  /** Resolves when the connection ends cleanly, rejects with the reason otherwise. */
  readonly closed: Promise<void>;
  /**
   * Replaces the topic set without reconnecting, if the transport can (WebSocket); resolves when
   * the new set is in effect. Absent: the caller reconnects with the new set.
   */
  setTopics?(topics: string[]): Promise<void>;
  close(): void;
}

export interface SubscribeTransport {
  openStream(topics: string[], onEnvelope: (envelope: Envelope) => void): StreamConnection;
}

/** A non-2xx answer from the node: gRPC status code and message from its JSON error body. */
export class ApiError extends XmtpError {
  constructor(
    message: string,
    /** gRPC code (16 = UNAUTHENTICATED, 3 = INVALID_ARGUMENT, 8 = RESOURCE_EXHAUSTED, ...) */
    readonly grpcCode: number | undefined,
    /** HTTP status, when there was one */
    readonly status?: number,
  ) {
    super('api_error', message);
    this.name = 'ApiError';
  }
}

export const GRPC_UNAUTHENTICATED = 16;
export const GRPC_RESOURCE_EXHAUSTED = 8;

/** The node's answer was larger than this client reads at once (its memory bound): ask for less. */
export class ResponseTooLarge extends ApiError {
  constructor(readonly limit: number) {
    super(`the node's answer is larger than ${limit} bytes`, GRPC_RESOURCE_EXHAUSTED);
    this.name = 'ResponseTooLarge';
  }
}
