// A fake EIP-1193 wallet for test pages: window.ethereum backed by a secp256k1 key (noble), answering
// eth_requestAccounts / eth_accounts / personal_sign. Bundled into the page by dapp.ts. The page sets
// `window.__fakeWallet = { key: '<hex>', reject?: boolean }` before this script runs.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';

const cfg = (window as unknown as { __fakeWallet: { key: string; reject?: boolean; calls?: string[] } }).__fakeWallet;
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (h: string) => Uint8Array.from((h.replace(/^0x/, '').match(/../g) ?? []).map((x) => parseInt(x, 16)));
const key = unhex(cfg.key);
const address = '0x' + hex(keccak_256(secp256k1.getPublicKey(key, false).subarray(1)).subarray(12));
cfg.calls = [];

function personalSign(message: Uint8Array): string {
  const prefix = new TextEncoder().encode(`\x19Ethereum Signed Message:\n${message.length}`);
  const all = new Uint8Array(prefix.length + message.length);
  all.set(prefix);
  all.set(message, prefix.length);
  const sig = secp256k1.sign(keccak_256(all), key, { prehash: false, lowS: true, format: 'recovered' });
  return '0x' + hex(sig.slice(1, 65)) + (27 + sig[0]).toString(16);
}

const rejected = () => Object.assign(new Error('User rejected the request.'), { code: 4001 });

(window as unknown as { ethereum: unknown }).ethereum = {
  isFakeWallet: true,
  async request({ method, params }: { method: string; params?: unknown[] }) {
    cfg.calls!.push(method);
    await new Promise((r) => setTimeout(r, 10));
    if (cfg.reject) throw rejected();
    if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [address];
    if (method === 'personal_sign') {
      const [msg] = params as [string, string];
      const bytes = /^0x[0-9a-fA-F]*$/.test(msg) ? unhex(msg) : new TextEncoder().encode(msg);
      return personalSign(bytes);
    }
    throw Object.assign(new Error(`unsupported ${method}`), { code: 4200 });
  },
};
