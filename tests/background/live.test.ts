// The live subscription against a real node: it follows every conversation it learns of, even one
// learnt at an awkward moment (while the subscription opens, or while invitations are being listed).
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { freshBackground, memoryNode, PASSWORD, walletKey } from './setup.ts';
import { Client } from '../../src/xmtp/client.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import * as accounts from '../../background/accounts.ts';
import { getClient } from '../../background/xmtp-session.ts';
import { live } from '../../background/inbox.ts';
import { syncAll } from '../../background/sync.ts';
import * as store from '../../background/inbox-store.ts';

const node = memoryNode();

const key = walletKey;
const peer = (n: number) => Client.create(privateKeySigner(key(n)), { apiUrl: node.url });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(what: string, f: () => Promise<T | undefined>, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

let release: (() => void) | undefined;
beforeEach(() => freshBackground(node.url));
afterEach(() => {
  release?.();
  live.stop();
});

test('an invitation that arrives while another is being listed is listed too, and its topic followed', async () => {
  const { address: me } = await accounts.importWallet({ privateKey: key(0x51), password: PASSWORD });
  const a = await getClient();
  release = live.acquire();
  await live.ensure();
  await syncAll(a); // the catch-up at start, out of the way

  // The listing answers at once but takes a while to finish: the next invitation lands meanwhile.
  const list = a.client.conversations.list.bind(a.client.conversations);
  let listings = 0;
  let bobListed!: () => void;
  const bobSeen = new Promise<void>((r) => (bobListed = r));
  a.client.conversations.list = async (...args: Parameters<typeof list>) => {
    listings++; // counted as it starts: it stores what it finds before it returns
    const r = await list(...args);
    bobListed();
    await sleep(400);
    return r;
  };
  const bob = await peer(0x52);
  const carol = await peer(0x53);
  await bob.conversations.newConversation(me);
  await bobSeen;
  const withCarol = await carol.conversations.newConversation(me);

  await eventually('both conversations stored', async () => (await store.listConversations(me)).length === 2 || undefined);
  assert.ok(listings >= 2, 'listed again for the invitation that came during the first listing');
  await withCarol.send('carol, live');
  await eventually('carol’s message, live', async () => (await store.listMessages(me, withCarol.topic)).find((m) => m.content === 'carol, live'));
});

test('a conversation stored while the subscription opens is followed once it is open', async () => {
  const { address: me } = await accounts.importWallet({ privateKey: key(0x61), password: PASSWORD });
  const a = await getClient();
  const bob = await peer(0x62);
  const withBob = await bob.conversations.newConversation(me);

  // While live reads its topics, a sync beside it stores the conversation (no subscription yet to tell).
  const listLocal = a.client.conversations.listLocal.bind(a.client.conversations);
  let first = true;
  a.client.conversations.listLocal = async () => {
    const r = await listLocal();
    if (first) {
      first = false;
      await a.client.conversations.list();
    }
    return r;
  };
  release = live.acquire();
  await live.ensure();
  await syncAll(a); // the catch-up at start: bob's conversation is known, nothing in it yet
  assert.equal((await store.listConversations(me)).length, 1);

  await withBob.send('bob, live');
  await eventually('bob’s message, live', async () => (await store.listMessages(me, withBob.topic)).find((m) => m.content === 'bob, live'));
});
