// Integration of the official SDK (@xmtp/xmtp-js 13.0.4, unchanged) with this node. Run by
// sdk-sqlite.test.ts and sdk-postgres.test.ts against each store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { XmtpNode } from '../../server/node.ts';
import { publicKeyToAddress } from '../../src/xmtp/crypto/address.ts';
import { personalSignDigest } from '../../src/xmtp/crypto/eip191.ts';
import { bytesToHex } from '../../src/xmtp/crypto/bytes.ts';
import { generatePrivateKey, getPublicKey, signDigest } from '../../src/xmtp/crypto/secp256k1.ts';
import { post, sleep } from './helpers.ts';

// The SDK's ESM build does not load on Node 20; its CommonJS build does.
const sdk = createRequire(import.meta.url)('@xmtp/xmtp-js');
const { Client, ConversationV1, ConversationV2, SortDirection } = sdk;

export function wallet(priv: Uint8Array = generatePrivateKey()) {
  const address = publicKeyToAddress(getPublicKey(priv));
  return {
    address,
    getAddress: async () => address,
    // EIP-191 personal_sign, 65-byte r||s||v hex.
    signMessage: async (m: string | ArrayLike<number>) => {
      const s = signDigest(personalSignDigest(typeof m === 'string' ? m : Uint8Array.from(m)), priv);
      return `0x${bytesToHex(s.bytes)}${(27 + s.recovery).toString(16)}`;
    },
  };
}

async function next(it: AsyncIterator<any>, ms = 20_000): Promise<any> {
  let t: NodeJS.Timeout | undefined;
  const r = await Promise.race([
    it.next(),
    new Promise<never>((_, rej) => {
      t = setTimeout(() => rej(new Error(`no stream item within ${ms} ms`)), ms);
    }),
  ]);
  clearTimeout(t);
  assert.ok(!r.done, 'stream ended');
  return r.value;
}

