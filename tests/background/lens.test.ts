// Lens handles behind the names service, against a local HTTP server that answers as the Lens API
// (GraphQL, api.lens.xyz) does: recorded responses of its shape, chosen by operation and variables.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_SETTINGS, resetDbHandle } from '../../background/db.ts';
import { Names } from '../../background/names/index.ts';
import { startChain, type Address, type LocalChain } from '../support/eth-chain.ts';
import { deployEns } from '../support/ens.ts';
import type { NameView, Settings } from '../../src/views.ts';

const OWNER = '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf';
const ACCOUNT = '0x3b1D3a2a1FcA2C8E0F2fFa3C7C1d1A43a8d8e2Ee'; // the Lens account (a smart account the owner controls)
const MANAGER = '0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF'; // manages an account it does not own
const BOTH = '0x6813Eb9362372EEF6200f3b1dbC3f819671cBA69'; // has an ENS name and a Lens handle
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

const account = (localName: string, owner: string, address: string, picture: string | null = null) => ({
  __typename: 'Account',
  address,
  owner,
  username: { __typename: 'Username', localName },
  metadata: picture === null ? null : { __typename: 'AccountMetadata', picture },
});

/** Recorded answers, by operation and the variable that selects them. */
function answer(operationName: string, variables: { request?: { username?: { localName?: string }; managedBy?: string } }): unknown {
  if (operationName === 'Account') {
    const local = variables.request?.username?.localName;
    if (local === 'alice') return { data: { account: account('alice', OWNER, ACCOUNT, 'ipfs://bafkreialice/avatar.png') } };
    if (local === 'broken') return { data: null, errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
    return { data: { account: null } };
  }
  if (operationName === 'AccountsAvailable') {
    const by = variables.request?.managedBy?.toLowerCase();
    const items =
      by === OWNER.toLowerCase()
        ? [{ __typename: 'AccountOwned', addedAt: '2025-04-01T10:00:00+00:00', account: account('alice', OWNER, ACCOUNT, 'ipfs://bafkreialice/avatar.png') }]
        : by === MANAGER.toLowerCase()
          ? [{ __typename: 'AccountManaged', addedAt: '2025-04-02T10:00:00+00:00', permissions: { canExecuteTransactions: true }, account: account('alice', OWNER, ACCOUNT) }]
          : by === BOTH.toLowerCase()
            ? [{ __typename: 'AccountOwned', addedAt: '2025-04-03T10:00:00+00:00', account: account('both', BOTH, ACCOUNT) }]
            : [];
    return { data: { accountsAvailable: { __typename: 'PaginatedAccountsAvailableResult', items, pageInfo: { prev: null, next: null } } } };
  }
  return { data: null, errors: [{ message: `Unknown operation ${operationName}` }] };
}

let lens: Server;
let lensUrl: string;
let requests: { operationName: string; variables: unknown }[] = [];
let down = false;
let chain: LocalChain;

before(async () => {
  lens = createServer((req, res) => {
    if (req.url?.startsWith('/ipfs/')) return void res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (down) return void res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
      const { operationName, variables } = JSON.parse(body);
      requests.push({ operationName, variables });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(operationName, variables)));
    });
  });
  await new Promise<void>((r) => lens.listen(0, '127.0.0.1', r));
  lensUrl = `http://127.0.0.1:${(lens.address() as AddressInfo).port}`;
  chain = await startChain();
  const ens = await deployEns(chain);
  await ens.register('both.eth', { owner: BOTH as Address });
  await ens.setPrimaryName(BOTH as Address, 'both.eth');
});
after(async () => {
  lens.close();
  await chain.close();
});
beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
  resetDbHandle();
  requests = [];
  down = false;
});

function service(over: Partial<Settings> = {}) {
  const settings: Settings = { ...DEFAULT_SETTINGS, ensNames: false, lensNames: true, lensApiUrl: `${lensUrl}/graphql`, ipfsGateway: lensUrl, ...over };
  const published: Record<string, NameView | null>[] = [];
  const names = new Names({ settings: async () => settings, publish: (n) => published.push(n), avatars: { allowPrivateHosts: true } });
  return { names, published };
}
const reason = (e: unknown) => (e as { data?: { reason?: string } }).data?.reason;

test('a handle resolves to the wallet that owns the account, written alice.lens or lens/alice', async () => {
  const { names } = service();
  assert.deepEqual(await names.resolve('alice.lens'), { name: 'alice.lens', address: OWNER, source: 'lens' });
  assert.deepEqual(await names.resolve('LENS/Alice'), { name: 'alice.lens', address: OWNER, source: 'lens' });
  assert.deepEqual(requests[0], { operationName: 'Account', variables: { request: { username: { localName: 'alice' } } } });
  await assert.rejects(names.resolve('nobody.lens'), (e) => reason(e) === 'name-not-found');
  await assert.rejects(names.resolve('bad handle.lens'), (e) => reason(e) === 'invalid-name');
});

test('reverse: the handle of an account the address owns, with its picture through the IPFS gateway; managing is not owning', async () => {
  const { names } = service();
  const owner = await names.lookupNow(OWNER);
  assert.equal(owner?.name, 'alice.lens');
  assert.equal(owner?.source, 'lens');
  assert.match(owner?.avatar ?? '', /^data:image\/png;base64,/);
  assert.equal(await names.lookupNow(MANAGER), null);
  assert.deepEqual(requests.at(-1), { operationName: 'AccountsAvailable', variables: { request: { managedBy: MANAGER, includeOwned: true } } });
});

test('ENS first: an address with both shows its ENS name; Lens answers where ENS has none', async () => {
  const { names, published } = service({ ensNames: true, ethRpcUrl: chain.url });
  await names.lookup([BOTH, OWNER]);
  await names.idle();
  const all = Object.assign({}, ...published) as Record<string, NameView | null>;
  assert.equal(all[BOTH.toLowerCase()]?.name, 'both.eth');
  assert.equal(all[OWNER.toLowerCase()]?.name, 'alice.lens');
  assert.ok(!requests.some((r) => JSON.stringify(r.variables).includes(BOTH)), 'Lens is not asked about an address ENS named');
});

test('Lens off (the default): handles get a clear error and nothing is sent to the API', async () => {
  const { names } = service({ lensNames: false, ensNames: true, ethRpcUrl: chain.url });
  await assert.rejects(names.resolve('alice.lens'), (e) => reason(e) === 'names-off' && /Lens handles are turned off/.test((e as Error).message));
  assert.equal(DEFAULT_SETTINGS.lensNames, false);
  assert.equal(requests.length, 0);
});

test('an API that fails: GraphQL errors and a 502 mean unavailable, and lookups back off', async () => {
  const { names, published } = service();
  await assert.rejects(names.resolve('broken.lens'), (e) => reason(e) === 'names-unavailable' && /Lens API/.test((e as Error).message));
  const sent = requests.length;
  await assert.rejects(names.resolve('alice.lens'), (e) => reason(e) === 'names-unavailable');
  assert.equal(requests.length, sent, 'backing off: no request');
  down = true;
  const fresh = service().names;
  await fresh.lookup([OWNER, MANAGER]);
  await fresh.idle();
  assert.deepEqual(published, []);
});
