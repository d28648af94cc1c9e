// A TCP relay standing for one network link between two node processes (tests and benchmarks):
// cut() drops its connections and refuses new ones until heal(); `bytes` counts what crossed it.
import { connect, createServer, type Server, type Socket } from 'node:net';

export class TcpLink {
  private server: Server;
  private sockets = new Set<Socket>();
  private up = true;
  port = 0;
  /** Bytes relayed, both directions. */
  bytes = 0;

  constructor(private targetPort: number) {
    // noDelay both ways: a link forwards packets as they come; a relay left to Nagle's algorithm holds
    // small writes back for the peer's delayed ACK (~40 ms per request/response exchange).
    this.server = createServer({ noDelay: true }, (client) => {
      if (!this.up) return client.destroy();
      const upstream = connect({ port: this.targetPort, host: '127.0.0.1', noDelay: true });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
        s.on('data', (d: Buffer) => (this.bytes += d.length));
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  /** Listens on a free loopback port; resolves with the multiaddr prefix to dial through it. */
  listen(): Promise<string> {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () => {
        this.port = (this.server.address() as { port: number }).port;
        resolve(`/ip4/127.0.0.1/tcp/${this.port}`);
      }),
    );
  }

  cut(): void {
    this.up = false;
    for (const s of this.sockets) s.destroy();
  }

  heal(): void {
    this.up = true;
  }

  close(): void {
    this.cut();
    this.server.close();
  }
}

/** The TCP port of a /ip4/…/tcp/<port>/… multiaddr. */
export function tcpPortOf(addr: string): number {
  const m = /\/tcp\/(\d+)/.exec(addr);
  if (!m) throw new Error(`no TCP port in ${addr}`);
  return Number(m[1]);
}
