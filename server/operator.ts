// The operator address (--metrics-host/--metrics-port, loopback by default): GET /metrics for
// Prometheus, on a listener of its own so that the public address never shows it. It answers
// without CORS headers (a web page cannot read it) and only to a Host that is an IP address,
// `localhost` or the configured host name (a page cannot reach it through DNS rebinding either).
import { createServer } from 'node:http';
import { isIP } from 'node:net';
import { listen } from './lifecycle.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';

export interface OperatorServer {
  url: string;
  close(): Promise<void>;
}

export async function startOperatorServer(o: { host: string; port: number; metrics: Metrics; log: Logger }): Promise<OperatorServer> {
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 10_000 }, (req, res) => {
    const hostname = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    const path = (req.url ?? '/').split('?')[0];
    let status = 200;
    let body: string;
    if (!(isIP(hostname) || hostname === 'localhost' || hostname === o.host)) [status, body] = [421, 'misdirected request\n'];
    else if (path !== '/metrics') [status, body] = [404, 'not found: the operator address serves GET /metrics\n'];
    else if (req.method !== 'GET' && req.method !== 'HEAD') [status, body] = [405, 'method not allowed\n'];
    else body = o.metrics.registry.render();
    res.writeHead(status, { 'Content-Type': status === 200 ? 'text/plain; version=0.0.4; charset=utf-8' : 'text/plain', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
  const { url } = await listen(server, o.host, o.port);
  server.on('error', (err) => o.log.error('operator server error', { err: String(err) }));
  return {
    url,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
