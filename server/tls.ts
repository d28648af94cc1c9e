// HTTPS for a public node: HTTP/2 over TLS with HTTP/1.1 fallback on one port (ALPN picks), so a
// browser multiplexes every stream of a page over one connection instead of stalling at its ~6
// HTTP/1.1 connections per host; HTTP/1.1 clients (the official SDK under Node, WebSocket upgrades:
// wss://) keep working on the same port.
import { readFileSync } from 'node:fs';
import { createSecureServer, type ServerHttp2Session } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { ServerFactory } from './lifecycle.ts';

export interface TlsFiles {
  cert: string;
  key: string;
}

export function tlsServerFactory(files: TlsFiles): ServerFactory {
  // Read at start: a missing or unreadable file stops the node before it listens.
  const cert = readFileSync(files.cert);
  const key = readFileSync(files.key);
  return (listener, limits) => {
    const server = createSecureServer(
      {
        cert,
        key,
        allowHTTP1: true,
        // Streams are long-lived; many per connection is the point of HTTP/2.
        settings: { maxConcurrentStreams: 1000 },
        maxSessionMemory: 64,
      },
      // The compatibility API hands handlers request/response objects shaped like node:http's.
      listener as unknown as Parameters<typeof createSecureServer>[1],
    );
    server.setTimeout(limits.requestTimeoutMs);
    // What node:http offers for a graceful stop, for this server's HTTP/2 sessions and TLS sockets.
    const sessions = new Set<ServerHttp2Session>();
    const sockets = new Set<TLSSocket>();
    server.on('session', (s: ServerHttp2Session) => {
      sessions.add(s);
      s.on('close', () => sessions.delete(s));
    });
    server.on('secureConnection', (sock: TLSSocket) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
    });
    return Object.assign(server, {
      // GOAWAY: requests in flight finish, no new ones start.
      closeIdleConnections: () => sessions.forEach((s) => s.close()),
      closeAllConnections: () => {
        sessions.forEach((s) => s.destroy());
        sockets.forEach((s) => s.destroy());
      },
    });
  };
}
