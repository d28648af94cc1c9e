// src/xmtp must run unchanged in a service worker and a page: bundle it the way the extension
// build does (esbuild, browser platform, IIFE, build.mjs' aliases) and check what ends up in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
// @ts-expect-error build.mjs is plain JavaScript without type declarations
import { ALIAS } from '../../build.mjs';

const entry = fileURLToPath(new URL('../../src/xmtp/index.ts', import.meta.url));

test('src/xmtp bundles for the browser without Node modules, eval or new Function', async () => {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    globalName: 'XMTP',
    minify: true,
    metafile: true,
    alias: ALIAS,
    logLevel: 'silent',
  });
  const code = r.outputFiles[0]!.text;
  const inputs = Object.keys(r.metafile.inputs);
  assert.ok(!inputs.some((i) => i.startsWith('node:') || /(^|\/)(fs|path|crypto|url|module)$/.test(i)), inputs.join('\n'));
  assert.doesNotMatch(code, /\beval\(|new Function\(|\bFunction\(/);
  // tiny-secp256k1's JS is not bundled (its .wasm is loaded explicitly by the caller)
  assert.ok(!inputs.some((i) => i.includes('tiny-secp256k1')));
  // 64-bit fields use src/xmtp/proto/long.ts; the `long` package is not bundled
  assert.ok(!inputs.some((i) => i.includes('node_modules/long/')), inputs.join('\n'));
  assert.ok(code.length < 400_000, `bundle is ${code.length} bytes`);

  // Evaluate it in a context with only web-platform globals (what a worker has): no window,
  // no document, no process, no require.
  const sandbox: Record<string, unknown> = {
    crypto: globalThis.crypto, TextEncoder, TextDecoder, fetch: globalThis.fetch, AbortController, setTimeout, clearTimeout,
    CompressionStream, DecompressionStream, Response, Blob, WebAssembly, console, Uint8Array, BigInt, Promise, Date, Math,
  };
  sandbox.self = sandbox;
  sandbox.globalThis = sandbox;
  runInNewContext(code, sandbox);
  const X = sandbox.XMTP as typeof import('../../src/xmtp/index.ts');
  assert.equal(typeof X.Client.create, 'function');
  const signer = X.privateKeySigner(new Uint8Array(32).fill(0x11));
  assert.equal(signer.address, '0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A');
  const keys = await X.PrivateKeyBundle.generate(signer, { identityTimestampMs: 1700000000123 });
  assert.equal(keys.walletAddress, signer.address);
  // uint64 fields round-trip (protobufjs found no `long` package here: runtime.ts's Long)
  const again = X.PrivateKeyBundle.decode(keys.encode());
  assert.equal(again.identity.timestampMs, 1700000000123);
  assert.equal(again.walletAddress, signer.address);
  const nowMs = 1700000000123;
  const token = X.createAuthToken(keys, nowMs);
  assert.equal(X.validateAuthToken(token.base64, nowMs).createdNs, 1700000000123000000n); // > 2^53: exact only as a Long
  const reg = new X.ContentRegistry();
  const p = await reg.encode('x'.repeat(50), { compression: X.Compression.Gzip });
  assert.equal((await reg.decode(p.bytes)).content, 'x'.repeat(50));
});
