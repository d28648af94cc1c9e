// Child process of bench/server.ts: `workers` concurrent keep-alive clients publishing `batch`
// envelopes per request for `seconds`; prints one JSON line {envelopes, requests, seconds}.
// Client `raw` (default): one lean HTTP/1.1 connection per worker (RawHttpConnection); `agent`:
// node:http with a keep-alive Agent (several times the CPU per request on the client side).
import { HttpClient, loopbackAddress, RawHttpConnection, runFor } from './load.ts';

const [url, workersArg, batchArg, secondsArg, token, tag, client = 'raw', firstAddress = '0'] = process.argv.slice(2);
const workers = Number(workersArg);
const batch = Number(batchArg);
const body = Buffer.alloc(256, 0x42).toString('base64');
const headers = { Authorization: `Bearer ${token}` };
let seq = 0;
const base = new URL(url!);
const agent = client === 'agent' ? new HttpClient(url!, workers) : null;
// Each worker from its own loopback address, as publishers are many machines.
const conns = Array.from({ length: workers }, (_, w) => new RawHttpConnection(base.hostname, Number(base.port), loopbackAddress(Number(firstAddress) + w)));
let envelopes = 0;
let requests = 0;
const t0 = performance.now();
await runFor(Number(secondsArg) * 1000, workers, async (w) => {
  const topic = `/xmtp/0/m-pub-${tag}-${w}/proto`;
  const envs = Array.from({ length: batch }, () => `{"contentTopic":"${topic}","timestampNs":"${1_700_000_000_000_000_000n + BigInt(++seq)}","message":"${body}"}`);
  const payload = `{"envelopes":[${envs.join(',')}]}`;
  const r = agent ? await agent.post('/message/v1/publish', payload, headers) : await conns[w]!.post('/message/v1/publish', payload, headers);
  if (r.status !== 200 || r.body !== '{}') throw new Error(`publish: ${r.status} ${r.body}`);
  envelopes += batch;
  requests++;
});
agent?.close();
for (const c of conns) c.close();
process.stdout.write(JSON.stringify({ envelopes, requests, seconds: (performance.now() - t0) / 1000 }) + '\n');
