#!/usr/bin/env node
// `npm start`: build the extension, start the local XMTP node on 127.0.0.1:5555 (SQLite and the blob store for large files under ./data),
// and open Chromium with the extension loaded in a fresh profile. Without a display (no $DISPLAY or
// $WAYLAND_DISPLAY) it prints how to load the extension by hand and keeps the node running.
//   npm start -- --firefox     open Firefox ESR (temporary add-on through web-ext) instead
//   npm start -- --no-browser  build and run the node only
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from '../build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = new Set(process.argv.slice(2));
const NODE_PORT = 5555;
const children = [];
const stop = () => { for (const c of children) c.kill('SIGTERM'); };
process.on('SIGINT', () => { stop(); process.exit(0); });
process.on('SIGTERM', () => { stop(); process.exit(0); });

const portInUse = (port) => new Promise((resolve) => {
  const s = connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
  s.on('error', () => resolve(false));
});

const dist = await build({ quiet: true });
console.log(`built ${dist.chrome} and ${dist.firefox}`);

if (existsSync(path.join(root, 'server/main.ts'))) {
  if (await portInUse(NODE_PORT)) {
    console.log(`something already listens on 127.0.0.1:${NODE_PORT}; using it as the XMTP node`);
  } else {
    const node = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', String(NODE_PORT), '--blobs', 'data/blobs'], { cwd: root, stdio: 'inherit' });
    children.push(node);
    node.on('exit', (code) => { if (code) { console.error(`the XMTP node exited with code ${code}`); process.exit(code); } });
    for (let i = 0; i < 100 && !(await portInUse(NODE_PORT)); i++) await new Promise((r) => setTimeout(r, 100));
    console.log(`XMTP node on http://127.0.0.1:${NODE_PORT} (data in ./data)`);
  }
}

const headless = !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const manual = `Load it by hand:
  Chromium/Chrome: open chrome://extensions, turn on Developer mode, "Load unpacked", choose ${dist.chrome}
  Firefox:         open about:debugging#/runtime/this-firefox, "Load Temporary Add-on…", choose ${path.join(dist.firefox, 'manifest.json')}`;

if (args.has('--no-browser') || headless) {
  if (headless && !args.has('--no-browser')) console.log('no display found, so no browser was opened.');
  console.log(manual);
} else if (args.has('--firefox')) {
  const ff = spawn(path.join(root, 'node_modules/.bin/web-ext'), ['run', '--source-dir', dist.firefox, '--firefox', process.env.FIREFOX_BIN || '/usr/bin/firefox-esr', '--no-config-discovery'], { cwd: root, stdio: 'inherit' });
  children.push(ff);
  ff.on('exit', () => { stop(); process.exit(0); });
} else {
  const bin = process.env.CHROMIUM_BIN || ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(existsSync);
  if (!bin) {
    console.log(`Chromium not found (install it with \`apt-get install chromium\` or set CHROMIUM_BIN).\n${manual}`);
  } else {
    const profile = mkdtempSync(path.join(os.tmpdir(), 'xmtp-inbox-profile-'));
    const flags = [`--user-data-dir=${profile}`, `--disable-extensions-except=${dist.chrome}`, `--load-extension=${dist.chrome}`, '--no-first-run', '--no-default-browser-check'];
    if (process.getuid?.() === 0) flags.push('--no-sandbox');
    const chrome = spawn(bin, [...flags, 'chrome://extensions'], { stdio: 'ignore' });
    children.push(chrome);
    console.log(`Chromium started with the extension (profile ${profile}); pin "XMTP Inbox" from the puzzle menu.`);
    chrome.on('exit', () => { stop(); spawnSync('rm', ['-rf', profile]); process.exit(0); });
  }
}
