#!/usr/bin/env node
// `npm run bench -- <name> [args]` runs bench/<name>.ts (TypeScript through tsx).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const [name, ...rest] = process.argv.slice(2);
const available = readdirSync(new URL('../bench/', import.meta.url)).filter((f) => /^[a-z-]+\.ts$/.test(f)).map((f) => f.slice(0, -3));
if (!name || !existsSync(new URL(`../bench/${name}.ts`, import.meta.url))) {
  console.error(`usage: npm run bench -- <${available.join('|') || 'name'}> [args]`);
  process.exit(2);
}
// The server benchmark starts nats-server and PostgreSQL.
if (name === 'server') {
  const e = spawnSync(process.execPath, ['scripts/ensure-programs.mjs', 'server'], { cwd: root, stdio: 'inherit' });
  if (e.status !== 0) process.exit(e.status ?? 1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`, ...rest], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
