// Which web origins may use the node from a browser (--cors-origin). A browser names the page's
// origin in the Origin header of cross-origin requests and of every WebSocket handshake; a request
// from an origin that is not allowed is refused before anything else (403), so a page can neither
// read answers nor hold streams or sockets. Clients outside browsers send no Origin and are not
// affected.
//
// Default: a node on a public address serves every origin (its data is public, as the official
// node's is, and web apps use it through the official SDK). A node on a loopback address is
// usually a desktop user's own: it serves only the browser extensions and pages served from this
// machine, so the web pages the user visits cannot read its traffic.
import { ApiError, Code } from './errors.ts';

/**
 * Patterns: `*`, an exact origin, or one with wildcards: `:*` for any port, else `*` for any run of
 * host characters (`chrome-extension://*`, `https://*.example.com`, `http://localhost:*`).
 */
export const LOOPBACK_DEFAULT_ORIGINS = ['chrome-extension://*', 'moz-extension://*', 'http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*', 'http://localhost', 'http://127.0.0.1'];

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}

export function defaultOrigins(host: string): string[] {
  return isLoopback(host) ? LOOPBACK_DEFAULT_ORIGINS : ['*'];
}

export class CorsPolicy {
  private any: boolean;
  private exact = new Set<string>();
  private patterns: RegExp[] = [];

  constructor(readonly origins: string[]) {
    this.any = origins.includes('*');
    for (const o of origins) {
      if (o === '*') continue;
      if (!o.includes('*')) this.exact.add(o);
      else this.patterns.push(new RegExp(`^${o.split(':*').map((part) => part.split('*').map(escape).join('[^/:]*')).join(':[0-9]+')}$`));
    }
  }

  /** No Origin header (not a browser) is allowed. */
  allows(origin: string | undefined): boolean {
    if (origin === undefined || this.any) return true;
    return this.exact.has(origin) || this.patterns.some((p) => p.test(origin));
  }

  /** Throws PERMISSION_DENIED for an origin that is not allowed. */
  check(origin: string | undefined): void {
    if (!this.allows(origin)) throw new ApiError(Code.PERMISSION_DENIED, `origin ${JSON.stringify(origin!.slice(0, 100))} is not allowed by this node (--cors-origin)`);
  }

  /** The Access-Control-Allow-Origin header for an allowed request. */
  headers(origin: string | undefined): Record<string, string> {
    if (this.any) return { 'Access-Control-Allow-Origin': '*' };
    return origin === undefined ? {} : { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
