import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  base64ToBytes,
  buildRows,
  bytesToBase64,
  daysBetween,
  errorText,
  linkParts,
  firstUnreadId,
  problemOf,
  estimateRowHeight,
  formatBytes,
  formatDay,
  formatListTime,
  isAddress,
  listPreview,
  matchesSearch,
  mergeMessages,
  peerReadUpTo,
  previewOf,
  shortAddress,
  sortConversations,
  summarizeReactions,
  tabCounts,
} from './format.ts';
import { ContentTypes, type ConversationView, type MessageView } from '../../src/views.ts';

const ME = '0x1111111111111111111111111111111111111111';
const PEER = '0x2222222222222222222222222222222222222222';
const at = (y: number, mo: number, d: number, h = 12, mi = 0) => new Date(y, mo - 1, d, h, mi).getTime();
let n = 0;
function msg(p: Partial<MessageView> & { content?: unknown }): MessageView {
  return {
    id: p.id ?? `m${++n}`,
    conversation: 't',
    senderAddress: p.senderAddress ?? PEER,
    sent: p.sent ?? at(2024, 3, 5),
    contentType: p.contentType ?? ContentTypes.text,
    content: p.content ?? 'hi',
    status: p.status ?? 'sent',
    ...(p.fallback ? { fallback: p.fallback } : {}),
    ...(p.error ? { error: p.error } : {}),
  };
}
function conv(p: Partial<ConversationView>): ConversationView {
  return { id: p.id ?? `c${++n}`, peerAddress: PEER, createdAt: 0, consent: 'allowed', version: 'v2', updatedAt: 0, unreadCount: 0, ...p };
}

test('addresses are shortened and validated', () => {
  assert.equal(shortAddress('0xAbCdEf0123456789abcdef0123456789ABCDEF01'), '0xAbCd…EF01');
  assert.equal(shortAddress('not an address'), 'not an address');
  assert.equal(isAddress(' 0xabcdef0123456789abcdef0123456789abcdef01 '), true);
  assert.equal(isAddress('0xabc'), false);
});

test('list times: clock today, Yesterday, weekday, date, date with year', () => {
  const now = at(2024, 3, 10, 15);
  assert.match(formatListTime(at(2024, 3, 10, 9, 5), now, 'en-GB'), /^09:05$/);
  assert.equal(formatListTime(at(2024, 3, 9, 23), now, 'en-GB'), 'Yesterday');
  assert.equal(formatListTime(at(2024, 3, 6), now, 'en-GB'), 'Wed');
  assert.equal(formatListTime(at(2024, 1, 2), now, 'en-GB'), '2 Jan');
  assert.equal(formatListTime(at(2023, 1, 2), now, 'en-GB'), '2 Jan 2023');
  assert.equal(daysBetween(at(2024, 3, 9, 23, 59), at(2024, 3, 10, 0, 1)), 1);
});

test('day labels', () => {
  const now = at(2024, 3, 10, 15);
  assert.equal(formatDay(at(2024, 3, 10, 1), now, 'en-GB'), 'Today');
  assert.equal(formatDay(at(2024, 3, 9), now, 'en-GB'), 'Yesterday');
  assert.equal(formatDay(at(2024, 3, 4), now, 'en-GB'), 'Monday 4 March');
  assert.equal(formatDay(at(2022, 12, 25), now, 'en-GB'), '25 December 2022');
});

