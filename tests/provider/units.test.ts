// Unit tests of the provider's small parts: params validation (shared by page, content script and
// background), scopes, rate limits and grants in IndexedDB.
import { test, describe, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { resetDbHandle } from '../../background/db.ts';
import { PROVIDER_PARAMS, PROVIDER_LIMITS, isProviderMethod } from '../../src/provider-api.ts';
import { RpcError } from '../../src/rpc.ts';
import { appPrefix, appScopeKey, covers, inScope, scopedConversationId, toPageConversation, toPageMessage } from '../../background/provider/scope.ts';
import { RateLimiter } from '../../background/provider/ratelimit.ts';
import { getGrant, listGrants, putGrant, revokeGrant, revokeOrigin } from '../../background/provider/grants.ts';
import { siteOf } from '../../background/provider/site.ts';
import type { ConversationView, MessageView } from '../../src/views.ts';

const A = '0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A';
const B = '0x1C5A77d9FA7eF466951B2F01F724BCa3A5820b63';
const TOPIC = '/xmtp/0/m-aaaa/proto';

function code(fn: () => unknown): number | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    assert.ok(e instanceof RpcError, `expected an RpcError, got ${e}`);
    return e.code;
  }
}

describe('params validation', () => {
  test('method names', () => {
    assert.equal(isProviderMethod('xmtp_connect'), true);
    assert.equal(isProviderMethod('eth_sendTransaction'), false);
    assert.equal(isProviderMethod('__proto__'), false);
    assert.equal(isProviderMethod(42), false);
  });

  test('valid params pass, unknown fields are dropped (forged origin fields go nowhere)', () => {
    assert.deepEqual(PROVIDER_PARAMS.xmtp_connect(undefined, ''), {});
    assert.deepEqual(PROVIDER_PARAMS.xmtp_connect({ scope: 'inbox', origin: 'https://bank.example' }, ''), { scope: 'inbox' });
    assert.deepEqual(PROVIDER_PARAMS.xmtp_subscribe(null, ''), {});
    assert.equal(PROVIDER_PARAMS.xmtp_accounts(undefined, ''), undefined);
    assert.equal(PROVIDER_PARAMS.xmtp_accounts({}, ''), undefined);
    assert.deepEqual(
      PROVIDER_PARAMS.xmtp_sendMessage({ conversation: TOPIC, content: 'hi', sender: A, origin: 'x' }, ''),
      { conversation: TOPIC, content: 'hi' },
    );
    assert.deepEqual(PROVIDER_PARAMS.xmtp_listMessages({ conversation: TOPIC, limit: 10, direction: 'ascending' }, ''), {
      conversation: TOPIC,
      limit: 10,
      direction: 'ascending',
    });
  });

  test('malformed params get -32602', () => {
    const bad: [keyof typeof PROVIDER_PARAMS, unknown][] = [
      ['xmtp_connect', { scope: 'everything' }],
      ['xmtp_connect', 'inbox'],
      ['xmtp_accounts', { x: 1 }],
      ['xmtp_canMessage', {}],
      ['xmtp_canMessage', { addresses: [] }],
      ['xmtp_canMessage', { addresses: ['not an address'] }],
      ['xmtp_canMessage', { addresses: Array(PROVIDER_LIMITS.maxAddresses + 1).fill(A) }],
      ['xmtp_listConversations', { limit: 0 }],
      ['xmtp_listConversations', { limit: 1.5 }],
      ['xmtp_listConversations', { before: -1 }],
      ['xmtp_newConversation', { peerAddress: '0x12' }],
      ['xmtp_newConversation', { peerAddress: A, conversationId: '' }],
      ['xmtp_newConversation', { peerAddress: A, conversationId: 'x'.repeat(201) }],
      ['xmtp_newConversation', { peerAddress: A, metadata: { a: 1 } }],
      ['xmtp_newConversation', { peerAddress: A, metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) }],
      ['xmtp_listMessages', { conversation: '/not/a/topic' }],
      ['xmtp_listMessages', { conversation: TOPIC, direction: 'sideways' }],
      ['xmtp_sendMessage', { conversation: TOPIC }],
      ['xmtp_sendMessage', { conversation: TOPIC, content: 'x'.repeat(PROVIDER_LIMITS.maxContentBytes + 1) }],
      ['xmtp_sendMessage', { conversation: TOPIC, content: 'hi', contentType: 'text' }],
      ['xmtp_subscribe', { conversation: 7 }],
      ['xmtp_unsubscribe', {}],
      ['xmtp_setConsent', { peerAddress: A, state: 'unknown' }],
      ['xmtp_setConsent', [A, 'allowed']],
    ];
    for (const [m, p] of bad) assert.equal(code(() => PROVIDER_PARAMS[m](p, '')), -32602, `${m} ${JSON.stringify(p)?.slice(0, 80)}`);
  });
});

