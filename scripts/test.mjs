#!/usr/bin/env node
// The one test command (`npm test`). Phases, in order, each failing fast:
//   1. the programs the tests start are present (scripts/ensure-programs.mjs: Debian's chromium,
//      firefox-esr, nats-server and postgresql; installed with apt-get when root, else it says how)
//   2. tsc --noEmit          3. production build of both targets
//   4. web-ext lint of dist/firefox
//   5. unit + integration tests (node --test, TypeScript through tsx)
//   6. browser end-to-end tests (one browser process at a time: the machine has 2 cores)
// `npm test -- <file or folder>...` runs only the node:test files under those paths (phase 1 only for
// the programs they start; phases 2-4 only if a browser test is among them), for a fast inner loop.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const TEST_ROOTS = ['src', 'background', 'popup', 'content', 'server', 'tests', 'bench'];

function run(label, cmd, args, opts = {}) {
  const t0 = Date.now();
  console.log(`\n▶ ${label}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    const why = r.error?.code === 'ETIMEDOUT' ? `timed out: something kept a test file alive (${opts.timeout / 60_000} min limit)` : `exit ${r.status ?? r.signal}`;
    console.error(`✖ ${label} failed (${why}) after ${secs}s`);
    process.exit(r.status || 1);
  }
  console.log(`✔ ${label} (${secs}s)`);
}

function findTests(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new Error(`no such test path: ${path}`);
  if (st.isFile()) return [path];
  const out = [];
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(path, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (/\.test\.(ts|tsx|mjs)$/.test(name)) out.push(p);
  }
  return out.sort();
}

const isUnder = (f, dir) => relative(root, f).split(sep).slice(0, 2).join('/') === dir;
const isBrowserTest = (f) => isUnder(f, 'tests/browser');
const args = process.argv.slice(2);
const roots = args.length ? args : TEST_ROOTS.filter((d) => statSync(join(root, d), { throwIfNoEntry: false }));
const selected = roots.flatMap((p) => findTests(join(root, p))).map((f) => relative(root, f));
const nodeTests = selected.filter((f) => !isBrowserTest(f));
const browserTests = selected.filter(isBrowserTest);
const full = args.length === 0;
const npx = (bin) => join(root, 'node_modules', '.bin', bin);

// Which programs a test starts follows from its folder (scripts/programs.mjs GROUPS).
const groups = full ? [] : [...new Set(selected.flatMap((f) => (isBrowserTest(f) ? ['browsers'] : isUnder(f, 'tests/server') ? ['server'] : [])))];
if (full || groups.length) run('programs the tests start', process.execPath, ['scripts/ensure-programs.mjs', ...groups]);
if (full) run('typecheck (tsc --noEmit)', npx('tsc'), ['--noEmit', '-p', '.']);
if (full || browserTests.length) run('build (dist/chrome, dist/firefox)', process.execPath, ['build.mjs']);
if (full) run('web-ext lint dist/firefox', process.execPath, ['scripts/lint-firefox.mjs']);
// A test file that leaves a handle open (a stream that reconnects for ever) would hold its phase, and CI,
// until CI's own limit; each phase normally takes 3-5 minutes.
const PHASE_TIMEOUT_MS = 25 * 60_000;
const testEnv = { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS, '--import tsx'].filter(Boolean).join(' ') };
if (nodeTests.length) run(`unit and integration tests (${nodeTests.length} files)`, process.execPath, ['--test', '--test-concurrency=2', ...nodeTests], { env: testEnv, timeout: PHASE_TIMEOUT_MS });
if (browserTests.length) run(`browser tests (${browserTests.length} files)`, process.execPath, ['--test', '--test-concurrency=1', ...browserTests], { env: testEnv, timeout: PHASE_TIMEOUT_MS });
if (!nodeTests.length && !browserTests.length) { console.error('no test files found'); process.exit(1); }
console.log('\nall test phases passed');
