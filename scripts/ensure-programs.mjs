#!/usr/bin/env node
// Makes sure the programs the tests start are installed (scripts/programs.mjs): the browsers of the
// end-to-end tests, and nats-server and the PostgreSQL server of the node's tests. Test tools cannot
// download their own here, so these come from Debian. As root on Debian it installs what is missing
// with apt-get; otherwise it fails with the one command to run.
//   node scripts/ensure-programs.mjs [browsers] [server]     (no argument: every group)
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { GROUPS, PROGRAMS } from './programs.mjs';

const groups = process.argv.slice(2);
for (const g of groups) if (!(g in GROUPS)) throw new Error(`unknown group ${g}; expected ${Object.keys(GROUPS).join(' or ')}`);
const keys = [...new Set((groups.length ? groups : Object.keys(GROUPS)).flatMap((g) => GROUPS[g]))].filter(
  (k) => !(PROGRAMS[k].instead && process.env[PROGRAMS[k].instead]),
);
const missing = () => keys.filter((k) => !PROGRAMS[k].locate());

function apt(args) {
  // Quiet unless it fails.
  const r = spawnSync('apt-get', args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) {
    console.error(`${r.stdout ?? ''}${r.stderr ?? ''}\napt-get ${args.join(' ')} failed (${r.status ?? r.error?.message ?? r.signal})`);
    process.exit(1);
  }
}

let absent = missing();
if (absent.length) {
  const pkgs = absent.map((k) => PROGRAMS[k].pkg);
  const names = absent.map((k) => PROGRAMS[k].name).join(', ');
  const envs = absent.map((k) => PROGRAMS[k].env).join(' / ');
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
    console.error(`missing ${names}: run \`sudo apt-get install -y ${pkgs.join(' ')}\` (or set ${envs})`);
    process.exit(1);
  }
  console.log(`installing ${pkgs.join(' ')} with apt-get`);
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', '--no-install-recommends', ...pkgs]);
  // The postgresql package starts a cluster of its own; the tests start throwaway ones instead.
  if (pkgs.includes('postgresql')) spawnSync('service', ['postgresql', 'stop'], { stdio: 'ignore' });
  absent = missing();
  if (absent.length) {
    console.error(`still missing after apt-get: ${absent.map((k) => `${PROGRAMS[k].name} (${PROGRAMS[k].env}=${process.env[PROGRAMS[k].env] ?? 'unset'})`).join(', ')}`);
    process.exit(1);
  }
}
console.log(keys.map((k) => `${PROGRAMS[k].name}: ${PROGRAMS[k].locate()}`).join('; '));
