// What every name system (ENS, Lens) offers the names service (index.ts): forward resolution for what a
// person types, and reverse resolution, verified, for the addresses on screen.
import type { NameSource } from '../../src/views.ts';

export interface ReverseName {
  /** verified: its forward resolution gives the same address back */
  name: string;
  /** where the avatar image is: an http(s) or data: URL (IPFS and NFT records already turned into one) */
  avatarUrl?: string;
}

export interface NameResolver {
  readonly source: NameSource;
  /** Whether a typed name belongs to this system (e.g. `*.lens`); ENS takes the rest. */
  claims(name: string): boolean;
  /** The canonical form of a typed name; throws NameError('invalid') with the reason. */
  normalize(name: string): string;
  /** Normalised name → checksummed address, or null when the name has none. */
  resolveName(name: string): Promise<string | null>;
  /** Address → its verified name, or null. */
  lookupAddress(address: string): Promise<ReverseName | null>;
}

export type NameErrorKind = 'invalid' | 'unavailable';

/** `unavailable`: the service (RPC, API) could not be reached; the names service backs off. */
export class NameError extends Error {
  constructor(
    readonly kind: NameErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'NameError';
  }
}