describe('scopes', () => {
  const conv = (conversationId?: string): ConversationView => ({
    id: TOPIC,
    peerAddress: B,
    createdAt: 1,
    consent: 'unknown',
    version: 'v2',
    updatedAt: 1,
    unreadCount: 3,
    ...(conversationId ? { context: { conversationId, metadata: { a: 'b' } } } : {}),
  });

  test('app scope: keyed on the whole origin (an https site on its default port by its host)', () => {
    assert.equal(appScopeKey('https://app.example'), 'app.example');
    assert.equal(appScopeKey('http://app.example'), 'http://app.example');
    assert.equal(appScopeKey('https://app.example:8443'), 'https://app.example:8443');
    assert.equal(appPrefix('http://app.example'), 'http://app.example/');
    assert.equal(inScope('app', appScopeKey('http://app.example'), conv('app.example/chat')), false, 'http never shares the https site');
    assert.equal(inScope('app', appScopeKey('https://app.example'), conv('http://app.example/chat')), false);
    assert.equal(scopedConversationId('app', appScopeKey('http://app.example'), 'x'), 'http://app.example/x');
  });

  test('app scope covers only conversations with the key prefix', () => {
    assert.equal(appPrefix('app.example:8080'), 'app.example:8080/');
    assert.equal(inScope('app', 'app.example', conv('app.example/chat')), true);
    assert.equal(inScope('app', 'app.example', conv('app.example/')), true);
    assert.equal(inScope('app', 'app.example', conv('app.example')), false);
    assert.equal(inScope('app', 'app.example', conv('app.example.evil/x')), false);
    assert.equal(inScope('app', 'app.example', conv('other.example/app.example/x')), false);
    assert.equal(inScope('app', 'app.example', conv()), false);
    assert.equal(inScope('app', '127.0.0.1:5000', conv('127.0.0.1:50001/x')), false);
    assert.equal(inScope('inbox', 'app.example', conv()), true);
  });

  test('covers', () => {
    assert.equal(covers('inbox', 'app'), true);
    assert.equal(covers('inbox', 'inbox'), true);
    assert.equal(covers('app', 'app'), true);
    assert.equal(covers('app', 'inbox'), false);
  });

  test('new conversations of app sites get the prefix whatever they ask', () => {
    assert.equal(scopedConversationId('app', 'a.example', undefined), 'a.example/');
    assert.equal(scopedConversationId('app', 'a.example', 'a.example/room'), 'a.example/room');
    assert.equal(scopedConversationId('app', 'a.example', 'b.example/room'), 'a.example/b.example/room');
    assert.equal(scopedConversationId('inbox', 'a.example', 'b.example/room'), 'b.example/room');
    assert.equal(scopedConversationId('inbox', 'a.example', undefined), undefined);
  });

  test('pages see exactly the DESIGN fields', () => {
    assert.deepEqual(Object.keys(toPageConversation(conv('a/b'))).sort(), ['consent', 'context', 'createdAt', 'id', 'peerAddress']);
    assert.deepEqual(Object.keys(toPageConversation(conv())).sort(), ['consent', 'createdAt', 'id', 'peerAddress']);
    const m: MessageView = { id: 'm', conversation: TOPIC, senderAddress: A, sent: 5, contentType: 'xmtp.org/text:1.0', content: 'x', status: 'pending', error: 'e' };
    assert.deepEqual(Object.keys(toPageMessage(m)).sort(), ['content', 'contentType', 'conversation', 'id', 'senderAddress', 'sent']);
    assert.equal(toPageMessage({ ...m, fallback: 'f' }).fallback, 'f');
  });
});

