// A signature verifier on libsecp256k1 compiled to WebAssembly: the .wasm file shipped by
// tiny-secp256k1 2.2.4, instantiated by us from bytes the caller supplies. Its own JS loader is
// not used: it reads the file with Node's fs (or relies on ESM-integrated .wasm imports), and
// instantiates at import time; here loading is explicit, async and bundler-neutral.
//
// Node:      installWasmVerifier(await readFile(require.resolve('tiny-secp256k1/lib/secp256k1.wasm')))
// Extension: copy the .wasm into the package, fetch(chrome.runtime.getURL(...)) → arrayBuffer →
//            installWasmVerifier(bytes). CSP needs 'wasm-unsafe-eval'.
import { setSignatureVerifier, type SignatureVerifier } from './verifier.ts';

interface SecpExports {
  memory: WebAssembly.Memory;
  initializeContext(): void;
  verify(publicKeyLength: number, strict: number): number;
  recover(outputLength: number, recoveryId: number): number;
  HASH_INPUT: WebAssembly.Global;
  PUBLIC_KEY_INPUT: WebAssembly.Global;
  SIGNATURE_INPUT: WebAssembly.Global;
}

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function scalarInRange(b: Uint8Array): boolean {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v > 0n && v < N;
}

export async function createWasmVerifier(source: BufferSource | WebAssembly.Module): Promise<SignatureVerifier> {
  const imports = {
    './rand.js': {
      // Only seeds context randomisation (side-channel blinding), never key material.
      generateInt32: () => globalThis.crypto.getRandomValues(new Int32Array(1))[0]!,
    },
    './validate_error.js': {
      throwError: (code: number) => {
        throw new TypeError(`secp256k1 error ${code}`);
      },
    },
  };
  const instance =
    source instanceof WebAssembly.Module
      ? await WebAssembly.instantiate(source, imports)
      : (await WebAssembly.instantiate(source, imports)).instance;
  const w = instance.exports as unknown as SecpExports;
  w.initializeContext();
  let mem = new Uint8Array(w.memory.buffer);
  const view = () => (mem.buffer === w.memory.buffer ? mem : (mem = new Uint8Array(w.memory.buffer)));
  const hashPtr = w.HASH_INPUT.value as number;
  const pubPtr = w.PUBLIC_KEY_INPUT.value as number;
  const sigPtr = w.SIGNATURE_INPUT.value as number;

  return {
    name: 'libsecp256k1-wasm',
    verify(digest, sig64, pub65) {
      if (digest.length !== 32 || sig64.length !== 64 || pub65.length !== 65) return false;
      if (!scalarInRange(sig64.subarray(0, 32)) || !scalarInRange(sig64.subarray(32))) return false;
      const m = view();
      m.set(digest, hashPtr);
      m.set(pub65, pubPtr);
      m.set(sig64, sigPtr);
      try {
        // strict = 1: high-S signatures are rejected, as the SDK's verifier does.
        return w.verify(65, 1) === 1;
      } catch {
        return false;
      }
    },
    recover(digest, sig64, recovery) {
      if (digest.length !== 32 || sig64.length !== 64 || (recovery !== 0 && recovery !== 1)) return null;
      if (!scalarInRange(sig64.subarray(0, 32)) || !scalarInRange(sig64.subarray(32))) return null;
      const m = view();
      m.set(digest, hashPtr);
      m.set(sig64, sigPtr);
      try {
        return w.recover(65, recovery) === 1 ? m.slice(pubPtr, pubPtr + 65) : null;
      } catch {
        return null;
      }
    },
  };
}

/** Creates the WASM verifier and makes it the one all signature checks use. */
export async function installWasmVerifier(source: BufferSource | WebAssembly.Module): Promise<SignatureVerifier> {
  const v = await createWasmVerifier(source);
  setSignatureVerifier(v);
  return v;
}