test('previews for every content type', () => {
  assert.equal(previewOf(msg({ content: '  hello\n  world ' })), 'hello world');
  assert.equal(previewOf(msg({ contentType: ContentTypes.reaction, content: { reference: 'x', action: 'added', schema: 'unicode', content: '👍' } })), 'Reacted 👍');
  assert.equal(previewOf(msg({ contentType: ContentTypes.reaction, content: { reference: 'x', action: 'removed', schema: 'unicode', content: '👍' } })), 'Removed a reaction');
  assert.equal(
    previewOf(msg({ contentType: ContentTypes.reply, content: { reference: 'x', contentType: ContentTypes.text, content: 'sure' } })),
    'Replied: sure',
  );
  assert.equal(previewOf(msg({ contentType: ContentTypes.attachment, content: { filename: 'a.png', mimeType: 'image/png', data: '' } })), '📎 a.png');
  // the list's preview of an attachment has no bytes (the background keeps previews small)
  assert.equal(previewOf(msg({ contentType: ContentTypes.attachment, content: { filename: 'holiday.png', mimeType: 'image/png' } })), '📎 holiday.png');
  assert.equal(previewOf(msg({ contentType: ContentTypes.remoteAttachment, content: { url: 'https://x/y', filename: 'big.mov' } })), '📎 big.mov');
  assert.equal(
    previewOf(msg({ contentType: ContentTypes.reply, content: { reference: 'm1', contentType: ContentTypes.attachment, content: { filename: 'b.pdf', mimeType: 'application/pdf' } } })),
    'Replied: 📎 b.pdf',
  );
  assert.equal(previewOf(msg({ contentType: 'example.com/poll:1.0', content: {}, fallback: 'A poll: lunch?' })), 'A poll: lunch?');
  assert.equal(previewOf(msg({ contentType: 'example.com/poll:1.0', content: {} })), 'Unsupported message (example.com/poll:1.0)');
  assert.equal(previewOf(msg({ content: 'x'.repeat(300) })).length, 120);
  assert.equal(listPreview(conv({ lastMessage: msg({ senderAddress: ME, content: 'yo' }) }), ME.toUpperCase().replace('0X', '0x')), 'You: yo');
  assert.equal(listPreview(conv({}), ME), 'No messages yet');
});

test('conversations sort by updatedAt, count per tab, search by address', () => {
  const list = [conv({ id: 'a', updatedAt: 1 }), conv({ id: 'b', updatedAt: 3, consent: 'unknown', unreadCount: 2 }), conv({ id: 'c', updatedAt: 2, consent: 'denied' })];
  assert.deepEqual(sortConversations(list).map((c) => c.id), ['b', 'c', 'a']);
  const counts = tabCounts(list);
  assert.deepEqual(counts.total, { allowed: 1, unknown: 1, denied: 1 });
  assert.deepEqual(counts.unread, { allowed: 0, unknown: 1, denied: 0 });
  assert.equal(matchesSearch(conv({ peerAddress: '0xABCDEF0000000000000000000000000000000000' }), 'abcdef'), true);
  assert.equal(matchesSearch(conv({}), '0x3333'), false);
  assert.equal(matchesSearch(conv({}), '  '), true);
});

test('merge replaces by id and a delivered send replaces its pending entry', () => {
  const a = msg({ id: 'a', sent: 1 });
  const pending = msg({ id: 'local-1', sent: 3, senderAddress: ME, status: 'pending' });
  let list = mergeMessages([a], [pending]);
  assert.deepEqual(list.map((m) => m.id), ['a', 'local-1']);
  list = mergeMessages(list, [{ ...msg({ id: 'real-1', sent: 4, senderAddress: ME }), localId: 'local-1' } as MessageView]);
  assert.deepEqual(list.map((m) => m.id), ['a', 'real-1']);
  list = mergeMessages(list, [msg({ id: 'b', sent: 2 })]);
  assert.deepEqual(list.map((m) => m.id), ['a', 'b', 'real-1']);
});

test('reactions: latest action per sender and emoji wins', () => {
  const r = (sender: string, action: 'added' | 'removed', content: string, sent: number) =>
    msg({ senderAddress: sender, sent, contentType: ContentTypes.reaction, content: { reference: 'x', action, schema: 'unicode', content } });
  const s = summarizeReactions([r(PEER, 'added', '👍', 1), r(ME, 'added', '👍', 2), r(ME, 'added', '❤️', 3), r(ME, 'removed', '❤️', 4)], ME);
  assert.deepEqual(s.get('x'), [{ emoji: '👍', count: 2, mine: true }]);
  assert.equal(summarizeReactions([r(PEER, 'added', '👍', 1), r(PEER, 'removed', '👍', 2)], ME).size, 0);
});

