// The build: both manifests derive from the one at the root, the DOM-global guard on the background
// bundle bites, and `npm run package` produces installable zips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { readZip } from './support/zip.ts';
import path from 'node:path';
// @ts-expect-error build.mjs is plain JavaScript without type declarations
import { manifestFor, checkBackgroundHasNoDomGlobals, overBudget, BUDGET_GZIP_KB } from '../build.mjs';

const root = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

test('a bundle over its gzipped budget fails the build; the others pass', () => {
  const row = (file: string, kb: number) => ({ file, raw: 0, gzip: kb * 1024, target: 'chrome' });
  assert.deepEqual(overBudget([row('dist/chrome/background.js', BUDGET_GZIP_KB.background), row('dist/chrome/content.js', 999), row('dist/chrome/secp256k1.wasm', 999)]), []);
  assert.match(overBudget([row('dist/firefox/popup.js', BUDGET_GZIP_KB.popup + 0.1)]).join(), /popup\.js is .* over its budget of 50 KB/);
});

test('the Chrome manifest uses a service worker and needs Chrome 116', () => {
  const m = manifestFor('chrome');
  assert.equal(m.manifest_version, 3);
  assert.deepEqual(m.background, { service_worker: 'background.js' });
  assert.equal(m.minimum_chrome_version, '116');
  assert.equal(m.browser_specific_settings, undefined);
  assert.equal(m.version, pkg.version);
  assert.ok(!m.permissions.includes('dns'), 'Chrome has no dns API (it would warn of an unknown permission)');
});

test('the Firefox manifest uses an event page and pins the add-on id and minimum version', () => {
  const m = manifestFor('firefox');
  assert.deepEqual(m.background, { scripts: ['background.js'] });
  assert.equal(m.browser_specific_settings.gecko.id, 'inbox@xmtp-inbox.dev');
  // content_scripts "world": "MAIN" needs 128; data_collection_permissions needs 140.
  assert.equal(m.browser_specific_settings.gecko.strict_min_version, '140.0');
  assert.equal(m.minimum_chrome_version, undefined);
  assert.ok(m.permissions.includes('dns'), 'browser.dns: remote attachment hosts that resolve to private addresses are refused');
});

test('both manifests keep a strict CSP without remote code', () => {
  for (const target of ['chrome', 'firefox']) {
    const csp: string = manifestFor(target).content_security_policy.extension_pages;
    const scriptSrc = /script-src ([^;]+)/.exec(csp)![1].split(/\s+/);
    assert.ok(scriptSrc.every((s) => s === "'self'" || s === "'wasm-unsafe-eval'"), csp);
    assert.match(csp, /object-src 'self'/);
    // no <base> to re-point relative URLs, no form posting anywhere from an extension page
    assert.match(csp, /base-uri 'none'/);
    assert.match(csp, /form-action 'none'/);
  }
});

test('a DOM global in the background bundle fails the build, a typeof guard does not', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dom-check-'));
  const bad = path.join(dir, 'bad.ts');
  writeFileSync(bad, 'export const t = document.title;\n');
  await assert.rejects(checkBackgroundHasNoDomGlobals('chrome', bad), /DOM globals reach the background bundle[\s\S]*document/);
  const bad2 = path.join(dir, 'bad2.ts');
  writeFileSync(bad2, 'localStorage.setItem("k", "v");\n');
  await assert.rejects(checkBackgroundHasNoDomGlobals('firefox', bad2), /localStorage/);
  const ok = path.join(dir, 'ok.ts');
  writeFileSync(ok, 'export const g = typeof window !== "undefined" && window;\n');
  await checkBackgroundHasNoDomGlobals('chrome', ok);
  await checkBackgroundHasNoDomGlobals('chrome'); // the real background
});

test('npm run package writes a zip per browser with the built manifest', () => {
  const r = spawnSync(process.execPath, ['scripts/package.mjs'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const target of ['chrome', 'firefox']) {
    const zip = path.join(root, 'artifacts', `xmtp-inbox-${target}-${pkg.version}.zip`);
    const files = readZip(readFileSync(zip));
    for (const f of ['manifest.json', 'background.js', 'popup.html', 'popup.js', 'prompt.html', 'content.js', 'inpage.js', 'icons/icon-128.png']) {
      assert.ok(files.has(f), `${target} zip lacks ${f}`);
    }
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
    assert.deepEqual(manifest, manifestFor(target));
  }
});
