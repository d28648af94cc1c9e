// Admission: the checks a request passes before its handler runs, cheapest first, so that a refused
// request costs the node almost nothing whatever its size:
//   1. the node is not shutting down;
//   2. the auth token (routes with auth 'token'): parsed and verified once, then served from a cache;
//   3. the rate bucket of the client address (one token now; the handler charges the rest once the
//      body tells the request's cost), then the allow/deny lists;
//   4. the declared Content-Length against the route's body limit;
// and only then is the body read (lazily, by the handler, still within the limit).
// The route and method were matched before (RouteTable.match).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessControl } from './acl.ts';
import type { TokenCache } from './auth.ts';
import { ApiError, Code } from './errors.ts';
import { clientIp, readBody } from './http.ts';
import { parseBody } from './json.ts';
import type { Metrics } from './metrics.ts';
import type { BucketType, RateLimiter } from './ratelimit.ts';
import type { Call, Route } from './routes.ts';

export interface AdmissionOptions {
  limiter: RateLimiter | null;
  tokens: TokenCache;
  acl: AccessControl;
  metrics: Metrics;
  /** Verify auth tokens on routes that ask for them. */
  authOn: boolean;
  trustProxy: boolean;
  now: () => number;
  isClosing: () => boolean;
}

export class Admission {
  constructor(private o: AdmissionOptions) {}

  ip(req: IncomingMessage): string {
    return clientIp(req, this.o.trustProxy);
  }

  /** Throws UNAVAILABLE while the node shuts down. */
  checkOpen(): void {
    if (this.o.isClosing()) throw new ApiError(Code.UNAVAILABLE, 'node is shutting down');
  }

  /** Spends `cost` tokens of the address's bucket or throws RESOURCE_EXHAUSTED (`shown` = the cost named in the error). */
  spend(ip: string, type: BucketType, cost: number, priority = false, shown = cost): void {
    if (!this.o.limiter || cost <= 0) return;
    try {
      this.o.limiter.spend(ip, type, cost, priority, shown);
    } catch (err) {
      this.o.metrics.rateLimited.inc({ bucket: type });
      throw err;
    }
  }

  /** Runs the checks of `route` on a request; the returned Call is what the handler gets. */
  admit(route: Route, req: IncomingMessage, res: ServerResponse, path: string): Call {
    this.checkOpen();
    const ip = this.ip(req);
    const wallet = route.auth === 'token' && this.o.authOn ? this.authenticate(req) : null;
    const priority = wallet !== null && this.o.acl.isAllowListed(wallet);
    const bucket = route.bucket;
    if (bucket) this.spend(ip, bucket, 1, priority);
    if (wallet !== null) this.guard(() => this.o.acl.check(wallet));
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > route.bodyLimit) {
      throw new ApiError(Code.RESOURCE_EXHAUSTED, `request body larger than max (${declared} vs. ${route.bodyLimit})`);
    }
    return {
      req,
      res,
      path,
      ip,
      wallet,
      body: () => readBody(req, route.bodyLimit),
      json: async () => parseBody((await readBody(req, route.bodyLimit)).toString('utf8')),
      charge: (total) => {
        if (bucket) this.spend(ip, bucket, total - 1, priority, total);
      },
    };
  }

  private authenticate(req: IncomingMessage): string {
    return this.guard(() => this.o.tokens.verify(req.headers.authorization, this.o.now()).walletAddress);
  }

  /** Counts an authentication or authorization refusal. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      this.o.metrics.authFailures.inc({ code: String(err instanceof ApiError ? err.code : '') });
      throw err;
    }
  }
}
