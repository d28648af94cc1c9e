// Message API v1 over HTTP/JSON with fetch (spec 7): unary POSTs and the newline-delimited JSON
// subscribe stream. Works in Node 18+, service workers and pages.
import { MAX_RESPONSE_BYTES } from '../limits.ts';
import { readBodyAtMost } from './read-body.ts';
import { ApiError, ResponseTooLarge, type Envelope, type QueryRequest, type QueryResponse, type StreamConnection, type SubscribeTransport, type Transport } from './types.ts';
import { envelopeFromJson, envelopeToJson, queryRequestToJson, queryResponseFromJson } from './json.ts';

export const CLIENT_VERSION_HEADER = 'xmtp-js/13.0.4';

export interface HttpTransportOptions {
  /** e.g. http://localhost:5555 (no trailing slash needed) */
  apiUrl: string;
  /** X-App-Version header */
  appVersion?: string;
  fetch?: typeof fetch;
  /** largest answer read (default MAX_RESPONSE_BYTES); larger ones fail with ResponseTooLarge */
  maxResponseBytes?: number;
  /**
   * Longest a unary request may take, answer read included; past it the request fails with a
   * TimeoutError (a node that accepts connections and never answers is then unreachable). Default: none.
   */
  timeoutMs?: number;
}

/** The body as JSON, read as it streams and abandoned as soon as it passes `limit` bytes. */
async function readJson(res: Response, limit: number): Promise<unknown> {
  if (!res.body) return res.json();
  return JSON.parse(new TextDecoder().decode(await readBodyAtMost(res, limit, () => new ResponseTooLarge(limit))));
}

async function errorFromResponse(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const b = (body && typeof body === 'object' ? body : {}) as { code?: unknown; message?: unknown; error?: { code?: unknown; message?: unknown } };
  const inner = b.error && typeof b.error === 'object' ? b.error : b;
  const code = typeof inner.code === 'number' ? inner.code : undefined;
  const message = typeof inner.message === 'string' ? inner.message : `HTTP ${res.status}`;
  return new ApiError(message, code, res.status);
}

export class HttpTransport implements Transport, SubscribeTransport {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly headers: Record<string, string>;
  private readonly maxResponseBytes: number;
  private readonly timeoutMs: number | undefined;

  constructor(opts: HttpTransportOptions) {
    this.timeoutMs = opts.timeoutMs;
    this.base = opts.apiUrl.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.maxResponseBytes = opts.maxResponseBytes ?? MAX_RESPONSE_BYTES;
    this.headers = { 'X-Client-Version': CLIENT_VERSION_HEADER, 'Content-Type': 'application/json' };
    if (opts.appVersion) this.headers['X-App-Version'] = opts.appVersion;
  }

  private async post(path: string, body: unknown, extraHeaders?: Record<string, string>): Promise<unknown> {
    const res = await this.fetchFn(this.base + path, {
      method: 'POST',
      headers: extraHeaders ? { ...this.headers, ...extraHeaders } : this.headers,
      body: JSON.stringify(body),
      signal: this.timeoutMs ? AbortSignal.timeout(this.timeoutMs) : undefined,
    });
    if (!res.ok) throw await errorFromResponse(res);
    return readJson(res, this.maxResponseBytes);
  }

  async publish(envelopes: Envelope[], authToken: string): Promise<void> {
    await this.post('/message/v1/publish', { envelopes: envelopes.map(envelopeToJson) }, { Authorization: `Bearer ${authToken}` });
  }

  async query(request: QueryRequest): Promise<QueryResponse> {
    return queryResponseFromJson(await this.post('/message/v1/query', queryRequestToJson(request)));
  }

  async batchQuery(requests: QueryRequest[]): Promise<QueryResponse[]> {
    const j = (await this.post('/message/v1/batch-query', { requests: requests.map(queryRequestToJson) })) as { responses?: unknown };
    if (!Array.isArray(j?.responses)) throw new ApiError('BatchQueryResponse missing responses', undefined);
    return j.responses.map(queryResponseFromJson);
  }

  openStream(topics: string[], onEnvelope: (envelope: Envelope) => void): StreamConnection {
    const controller = new AbortController();
    let markReady!: () => void;
    let failReady!: (e: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    ready.catch(() => {});
    const run = async (): Promise<void> => {
      const res = await this.fetchFn(this.base + '/message/v1/subscribe', {
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify({ contentTopics: topics }),
        signal: controller.signal,
      });
      if (!res.ok) throw await errorFromResponse(res);
      if (!res.body) throw new ApiError('subscribe response has no body', undefined, res.status);
      // Our node (and grpc-gateway once the first byte flows) sends headers after registering the
      // subscription, so the response head is the "subscribed" signal.
      markReady();
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (!line) continue; // keepalive whitespace
          let parsed: { result?: unknown; error?: { code?: number; message?: string } };
          try {
            parsed = JSON.parse(line);
          } catch {
            continue; // one corrupt line does not end the stream
          }
          if (parsed.error) throw new ApiError(parsed.error.message ?? 'stream error', parsed.error.code);
          if (!parsed.result) continue;
          let env: Envelope;
          try {
            env = envelopeFromJson(parsed.result);
          } catch {
            continue;
          }
          onEnvelope(env);
        }
      }
    };
    const closed = run().then(
      () => failReady(new ApiError('stream ended', undefined)),
      (e) => {
        failReady(e);
        if (controller.signal.aborted) return;
        throw e;
      },
    );
    return { ready, closed, close: () => controller.abort() };
  }
}
