// `npm run bench -- sync`: a cold sync of an inbox with 200 conversations × 50 messages (10,000
// messages) from a local node, the extension's background (sync engine + IndexedDB cache, here
// fake-indexeddb under Node) against the official SDK doing the same (`conversations.list()` then
// `messages()` for each), in the same run; then an incremental sync with nothing new.
// Options: --conversations N (200), --messages N (50 per conversation), --incremental-runs N (5).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshBackground } from '../tests/background/setup.ts';
import { platform, setPlatform } from '../background/platform.ts';
import * as accounts from '../background/accounts.ts';
import { getClient } from '../background/xmtp-session.ts';
import { syncAll } from '../background/sync.ts';
import { CLOCK_SKEW_NS as SKEW_NS } from '../src/xmtp/sync/engine.ts';
import { listConversations } from '../background/inbox-store.ts';
import { Client } from '../src/xmtp/client.ts';
import { privateKeySigner } from '../src/xmtp/keys/private-key-signer.ts';
import { setSignatureVerifier, nobleVerifier } from '../src/xmtp/crypto/verifier.ts';
import { createSdkClient } from '../tests/support/sdk.ts';
import { secp256k1WasmPath } from '../tests/xmtp/wasm.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const CONVERSATIONS = arg('conversations', 200);
const PER = arg('messages', 50);
const INCREMENTAL_RUNS = arg('incremental-runs', 5);
const root = fileURLToPath(new URL('..', import.meta.url));
const key = (n: number) => '0x' + n.toString(16).padStart(64, '0');
const ME = key(0xabcdef);

async function startNodeProcess(dir: string): Promise<{ url: string; stop(): void }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', String(port), '--db', path.join(dir, 'bench.sqlite'), '--no-rate-limit', '--log-level', 'warn'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (up) return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('the node did not start');
}

async function pool<T>(items: T[], size: number, fn: (x: T) => Promise<void>) {
  let i = 0;
  await Promise.all(Array.from({ length: size }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-sync-'));
  const node = await startNodeProcess(dir);
  try {
    const me = privateKeySigner(ME).address;
    console.log(`seeding ${CONVERSATIONS} conversations × ${PER} messages on ${node.url} …`);
    const t0 = performance.now();
    await Client.create(privateKeySigner(ME), { apiUrl: node.url }); // our identity exists on the network
    await pool(
      Array.from({ length: CONVERSATIONS }, (_, i) => i),
      8,
      async (i) => {
        const peer = await Client.create(privateKeySigner(key(i + 1)), { apiUrl: node.url });
        const c = await peer.conversations.newConversation(me);
        for (let j = 0; j < PER; j++) await c.send(`message ${j} from peer ${i}`);
      },
    );
    console.log(`seeded in ${fmt(performance.now() - t0)}\n`);

    // Ours: the background's sync engine into IndexedDB, with the WebAssembly verifier the extension loads.
    await freshBackground(node.url);
    const wasm = readFileSync(secp256k1WasmPath());
    setPlatform({ ...platform(), secp256k1Wasm: async () => wasm });
    await accounts.importWallet({ privateKey: ME, password: 'bench password' }); // restores the identity from the network key store
    const a = await getClient();
    let t = performance.now();
    const stats = await syncAll(a);
    const oursCold = performance.now() - t;
    const cached = (await listConversations(a.account)).length;
    if (stats.newMessages !== CONVERSATIONS * PER || cached !== CONVERSATIONS) throw new Error(`ours synced ${stats.newMessages} messages in ${cached} conversations`);
    // Right after a burst, every sync re-reads the last 10 s of it (a sender's clock may lag ours by
    // that much). The figure that matters is the steady state: nothing new and the burst older than that.
    t = performance.now();
    await syncAll(a);
    const rightAfter = performance.now() - t;
    await new Promise((r) => setTimeout(r, Number(SKEW_NS / 1_000_000n) + 1000));
    await syncAll(a);
    const incremental: number[] = [];
    for (let i = 0; i < INCREMENTAL_RUNS; i++) {
      t = performance.now();
      const r = await syncAll(a);
      incremental.push(performance.now() - t);
      if (r.newMessages !== 0) throw new Error('an incremental sync found messages');
    }
    incremental.sort((x, y) => x - y);

    // Official SDK 13.0.4: what an app does to show the same inbox from scratch.
    setSignatureVerifier(nobleVerifier); // the SDK has its own crypto; keep ours out of its way
    const sdk = await createSdkClient(privateKeySigner(ME), node.url);
    t = performance.now();
    const convos = await sdk.conversations.list();
    let count = 0;
    for (const c of convos) count += (await c.messages()).length;
    const official = performance.now() - t;
    if (count !== CONVERSATIONS * PER) throw new Error(`the SDK listed ${count} messages`);

    console.log(`cold sync, ${CONVERSATIONS} conversations × ${PER} messages (${CONVERSATIONS * PER} messages)`);
    console.log(`  ours (background sync → IndexedDB):        ${fmt(oursCold)}  (${((CONVERSATIONS * PER) / (oursCold / 1000)).toFixed(0)} msg/s)`);
    console.log(`  official SDK (list + messages() each):     ${fmt(official)}  (${((CONVERSATIONS * PER) / (official / 1000)).toFixed(0)} msg/s)`);
    console.log(`  ratio ours / official:                     ${(official / oursCold).toFixed(1)}× faster (target ≥ 5×)`);
    console.log(`incremental sync right after the burst (re-reads its last ${Number(SKEW_NS / 1_000_000_000n)} s): ${fmt(rightAfter)}`);
    console.log(`incremental sync with nothing new (${INCREMENTAL_RUNS} runs): median ${fmt(incremental[Math.floor(incremental.length / 2)]!)}, worst ${fmt(incremental[incremental.length - 1]!)} (target < 200 ms)`);
  } finally {
    node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
