// The page-wallet bridge with a simulated page: requests go to the frame's port (or a frame message
// when it has none), answers are accepted only from that frame, signatures must recover to the
// wallet's address, and the documented errors come out for rejection, no wallet, timeouts and pages
// that go away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Runtime } from 'webextension-polyfill';
import { PageWalletBridge } from '../../background/provider/page-wallet.ts';
import { generatePrivateKey, getPublicKey, signDigest } from '../../src/xmtp/crypto/secp256k1.ts';
import { publicKeyToAddress } from '../../src/xmtp/crypto/address.ts';
import { personalSignDigest, recoverPersonalSignAddress, splitWalletSignature } from '../../src/xmtp/crypto/eip191.ts';
import { bytesToHex, hexToBytes } from '../../src/xmtp/crypto/bytes.ts';

type WalletReq = { requestId: string; method: string; params?: unknown[] };

function wallet() {
  const key = generatePrivateKey();
  const address = publicKeyToAddress(getPublicKey(key));
  const sign = (hexText: string) => {
    const s = signDigest(personalSignDigest(hexToBytes(hexText)), key);
    return '0x' + bytesToHex(s.bytes) + (27 + s.recovery).toString(16);
  };
  return { key, address, sign };
}

function setup(opts: { withPort?: boolean; timeoutMs?: number } = {}) {
  const sent: { via: 'port' | 'frame'; tabId: number; frameId: number; req: WalletReq }[] = [];
  const port = { sender: { tab: { id: 5 }, frameId: 0 } } as unknown as Runtime.Port;
  const bridge = new PageWalletBridge({
    portOf: (tabId, frameId) => (opts.withPort !== false && tabId === 5 && frameId === 0 ? port : undefined),
    post: (_p, data) => void sent.push({ via: 'port', tabId: 5, frameId: 0, req: data }),
    sendToFrame: async (tabId, frameId, msg) => {
      if (tabId === 404) throw new Error('Could not establish connection. Receiving end does not exist.');
      sent.push({ via: 'frame', tabId, frameId, req: (msg as { walletRequest: WalletReq }).walletRequest });
    },
    promptRequester: (id) => (id === 'prompt-1' ? { tabId: 5, frameId: 0 } : undefined),
    timeoutMs: { accounts: opts.timeoutMs ?? 2000, sign: opts.timeoutMs ?? 2000 },
  });
  const next = async () => {
    for (let i = 0; i < 100 && !sent.length; i++) await new Promise((r) => setTimeout(r, 2));
    return sent.shift()!;
  };
  const from = (tabId: number, frameId = 0) => ({ tab: { id: tabId }, frameId }) as Runtime.MessageSender;
  return { bridge, next, from, sent };
}
const settle = (p: Promise<unknown>): Promise<{ ok?: unknown; code?: number; reason?: string }> => p.then((ok) => ({ ok }), (e: { code: number; data?: { reason?: string } }) => ({ code: e.code, reason: e.data?.reason }));

test('signs in with the page wallet: accounts, then personal_sign checked against the address', async () => {
  const w = wallet();
  const { bridge, next, from } = setup();
  const signer = bridge.signer({ promptId: 'prompt-1' });
  const addrP = signer.getAddress();
  const r1 = await next();
  assert.equal(r1.via, 'port');
  assert.equal(r1.req.method, 'eth_requestAccounts');
  // an answer from another frame or tab is ignored
  bridge.response({ requestId: r1.req.requestId, result: ['0x' + '66'.repeat(20)] }, from(6));
  bridge.response({ requestId: r1.req.requestId, result: ['0x' + '66'.repeat(20)] }, from(5, 3));
  bridge.response({ requestId: r1.req.requestId, result: [w.address.toLowerCase()] }, from(5));
  assert.equal(await addrP, w.address, 'checksummed');

  const text = 'XMTP : Create Identity\n0a2b\n\nFor more info: https://xmtp.org/signatures/';
  const sigP = signer.signMessage(text);
  const r2 = await next();
  assert.equal(r2.req.method, 'personal_sign');
  const [hexText, addr] = r2.req.params as string[];
  assert.equal(addr, w.address);
  assert.equal(new TextDecoder().decode(hexToBytes(hexText)), text);
  bridge.response({ requestId: r2.req.requestId, result: w.sign(hexText) }, from(5));
  const sig = await sigP;
  assert.equal(recoverPersonalSignAddress(text, splitWalletSignature(sig)), w.address);
});

test('a signature from another key is refused; rejection in the wallet is 4001; no wallet is reason no-wallet', async () => {
  const w = wallet();
  const impostor = wallet();
  const { bridge, next, from } = setup();
  const signer = bridge.signer({ tabId: 5 });
  const a = signer.getAddress();
  bridge.response({ requestId: (await next()).req.requestId, result: [w.address] }, from(5));
  await a;
  const bad = settle(signer.signMessage('hello'));
  const r = await next();
  bridge.response({ requestId: r.req.requestId, result: impostor.sign((r.req.params as string[])[0]) }, from(5));
  assert.deepEqual(await bad, { code: -32603, reason: 'bad-signature' });
  const garbage = settle(signer.signMessage('hello'));
  bridge.response({ requestId: (await next()).req.requestId, result: '0x1234' }, from(5));
  assert.deepEqual(await garbage, { code: -32603, reason: 'bad-signature' });
  const rejected = settle(signer.signMessage('hello'));
  bridge.response({ requestId: (await next()).req.requestId, error: { code: 4001, message: 'User denied message signature.' } }, from(5));
  assert.deepEqual(await rejected, { code: 4001, reason: undefined });

  const other = bridge.signer({ tabId: 5 }).getAddress();
  bridge.response({ requestId: (await next()).req.requestId, error: { code: 4200, message: 'This page has no Ethereum wallet (window.ethereum)' } }, from(5));
  assert.deepEqual(await settle(other), { code: -32603, reason: 'no-wallet' });
  const empty = bridge.signer({ tabId: 5 }).getAddress();
  bridge.response({ requestId: (await next()).req.requestId, result: [] }, from(5));
  assert.deepEqual(await settle(empty), { code: -32603, reason: 'no-account' });
});

test('frames without a port are reached by a frame message; unreachable pages, timeouts, pages that go away', async () => {
  const { bridge, next, from } = setup({ withPort: false, timeoutMs: 50 });
  const p = bridge.signer({ tabId: 5, frameId: 0 }).getAddress();
  const r = await next();
  assert.equal(r.via, 'frame');
  bridge.response({ requestId: r.req.requestId, result: ['0x' + '11'.repeat(20)] }, from(5));
  assert.equal(await p, '0x' + '11'.repeat(20));
  assert.deepEqual(await settle(bridge.signer({ tabId: 404 }).getAddress()), { code: -32603, reason: 'no-page' });
  assert.deepEqual(await settle(bridge.signer({ tabId: 5 }).getAddress()), { code: -32603, reason: 'timeout' });
  const gone = settle(bridge.signer({ tabId: 5 }).getAddress());
  await next();
  bridge.portClosed(from(5));
  assert.deepEqual(await gone, { code: -32603, reason: 'page-gone' });
  assert.deepEqual(await settle(bridge.signer({ promptId: 'no-such-prompt' }).getAddress()), { code: -32602, reason: 'expired' });
});
