// HTTPS serving with a certificate made in the test: HTTP/2 (ALPN h2) with HTTP/1.1 fallback on the
// same port, streams over HTTP/2, and WebSocket subscriptions over TLS (wss://).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { connect } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startNode, type XmtpNode } from '../../server/node.ts';
import { env } from './helpers.ts';

let dir: string;
let node: XmtpNode;
let ca: Buffer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xmtp-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  ca = execFileSync('cat', [cert]);
  node = await startNode({ port: 0, db: ':memory:', auth: false, logLevel: 'silent', tls: { cert, key } });
});

after(async () => {
  await node?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the node serves HTTPS: HTTP/2 and HTTP/1.1 on one port', async () => {
  assert.match(node.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  // HTTP/2
  const session = connect(node.url, { ca });
  try {
    const topic = '/xmtp/0/m-tls/proto';
    const sub = session.request({ ':method': 'POST', ':path': '/message/v1/subscribe' });
    sub.end(JSON.stringify({ contentTopics: [topic] }));
    const head = await new Promise<Record<string, unknown>>((r) => sub.on('response', r));
    assert.equal(head[':status'], 200);
    let streamed = '';
    const line = new Promise<string>((r) => sub.on('data', (d: Buffer) => ((streamed += d), streamed.includes('\n') && r(streamed))));
    const pub = session.request({ ':method': 'POST', ':path': '/message/v1/publish' });
    pub.end(JSON.stringify({ envelopes: [env(topic, 5, 'over h2')] }));
    const pubStatus = await new Promise((r) => pub.on('response', (h) => r(h[':status'])));
    assert.equal(pubStatus, 200);
    const got = JSON.parse((await line).trim());
    assert.equal(Buffer.from(got.result.message, 'base64').toString(), 'over h2');
    sub.close();
  } finally {
    session.close();
  }
  // HTTP/1.1 on the same port
  const body = await new Promise<{ status: number; alpn: string | false | null; text: string }>((resolve, reject) => {
    const req = httpsRequest(node.url + '/healthz', { ca, agent: new Agent({ ca, ALPNProtocols: ['http/1.1'] }) }, (res) => {
      let text = '';
      const alpn = (res.socket as TLSSocket).alpnProtocol;
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, alpn, text }));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(body.status, 200);
  assert.equal(body.alpn, 'http/1.1');
  assert.equal(JSON.parse(body.text).status, 'ok');
});

test('WebSocket subscriptions work over TLS (wss://)', async () => {
  const ws = new WebSocket(node.url.replace('https:', 'wss:') + '/message/v1/ws', { ca });
  const frames: Array<{ type: string; [k: string]: unknown }> = [];
  const next = (type: string) =>
    new Promise<{ type: string; [k: string]: unknown }>((resolve) => {
      const check = () => {
        const f = frames.find((x) => x.type === type);
        if (f) resolve(f);
        else setTimeout(check, 10);
      };
      check();
    });
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  await next('ready');
  const topic = '/xmtp/0/m-wss/proto';
  ws.send(JSON.stringify({ type: 'subscribe', id: 1, topics: [topic] }));
  await next('ack');
  const s = connect(node.url, { ca });
  const r = s.request({ ':method': 'POST', ':path': '/message/v1/publish' });
  r.end(JSON.stringify({ envelopes: [env(topic, 7, 'over wss')] }));
  assert.equal(await new Promise((ok) => r.on('response', (h) => ok(h[':status']))), 200);
  s.close();
  const e = await next('envelope');
  assert.equal(Buffer.from((e.result as { message: string }).message, 'base64').toString(), 'over wss');
  ws.close();
});
