// Lens handles through the Lens API (GraphQL). A handle `alice.lens` is the account with username
// `lens/alice`; its XMTP identity is the wallet that owns the account. Reverse: the accounts a wallet
// owns, the first one with a username.
import { getAddress } from 'viem';
import { readCapped } from '../../src/read-capped.ts';
import { NameError, type NameResolver, type ReverseName } from './resolver.ts';
import { gatewayUrl } from './avatar.ts';

const MAX_RESPONSE_BYTES = 256 * 1024;
/** `alice.lens` or `lens/alice`: Lens's, never ENS's (ENS has no .lens). */
export const isLensHandle = (name: string): boolean => /\.lens$/i.test(name.trim()) || /^lens\//i.test(name.trim());
const LOCAL_NAME = /^[a-z0-9][a-z0-9_-]{0,25}$/;

const ACCOUNT = `query Account($request: AccountRequest!) {
  account(request: $request) { address owner username { localName } }
}`;
const ACCOUNTS_OWNED = `query AccountsAvailable($request: AccountsAvailableRequest!) {
  accountsAvailable(request: $request) {
    items { __typename ... on AccountOwned { account { address owner username { localName } metadata { picture } } } }
  }
}`;

interface LensAccount {
  address?: string;
  owner?: string;
  username?: { localName?: string } | null;
  metadata?: { picture?: string | null } | null;
}

export interface LensOptions {
  apiUrl: string;
  ipfsGateway: string;
  timeoutMs?: number;
}

export function createLensResolver({ apiUrl, ipfsGateway, timeoutMs = 10_000 }: LensOptions): NameResolver {
  async function query<T>(operationName: string, q: string, variables: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(apiUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ operationName, query: q, variables }),
        credentials: 'omit',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch {
      throw new NameError('unavailable', 'The Lens API did not answer');
    }
    const body = res.ok ? await readCapped(res, MAX_RESPONSE_BYTES) : undefined;
    let json: { data?: T | null; errors?: unknown[] } | undefined;
    try {
      json = body && JSON.parse(new TextDecoder().decode(body));
    } catch {
      json = undefined;
    }
    if (!json?.data) throw new NameError('unavailable', `The Lens API answered with an error (HTTP ${res.status})`);
    return json.data;
  }

  const handle = (a: LensAccount | null | undefined) => {
    const local = a?.username?.localName;
    return typeof local === 'string' && LOCAL_NAME.test(local) ? `${local}.lens` : null;
  };

  return {
    source: 'lens',
    claims: isLensHandle,
    normalize(name) {
      const local = name.trim().toLowerCase().replace(/^lens\//, '').replace(/\.lens$/, '');
      if (!LOCAL_NAME.test(local)) throw new NameError('invalid', `“${name.trim()}” is not a valid Lens handle: use letters, digits, - and _ (up to 26)`);
      return `${local}.lens`;
    },
    async resolveName(name) {
      const localName = name.slice(0, -'.lens'.length);
      const { account } = await query<{ account: LensAccount | null }>('Account', ACCOUNT, { request: { username: { localName } } });
      if (handle(account) !== name || typeof account?.owner !== 'string') return null;
      try {
        return getAddress(account.owner);
      } catch {
        return null;
      }
    },
    async lookupAddress(address): Promise<ReverseName | null> {
      const { accountsAvailable } = await query<{ accountsAvailable: { items?: ({ __typename?: string; account?: LensAccount } | null)[] } | null }>('AccountsAvailable', ACCOUNTS_OWNED, {
        request: { managedBy: getAddress(address), includeOwned: true },
      });
      const owned = (accountsAvailable?.items ?? []).find(
        (i) => i?.__typename === 'AccountOwned' && typeof i.account?.owner === 'string' && i.account.owner.toLowerCase() === address.toLowerCase() && handle(i.account),
      )?.account;
      const name = handle(owned);
      if (!name) return null;
      const picture = owned?.metadata?.picture;
      const avatarUrl = typeof picture === 'string' ? gatewayUrl(picture, ipfsGateway) : undefined;
      return avatarUrl ? { name, avatarUrl } : { name };
    },
  };
}
