// Live subscriptions prefer the node's WebSocket endpoint and fall back to the HTTP stream on a node
// (or a proxy) that has none; either way every envelope arrives.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { startNode } from '../../server/node.ts';
import { PreferWebSocket } from '../../background/nodes.ts';
import { ApiClient } from '../../src/xmtp/api/api-client.ts';
import { HttpTransport } from '../../src/xmtp/api/http-transport.ts';
import type { WebSocketConstructor } from '../../src/xmtp/api/ws-transport.ts';
import type { Envelope } from '../../src/xmtp/api/types.ts';

let node: Awaited<ReturnType<typeof startNode>>;
let plainProxy: Server; // forwards HTTP requests, refuses WebSocket upgrades, like many proxies and older nodes
let proxyUrl: string;
before(async () => {
  node = await startNode({ port: 0, db: ':memory:', logLevel: 'error', rateLimits: false, auth: false });
  plainProxy = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const upstream = await fetch(node.url + req.url, { method: req.method, headers: { 'content-type': 'application/json' }, body: chunks.length ? Buffer.concat(chunks) : undefined });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.flushHeaders(); // a stream's headers go out at once, before any envelope
    if (!upstream.body) return res.end();
    for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
    res.end();
  });
  plainProxy.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 404 Not Found\r\n\r\n'));
  await new Promise<void>((r) => plainProxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(plainProxy.address() as AddressInfo).port}`;
});
after(async () => {
  plainProxy.closeAllConnections();
  plainProxy.close();
  await node.close();
});

const TOPIC = '/xmtp/0/m-livetransporttest/proto';

async function deliverThrough(apiUrl: string) {
  const transport = new PreferWebSocket(apiUrl, { WebSocket: WebSocket as unknown as WebSocketConstructor });
  const api = new ApiClient({ transport: new HttpTransport({ apiUrl: node.url }), subscribeTransport: transport });
  const got: Envelope[] = [];
  const sub = api.subscribe([TOPIC], (e) => got.push(e));
  await sub.ready;
  const message = crypto.getRandomValues(new Uint8Array(16));
  await fetch(`${node.url}/message/v1/publish`, {
    method: 'POST',
    body: JSON.stringify({ envelopes: [{ contentTopic: TOPIC, timestampNs: String(BigInt(Date.now()) * 1_000_000n), message: Buffer.from(message).toString('base64') }] }),
  });
  for (let i = 0; i < 100 && !got.length; i++) await new Promise((r) => setTimeout(r, 50));
  sub.close();
  return { transport, got, message };
}

test('the node\'s WebSocket endpoint is used when it answers', async () => {
  const { transport, got, message } = await deliverThrough(node.url);
  assert.equal(transport.usingWebSocket, true);
  assert.deepEqual(got.map((e) => Buffer.from(e.message)), [Buffer.from(message)]);
});

test('without a WebSocket endpoint the HTTP stream carries the subscription', async () => {
  const { transport, got, message } = await deliverThrough(proxyUrl);
  assert.equal(transport.usingWebSocket, false);
  assert.deepEqual(got.map((e) => Buffer.from(e.message)), [Buffer.from(message)]);
});

test('keep-alives are application messages both ways: the node pings and we answer, and we ping a quiet node, which answers', async () => {
  const quiet = await startNode({ port: 0, db: ':memory:', logLevel: 'error', rateLimits: false, auth: false, wsPingMs: 600_000 });
  const chatty = await startNode({ port: 0, db: ':memory:', logLevel: 'error', rateLimits: false, auth: false, wsPingMs: 100 });
  try {
    const exchanges = async (apiUrl: string) => {
      let n = 0;
      // a short quiet interval, so that our own pings show within the test
      const transport = new PreferWebSocket(apiUrl, { WebSocket: WebSocket as unknown as WebSocketConstructor, onKeepAlive: () => n++, keepAliveMs: 100 });
      const api = new ApiClient({ transport: new HttpTransport({ apiUrl }), subscribeTransport: transport });
      const sub = api.subscribe([TOPIC], () => {});
      await sub.ready;
      await new Promise((r) => setTimeout(r, 700));
      sub.close();
      return n;
    };
    assert.ok((await exchanges(chatty.url)) >= 3, "the node's pings, answered");
    assert.ok((await exchanges(quiet.url)) >= 3, 'our pings to a node that does not ping, answered with pongs');
  } finally {
    await quiet.close();
    await chatty.close();
  }
});
