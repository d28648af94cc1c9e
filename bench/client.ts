// `npm run bench -- client`: our client vs the official @xmtp/xmtp-js 13.0.4 in one process, on
// the same data, through our node on loopback. Prints figures and ratios (ours / official).
//   decode 1,000 V2 messages from one sender (decrypt + verify + content)
//   encode + sign 1,000 messages
//   list + decode 1,000 messages through the node (cold client)
//   canMessage for 200 addresses (100 on the network)
// Options: --messages N (default 1000), --runs N (ours, default 7), --official-runs N (default 5).
// Figures are best-of-runs with runs interleaved; medians are shown too.
import { startNode } from '../server/node.ts';
import { Client, type Envelope } from '../src/xmtp/index.ts';
import { randomBytes } from '../src/xmtp/crypto/bytes.ts';
import { privateKeySigner } from '../src/xmtp/keys/private-key-signer.ts';
import { PrivateKeyBundle } from '../src/xmtp/keys/private-key-bundle.ts';
import { encodeV2Message } from '../src/xmtp/messages/v2.ts';
import { clearBundleCache } from '../src/xmtp/keys/bundles.ts';
import { ApiClient } from '../src/xmtp/api/api-client.ts';
import { HttpTransport } from '../src/xmtp/api/http-transport.ts';
import { AuthCache } from '../src/xmtp/auth/token.ts';
import { ContactDirectory } from '../src/xmtp/contacts.ts';
import { getSignatureVerifier, nobleVerifier, setSignatureVerifier } from '../src/xmtp/crypto/verifier.ts';
import { sha256 } from '../src/xmtp/crypto/hashes.ts';
import { getPublicKey, signDigest } from '../src/xmtp/crypto/secp256k1.ts';
import { createSdkClient, sdk } from '../tests/support/sdk.ts';
import { createNodeWasmVerifier, secp256k1WasmPath } from '../tests/xmtp/wasm.ts';
import { statSync } from 'node:fs';
import { secp256k1 } from '@noble/curves/secp256k1.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('messages', 1000);
const RUNS = arg('runs', 7);
const SDK_RUNS = arg('official-runs', 5);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Timing {
  best: number;
  median: number;
}

/**
 * Runs both sides alternately (ours, official, ours, ...) so background load on a shared machine
 * hits both alike; reports best and median per side.
 */
async function compare(runsOurs: number, runsOfficial: number, ours: () => Promise<unknown>, official: () => Promise<unknown>): Promise<[Timing, Timing]> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < Math.max(runsOurs, runsOfficial); i++) {
    if (i < runsOurs) {
      const t0 = performance.now();
      await ours();
      a.push(performance.now() - t0);
    }
    if (i < runsOfficial) {
      const t0 = performance.now();
      await official();
      b.push(performance.now() - t0);
    }
  }
  return [
    { best: Math.min(...a), median: median(a) },
    { best: Math.min(...b), median: median(b) },
  ];
}

const rows: Array<{ name: string; ratio: number; target?: number }> = [];
function report(name: string, count: number, [ours, official]: [Timing, Timing], target?: number) {
  const ratio = official.best / ours.best;
  const ratioMedian = official.median / ours.median;
  rows.push({ name, ratio, target });
  const rate = (ms: number) => ((count / ms) * 1000).toFixed(0);
  console.log(
    `${name.padEnd(40)} ours ${ours.best.toFixed(0).padStart(5)} ms (${rate(ours.best).padStart(5)}/s)  ` +
      `official ${official.best.toFixed(0).padStart(5)} ms (${rate(official.best).padStart(4)}/s)  ` +
      `ours/official speed ${ratio.toFixed(1).padStart(4)}× (median ${ratioMedian.toFixed(1)}×)` +
      (target ? `  target ≥ ${target}×: ${ratio >= target ? 'met' : 'NOT met'}` : ''),
  );
}

