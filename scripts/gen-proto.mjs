#!/usr/bin/env node
// Generates eval-free static protobuf code for src/xmtp from our own .proto files.
// protobufjs reflection compiles encoders with `new Function`, which the extension CSP forbids,
// so the runtime only uses protobufjs/minimal (through src/xmtp/proto/runtime.ts) plus this
// generated code.
//   node scripts/gen-proto.mjs            writes src/xmtp/proto/generated.{js,d.ts}
//   node scripts/gen-proto.mjs --out DIR  writes them to DIR instead (used by the staleness test)
//
// Only the message types listed in USED (and the types they contain) get code and declarations:
// the .proto files keep the whole specification, but e.g. the Message API's request/response
// messages travel as JSON and need none. Using another type (tsc says it does not exist): add it
// to USED and rerun.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const protoDir = join(root, 'src/xmtp/proto');
const outIdx = process.argv.indexOf('--out');
const outDir = outIdx > 0 ? process.argv[outIdx + 1] : protoDir;
const pbjs = join(root, 'node_modules/protobufjs-cli/bin/pbjs');
// The full protobufjs (with the .proto parser) is only used here, at generation time.
const protobuf = createRequire(import.meta.url)('protobufjs');

// What src/xmtp, the node (server/) and tests/xmtp encode or decode (SignedContent: tests only;
// v2.ts assembles it around pre-encoded bundle bytes).
const USED = {
  'xmtp.message_contents': [
    'Signature', 'PublicKey', 'PublicKeyBundle', 'UnsignedPublicKey', 'SignedPublicKey', 'SignedPublicKeyBundle',
    'PrivateKeyBundle', 'EncryptedPrivateKeyBundle', 'Message', 'MessageHeaderV1', 'MessageHeaderV2', 'SignedContent',
    'InvitationV1', 'SealedInvitation', 'SealedInvitationHeaderV1', 'ContactBundle', 'EncodedContent',
    'PrivatePreferencesAction', 'PrivatePreferencesPayload',
  ],
  'xmtp.message_api.v1': ['Envelope', 'Token', 'AuthData'],
};

/** The schema reduced to USED and everything those types contain, as protobufjs JSON. */
function usedSchema() {
  const schema = new protobuf.Root();
  schema.resolvePath = (_origin, target) => join(protoDir, target);
  schema.loadSync(['message_contents.proto', 'message_api.proto']);
  schema.resolveAll();
  const keep = new Set();
  const add = (t) => {
    if (keep.has(t)) return;
    keep.add(t);
    for (let p = t.parent; p && p !== schema; p = p.parent) keep.add(p); // enclosing types and namespaces
    if (t instanceof protobuf.Type) for (const f of t.fieldsArray) if (f.resolvedType) add(f.resolvedType);
  };
  for (const [ns, names] of Object.entries(USED)) for (const n of names) add(schema.lookupTypeOrEnum(`${ns}.${n}`));
  const prune = (ns) => {
    for (const child of [...ns.nestedArray]) {
      if (!keep.has(child)) ns.remove(child);
      else if (child.nestedArray) prune(child);
    }
  };
  prune(schema);
  return JSON.stringify(schema.toJSON());
}

// uint64 values (ns timestamps) exceed 2^53: force Long so they round-trip exactly.
const common = ['-t', 'static-module', '-w', 'esm', '--dependency', './runtime.ts', '--force-long', '--no-create',
  '--no-verify', '--no-convert', '--no-delimited', '--no-typeurl', '--no-service'];

// Loader hooks inherited through NODE_OPTIONS (the test runner's `--import tsx`) make jsdoc's
// piped output end early, truncating the declarations: run the generator without them.
const env = { ...process.env };
delete env.NODE_OPTIONS;

function pbjsRun(args, input) {
  const r = spawnSync(process.execPath, [pbjs, ...common, ...args, input], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`pbjs failed: ${r.stderr}`);
}

// protobufjs 8 emits code to keep unknown fields in `$unknowns` when a Reader has discardUnknown
// off, and to write them back when encoding. Readers discard them by default (as the official SDK
// does) and src/xmtp never turns that off, so this code never runs: drop it, and its declarations.
const UNKNOWN_FIELDS_JS = [
  /\n *if \(message\.\$unknowns != null && \$Object\.hasOwnProperty\.call\(message, "\$unknowns"\)\)\n *for \(let i = 0; i < message\.\$unknowns\.length; \+\+i\)\n *writer\.raw\(message\.\$unknowns\[i\]\);/g,
  /\n *if \(!reader\.discardUnknown\) \{\n *\$util\.makeProp\(message, "\$unknowns", false\);\n *\(message\.\$unknowns \|\| \(message\.\$unknowns = \[\]\)\)\.push\(reader\.raw\(start, reader\.pos\)\);\n *\}/g,
  /\n *let start = reader\.pos;/g, // only used for the above
];
const UNKNOWN_FIELDS_DTS = [
  /\n\n *\/\*\* Unknown fields preserved while decoding when enabled \*\/\n *\$unknowns\?: Uint8Array\[\];/g, // classes, $Properties
  /\n *\$unknowns\?: Uint8Array\[\];/g, // $Shape
];

function withoutUnknownFields(text, patterns, leftover) {
  for (const re of patterns) {
    const before = text;
    text = text.replace(re, '');
    if (text === before) throw new Error(`pbjs output changed: ${re} no longer matches (update gen-proto.mjs)`);
  }
  if (leftover.test(text)) throw new Error(`pbjs output changed: unknown-field handling left (${leftover})`);
  return text;
}

const header = '// GENERATED by scripts/gen-proto.mjs from src/xmtp/proto/*.proto. Do not edit.\n';
const tmp = mkdtempSync(join(tmpdir(), 'gen-proto-'));
try {
  const input = join(tmp, 'schema.json');
  writeFileSync(input, usedSchema());
  // Declarations are derived from JSDoc, so they need a commented build; the shipped JS does not.
  pbjsRun(['-o', join(tmp, 'commented.js'), '--dts'], input);
  pbjsRun(['--no-comments', '-o', join(tmp, 'generated.js')], input);
  // Types: Reader and Writer from protobufjs itself; 64-bit values are runtime.ts's Long (./long.ts),
  // not the `long` package's.
  let dts = readFileSync(join(tmp, 'commented.d.ts'), 'utf8');
  for (const [from, to] of [
    ['import * as $protobuf from "./runtime.ts";', 'import * as $protobuf from "protobufjs/minimal.js";'],
    ['import Long = require("long");', 'import type Long from "./long.ts";'],
  ]) {
    if (!dts.includes(from)) throw new Error(`pbts output changed: no \`${from}\` to replace`);
    dts = dts.replace(from, to);
  }
  dts = withoutUnknownFields(dts, UNKNOWN_FIELDS_DTS, /\$unknowns/);
  const js = withoutUnknownFields(readFileSync(join(tmp, 'generated.js'), 'utf8'), UNKNOWN_FIELDS_JS, /\$unknowns|discardUnknown|\bstart\b/);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'generated.js'), header + js);
  writeFileSync(join(outDir, 'generated.d.ts'), header + dts);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
