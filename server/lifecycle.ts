// Start and stop of the node's listening server. The server itself comes from a ServerFactory, so a
// different one (e.g. HTTPS or HTTP/2 with HTTP/1.1 fallback) can be slotted in through
// NodeOptions.serverFactory without touching routing or admission.
import { createServer, Server as HttpServer, type IncomingMessage, type RequestListener } from 'node:http';
import type { EventEmitter } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiError, Code } from './errors.ts';
import type { NodeLimits } from './limits.ts';
import type { Logger } from './log.ts';

/** What the node needs of a server: node:http's Server, https's, or http2's secure server. */
export interface ServerLike extends EventEmitter {
  listen(port: number, host: string, callback: () => void): unknown;
  close(callback?: (err?: Error) => void): unknown;
  address(): AddressInfo | string | null;
  closeIdleConnections?(): void;
  closeAllConnections?(): void;
}

export type ServerFactory = (listener: RequestListener, limits: NodeLimits) => ServerLike;

/** Plain HTTP/1.1 (the default), with the node's timeouts (a slow or idle client gets 408 and is closed). */
export const httpServerFactory: ServerFactory = (listener, limits) =>
  createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often the timeouts above are checked (Node's default, 30 s, would let them run late).
      connectionsCheckingInterval: Math.max(250, Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4),
    },
    listener,
  );

/** A raw HTTP answer for a connection refused before any request was read (plain HTTP only). */
export function rawJsonAnswer(status: number, reason: string, body: object): string {
  const text = JSON.stringify(body);
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`;
}

export interface ServeOptions {
  factory: ServerFactory;
  listener: RequestListener;
  /** HTTP upgrade requests (WebSockets). */
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * Each new connection, before anything is read: returns a release function, or throws an ApiError
   * to refuse it (answered as JSON on plain HTTP, else just closed).
   */
  onConnection?(socket: Socket): () => void;
  limits: NodeLimits;
  host: string;
  port: number;
  log: Logger;
  /** URL scheme of the listening server (default http). */
  scheme?: 'http' | 'https';
}

export interface DrainSteps {
  /** Ends long-lived responses (streams) and sockets politely. */
  endStreams(): void;
  /** Resolves when no request is in flight. */
  idle(): Promise<void>;
  /** Cuts what is still open. */
  terminate(): void;
}

export class Serving {
  private stopped: Promise<void> | null = null;
  private constructor(readonly server: ServerLike, readonly port: number, readonly url: string) {}

  static async start(o: ServeOptions): Promise<Serving> {
    const server = o.factory(o.listener, o.limits);
    server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
      const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
      if (!timeout) o.log.warn('malformed HTTP request', { err: String(err) });
      if (!socket.writable) {
        socket.destroy();
        return;
      }
      // A client too slow to send its request (the header or request timeout) gets 408, as Node
      // answers by default; a head over Node's size limit 431; anything else unparsable 400.
      const [status, reason, code, message] = timeout
        ? [408, 'Request Timeout', Code.DEADLINE_EXCEEDED, 'the request was not received in time']
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request Header Fields Too Large', Code.RESOURCE_EXHAUSTED, 'request head too large']
          : [400, 'Bad Request', Code.INVALID_ARGUMENT, 'malformed HTTP request'];
      socket.end(rawJsonAnswer(status, reason, new ApiError(code, message).toJSON()));
    });
    server.on('upgrade', o.onUpgrade);
    const gate = o.onConnection;
    if (gate) {
      const plain = server instanceof HttpServer;
      server.on('connection', (socket: Socket) => {
        try {
          const release = gate(socket);
          socket.once('close', release);
        } catch (err) {
          if (plain && err instanceof ApiError) socket.end(rawJsonAnswer(err.status, err.status === 429 ? 'Too Many Requests' : 'Service Unavailable', err.toJSON()));
          else socket.destroy();
          // Nothing of this connection is read: it goes once the answer is out.
          socket.once('finish', () => socket.destroy());
        }
      });
    }
    const { port, url } = await listen(server, o.host, o.port, o.scheme ?? 'http');
    server.on('error', (err) => o.log.error('server error', { err: String(err) }));
    return new Serving(server, port, url);
  }

  /** Graceful: stops accepting, ends streams, waits up to 10 s for requests, then cuts the rest. */
  stop(steps: DrainSteps): Promise<void> {
    this.stopped ??= (async () => {
      const { server } = this;
      const closed = new Promise<void>((r) => server.close(() => r()));
      steps.endStreams();
      server.closeIdleConnections?.();
      await Promise.race([steps.idle(), sleep(10_000)]);
      await Promise.race([closed, sleep(2_000)]);
      server.closeAllConnections?.();
      steps.terminate();
    })();
    return this.stopped;
  }
}

/** Listens (failing on e.g. EADDRINUSE) and answers the port and the URL. */
export async function listen(server: ServerLike, host: string, port: number, scheme: 'http' | 'https' = 'http'): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return { port: bound, url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${bound}` };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
