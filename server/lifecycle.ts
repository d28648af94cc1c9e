// Start and stop of the node's listening server. The server itself comes from a ServerFactory, so a
// different one (e.g. HTTPS or HTTP/2 with HTTP/1.1 fallback) can be slotted in through
// NodeOptions.serverFactory without touching routing or admission.
import { createServer, type IncomingMessage, type RequestListener } from 'node:http';
import type { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
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

/** Plain HTTP/1.1 (the default). */
export const httpServerFactory: ServerFactory = (listener, limits) =>
  createServer({ keepAliveTimeout: limits.keepAliveTimeoutMs, requestTimeout: limits.requestTimeoutMs }, listener);

export interface ServeOptions {
  factory: ServerFactory;
  listener: RequestListener;
  /** HTTP upgrade requests (WebSockets). */
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
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
    server.on('clientError', (err: Error, socket: Duplex) => {
      o.log.warn('malformed HTTP request', { err: String(err) });
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    server.on('upgrade', o.onUpgrade);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => o.log.error('server error', { err: String(err) }));
    const port = (server.address() as AddressInfo).port;
    const host = o.host.includes(':') ? `[${o.host}]` : o.host;
    return new Serving(server, port, `${o.scheme ?? 'http'}://${host}:${port}`);
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

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
