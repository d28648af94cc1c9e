#!/usr/bin/env node
// `npm run package`: production build, then the store-ready zips for both browsers in artifacts/.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from '../build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dist = await build();
for (const [target, dir] of Object.entries(dist)) {
  const filename = `xmtp-inbox-${target}-${version}.zip`;
  const r = spawnSync(join(root, 'node_modules/.bin/web-ext'), ['build', '--source-dir', dir, '--artifacts-dir', join(root, 'artifacts'), '--overwrite-dest', '--filename', filename, '--no-config-discovery'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(r.stdout);
    process.exit(r.status ?? 1);
  }
  console.log(`artifacts/${filename}`);
}
