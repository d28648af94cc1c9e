// The first screen's snapshot is bounded (rows, a line of preview, no attachment bytes), and the popup
// takes it only from the session it was read with: never while locked, never for another account.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIRST_SCREEN_ROWS, firstScreenRows, parseFirstScreen } from './first-screen.ts';
import type { StoredSession } from './session-keys.ts';
import type { AppStatus, ConversationView } from '../views.ts';

const row = (i: number, content: unknown): ConversationView =>
  ({ id: `t${i}`, topic: `t${i}`, peerAddress: '0xpeer', createdAt: 1, updatedAt: 1000 - i, unreadCount: 0, lastMessage: { id: `m${i}`, content, status: 'sent' } }) as unknown as ConversationView;

test('firstScreenRows: at most a first page, texts cut to a line, and it stops before a row too big to keep', () => {
  const many = Array.from({ length: 100 }, (_, i) => row(i, 'hi'));
  assert.equal(firstScreenRows(many).length, FIRST_SCREEN_ROWS);
  const [long] = firstScreenRows([row(0, 'x'.repeat(100_000))]);
  assert.equal((long!.lastMessage!.content as string).length, 280);
  const inline = row(2, { filename: 'a.png', data: 'A'.repeat(50_000) });
  assert.deepEqual(firstScreenRows([row(0, 'a'), row(1, 'b'), inline, row(3, 'c')]).map((c) => c.id), ['t0', 't1']);
});

test('parseFirstScreen: only for an account unlocked in the session read with it, and only as its own status', () => {
  const session: StoredSession = { vault: '0'.repeat(64), accounts: { '0xA': { current: 1, keys: {}, index: '' } }, lastActive: 0 };
  const status = (address: string, state: AppStatus['state'] = 'unlocked') => ({ version: '1', target: 'chrome', state, nodeUrl: '', accounts: [], address }) as AppStatus;
  const snap = { account: '0xA', status: status('0xA'), conversations: [row(0, 'hi')] };
  assert.deepEqual(parseFirstScreen(snap, session), snap);
  assert.equal(parseFirstScreen(snap, undefined), undefined, 'locked');
  assert.equal(parseFirstScreen({ ...snap, account: '0xB', status: status('0xB') }, session), undefined, 'an account not unlocked');
  assert.equal(parseFirstScreen({ ...snap, status: status('0xB') }, session), undefined, 'a status of another account');
  assert.equal(parseFirstScreen({ ...snap, status: status('0xA', 'locked') }, session), undefined);
  assert.equal(parseFirstScreen({ ...snap, account: 'toString' }, session), undefined, 'inherited names are no accounts');
  assert.equal(parseFirstScreen('junk', session), undefined);
  assert.equal(parseFirstScreen({ ...snap, conversations: {} }, session), undefined);
  // the rows' time labels made with it: kept when well formed, else the snapshot comes without them
  const times = { day: '2024-4-10', zone: 0, labels: { 1000: '09:05' } };
  assert.deepEqual(parseFirstScreen({ ...snap, times }, session), { ...snap, times });
  assert.deepEqual(parseFirstScreen({ ...snap, times: 'junk' }, session), snap);
});
