import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mc, api, encode, decode, u64, toBigInt, Long, ProtoDecodeError } from '../../src/xmtp/proto.ts';
import { bytesToHex } from '../../src/xmtp/crypto/bytes.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('generated protobuf code is up to date with the .proto files', () => {
  const out = mkdtempSync(join(tmpdir(), 'proto-check-'));
  try {
    const r = spawnSync(process.execPath, [join(root, 'scripts/gen-proto.mjs'), '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const f of ['generated.js', 'generated.d.ts']) {
      const fresh = readFileSync(join(out, f), 'utf8');
      const committed = readFileSync(join(root, 'src/xmtp/proto', f), 'utf8');
      assert.ok(fresh === committed, `src/xmtp/proto/${f} is stale: run node scripts/gen-proto.mjs`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('generated code is eval-free (extension CSP)', () => {
  const js = readFileSync(join(root, 'src/xmtp/proto/generated.js'), 'utf8');
  assert.doesNotMatch(js, /\bFunction\s*\(|\beval\s*\(/);
  // protobufjs/minimal only (no reflection, which compiles code at run time), through runtime.ts
  assert.match(js, /^import \$protobuf from "\.\/runtime\.ts";$/m);
  assert.match(readFileSync(join(root, 'src/xmtp/proto/runtime.ts'), 'utf8'), /^import \$protobuf from 'protobufjs\/minimal\.js';$/m);
});

test('64-bit fields use our Long (not the long package), in encoding, decoding and defaults', () => {
  const ns = 1700000002000000123n;
  const bytes = encode(api.Envelope, { contentTopic: 't', timestampNs: u64(ns) });
  const d = decode(api.Envelope, bytes);
  assert.ok(d.timestampNs instanceof Long);
  assert.deepEqual([d.timestampNs.low, d.timestampNs.high, d.timestampNs.unsigned], [Number(ns & 0xffffffffn) | 0, Number(ns >> 32n) | 0, true]);
  assert.equal(d.timestampNs.toBigInt(), ns);
  assert.equal(d.timestampNs.toString(), String(ns));
  // absent: the prototype default, an unsigned zero Long
  const empty = decode(api.Envelope, new Uint8Array(0));
  assert.ok(empty.timestampNs instanceof Long && empty.timestampNs.unsigned);
  assert.equal(toBigInt(empty.timestampNs), 0n);
  // protobufjs also accepts numbers and decimal strings for 64-bit fields (through Long.fromString)
  assert.equal(bytesToHex(encode(api.Envelope, { timestampNs: '18446744073709551615' as never })), bytesToHex(encode(api.Envelope, { timestampNs: u64(2n ** 64n - 1n) })));
  assert.equal(bytesToHex(encode(api.Envelope, { timestampNs: 300 as never })), bytesToHex(encode(api.Envelope, { timestampNs: u64(300) })));
  // signed views and wrapping
  assert.equal(Long.fromBits(-1, -1, false).toBigInt(), -1n);
  assert.equal(Long.fromBits(-1, -1, true).toBigInt(), 2n ** 64n - 1n);
  assert.equal(Long.fromBigInt(-2n, false).toBigInt(), -2n);
  assert.equal(Long.fromNumber(2 ** 53 + 2, true).toBigInt(), 2n ** 53n + 2n);
  assert.equal(Long.fromNumber(NaN).toBigInt(), 0n);
  assert.throws(() => Long.fromString('1.5'), SyntaxError);
});

test('encoder omits default scalars and writes set optionals like ts-proto (1.4)', () => {
  assert.equal(bytesToHex(encode(mc.Signature, { ecdsaCompact: { bytes: new Uint8Array([1]), recovery: 0 } })), '0a030a0101');
  assert.equal(bytesToHex(encode(mc.MessageV2, { shouldPush: false })), '2000');
  assert.equal(bytesToHex(encode(mc.ContentTypeId, { authorityId: 'a', typeId: 't', versionMajor: 1, versionMinor: 0 })), '0a0161120174180' + '1');
  assert.equal(bytesToHex(encode(api.AuthData, { walletAddr: '', createdNs: u64(0) })), '');
});

test('uint64 round-trips beyond 2^53', () => {
  const ns = 1700000002000000123n;
  const d = decode(api.Envelope, encode(api.Envelope, { contentTopic: 't', timestampNs: u64(ns), message: new Uint8Array([1]) }));
  assert.equal(toBigInt(d.timestampNs), ns);
  assert.equal(toBigInt(u64(2n ** 64n - 1n)), 2n ** 64n - 1n);
});

test('malformed bytes raise ProtoDecodeError', () => {
  assert.throws(() => decode(mc.Message, new Uint8Array([0x0a, 0x05, 0x01])), ProtoDecodeError);
  assert.throws(() => decode(mc.Message, new Uint8Array([0xff, 0xff, 0xff])), ProtoDecodeError);
});

test('oneof members decode independently, as the SDK keeps them (13.3)', () => {
  const bytes = encode(mc.PrivatePreferencesAction, { allowAddress: { walletAddresses: ['a'] }, denyAddress: { walletAddresses: ['b'] } });
  const d = decode(mc.PrivatePreferencesAction, bytes);
  assert.deepEqual(d.allowAddress?.walletAddresses, ['a']);
  assert.deepEqual(d.denyAddress?.walletAddresses, ['b']);
});
