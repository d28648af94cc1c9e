// The names service against a local Ethereum chain running the real ENS contracts (registry, public
// resolver, reverse registrar from ENS's npm artifacts): forward, reverse with forward verification,
// avatars, normalisation, batching, the cache and its TTL, and an RPC that is down or unreachable.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_SETTINGS, resetDbHandle } from '../../background/db.ts';
import { Names } from '../../background/names/index.ts';
import { readNames, FOUND_TTL_MS } from '../../background/names/cache.ts';
import { startChain, type Address, type LocalChain } from '../support/eth-chain.ts';
import { deployEns, type LocalEns } from '../support/ens.ts';
import type { NameView, Settings } from '../../src/views.ts';

const ALICE: Address = '0x00000000000000000000000000000000000A11cE';
const BOB: Address = '0x0000000000000000000000000000000000000B0b';
const MALLORY: Address = '0x000000000000000000000000000000000000BAD1';
const NOBODY: Address = '0x0000000000000000000000000000000000000404';
const HEART: Address = '0x000000000000000000000000000000000000a7A7';
// a 1×1 PNG
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

let chain: LocalChain;
let ens: LocalEns;
let images: Server;
let imagesUrl: string;
let imageHits = 0;

before(async () => {
  images = createServer((req, res) => {
    imageHits++;
    if (req.url === '/huge.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(3 * 1024 * 1024));
    if (req.url?.endsWith('.png')) return void res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>not an image</h1>');
  });
  await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
  imagesUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;

  chain = await startChain();
  ens = await deployEns(chain);
  await ens.register('alice.eth', { owner: ALICE, texts: { avatar: `${imagesUrl}/alice.png` } });
  await ens.setPrimaryName(ALICE, 'alice.eth');
  await ens.register('bob.eth', { owner: BOB, texts: { avatar: 'ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/bob.png' } });
  await ens.setPrimaryName(BOB, 'bob.eth');
  // Mallory claims alice.eth as his primary name: the reverse record is his to set, the name is not.
  await ens.setPrimaryName(MALLORY, 'alice.eth');
  await ens.register('❤.eth', { owner: HEART });
  await ens.register('noaddress.eth', { owner: NOBODY, address: null });
});
after(async () => {
  await chain.close();
  images.close();
});
beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
  resetDbHandle();
});

function service(over: Partial<Settings> = {}, now = () => Date.now()) {
  const settings: Settings = { ...DEFAULT_SETTINGS, ethRpcUrl: chain.url, ipfsGateway: imagesUrl, ...over };
  const published: Record<string, NameView | null>[] = [];
  const names = new Names({ settings: async () => settings, publish: (n) => published.push(n), avatars: { allowPrivateHosts: true }, now });
  return { names, published, settings };
}

const reason = (e: unknown) => (e as { data?: { reason?: string } }).data?.reason;

test('forward: a name resolves to its address, typed in any case', async () => {
  const { names } = service();
  assert.deepEqual(await names.resolve('alice.eth'), { name: 'alice.eth', address: ALICE, source: 'ens' });
  assert.deepEqual(await names.resolve('  ALICE.Eth '), { name: 'alice.eth', address: ALICE, source: 'ens' });
});

test('normalisation (ENSIP-15): an emoji with a variation selector is the same name; invalid names say why', async () => {
  const { names } = service();
  assert.equal((await names.resolve('❤️.eth')).address, HEART);
  await assert.rejects(names.resolve('a b.eth'), (e) => reason(e) === 'invalid-name' && /disallowed character/.test((e as Error).message));
  // Cyrillic "а" in a Latin name: a look-alike of apple.eth
  await assert.rejects(names.resolve('\u0430pple.eth'), (e) => reason(e) === 'invalid-name' && /mixture/.test((e as Error).message));
});

test('a name with no address, or not registered, says so', async () => {
  const { names } = service();
  await assert.rejects(names.resolve('noaddress.eth'), (e) => reason(e) === 'name-not-found');
  await assert.rejects(names.resolve('unregistered.eth'), (e) => reason(e) === 'name-not-found' && /does not point to an address/.test((e as Error).message));
});