async function main() {
  // ---- signature backends ----
  const wasm = await createNodeWasmVerifier();
  const priv = randomBytes(32);
  const pub = getPublicKey(priv);
  const digest = sha256(priv);
  const sig = signDigest(digest, priv).bytes;
  const plainNoble = { verify: (d: Uint8Array, s: Uint8Array, p: Uint8Array) => secp256k1.verify(s, d, p, { prehash: false }) };
  const micro = (v: { verify: typeof plainNoble.verify }, n: number) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) v.verify(digest, sig, pub);
    return (performance.now() - t0) / n;
  };
  micro(plainNoble, 20);
  micro(wasm, 200);
  micro(nobleVerifier, 20);
  const us = (x: number) => `${(x * 1000).toFixed(0)} µs`;
  console.log(
    `signature verify: noble ${us(micro(plainNoble, 200))}, noble with a precomputed key table ${us(micro(nobleVerifier, 200))}, ` +
      `libsecp256k1 WASM ${us(micro(wasm, 2000))} (wasm file ${(statSync(secp256k1WasmPath()).size / 1024).toFixed(0)} KiB)`,
  );
  setSignatureVerifier(wasm);
  console.log(`our secp256k1 backend: ${getSignatureVerifier().name}; ${N} messages; best of ${RUNS} runs (official: ${SDK_RUNS}), interleaved\n`);

  const node = await startNode({ port: 0, db: ':memory:', logLevel: 'error', rateLimits: false });
  try {
    const aliceWallet = privateKeySigner(randomBytes(32));
    const bobWallet = privateKeySigner(randomBytes(32));
    const alice = await Client.create(aliceWallet, { apiUrl: node.url });
    const bob = await Client.create(bobWallet, { apiUrl: node.url });
    const sdkAlice = await createSdkClient(null, node.url, { privateKeyOverride: alice.exportKeyBundle() });
    const sdkBob = await createSdkClient(null, node.url, { privateKeyOverride: bob.exportKeyBundle() });
    const conv = await alice.conversations.newConversation(bob.address);
    const [bobConv] = await bob.conversations.list();
    const sdkBobConv = (await sdkBob.conversations.list()).find((c: any) => c.topic === conv.topic);
    const sdkAliceConv = (await sdkAlice.conversations.list()).find((c: any) => c.topic === conv.topic);
    if (!bobConv || !sdkBobConv || !sdkAliceConv) throw new Error('conversation setup failed');

    // ---- data: N messages from Alice, published ----
    const texts = Array.from({ length: N }, (_, i) => `message ${i} ${'lorem ipsum '.repeat(i % 8)}`);
    const base = BigInt(Date.now() - N) * 1_000_000n;
    const envelopes: Envelope[] = [];
    for (let i = 0; i < N; i++) {
      const payload = (await alice.registry.encode(texts[i]!)).bytes;
      const createdNs = base + BigInt(i) * 1_000_000n;
      const m = await encodeV2Message({ keys: alice.keys, topic: conv.topic, keyMaterial: conv.record.keyMaterial!, payload, createdNs, shouldPush: true });
      envelopes.push({ contentTopic: conv.topic, timestampNs: createdNs, message: m.bytes });
    }
    for (let i = 0; i < N; i += 100) await alice.api.publish(envelopes.slice(i, i + 100));
    const sdkEnvelopes = envelopes.map((e) => ({ contentTopic: e.contentTopic, timestampNs: e.timestampNs.toString(), message: e.message }));

    // ---- 1. decode ----
    const decode = await compare(RUNS, SDK_RUNS, async () => {
      clearBundleCache();
      const stored = await bobConv.decodeEnvelopes(envelopes);
      const msgs = await Promise.all(stored.map((m) => bobConv.toDecodedMessage(m)));
      if (msgs.length !== N || msgs[N - 1]!.content !== texts[N - 1]) throw new Error('ours: decode mismatch');
    }, async () => {
      const msgs = await Promise.all(sdkEnvelopes.map((e) => sdkBobConv.processEnvelope(e)));
      const decoded = await sdkBobConv.decryptBatch(msgs, false);
      if (decoded.length !== N || decoded[N - 1].content !== texts[N - 1]) throw new Error('official: decode mismatch');
    });
    report(`decode ${N} V2 messages (decrypt+verify)`, N, decode, 10);

    // ---- 2. encode + sign ----
    const encodeT = await compare(RUNS, SDK_RUNS, async () => {
      await Promise.all(
        texts.map(async (t) => {
          const payload = await alice.registry.encode(t);
          return encodeV2Message({ keys: alice.keys, topic: conv.topic, keyMaterial: conv.record.keyMaterial!, payload: payload.bytes, createdNs: BigInt(Date.now()) * 1_000_000n, shouldPush: payload.shouldPush });
        }),
      );
    }, async () => {
      await Promise.all(texts.map((t) => sdkAliceConv.prepareMessage(t)));
    });
    report(`encode+sign ${N} messages`, N, encodeT, 2);

    // ---- 3. list + decode through the node, cold clients ----
    const list = await compare(RUNS, SDK_RUNS, async () => {
      clearBundleCache();
      const fresh = await Client.create(null, { apiUrl: node.url, privateKeyOverride: bob.exportKeyBundle(), skipContactPublishing: true });
      const c = (await fresh.conversations.getByTopic(conv.topic)) ?? (await fresh.conversations.list()).find((x) => x.topic === conv.topic)!;
      const msgs = await c.messages();
      if (msgs.length !== N) throw new Error(`ours: listed ${msgs.length}`);
    }, async () => {
      const fresh = await createSdkClient(null, node.url, { privateKeyOverride: bob.exportKeyBundle(), skipContactPublishing: true });
      const c = (await fresh.conversations.list()).find((x: any) => x.topic === conv.topic);
      const msgs = await c.messages();
      if (msgs.length !== N) throw new Error(`official: listed ${msgs.length}`);
    });
    report(`list+decode ${N} messages via node`, N, list, 10);

    // ---- 4. canMessage for 200 addresses ----
    const registered: string[] = [];
    for (let i = 0; i < 100; i++) {
      const w = privateKeySigner(randomBytes(32));
      const keys = await PrivateKeyBundle.generate(w);
      const api = new ApiClient({ transport: new HttpTransport({ apiUrl: node.url }) });
      api.setAuth(new AuthCache(keys));
      await new ContactDirectory(api).ensurePublished(keys);
      registered.push(w.address);
    }
    const addresses = [...registered, ...Array.from({ length: 100 }, () => privateKeySigner(randomBytes(32)).address)];
    const can = await compare(RUNS, SDK_RUNS, async () => {
      clearBundleCache();
      const r = await Client.canMessage(addresses, { apiUrl: node.url });
      if (r.filter(Boolean).length !== 100) throw new Error('ours: canMessage mismatch');
    }, async () => {
      const r = await sdk.Client.canMessage(addresses, { env: 'local', apiUrl: node.url });
      if (r.filter(Boolean).length !== 100) throw new Error('official: canMessage mismatch');
    });
    report('canMessage 200 addresses (batch)', 200, can);

    // ---- the same decode with the pure-JS (noble) backend, for reference ----
    setSignatureVerifier(null);
    const nobleDecode = await compare(RUNS, 1, async () => {
      clearBundleCache();
      await bobConv.decodeEnvelopes(envelopes);
    }, async () => {
      const msgs = await Promise.all(sdkEnvelopes.map((e) => sdkBobConv.processEnvelope(e)));
      await sdkBobConv.decryptBatch(msgs, false);
    });
    report(`decode ${N}, noble backend (no WASM)`, N, nobleDecode);
    setSignatureVerifier(wasm);
  } finally {
    await node.close();
  }
  const failed = rows.filter((r) => r.target && r.ratio < r.target);
  console.log(failed.length ? `\n${failed.length} target(s) not met` : '\nall targets met');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