/** Waits until the node has exactly `n` subscribers on `topic` (the SDK does not wait for its subscriptions). */
async function subscribers(node: XmtpNode, topic: string, n: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (node.stats(topic).topicSubscribers !== n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} subscribers on ${topic}, have ${node.stats(topic).topicSubscribers}`);
    await sleep(10);
  }
}

export function sdkSuite(getNode: () => XmtpNode): void {
  const opts = () => ({ env: 'local', apiUrl: getNode().url, persistConversations: false, appVersion: 'xmtp-inbox-tests/1' });
  const aliceWallet = wallet();
  const bobWallet = wallet();
  const carolWallet = wallet();
  let alice: any;
  let bob: any;
  let carol: any;

  test('two new users: keys generated, uploaded to the private store, contacts published', async () => {
    [alice, bob] = await Promise.all([Client.create(aliceWallet, opts()), Client.create(bobWallet, opts())]);
    assert.equal(alice.address, aliceWallet.address);
    const node = getNode();
    for (const [w, c] of [[aliceWallet, alice], [bobWallet, bob]] as const) {
      const ks = await post(node.url, '/message/v1/query', { contentTopics: [`/xmtp/0/privatestore-${w.address}/key_bundle/proto`] });
      assert.equal(ks.json.envelopes.length, 1, 'encrypted key bundle uploaded');
      const contact = await post(node.url, '/message/v1/query', { contentTopics: [`/xmtp/0/contact-${w.address}/proto`] });
      assert.equal(contact.json.envelopes.length, 2, 'V1 and V2 contact bundles published');
      assert.equal(c.address, w.address);
    }
  });

  test('key store restore: a second client for the same wallet loads the same keys from the network', async () => {
    const again = await Client.create(aliceWallet, opts());
    assert.deepEqual(
      Buffer.from(again.publicKeyBundle.identityKey.secp256k1Uncompressed.bytes),
      Buffer.from(alice.publicKeyBundle.identityKey.secp256k1Uncompressed.bytes),
    );
    assert.deepEqual(Buffer.from(again.publicKeyBundle.preKey.secp256k1Uncompressed.bytes), Buffer.from(alice.publicKeyBundle.preKey.secp256k1Uncompressed.bytes));
    // It found its contact already published: still two bundles on the topic.
    const contact = await post(getNode().url, '/message/v1/query', { contentTopics: [`/xmtp/0/contact-${aliceWallet.address}/proto`] });
    assert.equal(contact.json.envelopes.length, 2);
  });

  test('canMessage: single (instance and static) and a 60-address batch', async () => {
    assert.equal(await alice.canMessage(bob.address), true);
    assert.equal(await alice.canMessage(wallet().address), false);
    assert.equal(await Client.canMessage(bob.address, { env: 'local', apiUrl: getNode().url }), true);
    carol = await Client.create(carolWallet, { ...opts(), skipContactPublishing: true });
    await carol.publishUserContact(true); // a legacy-only (V1 bundle) peer
    const strangers = Array.from({ length: 58 }, () => wallet().address);
    const batch = await alice.canMessage([bob.address, ...strangers.slice(0, 29), carol.address, ...strangers.slice(29)]);
    assert.equal(batch.length, 60);
    assert.deepEqual(
      batch.map((b: boolean, i: number) => (b ? i : -1)).filter((i: number) => i >= 0),
      [0, 30],
    );
  });

  let aliceConvo: any;
  let bobConvo: any;
  test('V2 conversation: text both ways', async () => {
    aliceConvo = await alice.conversations.newConversation(bob.address, { conversationId: 'xmtp-inbox.test/1', metadata: { title: 'hello' } });
    assert.ok(aliceConvo instanceof ConversationV2);
    await aliceConvo.send('hi bob');
    const bobList = await bob.conversations.list();
    bobConvo = bobList.find((c: any) => c.topic === aliceConvo.topic);
    assert.ok(bobConvo, 'bob sees the invitation');
    assert.equal(bobConvo.context.conversationId, 'xmtp-inbox.test/1');
    await bobConvo.send('hi alice');
    const msgs = await aliceConvo.messages();
    assert.deepEqual(msgs.map((m: any) => [m.senderAddress, m.content]), [[alice.address, 'hi bob'], [bob.address, 'hi alice']]);
  });

  test('live streams both ways (conversation stream and streamAllMessages)', async () => {
    const aliceStream: any = await aliceConvo.streamMessages();
    const bobAll: any = await bob.conversations.streamAllMessages();
    await subscribers(getNode(), aliceConvo.topic, 2);
    await bobConvo.send('live from bob');
    assert.equal((await next(aliceStream)).content, 'live from bob');
    await aliceConvo.send('live from alice');
    // bob's stream sees his own message and then alice's.
    const seen: string[] = [];
    while (!seen.includes('live from alice')) seen.push((await next(bobAll)).content);
    assert.ok(seen.includes('live from alice'));
    await aliceStream.return();
    await bobAll.return();
    // A brand-new conversation (invitation) reaches bob's conversation stream.
    const inviteTopic = `/xmtp/0/invite-${bob.address}/proto`;
    await subscribers(getNode(), inviteTopic, 0);
    const convoStream: any = await bob.conversations.stream();
    await subscribers(getNode(), inviteTopic, 1);
    const c2 = await alice.conversations.newConversation(bob.address, { conversationId: 'xmtp-inbox.test/2', metadata: {} });
    const found = await next(convoStream);
    assert.equal(found.topic, c2.topic);
    await convoStream.return();
  });

  test('ephemeral messages are streamed but never stored', async () => {
    const eph: any = await bobConvo.streamEphemeral();
    await subscribers(getNode(), bobConvo.ephemeralTopic, 1);
    await aliceConvo.send('typing…', { ephemeral: true });
    assert.equal((await next(eph)).content, 'typing…');
    await eph.return();
    const all = await bobConvo.messages();
    assert.ok(!all.some((m: any) => m.content === 'typing…'));
    const q = await post(getNode().url, '/message/v1/query', { contentTopics: [aliceConvo.ephemeralTopic] });
    assert.deepEqual(q.json.envelopes, []);
  });

  test('pagination over more than 100 messages in both directions, with time bounds', async () => {
    const sent: any[] = [];
    for (let i = 0; i < 130; i += 10) {
      sent.push(...(await Promise.all(Array.from({ length: 10 }, (_, j) => aliceConvo.send(`page ${i + j}`)))));
    }
    const isPage = (m: any) => typeof m.content === 'string' && m.content.startsWith('page ');
    const asc = (await bobConvo.messages({ direction: SortDirection.SORT_DIRECTION_ASCENDING })).filter(isPage);
    const desc = (await bobConvo.messages({ direction: SortDirection.SORT_DIRECTION_DESCENDING })).filter(isPage);
    assert.equal(asc.length, 130);
    assert.deepEqual(desc.map((m: any) => m.id), asc.map((m: any) => m.id).reverse());
    for (let i = 1; i < asc.length; i++) assert.ok(asc[i].sent.getTime() >= asc[i - 1].sent.getTime());
    assert.deepEqual(new Set(asc.map((m: any) => m.content)), new Set(sent.map((m: any) => m.content)));
    // Time bounds (inclusive, on the sender timestamp).
    const start = asc[20].sent;
    const end = asc[115].sent;
    const expected = asc.filter((m: any) => m.sent >= start && m.sent <= end).map((m: any) => m.id);
    const bounded = (await bobConvo.messages({ startTime: start, endTime: end, direction: SortDirection.SORT_DIRECTION_ASCENDING })).filter(isPage);
    assert.deepEqual(bounded.map((m: any) => m.id), expected);
    const boundedDesc = (await bobConvo.messages({ startTime: start, endTime: end, direction: SortDirection.SORT_DIRECTION_DESCENDING })).filter(isPage);
    assert.deepEqual(boundedDesc.map((m: any) => m.id), [...expected].reverse());
    // Pages of 40 via messagesPaginated.
    const pages: number[] = [];
    for await (const page of bobConvo.messagesPaginated({ pageSize: 40, direction: SortDirection.SORT_DIRECTION_DESCENDING })) pages.push(page.length);
    assert.ok(pages.length >= 4 && pages.slice(0, -1).every((n) => n === 40), `pages ${pages}`);
    assert.ok(pages.reduce((a, b) => a + b, 0) >= 130);
  });

  test('V1 conversation with a legacy-only peer', async () => {
    const toCarol = await alice.conversations.newConversation(carol.address);
    assert.ok(toCarol instanceof ConversationV1);
    assert.match(toCarol.topic, /^\/xmtp\/0\/dm-/);
    await toCarol.send('hello carol (v1)');
    const carolList = await carol.conversations.list();
    const fromAlice = carolList.find((c: any) => c.peerAddress === alice.address);
    assert.ok(fromAlice instanceof ConversationV1);
    assert.deepEqual((await fromAlice.messages()).map((m: any) => m.content), ['hello carol (v1)']);
    await fromAlice.send('hi alice, from carol');
    assert.deepEqual((await toCarol.messages()).map((m: any) => m.content), ['hello carol (v1)', 'hi alice, from carol']);
  });
}