test('reverse: the primary name with its avatar, published once looked up and then served from the cache', async () => {
  const { names, published } = service();
  assert.deepEqual(await names.lookup([ALICE, BOB, NOBODY]), {}, 'nothing cached yet: the answer does not wait');
  await names.idle();
  const all = Object.assign({}, ...published) as Record<string, NameView | null>;
  assert.equal(all[ALICE.toLowerCase()]?.name, 'alice.eth');
  assert.match(all[ALICE.toLowerCase()]?.avatar ?? '', /^data:image\/png;base64,/);
  assert.equal(all[BOB.toLowerCase()]?.name, 'bob.eth');
  assert.match(all[BOB.toLowerCase()]?.avatar ?? '', /^data:image\/png;base64,/, 'the IPFS avatar came through the gateway');
  assert.equal(all[NOBODY.toLowerCase()], null, 'no primary name');

  const calls = chain.log.length;
  const again = await names.lookup([ALICE, BOB, NOBODY]);
  assert.equal(again[ALICE.toLowerCase()]?.name, 'alice.eth');
  assert.equal(again[NOBODY.toLowerCase()], null);
  await names.idle();
  assert.equal(chain.log.length, calls, 'fresh cache entries are not looked up again');
});

test('forward verification: a primary name whose forward resolution is another address is not shown', async () => {
  const { names, published } = service();
  await names.lookup([MALLORY]);
  await names.idle();
  assert.deepEqual(published, [{ [MALLORY.toLowerCase()]: null }]);
  assert.equal(await names.lookupNow(MALLORY), null);
});

test('an avatar that is not an image, or too large, is left out; the name still shows', async () => {
  const who: Address = '0x00000000000000000000000000000000000c4a01';
  const big: Address = '0x00000000000000000000000000000000000c4a02';
  await ens.register('carol.eth', { owner: who, texts: { avatar: `${imagesUrl}/page.html` } });
  await ens.setPrimaryName(who, 'carol.eth');
  await ens.register('dave.eth', { owner: big, texts: { avatar: `${imagesUrl}/huge.png` } });
  await ens.setPrimaryName(big, 'dave.eth');
  const { names } = service();
  assert.deepEqual(await names.lookupNow(who), { address: who.toLowerCase(), name: 'carol.eth', source: 'ens' });
  assert.deepEqual(await names.lookupNow(big), { address: big.toLowerCase(), name: 'dave.eth', source: 'ens' });
});

test('a data: avatar is kept; an avatar on a private host is never fetched in production', async () => {
  const d: Address = '0x00000000000000000000000000000000000da7a1';
  const p: Address = '0x00000000000000000000000000000000000da7a2';
  await ens.register('inline.eth', { owner: d, texts: { avatar: `data:image/png;base64,${PNG.toString('base64')}` } });
  await ens.setPrimaryName(d, 'inline.eth');
  await ens.register('intranet.eth', { owner: p, texts: { avatar: `${imagesUrl}/x.png` } });
  await ens.setPrimaryName(p, 'intranet.eth');
  const settings: Settings = { ...DEFAULT_SETTINGS, ethRpcUrl: chain.url };
  const names = new Names({ settings: async () => settings, publish: () => {} }); // production avatar policy
  assert.equal((await names.lookupNow(d))?.avatar, `data:image/png;base64,${PNG.toString('base64')}`);
  const hits = imageHits;
  assert.deepEqual(await names.lookupNow(p), { address: p.toLowerCase(), name: 'intranet.eth', source: 'ens' });
  assert.equal(imageHits, hits, 'no request to 127.0.0.1');
});

test('lookups of a screenful go out as a few JSON-RPC batches, and results are published in batches', async () => {
  const many = Array.from({ length: 40 }, (_, i) => `0x${(0xe000 + i).toString(16).padStart(40, '0')}` as Address);
  const { names, published } = service();
  const http0 = chain.httpRequests();
  const calls0 = chain.log.length;
  await names.lookup([...many, ALICE]);
  await names.idle();
  const calls = chain.log.length - calls0;
  const http = chain.httpRequests() - http0;
  assert.ok(calls >= 41, `each address was asked (${calls} calls)`);
  assert.ok(http * 4 <= calls, `${calls} calls in ${http} HTTP requests`);
  assert.ok(published.length <= 4, `published in ${published.length} events`);
  const cached = await readNames([...many.map((a) => a.toLowerCase()), ALICE.toLowerCase()]);
  assert.equal(cached.size, 41, 'every answer is cached, "no name" too');
});

