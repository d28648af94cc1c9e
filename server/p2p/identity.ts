// The node's libp2p identity (its peer id) is made once and kept in a file beside its database, so
// other operators can pin it in their --peer multiaddrs across restarts.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';

/** Where the key lives for a --db value: `<sqlite file>.p2p-key`, else ./data/p2p-key; null = not kept. */
export function defaultKeyFile(db: string): string | null {
  if (db === ':memory:' || db.startsWith('file:')) return null;
  if (/^postgres(ql)?:\/\//.test(db)) return './data/p2p-key';
  return `${db}.p2p-key`;
}

/** Loads the key, or creates it (secp256k1, as Waku nodes use) and writes it readable by the owner only. */
export async function loadOrCreateKey(file: string | null): Promise<PrivateKey> {
  if (file) {
    let bytes: Buffer | null = null;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (bytes) return privateKeyFromProtobuf(bytes);
  }
  const key = await generateKeyPair('secp256k1');
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    // 'wx': never overwrite a key another process wrote meanwhile.
    writeFileSync(file, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' });
  }
  return key;
}
