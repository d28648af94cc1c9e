// The path of every HTTP request: the Origin (cors.ts), CORS preflight, route and method
// (RouteTable), admission, the route's handler; then the metrics and the log line, and a JSON error
// body for any refusal.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Admission, AdmittedCall } from './admission.ts';
import type { CorsPolicy } from './cors.ts';
import { ApiError, Code } from './errors.ts';
import { PREFLIGHT_HEADERS, sendError } from './http.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import type { RouteTable } from './routes.ts';

export interface RequestPipelineOptions {
  table: RouteTable;
  admission: Admission;
  cors: CorsPolicy;
  metrics: Metrics;
  log: Logger;
}

export class RequestPipeline {
  private inflight_ = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private o: RequestPipelineOptions) {}

  /** The server's request listener. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    void this.handle(req, res);
  };

  /** Requests being handled right now (streams count until their head is sent). */
  get inflight(): number {
    return this.inflight_;
  }

  /** Resolves when no request is being handled. */
  idle(): Promise<void> {
    return this.inflight_ === 0 ? Promise.resolve() : new Promise((r) => this.idleWaiters.push(r));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { metrics, log } = this.o;
    const t0 = performance.now();
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    this.inflight_++;
    let name = 'other'; // a bounded label set: route names, 'preflight', 'other'
    let code = 0;
    let call: AdmittedCall | undefined;
    try {
      const origin = req.headers.origin;
      this.o.cors.check(origin);
      for (const [k, v] of Object.entries(this.o.cors.headers(origin))) res.setHeader(k, v);
      if (method === 'OPTIONS') {
        if (!req.headers['access-control-request-method']) throw new ApiError(Code.UNIMPLEMENTED, 'Method Not Allowed');
        name = 'preflight';
        // Chrome asks before a public page may reach a private address (Private Network Access).
        const pna = req.headers['access-control-request-private-network'] === 'true' ? { 'Access-Control-Allow-Private-Network': 'true' } : {};
        res.writeHead(200, { ...PREFLIGHT_HEADERS, ...pna });
        res.end();
        return;
      }
      const route = this.o.table.match(method, path);
      name = route.name;
      call = this.o.admission.admit(route, req, res, path);
      await route.handle(call);
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(Code.INTERNAL, (err as Error)?.message ?? String(err));
      code = e.code;
      const fields = { method, path, code: e.code, status: e.status, message: e.message, ip: req.socket.remoteAddress, client: req.headers['x-client-version'] };
      if (e.status >= 500) log.error('request failed', { ...fields, stack: err instanceof ApiError ? undefined : (err as Error)?.stack });
      else log.warn('request refused', fields);
      if (res.headersSent) {
        // Failed while the answer was being written: the client sees a cut response, not a wrong one.
        res.destroy();
      } else {
        refuseUnreadBody(req, res);
        sendError(res, e);
      }
    } finally {
      call?.done();
      this.inflight_--;
      const seconds = (performance.now() - t0) / 1000;
      metrics.requests.inc({ method: name, code: String(code) });
      metrics.requestDuration.observe({ method: name }, seconds);
      if (log.enabled('debug')) log.debug('request', { method, path, code, ms: Math.round(seconds * 1e4) / 10, ip: req.socket.remoteAddress });
      if (this.inflight_ === 0) this.idleWaiters.splice(0).forEach((w) => w());
    }
  }
}

/** How long a refused request's body is read and dropped before its connection is cut. */
const LINGER_MS = 1000;

/**
 * A refused request whose body was not read: once the answer is out, Node reads and drops the rest
 * of the body (so the client can read the answer: closing a socket with unread input resets it,
 * and the reset can destroy the answer before the client reads it). A body still arriving after
 * LINGER_MS has its connection cut, so a refused large body costs at most that long.
 */
function refuseUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete || req.readableEnded) return;
  res.on('finish', () => {
    if (req.complete) return;
    const cut = setTimeout(() => req.socket.destroy(), LINGER_MS);
    cut.unref();
    req.once('end', () => clearTimeout(cut));
    req.socket.once('close', () => clearTimeout(cut));
  });
}
