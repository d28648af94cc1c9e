// pageOfIndex gives what a cursor walk gives, record for record (ties on the index key included), both
// through getAllRecords (Chromium, and fake-indexeddb) and through the key-cursor path (Firefox, and
// any page after the first).
import 'fake-indexeddb/auto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDB } from 'idb';
import type { InboxDB } from './schema.ts';
import { pageOfIndex } from './read.ts';

test('pageOfIndex: every offset, limit and direction, with and without getAllRecords, as a cursor walks', async () => {
  const d = await openDB<InboxDB>('page-of-index-test', 1, {
    upgrade(db) {
      db.createObjectStore('messages', { keyPath: ['account', 'id'] }).createIndex('byConversation', ['account', 'tid', 'sent']);
    },
  });
  const box = { iv: new Uint8Array(12), ciphertext: new Uint8Array(16) };
  // 12 messages, sent times with ties (three share 3, two share 7), ids out of time order; and a neighbour
  const sent = [1, 3, 3, 3, 4, 5, 7, 7, 8, 9, 10, 11];
  for (const [i, s] of sent.entries()) await d.put('messages', { account: 'a', id: `m${(i * 7) % 12}`.padStart(4, '0'), tid: 't', sent: s, k: 1, box });
  await d.put('messages', { account: 'a', id: 'other', tid: 'u', sent: 5, k: 1, box });
  const range = IDBKeyRange.bound(['a', 't', -Infinity], ['a', 't', Infinity]);
  const index = () => d.transaction('messages').store.index('byConversation');

  const walk = async (direction: 'next' | 'prev') => {
    const ids: string[] = [];
    for (let c = await index().openCursor(range, direction); c; c = await c.continue()) ids.push(c.value.id);
    return ids;
  };
  const check = async (path: string) => {
    for (const direction of ['next', 'prev'] as const) {
      const all = await walk(direction);
      assert.equal(all.length, sent.length);
      for (let offset = 0; offset <= all.length; offset++) {
        for (let limit = 0; limit <= all.length + 1; limit++) {
          const got = (await pageOfIndex(index(), range, { offset, limit }, direction)).map((r) => r.id);
          assert.deepEqual(got, all.slice(offset, offset + limit), `${path}, ${direction}, offset ${offset}, limit ${limit}`);
        }
      }
    }
  };
  assert.ok(IDBIndex.prototype.getAllRecords, 'the first path is the getAllRecords one');
  await check('getAllRecords');
  const getAllRecords = IDBIndex.prototype.getAllRecords;
  delete IDBIndex.prototype.getAllRecords;
  try {
    await check('key cursor');
  } finally {
    IDBIndex.prototype.getAllRecords = getAllRecords;
  }
  d.close();
});
