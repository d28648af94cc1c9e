// ENS through viem (namehash, ABI, batched JSON-RPC, universal resolver, avatar records) and ENSIP-15
// normalisation through @adraffy/ens-normalize.
// A chain with a universal resolver (mainnet, Sepolia) is asked through it, which also
// follows wildcard and off-chain (CCIP-read) names; any other chain the classic way: registry →
// resolver → record. A primary name is shown only if its forward resolution gives the address back.
import { BaseError, HttpRequestError, TimeoutError, createClient, getAddress, http, zeroAddress, type Address, type Hex } from 'viem';
import { getEnsAddress, getEnsName, getEnsText, readContract } from 'viem/actions';
import { namehash, parseAvatarRecord } from 'viem/ens';
// ENSIP-15; the `xnf` build uses the platform's Unicode normalisation (NFC) instead of shipping its own tables
import { ens_normalize as normalize } from '@adraffy/ens-normalize/xnf';
import { mainnet, sepolia } from 'viem/chains';
import { NameError, type NameResolver, type ReverseName } from './resolver.ts';
import { gatewayUrl } from './avatar.ts';

/** The ENS registry's address on mainnet and the public testnets. */
export const ENS_REGISTRY: Address = '0x00000000000C2E074eC69A0dFb2997BA6C7d2e1e';
const UNIVERSAL_RESOLVER: Record<number, Address> = {
  [mainnet.id]: mainnet.contracts.ensUniversalResolver.address,
  [sepolia.id]: sepolia.contracts.ensUniversalResolver.address,
};

const view = { type: 'function', stateMutability: 'view' } as const;
const bytes32 = { type: 'bytes32', name: 'node' } as const;
const REGISTRY_ABI = [{ ...view, name: 'resolver', inputs: [bytes32], outputs: [{ type: 'address', name: '' }] }] as const;
const RESOLVER_ABI = [
  { ...view, name: 'addr', inputs: [bytes32], outputs: [{ type: 'address', name: '' }] },
  { ...view, name: 'name', inputs: [bytes32], outputs: [{ type: 'string', name: '' }] },
  { ...view, name: 'text', inputs: [bytes32, { type: 'string', name: 'key' }], outputs: [{ type: 'string', name: '' }] },
] as const;
const ERC721_ABI = [{ ...view, name: 'ownerOf', inputs: [{ type: 'uint256', name: 'id' }], outputs: [{ type: 'address', name: '' }] }] as const;
const ERC1155_ABI = [{ ...view, name: 'balanceOf', inputs: [{ type: 'address', name: 'owner' }, { type: 'uint256', name: 'id' }], outputs: [{ type: 'uint256', name: '' }] }] as const;

export interface EnsOptions {
  rpcUrl: string;
  /** IPFS gateway origin for avatars, e.g. https://ipfs.io */
  ipfsGateway: string;
  /** per request, ms */
  timeoutMs?: number;
}

