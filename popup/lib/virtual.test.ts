import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indexAt, prefixOffsets, scrollToReveal, visibleRange } from './virtual.ts';

test('offsets and lookup', () => {
  const o = prefixOffsets([10, 20, 30]);
  assert.deepEqual([...o], [0, 10, 30, 60]);
  assert.equal(indexAt(o, 0), 0);
  assert.equal(indexAt(o, 9.9), 0);
  assert.equal(indexAt(o, 10), 1);
  assert.equal(indexAt(o, 59), 2);
  assert.equal(indexAt(o, 1000), 2);
  assert.equal(indexAt(prefixOffsets([]), 0), -1);
});

test('visible range of 1,000 fixed rows', () => {
  const o = prefixOffsets(new Array(1000).fill(64));
  assert.deepEqual(visibleRange(o, 0, 400, 0), { start: 0, end: 7 });
  assert.deepEqual(visibleRange(o, 6400, 400, 128), { start: 98, end: 109 });
  assert.deepEqual(visibleRange(o, 64_000, 400, 0), { start: 999, end: 1000 });
  assert.deepEqual(visibleRange(prefixOffsets([]), 0, 400, 0), { start: 0, end: 0 });
});

test('reveal scrolls only when needed', () => {
  const o = prefixOffsets(new Array(100).fill(50));
  assert.equal(scrollToReveal(o, 2, 0, 300), undefined);
  assert.equal(scrollToReveal(o, 10, 0, 300), 250);
  assert.equal(scrollToReveal(o, 1, 200, 300), 50);
});
