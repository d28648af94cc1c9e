// The path of every HTTP request: CORS preflight, route and method (RouteTable), admission, the
// route's handler; then the metrics and the log line, and a JSON error body for any refusal.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Admission } from './admission.ts';
import { ApiError, Code } from './errors.ts';
import { PREFLIGHT_HEADERS, sendError } from './http.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import type { RouteTable } from './routes.ts';

export interface RequestPipelineOptions {
  table: RouteTable;
  admission: Admission;
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
    try {
      if (method === 'OPTIONS') {
        if (!req.headers['access-control-request-method']) throw new ApiError(Code.UNIMPLEMENTED, 'Method Not Allowed');
        name = 'preflight';
        res.writeHead(200, PREFLIGHT_HEADERS);
        res.end();
        return;
      }
      const route = this.o.table.match(method, path);
      name = route.name;
      await route.handle(this.o.admission.admit(route, req, res, path));
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(Code.INTERNAL, (err as Error)?.message ?? String(err));
      code = e.code;
      const fields = { method, path, code: e.code, status: e.status, message: e.message, ip: req.socket.remoteAddress, client: req.headers['x-client-version'] };
      if (e.status >= 500) log.error('request failed', { ...fields, stack: err instanceof ApiError ? undefined : (err as Error)?.stack });
      else log.warn('request refused', fields);
      sendError(res, e);
      // An oversized body is not read: the connection is closed once the answer is out.
      if (e.code === Code.RESOURCE_EXHAUSTED && !req.complete) res.on('finish', () => req.destroy());
    } finally {
      this.inflight_--;
      const seconds = (performance.now() - t0) / 1000;
      metrics.requests.inc({ method: name, code: String(code) });
      metrics.requestDuration.observe({ method: name }, seconds);
      if (log.enabled('debug')) log.debug('request', { method, path, code, ms: Math.round(seconds * 1e4) / 10, ip: req.socket.remoteAddress });
      if (this.inflight_ === 0) this.idleWaiters.splice(0).forEach((w) => w());
    }
  }
}
