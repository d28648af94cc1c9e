// Contact bundles (spec 6): publishing our public keys and finding a peer's newest valid bundle.
import { mc, encode, decode, type PublicKeyBundle, type SignedPublicKeyBundle } from './proto.ts';
import { toChecksumAddress, isAddress } from './crypto/address.ts';
import { XmtpError } from './errors.ts';
import { signedBundleEquals, verifyLegacyBundleBytes, verifySignedBundleBytes, type VerifiedBundle } from './keys/bundles.ts';
import type { PrivateKeyBundle } from './keys/private-key-bundle.ts';
import type { ApiClient } from './api/api-client.ts';
import type { Envelope } from './api/types.ts';
import { contactTopic } from './topics.ts';

export type ContactBundle =
  | { version: 'v1'; bundle: PublicKeyBundle; verified: VerifiedBundle }
  | { version: 'v2'; bundle: SignedPublicKeyBundle; verified: VerifiedBundle };

/** Decodes and verifies one contact envelope; throws XmtpError when unusable. */
export function decodeContactBundle(bytes: Uint8Array): ContactBundle {
  let legacy: PublicKeyBundle | null | undefined;
  let signed: SignedPublicKeyBundle | null | undefined;
  try {
    const cb = decode(mc.ContactBundle, bytes);
    legacy = cb.v1?.keyBundle;
    signed = legacy ? null : cb.v2?.keyBundle;
  } catch {
    // very old clients published a bare PublicKeyBundle
  }
  if (!legacy && !signed) {
    const bare = decode(mc.PublicKeyBundle, bytes);
    if (bare.identityKey && bare.preKey) legacy = bare;
  }
  if (legacy) return { version: 'v1', bundle: legacy, verified: verifyLegacyBundleBytes(encode(mc.PublicKeyBundle, legacy)) };
  if (signed) return { version: 'v2', bundle: signed, verified: verifySignedBundleBytes(encode(mc.SignedPublicKeyBundle, signed)) };
  throw new XmtpError('invalid_key_bundle', 'not a contact bundle');
}

/** The newest valid bundle among envelopes (newest first) that belongs to `address`. */
export function pickContact(envelopes: Envelope[], address: string): ContactBundle | undefined {
  const want = address.toLowerCase();
  for (const e of envelopes) {
    try {
      const c = decodeContactBundle(e.message);
      if (c.verified.walletAddress.toLowerCase() === want) return c;
    } catch {
      // skip invalid envelopes
    }
  }
  return undefined;
}

export const CONTACT_PAGE_SIZE = 5;

export class ContactDirectory {
  private readonly cache = new Map<string, ContactBundle>();

  constructor(private readonly api: ApiClient) {}

  /** Newest valid contact bundle of `address` on the network (cached per client), or undefined. */
  async get(address: string): Promise<ContactBundle | undefined> {
    if (!isAddress(address)) return undefined;
    const addr = toChecksumAddress(address);
    const hit = this.cache.get(addr);
    if (hit) return hit;
    const batch: Envelope[] = [];
    for await (const e of this.api.queryIterator(contactTopic(addr), { direction: 'descending', pageSize: CONTACT_PAGE_SIZE })) {
      batch.push(e);
      if (batch.length === CONTACT_PAGE_SIZE) {
        const found = pickContact(batch.splice(0), addr);
        if (found) return this.remember(addr, found);
      }
    }
    const found = pickContact(batch, addr);
    return found ? this.remember(addr, found) : undefined;
  }

  /** Bundles for many addresses with batch queries (first page of 5 per topic, no paging). */
  async getMany(addresses: string[]): Promise<Array<ContactBundle | undefined>> {
    const out: Array<ContactBundle | undefined> = addresses.map(() => undefined);
    const todo: Array<{ i: number; addr: string }> = [];
    addresses.forEach((a, i) => {
      if (!isAddress(a)) return;
      const addr = toChecksumAddress(a);
      const hit = this.cache.get(addr);
      if (hit) out[i] = hit;
      else todo.push({ i, addr });
    });
    if (todo.length) {
      const responses = await this.api.batchQuery(
        todo.map(({ addr }) => ({ contentTopics: [contactTopic(addr)], direction: 'descending' as const, limit: CONTACT_PAGE_SIZE })),
      );
      todo.forEach(({ i, addr }, k) => {
        const found = pickContact(responses[k]?.envelopes ?? [], addr);
        if (found) out[i] = this.remember(addr, found);
      });
    }
    return out;
  }

  forget(address: string): void {
    if (isAddress(address)) this.cache.delete(toChecksumAddress(address));
  }

  private remember(addr: string, c: ContactBundle): ContactBundle {
    this.cache.set(addr, c);
    return c;
  }

  /**
   * Publishes our bundle unless the newest one on the network already is our V2 bundle:
   * V1 first, then V2, in two publishes, so the newest is V2 (spec 6).
   */
  async ensurePublished(keys: PrivateKeyBundle): Promise<boolean> {
    this.forget(keys.walletAddress);
    const current = await this.get(keys.walletAddress);
    if (current?.version === 'v2' && signedBundleEquals(current.bundle, keys.signedPublicBundle)) return false;
    const topic = contactTopic(keys.walletAddress);
    const t1 = BigInt(this.api.now()) * 1_000_000n;
    await this.api.publish([{ contentTopic: topic, timestampNs: t1, message: encode(mc.ContactBundle, { v1: { keyBundle: keys.publicBundle } }) }]);
    // Strictly later, so the V2 bundle sorts as the newest even within one millisecond.
    let t2 = BigInt(this.api.now()) * 1_000_000n;
    if (t2 <= t1) t2 = t1 + 1_000_000n;
    await this.api.publish([{ contentTopic: topic, timestampNs: t2, message: encode(mc.ContactBundle, { v2: { keyBundle: keys.signedPublicBundle } }) }]);
    this.forget(keys.walletAddress);
    return true;
  }
}
