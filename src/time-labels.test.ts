// The list's time labels made ahead (by the background, for the first screen's snapshot) stand in for
// formatListTime only on the day and in the time zone they were made for, and only well formed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adoptListTimeLabels, dayKey, formatListTime, listTimeLabels, parseListTimeLabels } from './time-labels.ts';

const DAY = 86_400_000;
const now = new Date(2024, 3, 10, 12, 0).getTime();
const instants = [now - 60_000, now - DAY, now - 3 * DAY, now - 400 * DAY];

test('listTimeLabels: the labels formatListTime gives, for the day and zone they were made on', () => {
  const made = listTimeLabels(instants, now);
  assert.equal(made.day, dayKey(now));
  assert.equal(made.zone, new Date(now).getTimezoneOffset());
  assert.deepEqual(made.labels, Object.fromEntries(instants.map((ms) => [ms, formatListTime(ms, now)])));
});

test('adoptListTimeLabels: formatListTime answers from them on that day only, and never for another locale', () => {
  const marked = (day = dayKey(now), zone = new Date(now).getTimezoneOffset()) => ({ day, zone, labels: { [instants[0]!]: 'made ahead' } });
  assert.equal(adoptListTimeLabels(marked(dayKey(now - DAY)), now), false, 'made yesterday');
  assert.equal(adoptListTimeLabels(marked(undefined, new Date(now).getTimezoneOffset() + 60), now), false, 'made in another zone');
  assert.notEqual(formatListTime(instants[0]!, now), 'made ahead');

  assert.equal(adoptListTimeLabels(marked(), now), true);
  assert.equal(formatListTime(instants[0]!, now + 3_600_000), 'made ahead', 'later the same day');
  assert.notEqual(formatListTime(instants[0]!, now + DAY), 'made ahead', 'the next day it formats again');
  assert.notEqual(formatListTime(instants[0]!, now, 'en-GB'), 'made ahead', 'a locale asked for');
  assert.equal(formatListTime(instants[1]!, now), 'Yesterday', 'an instant without a label');
});

test('parseListTimeLabels: keeps instants with short string labels, refuses the rest', () => {
  assert.equal(parseListTimeLabels(undefined), undefined);
  assert.equal(parseListTimeLabels({ day: 1, zone: 0, labels: {} }), undefined);
  assert.equal(parseListTimeLabels({ day: 'd', zone: 0 }), undefined);
  assert.deepEqual(parseListTimeLabels({ day: 'd', zone: 0, labels: { 1000: '09:05', x: 'no', 2000: 5, 3000: 'y'.repeat(41), toString: 'no' } }), {
    day: 'd',
    zone: 0,
    labels: { 1000: '09:05' },
  });
});
