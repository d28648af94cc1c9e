// Every bound the node puts on a client, in one place. Each limit has its default here, its flag in
// main.ts and its row in server/README.md ("Limits and exposure"); the code that enforces it reads it
// from the NodeLimits object the node was started with.

export interface NodeLimits {
  /** Largest request body of any route, bytes (a route may declare a smaller one). */
  maxBodyBytes: number;
  /** Bytes queued to one subscriber before envelopes are dropped (HTTP) or the socket closed (WS). */
  subscriberBufferBytes: number;
  /** Topics one WebSocket may be subscribed to at once. */
  wsMaxTopics: number;
  /** Largest WebSocket frame a client may send, bytes. */
  wsMaxFrameBytes: number;
  /** How long an idle keep-alive connection is kept, ms. */
  keepAliveTimeoutMs: number;
  /** Time to receive a whole request (head and body), ms. */
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: Readonly<NodeLimits> = Object.freeze({
  maxBodyBytes: 50 * 1024 * 1024,
  subscriberBufferBytes: 16 * 1024 * 1024,
  wsMaxTopics: 10_000,
  wsMaxFrameBytes: 4 * 1024 * 1024,
  keepAliveTimeoutMs: 65_000,
  requestTimeoutMs: 120_000,
});

export function resolveLimits(overrides: Partial<NodeLimits> = {}): NodeLimits {
  const limits: NodeLimits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides) as Array<[keyof NodeLimits, number | undefined]>) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) throw new Error(`limit ${key} must be a non-negative number, got ${value}`);
    limits[key] = value;
  }
  return limits;
}
