// The real ENS contracts on a local chain (tests/support/eth-chain.ts), deployed from the compiled
// artifacts ENS published on npm (@ensdomains/contracts): the registry at the address it has on every
// public chain, a public resolver, and the reverse registrar for `addr.reverse`. The npm registry serves
// no build of the universal resolver, so names here resolve the classic way (registry → resolver).
import { createRequire } from 'node:module';
import { encodeDeployData, labelhash, type Abi, type Hex } from 'viem';
import { namehash } from 'viem/ens';
import type { Address, LocalChain } from './eth-chain.ts';

const require = createRequire(import.meta.url);
interface Artifact {
  abi: Abi;
  bytecode: Hex;
}
const artifact = (path: string): Artifact => require(`@ensdomains/contracts/abis/${path}.json`) as Artifact;
const REGISTRY = artifact('ens/ENSRegistry');
const RESOLVER = artifact('resolver/PublicResolver');
const REVERSE = artifact('ens/ReverseRegistrar');

/** Where the ENS registry lives on mainnet and the public testnets (and so on our local chain). */
export const ENS_REGISTRY: Address = '0x00000000000C2E074eC69A0dFb2997BA6C7d2e1e';
const ROOT: Hex = `0x${'00'.repeat(32)}`;
const OPERATOR: Address = '0x00000000000000000000000000000000000e5e75';

export interface NameSetup {
  /** the name's owner (also its address record unless `address` says otherwise) */
  owner: Address;
  /** the `addr` record; null leaves it unset */
  address?: Address | null;
  texts?: Record<string, string>;
}

export interface LocalEns {
  registry: Address;
  publicResolver: Address;
  reverseRegistrar: Address;
  /** Registers a name under a parent this harness owns (`eth` by default) with the public resolver. */
  register(name: string, setup: NameSetup): Promise<void>;
  setAddress(name: string, address: Address, owner: Address): Promise<void>;
  setText(name: string, key: string, value: string, owner: Address): Promise<void>;
  /** The address's primary name (its reverse record), set by the address itself. */
  setPrimaryName(address: Address, name: string): Promise<void>;
}

export async function deployEns(chain: LocalChain): Promise<LocalEns> {
  const registry = await chain.deploy(REGISTRY.bytecode, { from: OPERATOR, at: ENS_REGISTRY });
  const publicResolver = await chain.deploy(encodeDeployData({ abi: RESOLVER.abi, bytecode: RESOLVER.bytecode, args: [registry] }), { from: OPERATOR });
  const reverseRegistrar = await chain.deploy(encodeDeployData({ abi: REVERSE.abi, bytecode: REVERSE.bytecode, args: [registry, publicResolver] }), { from: OPERATOR });
  const setOwner = (parent: Hex, label: string, owner: Address) => chain.send(registry, REGISTRY.abi, 'setSubnodeOwner', [parent, labelhash(label), owner], OPERATOR);
  await setOwner(ROOT, 'eth', OPERATOR);
  await setOwner(ROOT, 'reverse', OPERATOR);
  await setOwner(namehash('reverse'), 'addr', reverseRegistrar);

  const ens: LocalEns = {
    registry,
    publicResolver,
    reverseRegistrar,
    async register(name, { owner, address = owner, texts = {} }) {
      const dot = name.indexOf('.');
      const parent = namehash(name.slice(dot + 1));
      const parentOwner = await chain.read<Address>(registry, REGISTRY.abi, 'owner', [parent]);
      await chain.send(registry, REGISTRY.abi, 'setSubnodeRecord', [parent, labelhash(name.slice(0, dot)), owner, publicResolver, 0n], parentOwner);
      if (address) await ens.setAddress(name, address, owner);
      for (const [key, value] of Object.entries(texts)) await ens.setText(name, key, value, owner);
    },
    setAddress: (name, address, owner) => chain.send(publicResolver, RESOLVER.abi, 'setAddr', [namehash(name), address], owner),
    setText: (name, key, value, owner) => chain.send(publicResolver, RESOLVER.abi, 'setText', [namehash(name), key, value], owner),
    setPrimaryName: (address, name) => chain.send(reverseRegistrar, REVERSE.abi, 'setName', [name], address),
  };
  return ens;
}
