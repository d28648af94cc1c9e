#!/usr/bin/env node
// Makes sure the browsers the end-to-end tests drive are installed (Debian's chromium and firefox-esr;
// test tools cannot download their own browsers here). As root on Debian it installs what is missing
// with apt-get; otherwise it fails with the one command to run.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const FIREFOX = process.env.FIREFOX_BIN || '/usr/bin/firefox-esr';

const missing = [
  [CHROMIUM, 'chromium'],
  [FIREFOX, 'firefox-esr'],
].filter(([bin]) => !existsSync(bin)).map(([, pkg]) => pkg);

if (missing.length) {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    console.error(`missing browsers: run \`sudo apt-get install -y ${missing.join(' ')}\` (or set CHROMIUM_BIN / FIREFOX_BIN)`);
    process.exit(1);
  }
  console.log(`installing ${missing.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...missing]]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) {
      console.error(`apt-get ${args.join(' ')} failed`);
      process.exit(1);
    }
  }
}
console.log(`browsers: ${CHROMIUM}, ${FIREFOX}`);
