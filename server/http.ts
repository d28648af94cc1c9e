// HTTP plumbing: preflight headers, body reading, JSON and error responses, client address.
// (Access-Control-Allow-Origin is set per request by the request path, from cors.ts.)
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, Code } from './errors.ts';

export const PREFLIGHT_HEADERS = {
  'Access-Control-Allow-Headers':
    'Content-Type,Accept,Authorization,X-Client-Version,X-App-Version,Baggage,DNT,Sec-CH-UA,Sec-CH-UA-Mobile,Sec-CH-UA-Platform,Sentry-Trace,User-Agent,x-libxmtp-version,x-app-version',
  'Access-Control-Allow-Methods': 'GET,HEAD,POST,PUT,PATCH,DELETE',
  'Access-Control-Max-Age': '600',
};

export function sendJson(res: ServerResponse, status: number, body: string, extra?: Record<string, string>): void {
  if (res.headersSent) return;
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  };
  if (extra) Object.assign(headers, extra);
  res.writeHead(status, headers);
  res.end(body);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  const extra: Record<string, string> = {};
  if (err.code === Code.UNAUTHENTICATED) extra['WWW-Authenticate'] = err.message.replace(/[^\x20-\x7e]/g, '?');
  sendJson(res, err.status, JSON.stringify(err.toJSON()), extra);
}

/** Reads the whole body, refusing more than maxBytes (RESOURCE_EXHAUSTED, as the official node). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      reject(new ApiError(Code.RESOURCE_EXHAUSTED, `request body larger than max (${declared} vs. ${maxBytes})`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        reject(new ApiError(Code.RESOURCE_EXHAUSTED, `request body larger than max (${size}+ vs. ${maxBytes})`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (!failed) {
        failed = true;
        reject(new ApiError(Code.CANCELLED, `reading request: ${err.message}`));
      }
    });
  });
}

/** Client IP for rate limiting: the socket peer, or (behind a trusted proxy) the entry it appended. */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = req.headers['x-forwarded-for'];
    const v = Array.isArray(xff) ? xff[xff.length - 1] : xff;
    if (v) {
      const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
      if (parts.length) return parts[parts.length - 1]!;
    }
  }
  return req.socket.remoteAddress ?? 'ip_unknown';
}