test('rows: day separators, sender groups, folded reactions and receipts, Read on the last own message', () => {
  const day1 = at(2024, 3, 4, 10);
  const day2 = at(2024, 3, 5, 10);
  const messages = [
    msg({ id: '1', sent: day1, senderAddress: PEER }),
    msg({ id: '2', sent: day1 + 60_000, senderAddress: PEER }),
    msg({ id: '3', sent: day1 + 120_000, senderAddress: ME }),
    msg({ id: 'r', sent: day1 + 130_000, senderAddress: PEER, contentType: ContentTypes.reaction, content: { reference: '3', action: 'added', schema: 'unicode', content: '👍' } }),
    msg({ id: '4', sent: day2, senderAddress: ME }),
    msg({ id: '5', sent: day2 + 60 * 60_000, senderAddress: ME }),
    msg({ id: 'rr', sent: day2 + 61 * 60_000, senderAddress: PEER, contentType: ContentTypes.readReceipt, content: {} }),
  ];
  const rows = buildRows(messages, { me: ME, now: at(2024, 3, 5, 18), locale: 'en-GB' });
  assert.deepEqual(
    rows.map((r) => (r.kind !== 'message' ? r.key : `${r.key}${r.first ? 'F' : ''}${r.last ? 'L' : ''}${r.own ? 'o' : ''}${r.read ? 'R' : ''}`)),
    ['day:2024-3-4', '1F', '2L', '3FLo', 'day:2024-3-5', '4FLo', '5FLoR'],
  );
  assert.deepEqual(rows.filter((r) => r.kind === 'day').map((r) => r.kind === 'day' && r.label), ['Yesterday', 'Today']);
  // opened with two unread: the line goes above the first of the two newest from the peer
  const from = firstUnreadId(messages, ME, 2);
  assert.equal(from, '1');
  assert.equal(firstUnreadId(messages, ME, 1), '2');
  assert.equal(firstUnreadId(messages, ME, 0), undefined);
  const withLine = buildRows(messages, { me: ME, now: day2, unread: { from: '2', count: 1 } }).map((r) => r.key);
  assert.deepEqual(withLine.slice(0, 4), ['day:2024-3-4', '1', 'unread', '2']);
  assert.equal(peerReadUpTo(messages, ME), day2 + 61 * 60_000);
  // a receipt older than the last own message says nothing about it
  const rows2 = buildRows(messages.slice(0, 6).concat(msg({ id: 'rr', sent: day2 + 1, senderAddress: PEER, contentType: ContentTypes.readReceipt, content: {} })), {
    me: ME,
    now: day2,
  });
  assert.equal(rows2.some((r) => r.kind === 'message' && r.read), false);
  for (const r of rows) assert.ok(estimateRowHeight(r) > 0);
});

test('base64 round trip, sizes, image types', () => {
  const bytes = new Uint8Array(100_000).map((_, i) => i * 7);
  assert.deepEqual(base64ToBytes(bytesToBase64(bytes)), bytes);
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(2048), '2.0 KB');
  assert.equal(formatBytes(3 * 1024 * 1024), '3.0 MB');
});

test('errors read as sentences', () => {
  assert.equal(errorText({ code: -32603, message: 'Wrong password', data: { reason: 'wrong-password' } }), 'Wrong password.');
  assert.equal(errorText({ code: 4900, message: 'x' }), 'The extension restarted. Please try again.');
  assert.match(errorText(new TypeError('Failed to fetch')), /^Cannot reach the XMTP node/);
  // developer words stay out of the sentence and one click away, in the details
  const p = problemOf(new TypeError('NetworkError when attempting to fetch resource.'));
  assert.equal(p.text, 'Cannot reach the XMTP node. Check your connection, or the node address in Settings.');
  assert.match(p.detail ?? '', /NetworkError when attempting/);
  assert.deepEqual(problemOf({ code: -32603, message: 'Cannot reach the XMTP node: Failed to fetch', data: { reason: 'unreachable' } }).text, 'Cannot reach the XMTP node.');
  assert.deepEqual(problemOf({ code: -32603, message: 'Wrong password', data: { reason: 'wrong-password' } }), { text: 'Wrong password.', detail: 'Wrong password · code -32603 · reason wrong-password' });
  assert.equal(errorText({ code: -32603, message: 'The node at http://x is unreachable' }), 'The node at http://x is unreachable.');
});

test('links in text: http(s) only, without the punctuation that ends the sentence', () => {
  assert.deepEqual(linkParts('see https://example.com/a?b=1, and (http://x.org/y).'), ['see ', { url: 'https://example.com/a?b=1' }, ', and (', { url: 'http://x.org/y' }, ').']);
  assert.deepEqual(linkParts('javascript:alert(1) ftp://x.org no links'), ['javascript:alert(1) ftp://x.org no links']);
  assert.deepEqual(linkParts('https://en.wikipedia.org/wiki/Foo_(bar)'), [{ url: 'https://en.wikipedia.org/wiki/Foo_(bar)' }]);
});
