// Every bound the node puts on its clients, in one place. Each has its default and reason here, a
// flag in main.ts (FLAGS below) and a row in server/README.md ("Limits and exposure"); the code that
// enforces a limit reads it from the NodeLimits object the node was started with, and counts each
// refusal in xmtp_limit_refusals_total{limit}.
import { MAX_BATCH, MAX_TOPICS_PER_QUERY } from './api.ts';
import { TOKEN_FUTURE_SKEW_MS } from './auth.ts';
import { MAX_MESSAGE_BYTES, MAX_TOPIC_BYTES } from './topics.ts';
import { MAX_REMOTE_ATTACHMENT_BYTES } from '../src/xmtp/limits.ts';

export interface NodeLimits {
  // ---- connections and time ----
  /** Open TCP connections, all clients together. */
  maxConnections: number;
  /** Open TCP connections from one address (not applied with --trust-proxy: the peer is the proxy). */
  maxConnectionsPerAddress: number;
  /** Time from the connection (or the end of the previous request) to the whole request head, ms. */
  headersTimeoutMs: number;
  /** Time to receive a whole request, head and body, ms. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept, ms. */
  keepAliveTimeoutMs: number;
  // ---- requests ----
  /** Requests being handled at once for one address (streams count until their head is sent). */
  maxRequestsPerAddress: number;
  /** Requests being handled at once, all clients together. */
  maxRequests: number;
  /** Largest publish body, bytes. Query, batch and subscribe bodies are bounded by their topic limits. */
  maxPublishBodyBytes: number;
  /** Request bodies being received or parsed at once for one address, bytes (declared Content-Length). */
  maxBodyBytesInFlightPerAddress: number;
  /** Request bodies being received or parsed at once, all clients together, bytes. */
  maxBodyBytesInFlight: number;
  /** One query answer, bytes of JSON: beyond it the page ends early with a cursor. */
  maxQueryResponseBytes: number;
  /** One batch answer, bytes of JSON: beyond it each further sub-query answers one row and a cursor. */
  maxBatchResponseBytes: number;
  // ---- subscriptions ----
  /** Topics of one HTTP subscription or one WebSocket. */
  maxTopicsPerSubscription: number;
  /** HTTP streams (Subscribe, SubscribeAll) open at once for one address. */
  maxStreamsPerAddress: number;
  /** WebSockets open at once for one address. */
  maxSocketsPerAddress: number;
  /** Topic subscriptions of one address, over all its streams and sockets. */
  maxTopicsPerAddress: number;
  /** Topic subscriptions of the whole node. */
  maxTopics: number;
  /** Bytes queued to one subscriber before envelopes are dropped (HTTP) or the socket closed (WS). */
  subscriberBufferBytes: number;
  /** Bytes queued to all subscribers together; beyond it only subscribers that keep up are served. */
  subscriberBuffersBytes: number;
  /** Largest WebSocket frame a client may send, bytes. */
  wsMaxFrameBytes: number;
  // ---- blob store (--blobs) ----
  /** Largest upload to the blob store, bytes (a remote attachment's encrypted file). */
  maxBlobBytes: number;
  /** Uploads to the blob store in progress at once for one address (they stream to storage, not to memory). */
  maxUploadsPerAddress: number;
  /** Uploads to the blob store in progress at once, all clients together. */
  maxUploads: number;
  /** Bytes the blob store on disk may hold (an S3 bucket's capacity is the operator's to set there). */
  maxBlobStoreBytes: number;
  // ---- auth ----
  /** How far in the future a token's creation time may be (client clocks run fast), ms. */
  tokenFutureSkewMs: number;
}

