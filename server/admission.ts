// Admission: the checks a request passes before its handler runs, cheapest first, so that a refused
// request costs the node almost nothing whatever its size (the route and method were matched before,
// by RouteTable.match, and the Origin by the request path):
//   1. the node is not shutting down;
//   2. the address's requests in progress (maxRequestsPerAddress, maxRequests);
//   3. the auth token (routes with auth 'token'): served from a cache once verified; an unknown token
//      is verified only while the address's rate bucket has a token left, and a failed verification
//      spends one, so a flood of forged tokens is refused before any signature work;
//      routes with auth 'operator' compare the operator token;
//   4. the rate bucket of the address (one token now; the handler charges the rest once the body
//      tells the request's cost), then the allow/deny lists;
//   5. the declared Content-Length against the route's body limit, and the body bytes in progress
//      of the address and of the node (maxBodyBytesInFlightPerAddress, maxBodyBytesInFlight); for
//      a route that streams its body to storage (blob uploads), instead: a Content-Length is
//      required, the uploads in progress of the address and of the node (maxUploadsPerAddress,
//      maxUploads), and the declared bytes from the wallet's (or address's) blob bucket;
// and only then is the body read (lazily, by the handler, still within the limit).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AccessControl } from './acl.ts';
import type { TokenCache } from './auth.ts';
import { ApiError, Code } from './errors.ts';
import { clientIp, readBody } from './http.ts';
import { parseBody } from './json.ts';
import type { Metrics } from './metrics.ts';
import type { Held, Quotas } from './quotas.ts';
import type { BucketType, RateLimiter } from './ratelimit.ts';
import type { Call, Route } from './routes.ts';

export interface AdmissionOptions {
  limiter: RateLimiter | null;
  tokens: TokenCache;
  acl: AccessControl;
  metrics: Metrics;
  quotas: Quotas;
  /** Verify auth tokens on routes that ask for them. */
  authOn: boolean;
  /** Bearer token of routes with auth 'operator' (null: those routes refuse everyone). */
  operatorToken: string | null;
  trustProxy: boolean;
  now: () => number;
  isClosing: () => boolean;
}

/** An admitted call; the request path calls done() when its handler has finished. */
export interface AdmittedCall extends Call {
  done(): void;
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

  /** Runs the checks of `route` on a request; the returned call is what the handler gets. */
  admit(route: Route, req: IncomingMessage, res: ServerResponse, path: string): AdmittedCall {
    this.checkOpen();
    const ip = this.ip(req);
    const held: Held[] = [this.o.quotas.take(ip, 'requests')];
    const done = () => held.forEach((h) => h.release());
    try {
      const wallet = this.authenticate(route, req, ip);
      const priority = wallet !== null && this.o.acl.isAllowListed(wallet);
      const bucket = route.bucket;
      if (bucket) this.spend(ip, bucket, 1, priority);
      if (wallet !== null) this.guard(() => this.o.acl.check(wallet));
      held.push(route.streamedBody ? this.takeUpload(route, req, ip, wallet, priority) : this.takeBody(route, req, ip));
      const read = () => readBody(req, route.bodyLimit);
      return {
        req,
        res,
        path,
        ip,
        wallet,
        body: read,
        json: async () => parseBody((await read()).toString('utf8')),
        charge: (total) => {
          if (bucket) this.spend(ip, bucket, total - 1, priority, total);
        },
        done,
      };
    } catch (err) {
      done();
      throw err;
    }
  }

  /** The verified wallet for routes with auth 'token' (null when auth is off or not needed). */
  private authenticate(route: Route, req: IncomingMessage, ip: string): string | null {
    const header = req.headers.authorization;
    if (route.auth === 'operator') {
      const expected = this.o.operatorToken;
      const given = Buffer.from(header ?? '');
      const want = Buffer.from(`Bearer ${expected ?? ''}`);
      if (expected === null || given.length !== want.length || !timingSafeEqual(given, want)) {
        throw this.counted(new ApiError(Code.UNAUTHENTICATED, 'operator token required'));
      }
      return null;
    }
    if (route.auth !== 'token' || !this.o.authOn) return null;
    const { tokens, limiter } = this.o;
    const bucket = route.bucket;
    // Signature work only while the bucket has a token: refused as the bucket would refuse it.
    if (!tokens.has(header) && bucket && limiter && limiter.available(ip, bucket) < 1) this.spend(ip, bucket, 1);
    try {
      return this.guard(() => tokens.verify(header, this.o.now()).walletAddress);
    } catch (err) {
      if (bucket && limiter) limiter.spend(ip, bucket, Math.min(1, limiter.available(ip, bucket)));
      throw err;
    }
  }

  private takeBody(route: Route, req: IncomingMessage, ip: string): Held {
    const { declared, known } = this.declaredLength(route, req);
    // Without a declared length (chunked), the route's whole limit is reserved.
    const hasBody = known ? declared > 0 : req.headers['transfer-encoding'] !== undefined;
    return this.o.quotas.take(ip, 'bodyBytes', hasBody ? (known ? declared : route.bodyLimit) : 0);
  }

  /** The declared Content-Length, refused past the route's body limit. */
  private declaredLength(route: Route, req: IncomingMessage): { declared: number; known: boolean } {
    const declared = Number(req.headers['content-length']);
    const known = req.headers['content-length'] !== undefined && Number.isFinite(declared);
    if (known && declared > route.bodyLimit) {
      throw this.refuse(route.streamedBody ? 'maxBlobBytes' : 'bodyLimit', new ApiError(Code.RESOURCE_EXHAUSTED, `request body larger than max (${declared} vs. ${route.bodyLimit})`));
    }
    return { declared, known };
  }

  /** A body streamed to storage: its length up front, a slot among uploads, its bytes from the blob bucket. */
  private takeUpload(route: Route, req: IncomingMessage, ip: string, wallet: string | null, priority: boolean): Held {
    const { declared, known } = this.declaredLength(route, req);
    if (!known) throw new ApiError(Code.INVALID_ARGUMENT, 'an upload must declare its Content-Length');
    const slot = this.o.quotas.take(ip, 'uploads');
    try {
      this.spend(wallet ?? ip, 'blob', declared, priority);
    } catch (err) {
      slot.release();
      throw err;
    }
    return slot;
  }

  private refuse(limit: string, err: ApiError): ApiError {
    this.o.metrics.limitRefusals.inc({ limit });
    return err;
  }

  private counted(err: ApiError): ApiError {
    this.o.metrics.authFailures.inc({ code: String(err.code) });
    return err;
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