describe('site of a sender', () => {
  test('origin from the browser-reported sender', () => {
    assert.deepEqual(siteOf({ origin: 'http://127.0.0.1:3000', url: 'http://127.0.0.1:3000/x', tab: { id: 4 }, frameId: 0 } as never), {
      origin: 'http://127.0.0.1:3000',
      scopeKey: 'http://127.0.0.1:3000',
      tabId: 4,
      frameId: 0,
    });
    // Firefox reports no sender.origin: the frame URL is used.
    assert.equal(siteOf({ url: 'https://App.Example/path?q', frameId: 3 }).origin, 'https://app.example');
    assert.equal(siteOf({ url: 'https://App.Example/path?q', frameId: 3 }).frameId, 3);
  });
  test('opaque or non-web frames are refused with 4100', () => {
    assert.equal(code(() => siteOf({ origin: 'null', url: 'data:text/html,x' } as never)), 4100);
    // A sandboxed frame of a site has that site's URL but an opaque origin: it does not speak for the site.
    assert.equal(code(() => siteOf({ origin: 'null', url: 'https://bank.example/frame' } as never)), 4100);
    assert.equal(code(() => siteOf({ url: 'file:///etc/passwd' })), 4100);
    assert.equal(code(() => siteOf(undefined)), 4100);
    assert.equal(code(() => siteOf({ url: 'chrome-extension://abc/popup.html' })), 4100);
  });
});

describe('rate limiter', () => {
  test('bursts up to capacity, refills over time, per site and kind', () => {
    let now = 0;
    const rl = new RateLimiter({ request: { capacity: 3, perSecond: 1 }, send: { capacity: 2, perSecond: 0.5 }, lookup: { capacity: 10, perSecond: 5 } }, () => now);
    rl.take('a', 'send');
    rl.take('a', 'send');
    let err: RpcError | undefined;
    try {
      rl.take('a', 'send');
    } catch (e) {
      err = e as RpcError;
    }
    assert.equal(err?.code, -32005);
    assert.equal((err?.data as { retryAfterMs: number }).retryAfterMs, 2000);
    rl.take('b', 'send'); // another site has its own bucket
    rl.take('a', 'request'); // another kind too
    now = 2000;
    rl.take('a', 'send');
    assert.equal(code(() => rl.take('a', 'send')), -32005);
    assert.equal(code(() => rl.take('a', 'lookup', 11)), -32005, 'a cost above the capacity never passes');
    rl.take('a', 'lookup', 10);
  });
});

describe('grants (IndexedDB)', () => {
  beforeEach(() => {
    globalThis.indexedDB = new IDBFactory();
    resetDbHandle();
  });

  test('per account and origin; revoke one or a whole origin', async () => {
    await putGrant(A, 'https://a.example', 'app', 10);
    await putGrant(A, 'https://b.example', 'inbox', 20);
    await putGrant(B, 'https://a.example', 'inbox', 30);
    assert.equal((await getGrant(A, 'https://a.example'))?.scope, 'app');
    assert.equal((await getGrant(B, 'https://a.example'))?.scope, 'inbox');
    assert.equal(await getGrant(B, 'https://b.example'), undefined);
    assert.deepEqual(
      (await listGrants()).map((g) => [g.account, g.origin]),
      [[B, 'https://a.example'], [A, 'https://b.example'], [A, 'https://a.example']],
    );
    assert.deepEqual((await listGrants(A)).map((g) => g.origin), ['https://b.example', 'https://a.example']);
    assert.equal(await revokeGrant(A, 'https://b.example'), true);
    assert.equal(await revokeGrant(A, 'https://b.example'), false);
    const removed = await revokeOrigin('https://a.example');
    assert.equal(removed.length, 2);
    assert.deepEqual(await listGrants(), []);
  });

  test('a new grant replaces the old scope', async () => {
    await putGrant(A, 'https://a.example', 'app', 1);
    await putGrant(A, 'https://a.example', 'inbox', 2);
    assert.deepEqual(await listGrants(), [{ account: A, origin: 'https://a.example', scope: 'inbox', grantedAt: 2 }]);
  });
});
