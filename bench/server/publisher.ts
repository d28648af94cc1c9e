// Child process of bench/server.ts: `workers` concurrent keep-alive clients publishing `batch`
// envelopes per request for `seconds`; prints one JSON line {envelopes, requests, seconds}.
import { HttpClient, runFor } from './load.ts';

const [url, workersArg, batchArg, secondsArg, token, tag] = process.argv.slice(2);
const workers = Number(workersArg);
const batch = Number(batchArg);
const body = Buffer.alloc(256, 0x42).toString('base64');
let seq = 0;
const c = new HttpClient(url!, workers);
let envelopes = 0;
let requests = 0;
const t0 = performance.now();
await runFor(Number(secondsArg) * 1000, workers, async (w) => {
  const topic = `/xmtp/0/m-pub-${tag}-${w}/proto`;
  const envs = Array.from({ length: batch }, () => `{"contentTopic":"${topic}","timestampNs":"${1_700_000_000_000_000_000n + BigInt(++seq)}","message":"${body}"}`);
  const r = await c.post('/message/v1/publish', `{"envelopes":[${envs.join(',')}]}`, { Authorization: `Bearer ${token}` });
  if (r.status !== 200) throw new Error(`publish: ${r.status} ${r.body}`);
  envelopes += batch;
  requests++;
});
c.close();
process.stdout.write(JSON.stringify({ envelopes, requests, seconds: (performance.now() - t0) / 1000 }) + '\n');
