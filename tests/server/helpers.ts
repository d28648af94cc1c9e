// Shared helpers for the node's tests: token minting, HTTP calls, stream readers, child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { api, encode, mc, u64 } from '../../src/xmtp/proto.ts';
import { keccak256 } from '../../src/xmtp/crypto/hashes.ts';
import { personalSignDigest } from '../../src/xmtp/crypto/eip191.ts';
import { publicKeyToAddress } from '../../src/xmtp/crypto/address.ts';
import { bytesToHex } from '../../src/xmtp/crypto/bytes.ts';
import { getPublicKey, signDigest } from '../../src/xmtp/crypto/secp256k1.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface TestIdentity {
  wallet: string;
  walletPriv: Uint8Array;
  identityPriv: Uint8Array;
  identityTimestampMs: number;
}

export function identity(walletByte: number, identityByte: number, identityTimestampMs = 1_700_000_000_000): TestIdentity {
  const walletPriv = new Uint8Array(32).fill(walletByte);
  return {
    wallet: publicKeyToAddress(getPublicKey(walletPriv)),
    walletPriv,
    identityPriv: new Uint8Array(32).fill(identityByte),
    identityTimestampMs,
  };
}

export interface MintOptions {
  createdMs?: number;
  /** AuthData.wallet_addr (default: the wallet). */
  walletAddr?: string;
  /** Sign the identity key with this wallet key instead. */
  signingWalletPriv?: Uint8Array;
  /** Sign the AuthData with this key instead of the identity key. */
  authSigningPriv?: Uint8Array;
  walletSigTag?: 'ecdsaCompact' | 'walletEcdsaCompact';
  authSigTag?: 'ecdsaCompact' | 'walletEcdsaCompact';
  omitAuthData?: boolean;
  omitIdentitySignature?: boolean;
}

/** Mints an XMTP auth token exactly as the SDK does (xmtp-protocol.md §7.5); returns the base64. */
export function mintToken(id: TestIdentity, o: MintOptions = {}): string {
  const pub = getPublicKey(id.identityPriv);
  const unsigned = { timestamp: u64(id.identityTimestampMs), secp256k1Uncompressed: { bytes: pub } };
  const bytesToSign = encode(mc.PublicKey, unsigned);
  const text = `XMTP : Create Identity\n${bytesToHex(bytesToSign)}\n\nFor more info: https://xmtp.org/signatures/`;
  const ws = signDigest(personalSignDigest(text), o.signingWalletPriv ?? id.walletPriv);
  const walletSig = { [o.walletSigTag ?? 'ecdsaCompact']: { bytes: ws.bytes, recovery: ws.recovery } };
  const authDataBytes = encode(api.AuthData, {
    walletAddr: o.walletAddr ?? id.wallet,
    createdNs: u64(BigInt(o.createdMs ?? Date.now()) * 1_000_000n),
  });
  const as = signDigest(keccak256(authDataBytes), o.authSigningPriv ?? id.identityPriv);
  const token = encode(api.Token, {
    identityKey: { ...unsigned, ...(o.omitIdentitySignature ? {} : { signature: walletSig }) },
    authDataBytes: o.omitAuthData ? undefined : authDataBytes,
    authDataSignature: { [o.authSigTag ?? 'ecdsaCompact']: { bytes: as.bytes, recovery: as.recovery } },
  });
  return Buffer.from(token).toString('base64');
}

export async function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url + path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

export function env(topic: string, ts: bigint | number, message: string | Buffer) {
  return { contentTopic: topic, timestampNs: String(ts), message: Buffer.from(message).toString('base64') };
}

/** Reads `{"result": …}` lines from an HTTP subscribe stream. */
export class StreamReader {
  private buf = '';
  private lines: any[] = [];
  private waiters: Array<() => void> = [];
  readonly controller = new AbortController();
  raw = '';
  status = 0;
  headers: Headers | null = null;
  private ended = false;

  static async open(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<StreamReader> {
    const r = new StreamReader();
    const res = await fetch(url + path, { method: 'POST', body: JSON.stringify(body), headers, signal: r.controller.signal });
    r.status = res.status;
    r.headers = res.headers;
    void r.pump(res);
    return r;
  }

  private async pump(res: Response): Promise<void> {
    const dec = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const s = dec.decode(chunk, { stream: true });
        this.raw += s;
        this.buf += s;
        let i;
        while ((i = this.buf.indexOf('\n')) >= 0) {
          const line = this.buf.slice(0, i);
          this.buf = this.buf.slice(i + 1);
          this.lines.push(JSON.parse(line));
        }
        this.waiters.splice(0).forEach((w) => w());
      }
    } catch {
      /* aborted */
    }
    this.ended = true;
    this.waiters.splice(0).forEach((w) => w());
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Waits for n lines in total (fails after timeoutMs). */
  async take(n: number, timeoutMs = 15_000): Promise<any[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length < n) {
      if (this.ended) throw new Error(`stream ended after ${this.lines.length} of ${n} lines`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} lines (got ${this.lines.length})`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.lines.slice(0, n);
  }

  get received(): any[] {
    return this.lines;
  }

  async waitEnd(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('stream did not end');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.controller.abort();
  }
}

export interface ChildNode {
  url: string;
  /** The operator address (with --metrics-port). */
  metricsUrl?: string;
  proc: ChildProcess;
  stderr: () => string;
  /** Resolves with the exit code/signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `server/main.ts` in a child process (as `npm run server` does) and waits until it listens. */
export function spawnNode(args: string[], envExtra: Record<string, string> = {}, nodeArgs: string[] = []): Promise<ChildNode> {
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'server/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...envExtra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  proc.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`node did not start in 30 s: ${err}`)), 30_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').slice(0, -1).find((l) => l.startsWith('{"listening":'));
      if (line) {
        clearTimeout(t);
        const { listening, metrics } = JSON.parse(line) as { listening: string; metrics?: string };
        resolve({ url: listening, metricsUrl: metrics, proc, stderr: () => err, exited });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(t);
      reject(new Error(`node exited (${code ?? signal}) before listening: ${err}`));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