export function createEnsResolver({ rpcUrl, ipfsGateway, timeoutMs = 10_000 }: EnsOptions): NameResolver {
  // Calls made together (a screenful of lookups) go out as one JSON-RPC batch; retries are the names
  // service's business (it backs off), not the transport's.
  const client = createClient({ transport: http(rpcUrl, { batch: { batchSize: 25, wait: 15 }, retryCount: 0, timeout: timeoutMs }) });
  let chain: Promise<{ id: number; universal?: Address }> | undefined;

  const chainInfo = () =>
    (chain ??= client.request({ method: 'eth_chainId' }).then(
      (hex) => ({ id: Number(hex), universal: UNIVERSAL_RESOLVER[Number(hex)] }),
      (e: unknown) => {
        chain = undefined;
        throw e;
      },
    ));

  /** A contract read where "no such contract or record" (revert, empty answer) is null. */
  async function read<T>(call: () => Promise<T>): Promise<T | null> {
    try {
      return await call();
    } catch (e) {
      if (unreachable(e)) throw e;
      return null;
    }
  }

  async function resolverOf(node: Hex): Promise<Address | null> {
    const r = await read(() => readContract(client, { address: ENS_REGISTRY, abi: REGISTRY_ABI, functionName: 'resolver', args: [node] }));
    return r && r !== zeroAddress ? r : null;
  }

  async function forward(name: string): Promise<Address | null> {
    const { universal } = await chainInfo();
    let a: Address | null;
    if (universal) a = await read(() => getEnsAddress(client, { name, universalResolverAddress: universal }));
    else {
      const node = namehash(name);
      const resolver = await resolverOf(node);
      a = resolver && (await read(() => readContract(client, { address: resolver, abi: RESOLVER_ABI, functionName: 'addr', args: [node] })));
    }
    return a && a !== zeroAddress ? getAddress(a) : null;
  }

  async function primaryName(address: Address): Promise<string | null> {
    const { universal } = await chainInfo();
    // the universal resolver checks the forward resolution itself
    if (universal) return read(() => getEnsName(client, { address, universalResolverAddress: universal }));
    const node = namehash(`${address.slice(2).toLowerCase()}.addr.reverse`);
    const resolver = await resolverOf(node);
    const name = resolver && (await read(() => readContract(client, { address: resolver, abi: RESOLVER_ABI, functionName: 'name', args: [node] })));
    if (!name) return null;
    return (await forward(name)) === address ? name : null;
  }

  async function text(name: string, key: string): Promise<string | null> {
    const { universal } = await chainInfo();
    if (universal) return read(() => getEnsText(client, { name, key, universalResolverAddress: universal }));
    const node = namehash(name);
    const resolver = await resolverOf(node);
    return resolver && read(() => readContract(client, { address: resolver, abi: RESOLVER_ABI, functionName: 'text', args: [node, key] }));
  }

  /** The avatar record as an image URL (ENSIP-12); an NFT counts only while the name's address owns it. */
  async function avatarUrl(name: string, owner: Address): Promise<string | undefined> {
    const record = (await text(name, 'avatar'))?.trim();
    if (!record) return undefined;
    const nft = /^eip155:(\d+)\/(erc721|erc1155):(0x[0-9a-fA-F]{40})\/(\d{1,78})$/i.exec(record);
    if (!nft) return gatewayUrl(record, ipfsGateway);
    const [, chainId, standard, contract, id] = nft;
    if (Number(chainId) !== (await chainInfo()).id) return undefined; // another chain: cannot check who owns it
    const token = BigInt(id);
    const owns =
      standard.toLowerCase() === 'erc721'
        ? (await read(() => readContract(client, { address: contract as Address, abi: ERC721_ABI, functionName: 'ownerOf', args: [token] })))?.toLowerCase() === owner.toLowerCase()
        : ((await read(() => readContract(client, { address: contract as Address, abi: ERC1155_ABI, functionName: 'balanceOf', args: [owner, token] }))) ?? 0n) > 0n;
    if (!owns) return undefined;
    return read(() => parseAvatarRecord(client, { record, gatewayUrls: { ipfs: ipfsGateway } })).then((u) => u ?? undefined);
  }

  return {
    source: 'ens',
    claims: (name) => name.includes('.'),
    normalize(name) {
      try {
        return normalize(name.trim());
      } catch (e) {
        throw new NameError('invalid', `“${name.trim()}” is not a valid ENS name: ${(e as Error).message.replace(/\u200e/g, '')}`);
      }
    },
    resolveName: (name) => guard(() => forward(name)),
    lookupAddress: (address) =>
      guard(async (): Promise<ReverseName | null> => {
        const a = getAddress(address);
        const name = await primaryName(a);
        // ENSIP-15: a primary name that is not in normalised form is not shown
        if (!name || safeNormalize(name) !== name) return null;
        // the avatar is a nicety: a failure there never hides the name
        const avatar = await avatarUrl(name, a).catch((e: unknown) => {
          if (unreachable(e)) throw e;
          return undefined;
        });
        return avatar ? { name, avatarUrl: avatar } : { name };
      }),
  };
}

function safeNormalize(name: string): string | null {
  try {
    return normalize(name);
  } catch {
    return null;
  }
}

/** The RPC endpoint did not answer (network, timeout, HTTP error such as 429 or 503). */
function unreachable(e: unknown): boolean {
  return e instanceof BaseError ? Boolean(e.walk((x) => x instanceof HttpRequestError || x instanceof TimeoutError)) : e instanceof TypeError;
}

async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof NameError) throw e;
    if (unreachable(e)) throw new NameError('unavailable', 'The Ethereum RPC did not answer');
    throw e;
  }
}
