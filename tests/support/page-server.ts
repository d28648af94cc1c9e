// A tiny HTTP server on 127.0.0.1 for test pages (a "dapp" the extension's content script runs on).
// Pages are registered by path; anything else is a 404.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PageServer {
  url: string;
  /** Origin of the same server under another host name, for cross-origin frames. */
  altUrl: string;
  set(path: string, html: string): void;
  close(): Promise<void>;
}

export async function startPageServer(pages: Record<string, string> = {}): Promise<PageServer> {
  const routes = new Map(Object.entries(pages));
  const server: Server = createServer((req, res) => {
    const body = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    altUrl: `http://localhost:${port}`,
    set: (path, html) => void routes.set(path, html),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
