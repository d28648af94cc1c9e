// Node-side loading of the libsecp256k1 WebAssembly verifier (tests and benchmarks). The
// extension does the same with bytes fetched from its package.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createWasmVerifier, installWasmVerifier } from '../../src/xmtp/crypto/wasm-verifier.ts';

/** tiny-secp256k1's package exports hide the .wasm, so locate it next to its CommonJS entry. */
export function secp256k1WasmPath(): string {
  return join(dirname(createRequire(import.meta.url).resolve('tiny-secp256k1')), '..', 'secp256k1.wasm');
}

export const readSecp256k1Wasm = (): Uint8Array => new Uint8Array(readFileSync(secp256k1WasmPath()));
export const createNodeWasmVerifier = () => createWasmVerifier(readSecp256k1Wasm());
export const installNodeWasmVerifier = () => installWasmVerifier(readSecp256k1Wasm());
