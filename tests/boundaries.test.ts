// Import boundaries between runtime contexts (DESIGN.md: one folder per context, nothing reaches across
// except through the message catalogue). esbuild resolves every import of the extension's sources
// exactly as the build does; each resolved edge is checked against the rules below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
const CONTEXTS = ['background', 'popup', 'content'] as const;

/** Which folder a source file belongs to, for the rules: a context, the core, or the shared `src/`. */
function areaOf(file: string): string | undefined {
  const parts = file.split('/');
  if (parts[0] === 'src') return parts[1] === 'xmtp' ? 'src/xmtp' : 'src';
  return (CONTEXTS as readonly string[]).includes(parts[0]!) ? parts[0] : undefined;
}

/** What each area may import besides itself and npm packages. */
const MAY_IMPORT: Record<string, string[]> = {
  'src/xmtp': [], // the protocol core runs anywhere: no extension code at all
  src: ['src/xmtp'],
  background: ['src', 'src/xmtp'],
  popup: ['src', 'src/xmtp'],
  content: ['src', 'src/xmtp'],
};

function sourcesUnder(root: string, dir: string): string[] {
  const abs = path.join(root, dir);
  if (!statSync(abs, { throwIfNoEntry: false })?.isDirectory()) return [];
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|tsx)$/.test(f) && !/\.(test|d)\.tsx?$/.test(f))
    .map((f) => path.posix.join(dir, f.split(path.sep).join('/')));
}

/** Every import edge that breaks a rule, as `from -> to`. */
export async function boundaryViolations(root: string): Promise<string[]> {
  const entryPoints = ['src', ...CONTEXTS].flatMap((d) => sourcesUnder(root, d));
  const r = await esbuild.build({
    absWorkingDir: root,
    entryPoints,
    bundle: true,
    write: false,
    metafile: true,
    outdir: 'out',
    packages: 'external',
    format: 'esm',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    loader: { '.wasm': 'file' },
    logLevel: 'silent',
  });
  const out: string[] = [];
  for (const [file, input] of Object.entries(r.metafile.inputs)) {
    const from = areaOf(file);
    if (!from) continue;
    for (const { path: to, external } of input.imports) {
      if (external) continue; // an npm package
      const target = areaOf(to);
      if (target === from || (target && MAY_IMPORT[from]!.includes(target))) continue;
      out.push(`${file} -> ${to}`);
    }
  }
  return out.sort();
}

test('contexts import only themselves and src/; src/xmtp imports no extension code', async () => {
  assert.deepEqual(await boundaryViolations(ROOT), []);
});

test('the check finds each kind of crossing', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'boundaries-'));
  const file = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  file('background/secret.ts', 'export const secret = 1;\n');
  file('popup/leak.ts', "import { secret } from '../background/secret.ts';\nexport const x = secret;\n");
  file('content/page.ts', "import { x } from '../popup/leak.ts';\nexport const y = x;\n");
  file('src/browser.ts', 'export const api = 1;\n');
  file('src/xmtp/core.ts', "import { api } from '../browser.ts';\nexport const z = api;\n");
  file('src/shared.ts', "import { z } from './xmtp/core.ts';\nexport const ok = z;\n");
  assert.deepEqual(await boundaryViolations(dir), [
    'content/page.ts -> popup/leak.ts',
    'popup/leak.ts -> background/secret.ts',
    'src/xmtp/core.ts -> src/browser.ts',
  ]);
});
