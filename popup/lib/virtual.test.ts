import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indexAt, isRowKey, prefixOffsets, rowAfterKey, scrollToReveal, visibleRange } from './virtual.ts';

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

test('keys move focus between rows, past rows it cannot land on', () => {
  assert.equal(isRowKey('PageDown'), true);
  assert.equal(isRowKey('Enter'), false);
  assert.equal(rowAfterKey('ArrowDown', 3, 10, 4), 4);
  assert.equal(rowAfterKey('ArrowUp', 3, 10, 4), 2);
  assert.equal(rowAfterKey('Home', 3, 10, 4), 0);
  assert.equal(rowAfterKey('End', 3, 10, 4), 9);
  assert.equal(rowAfterKey('PageDown', 3, 10, 4), 7);
  assert.equal(rowAfterKey('PageDown', 8, 10, 4), 9, 'clamped to the last row');
  assert.equal(rowAfterKey('PageUp', 2, 10, 4), 0, 'clamped to the first row');
  assert.equal(rowAfterKey('ArrowUp', 0, 10, 4), undefined, 'already at the top');
  assert.equal(rowAfterKey('End', 9, 10, 4), undefined, 'already at the end');
  // day separators (even rows here) are passed over in the direction of travel
  const odd = (i: number) => i % 2 === 1;
  assert.equal(rowAfterKey('ArrowDown', 3, 10, 4, odd), 5);
  assert.equal(rowAfterKey('ArrowUp', 3, 10, 4, odd), 1);
  assert.equal(rowAfterKey('ArrowUp', 1, 10, 4, odd), undefined, 'nothing focusable above');
  assert.equal(rowAfterKey('Home', 5, 10, 4, odd), 1, 'the first row that takes focus');
  assert.equal(rowAfterKey('End', 3, 10, 4, (i) => i < 8), 7, 'the last row that takes focus');
  assert.equal(rowAfterKey('ArrowDown', 0, 1, 4), undefined, 'one row');
});
