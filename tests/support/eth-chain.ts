// A local Ethereum chain for tests: the EthereumJS EVM (pure JavaScript, from npm) behind a JSON-RPC
// endpoint on 127.0.0.1, port 0. It serves what a name resolver asks of a node (eth_chainId,
// eth_blockNumber, eth_call, eth_getCode, single and batched), and lets the test run state-changing
// calls as any address, so contracts are deployed and used exactly as on a real chain without keys or
// transactions. Starts in a few milliseconds.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEVM, type EVM } from '@ethereumjs/evm';
import { createCustomCommon, Mainnet } from '@ethereumjs/common';
import { Account, bytesToHex, createAddressFromString, hexToBytes } from '@ethereumjs/util';
import { decodeFunctionResult, encodeFunctionData, type Abi, type Hex } from 'viem';

export type Address = `0x${string}`;

export interface RpcLogEntry {
  method: string;
  params: unknown[];
}

export interface LocalChain {
  url: string;
  chainId: number;
  /** every JSON-RPC call answered, in order (a batch counts each of its calls) */
  log: RpcLogEntry[];
  /** HTTP requests received (a batch is one) */
  httpRequests(): number;
  /** Deploys a contract from its creation bytecode; returns its address. */
  deploy(bytecode: Hex, opts?: { from?: Address; at?: Address }): Promise<Address>;
  /** Runs a state-changing call as `from` (no signature needed); throws on revert. */
  send(to: Address, abi: Abi, functionName: string, args: readonly unknown[], from: Address): Promise<void>;
  /** A read-only call (state is left as it was). */
  read<T = unknown>(to: Address, abi: Abi, functionName: string, args: readonly unknown[]): Promise<T>;
  /** While true, every request is answered with HTTP 503 (an RPC provider having an outage). */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

const DEPLOYER: Address = '0x00000000000000000000000000000000000d3910';
const GAS = 30_000_000n;

export async function startChain({ chainId = 31337 }: { chainId?: number } = {}): Promise<LocalChain> {
  const common = createCustomCommon({ chainId }, Mainnet);
  const evm: EVM = await createEVM({ common });
  const log: RpcLogEntry[] = [];
  let http = 0;
  let down = false;
  let block = 1n;

  async function run(opts: { to?: Address; from?: Address; data: Hex; commit: boolean }): Promise<{ ok: boolean; data: Hex; created?: Address }> {
    const sm = evm.stateManager;
    await sm.checkpoint();
    try {
      const caller = createAddressFromString(opts.from ?? DEPLOYER);
      const res = await evm.runCall({
        to: opts.to ? createAddressFromString(opts.to) : undefined,
        caller,
        origin: caller,
        data: hexToBytes(opts.data),
        gasLimit: GAS,
        skipBalance: true,
      });
      const ok = !res.execResult.exceptionError;
      if (ok && opts.commit) {
        await sm.commit();
        block++;
      } else await sm.revert();
      return { ok, data: bytesToHex(res.execResult.returnValue) as Hex, created: res.createdAddress?.toString() as Address | undefined };
    } catch (e) {
      await sm.revert();
      throw e;
    }
  }

  async function answer(method: string, params: unknown[]): Promise<unknown> {
    switch (method) {
      case 'eth_chainId':
        return `0x${chainId.toString(16)}`;
      case 'net_version':
        return String(chainId);
      case 'eth_blockNumber':
        return `0x${block.toString(16)}`;
      case 'eth_getCode': {
        const code = await evm.stateManager.getCode(createAddressFromString(String(params[0])));
        return bytesToHex(code);
      }
      case 'eth_call': {
        const tx = (params[0] ?? {}) as { to?: Address; from?: Address; data?: Hex; input?: Hex };
        const r = await run({ to: tx.to, from: tx.from, data: tx.data ?? tx.input ?? '0x', commit: false });
        // geth's shape for a revert: code 3 with the revert data
        if (!r.ok) throw Object.assign(new Error('execution reverted'), { rpc: { code: 3, message: 'execution reverted', data: r.data } });
        return r.data;
      }
      default:
        throw Object.assign(new Error(`the method ${method} does not exist/is not available`), { rpc: { code: -32601, message: `the method ${method} does not exist/is not available` } });
    }
  }

  async function one(req: unknown): Promise<unknown> {
    const { id = null, method, params = [] } = (req ?? {}) as { id?: unknown; method?: string; params?: unknown[] };
    if (typeof method !== 'string') return { jsonrpc: '2.0', id, error: { code: -32600, message: 'invalid request' } };
    log.push({ method, params });
    try {
      return { jsonrpc: '2.0', id, result: await answer(method, params) };
    } catch (e) {
      const rpc = (e as { rpc?: object }).rpc ?? { code: -32603, message: String((e as Error).message) };
      return { jsonrpc: '2.0', id, error: rpc };
    }
  }

  const server: Server = createServer(async (req, res) => {
    http++;
    // Browsers send a CORS preflight for JSON posts from extension pages without host permission.
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type', 'access-control-allow-methods': 'POST, OPTIONS' };
    if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
    if (down) return void res.writeHead(503, { ...cors, 'content-type': 'text/plain' }).end('service unavailable');
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return void res.writeHead(400, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } }));
    }
    const out = Array.isArray(body) ? await Promise.all(body.map(one)) : await one(body);
    res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify(out));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    chainId,
    log,
    httpRequests: () => http,
    async deploy(bytecode, { from = DEPLOYER, at } = {}) {
      if (!at) {
        const r = await run({ from, data: bytecode, commit: true });
        if (!r.ok || !r.created) throw new Error('deployment reverted');
        return r.created;
      }
      // A fixed address (a registry where production code expects it): run the real constructor in
      // that account's context and keep the runtime code it returns.
      const target = createAddressFromString(at);
      await evm.stateManager.putAccount(target, new Account());
      const caller = createAddressFromString(from);
      const r = await evm.runCode({ code: hexToBytes(bytecode), to: target, caller, origin: caller, gasLimit: GAS });
      if (r.exceptionError) throw new Error(`deployment at ${at} reverted`);
      await evm.stateManager.putCode(target, r.returnValue);
      return at;
    },
    async send(to, abi, functionName, args, from) {
      const r = await run({ to, from, data: encodeFunctionData({ abi, functionName, args } as never), commit: true });
      if (!r.ok) throw new Error(`${functionName} reverted`);
    },
    async read<T>(to: Address, abi: Abi, functionName: string, args: readonly unknown[]) {
      const r = await run({ to, data: encodeFunctionData({ abi, functionName, args } as never), commit: false });
      if (!r.ok) throw new Error(`${functionName} reverted`);
      return decodeFunctionResult({ abi, functionName, data: r.data } as never) as T;
    },
    setDown: (d) => void (down = d),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function readBody(req: IncomingMessage, max = 1_000_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) req.destroy(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