/** The JSON of the largest valid envelope (topic escaped at worst, message in base64, field names). */
export const MAX_ENVELOPE_JSON_BYTES = 2 * MAX_TOPIC_BYTES + Math.ceil(MAX_MESSAGE_BYTES / 3) * 4 + 100;
/** One topic in a JSON list (quotes and comma; escaping beyond that is not expected of a client). */
const TOPIC_JSON_BYTES = MAX_TOPIC_BYTES + 4;

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<NodeLimits> = Object.freeze({
  maxConnections: 10_000,
  maxConnectionsPerAddress: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 65_000,
  maxRequestsPerAddress: 64,
  maxRequests: 256,
  maxPublishBodyBytes: 4 * MAX_ENVELOPE_JSON_BYTES + 64 * 1024,
  maxBodyBytesInFlightPerAddress: 24 * MiB,
  maxBodyBytesInFlight: 64 * MiB,
  maxQueryResponseBytes: 4 * MiB,
  maxBatchResponseBytes: 16 * MiB,
  maxTopicsPerSubscription: 10_000,
  maxStreamsPerAddress: 16,
  maxSocketsPerAddress: 16,
  maxTopicsPerAddress: 50_000,
  maxTopics: 1_000_000,
  subscriberBufferBytes: 1 * MiB,
  subscriberBuffersBytes: 256 * MiB,
  wsMaxFrameBytes: 4 * MiB,
  maxBlobBytes: MAX_REMOTE_ATTACHMENT_BYTES,
  maxUploadsPerAddress: 4,
  maxUploads: 64,
  maxBlobStoreBytes: 64 * 1024 * MiB,
  tokenFutureSkewMs: TOKEN_FUTURE_SKEW_MS,
});

/** Command-line flag of each limit (main.ts parses them; server/README.md documents them). */
export const FLAGS: Readonly<Record<keyof NodeLimits, string>> = Object.freeze({
  maxConnections: 'max-connections',
  maxConnectionsPerAddress: 'max-connections-per-address',
  headersTimeoutMs: 'headers-timeout-ms',
  requestTimeoutMs: 'request-timeout-ms',
  keepAliveTimeoutMs: 'keepalive-timeout-ms',
  maxRequestsPerAddress: 'max-requests-per-address',
  maxRequests: 'max-requests',
  maxPublishBodyBytes: 'max-publish-body-bytes',
  maxBodyBytesInFlightPerAddress: 'max-body-bytes-in-flight-per-address',
  maxBodyBytesInFlight: 'max-body-bytes-in-flight',
  maxQueryResponseBytes: 'max-query-response-bytes',
  maxBatchResponseBytes: 'max-batch-response-bytes',
  maxTopicsPerSubscription: 'max-topics-per-subscription',
  maxStreamsPerAddress: 'max-streams-per-address',
  maxSocketsPerAddress: 'max-sockets-per-address',
  maxTopicsPerAddress: 'max-topics-per-address',
  maxTopics: 'max-topics',
  subscriberBufferBytes: 'subscriber-buffer-bytes',
  subscriberBuffersBytes: 'subscriber-buffers-bytes',
  wsMaxFrameBytes: 'ws-max-frame-bytes',
  maxBlobBytes: 'max-blob-bytes',
  maxUploadsPerAddress: 'max-uploads-per-address',
  maxUploads: 'max-uploads',
  maxBlobStoreBytes: 'max-blob-store-bytes',
  tokenFutureSkewMs: 'token-future-skew-ms',
});

export function resolveLimits(overrides: Partial<NodeLimits> = {}): NodeLimits {
  const limits: NodeLimits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides) as Array<[keyof NodeLimits, number | undefined]>) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_LIMITS)) throw new Error(`unknown limit ${key}`);
    if (!Number.isFinite(value) || value < 0) throw new Error(`limit ${key} must be a non-negative number, got ${value}`);
    limits[key] = value;
  }
  return limits;
}

/** Body limits of the JSON routes: what their largest valid request can need. */
export function bodyLimits(l: NodeLimits) {
  const query = MAX_TOPICS_PER_QUERY * TOPIC_JSON_BYTES + 4096;
  return {
    publish: l.maxPublishBodyBytes,
    query,
    batchQuery: MAX_BATCH * query,
    subscribe: l.maxTopicsPerSubscription * TOPIC_JSON_BYTES + 4096,
    subscribeAll: 4096,
  };
}
