// The first screen's snapshot is bounded (rows, a line of preview, no attachment bytes), and the popup
// takes it only from the session it was read with: never while locked, never for another account.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIRST_SCREEN_ROWS, firstScreenNames, firstScreenRows, parseFirstScreen } from './first-screen.ts';
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

test("the rows' peers' names: only the fields a row shows, for its own rows; junk is dropped, never the snapshot", () => {
  const peer = (i: number) => `0x${String(i).padStart(40, '0')}`;
  const rows = [0, 1, 2].map((i) => ({ ...row(i, 'hi'), peerAddress: peer(i).toUpperCase().replace('0X', '0x') }));
  const known = new Map([
    [peer(0), { address: peer(0), name: 'alice.eth', source: 'ens' as const, avatar: 'data:image/png;base64,AAAA' }],
    [peer(1), { address: peer(1), name: 'x'.repeat(256) + '.eth', source: 'ens' as const }],
    [peer(9), { address: peer(9), name: 'not-in-the-list.eth', source: 'ens' as const }],
  ]);
  assert.deepEqual(firstScreenNames(rows, known), { [peer(0)]: { address: peer(0), name: 'alice.eth', source: 'ens' } }, 'no avatar, no over-long name, no other peer');

  const session: StoredSession = { vault: '0'.repeat(64), accounts: { '0xA': { current: 1, keys: {}, index: '' } }, lastActive: 0 };
  const status = { version: '1', target: 'chrome', state: 'unlocked', nodeUrl: '', accounts: [], address: '0xA' } as unknown as AppStatus;
  const snap = { account: '0xA', status, conversations: rows };
  const good = { address: peer(0), name: 'alice.eth', source: 'ens' };
  const names = {
    [peer(0)]: good,
    [peer(1)]: { ...good, address: peer(2) }, // filed under another address
    [peer(2)]: { ...good, address: peer(2), source: 'dns' },
    [peer(3)]: { ...good, address: peer(3), name: '' },
    [peer(4)]: { ...good, address: peer(4), name: 42 },
    [peer(5)]: 'alice.eth',
    [peer(6).toUpperCase()]: { ...good, address: peer(6).toUpperCase() },
    toString: good,
  };
  assert.deepEqual(parseFirstScreen({ ...snap, names }, session), { ...snap, names: { [peer(0)]: good } });
  assert.deepEqual(parseFirstScreen({ ...snap, names: 'junk' }, session), snap);
  const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [peer(i), { ...good, address: peer(i) }]));
  assert.equal(Object.keys(parseFirstScreen({ ...snap, names: many }, session)!.names!).length, FIRST_SCREEN_ROWS, 'at most a page of names');
});
