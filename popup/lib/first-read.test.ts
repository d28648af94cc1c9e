// popup.html's first script starts the storage.session read the first screen waits for; the main
// bundle takes that same read over (once), or starts its own when the script did not run, and a
// missing storage area is a failed read, never an exception at the top of the popup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
// @ts-expect-error build.mjs is plain JavaScript without type declarations
import { ENTRIES } from '../../build.mjs';

const reads: string[][] = [];
let area: { get(keys: string[]): Promise<Record<string, unknown>> } | undefined = {
  get: (keys) => (reads.push(keys), Promise.resolve({ unlocked: 'x' })),
};
Object.assign(globalThis, { browser: { storage: { get session() { return area; } } } });
const { startFirstRead, takeFirstRead } = await import('./first-read.ts');

test('the read started first is the one taken, once; without it the main bundle reads itself', async () => {
  startFirstRead();
  startFirstRead();
  assert.equal(reads.length, 1, 'one read however often started');
  assert.deepEqual(reads[0], ['unlocked', 'firstScreen']);
  const started = globalThis.popupFirstRead;
  assert.equal(takeFirstRead(), started);
  assert.equal(globalThis.popupFirstRead, undefined);
  assert.deepEqual(await takeFirstRead(), { unlocked: 'x' });
  assert.equal(reads.length, 2, 'nothing left to take: a read of its own');
});

test('no storage.session area: a failed read, not an exception', async () => {
  area = undefined;
  startFirstRead();
  await assert.rejects(takeFirstRead());
  await assert.rejects(takeFirstRead());
});

test('popup.html runs the first read before its stylesheet and the main bundle', () => {
  const html = readFileSync(new URL('../popup.html', import.meta.url), 'utf8');
  const at = (s: string) => html.indexOf(s);
  assert.ok(at('<script src="session-read.js">') > 0);
  assert.ok(at('<script src="session-read.js">') < at('popup.css'));
  assert.ok(at('<script src="session-read.js">') < at('<script src="popup.js">'));
  assert.equal(ENTRIES['session-read'], 'popup/session-read.ts');
});
