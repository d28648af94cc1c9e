import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashOf, routeFromHash, type Route } from '../src/popup-route.ts';

test('popup routes survive the trip through a URL fragment, topics with slashes included', () => {
  const routes: Route[] = [
    { name: 'inbox' },
    { name: 'new' },
    { name: 'settings' },
    { name: 'accounts' },
    { name: 'add-account' },
    { name: 'backup', address: '0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A' },
    { name: 'conversation', topic: '/xmtp/0/m-0a1b2c3d/proto' },
    { name: 'conversation', topic: '/xmtp/0/dm-0xAbC-0xDeF/proto' },
  ];
  for (const r of routes) assert.deepEqual(routeFromHash(hashOf(r)), r);
  // what a notification click opens lands on the conversation, not the inbox
  const convo = routes.find((r) => r.name === 'conversation')!;
  assert.deepEqual(routeFromHash(new URL(`chrome-extension://x/popup.html${hashOf(convo)}`).hash), convo);
});

test('anything else is the inbox', () => {
  for (const h of ['', '#', '#/c/', '#/c/%E0%A4%A', '#/nope', '#/xmtp/0/m-1/proto', '#/backup/0x12', '#/backup/']) assert.deepEqual(routeFromHash(h), { name: 'inbox' }, h);
});