test('TTL: an entry past its TTL is shown while it is looked up again', async () => {
  let t = Date.now();
  const { names, published } = service({}, () => t);
  await names.lookup([ALICE]);
  await names.idle();
  published.length = 0;
  t += FOUND_TTL_MS + 1;
  const calls = chain.log.length;
  assert.equal((await names.lookup([ALICE]))[ALICE.toLowerCase()]?.name, 'alice.eth', 'the stale name shows at once');
  await names.idle();
  assert.ok(chain.log.length > calls, 'and is looked up again');
  assert.equal(published.length, 1);
});

test('an RPC that is down: addresses show, nothing piles up, lookups back off and recover', async () => {
  let t = Date.now();
  const { names, published } = service({}, () => t);
  chain.setDown(true);
  try {
    const many = Array.from({ length: 100 }, (_, i) => `0x${(0xf000 + i).toString(16).padStart(40, '0')}` as Address);
    const http0 = chain.httpRequests();
    assert.deepEqual(await names.lookup(many), {});
    await names.idle();
    // the first wave (8 lookups at once, sharing a batch) fails, then the rest wait for the back-off
    assert.ok(chain.httpRequests() - http0 <= 3, `${chain.httpRequests() - http0} HTTP requests for 100 lookups`);
    assert.deepEqual(published, [], 'nothing published, nothing cached');
    await assert.rejects(names.resolve('alice.eth'), (e) => reason(e) === 'names-unavailable' && /Trying again in \d+ s/.test((e as Error).message));
    await assert.rejects(names.lookupNow(ALICE), (e) => reason(e) === 'names-unavailable');
    assert.equal(chain.httpRequests() - http0 <= 3, true, 'asking again during the back-off costs no request');
  } finally {
    chain.setDown(false);
  }
  t += 6_000;
  assert.equal((await names.resolve('alice.eth')).address, ALICE, 'after the back-off it works again');
});

test('an RPC that does not exist: a clear error, and the next attempt waits', async () => {
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
  await new Promise<void>((r) => dead.close(() => r()));
  const { names } = service({ ethRpcUrl: url });
  await assert.rejects(names.resolve('alice.eth'), (e) => reason(e) === 'names-unavailable' && /Ethereum RPC/.test((e as Error).message));
  const t0 = performance.now();
  await assert.rejects(names.resolve('alice.eth'), (e) => reason(e) === 'names-unavailable');
  assert.ok(performance.now() - t0 < 1000, 'answered from the back-off, without waiting on the network');
  assert.deepEqual(await names.lookup([ALICE]), {});
});

test('names turned off: nothing is looked up, typed names get a clear error', async () => {
  const { names } = service({ ensNames: false });
  const calls = chain.log.length;
  assert.deepEqual(await names.lookup([ALICE]), {});
  await names.idle();
  assert.equal(chain.log.length, calls);
  await assert.rejects(names.resolve('alice.eth'), (e) => reason(e) === 'names-off');
});

test('changing the RPC drops the cached names, and says so', async () => {
  const settings: Settings = { ...DEFAULT_SETTINGS, ethRpcUrl: chain.url };
  let cleared = 0;
  const names = new Names({ settings: async () => settings, publish: () => {}, cleared: () => cleared++ });
  await names.lookup([ALICE, NOBODY]);
  await names.idle();
  assert.equal((await readNames([ALICE.toLowerCase(), NOBODY.toLowerCase()])).size, 2, 'a name, and "has none"');
  const cached = await names.cached([ALICE, NOBODY]);
  assert.deepEqual([...cached].map(([a, n]) => [a, n.name]), [[ALICE.toLowerCase(), 'alice.eth']], 'cached: only the addresses that have a name');
  await names.settingsChanged();
  assert.equal(cleared, 0, 'the same settings: nothing dropped');
  settings.ethRpcUrl = `${chain.url}/other`;
  await names.settingsChanged();
  assert.equal((await readNames([ALICE.toLowerCase()])).size, 0);
  assert.equal(cleared, 1, 'the first-screen snapshot is told, so it drops its names');
  assert.equal((await names.cached([ALICE])).size, 0);
});
