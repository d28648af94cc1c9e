// A secp256k1 backend (verify, recover, sign, ECDH) on libsecp256k1 compiled to WebAssembly: the .wasm file shipped by
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
  signRecoverable(extraData: number): number;
  pointMultiply(inputLength: number, outputLength: number): number;
  PRIVATE_INPUT: WebAssembly.Global;
  TWEAK_INPUT: WebAssembly.Global;
  HASH_INPUT: WebAssembly.Global;
  PUBLIC_KEY_INPUT: WebAssembly.Global;
  SIGNATURE_INPUT: WebAssembly.Global;
}

// secp256k1 group order n, big-endian.
const N_BYTES = [
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
  0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/** 0 < b < n for a 32-byte big-endian scalar (the library aborts on out-of-range input). */
function scalarInRange(b: Uint8Array): boolean {
  let nonZero = 0;
  for (let i = 0; i < 32; i++) nonZero |= b[i]!;
  if (!nonZero) return false;
  for (let i = 0; i < 32; i++) {
    if (b[i]! !== N_BYTES[i]!) return b[i]! < N_BYTES[i]!;
  }
  return false; // equal to n
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
  const privPtr = w.PRIVATE_INPUT.value as number;
  const tweakPtr = w.TWEAK_INPUT.value as number;

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
    sign(digest, priv) {
      if (digest.length !== 32 || priv.length !== 32 || !scalarInRange(priv)) return null;
      const m = view();
      m.set(digest, hashPtr);
      m.set(priv, privPtr);
      try {
        // libsecp256k1's default nonce is RFC 6979 and its signatures are low-S: same bytes as noble.
        const recovery = w.signRecoverable(0);
        return { bytes: m.slice(sigPtr, sigPtr + 64), recovery };
      } catch {
        return null;
      } finally {
        m.fill(0, privPtr, privPtr + 32);
      }
    },
    ecdh(priv, pub65) {
      if (priv.length !== 32 || pub65.length !== 65 || !scalarInRange(priv)) return null;
      const m = view();
      m.set(pub65, pubPtr);
      m.set(priv, tweakPtr);
      try {
        return w.pointMultiply(65, 65) === 1 ? m.slice(pubPtr, pubPtr + 65) : null;
      } catch {
        return null;
      } finally {
        m.fill(0, tweakPtr, tweakPtr + 32);
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
