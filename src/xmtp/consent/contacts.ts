// Consent (spec 13.3): the user's allow/deny list, kept as encrypted private preferences on the
// network and mirrored in storage. `client.contacts` in the public API, as in the SDK.
//
// Who may change consent (docs/provider.md, "Consent"):
// - the user: the popup (Allow/Block a request, Unblock) and an approved `xmtp_setConsent` prompt
//   call allow()/deny() directly. These are the only ways a 'denied' peer becomes 'allowed'.
// - implicitly, only over 'unknown', as the SDK does: newConversation() and send() allow an undecided
//   peer, and so does an invitation with a valid XIP-43 consent proof (applyConsentProofs). Each
//   checks the network's list first (ensureFresh/refreshConsentList), so a deny made on another
//   device is not overridden by a stale local view.
// - nothing else: a page's newConversation or send never unblocks; the conversation stays blocked.
import { toChecksumAddress } from '../crypto/address.ts';
import { splitWalletSignature, recoverPersonalSignAddress } from '../crypto/eip191.ts';
import type { ApiClient } from '../api/api-client.ts';
import type { PrivateKeyBundle } from '../keys/private-key-bundle.ts';
import { consentProofText } from '../keys/signature-texts.ts';
import type { ConsentEntry, XmtpStorage } from '../storage/types.ts';
import type { Envelope } from '../api/types.ts';
import type { SyncEngine } from '../sync/engine.ts';
import { actionEntries, decryptPreferenceAction, encryptPreferenceAction, privatePreferencesTopic, type PreferenceAction } from './private-preferences.ts';

export type ConsentState = 'allowed' | 'denied' | 'unknown';

const PROOF_MAX_AGE_MS = 30 * 24 * 3600 * 1000;

export class Contacts {
  readonly topic: string;
  private readonly entries = new Map<string, ConsentEntry>();
  private loaded: Promise<void> | null = null;
  private refreshing: Promise<void> | null = null;
  private fetchedOnce = false;

  constructor(
    private readonly api: ApiClient,
    private readonly keys: PrivateKeyBundle,
    private readonly storage: XmtpStorage,
    private readonly sync: SyncEngine,
  ) {
    this.topic = privatePreferencesTopic(keys.identity.privateKey);
  }

  private async loadLocal(): Promise<void> {
    this.loaded ??= this.storage.listConsent().then((list) => {
      for (const e of list) this.entries.set(e.key, e);
    });
    return this.loaded;
  }

  /** Fetches new preference actions from the network and applies them in timestamp order. */
  async refreshConsentList(): Promise<Map<string, ConsentState>> {
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = null));
    await this.refreshing;
    return this.consentMap();
  }

  /** Makes sure the network state was read at least once by this client (for automatic allows). */
  async ensureFresh(): Promise<void> {
    if (!this.fetchedOnce) await this.refreshConsentList();
  }

  private async refresh(): Promise<void> {
    await this.loadLocal();
    await this.sync.run([{ topic: this.topic, take: (envelopes) => this.take(envelopes) }]);
    this.fetchedOnce = true;
  }

  /** A page of preference actions, in timestamp order; undecryptable ones are skipped. */
  private async take(envelopes: Envelope[]): Promise<void> {
    const actions = await Promise.all(
      envelopes.map(async (e) => {
        try {
          return { ns: e.timestampNs, action: await decryptPreferenceAction(this.keys, e.message) };
        } catch {
          return null;
        }
      }),
    );
    const changed: ConsentEntry[] = [];
    for (const a of actions) if (a) changed.push(...this.apply(a.action, a.ns));
    if (changed.length) await this.storage.putConsent(changed);
  }

  private apply(action: PreferenceAction, ns: bigint): ConsentEntry[] {
    const out: ConsentEntry[] = [];
    for (const [key, value] of actionEntries(action)) {
      const cur = this.entries.get(key);
      if (cur && cur.updatedNs > ns) continue; // a later action already decided
      const e = { key, value, updatedNs: ns };
      this.entries.set(key, e);
      out.push(e);
    }
    return out;
  }

  consentMap(): Map<string, ConsentState> {
    return new Map([...this.entries.values()].map((e) => [e.key, e.value]));
  }

  /** Synchronous read of the loaded list; call refreshConsentList() first for the network state. */
  consentState(address: string): ConsentState {
    return this.entries.get(`address-${toChecksumAddress(address)}`)?.value ?? 'unknown';
  }

  isAllowed(address: string): boolean {
    return this.consentState(address) === 'allowed';
  }

  isDenied(address: string): boolean {
    return this.consentState(address) === 'denied';
  }

  async allow(addresses: string[]): Promise<void> {
    await this.publish({ allowAddresses: addresses.map(toChecksumAddress) });
  }

  async deny(addresses: string[]): Promise<void> {
    await this.publish({ denyAddresses: addresses.map(toChecksumAddress) });
  }

  /** One kind per action, one action per publish: safe for every decoder (spec 13.3). */
  private async publish(action: PreferenceAction): Promise<void> {
    await this.loadLocal();
    const ns = BigInt(this.api.now()) * 1_000_000n;
    await this.api.publish([{ contentTopic: this.topic, timestampNs: ns, message: await encryptPreferenceAction(this.keys, action) }]);
    const changed = this.apply(action, ns);
    if (changed.length) await this.storage.putConsent(changed);
  }

  /**
   * XIP-43: a peer's invitation may carry our wallet's signature granting it consent. Valid if
   * recent (≤ 30 days, not in the future) and signed by our wallet for that peer.
   */
  validConsentProof(proof: { signature: string; timestampMs: number }, peerAddress: string, nowMs = this.api.now()): boolean {
    if (!proof.timestampMs || proof.timestampMs > nowMs || nowMs - proof.timestampMs > PROOF_MAX_AGE_MS) return false;
    try {
      const signer = recoverPersonalSignAddress(consentProofText(proof.timestampMs, peerAddress), splitWalletSignature(proof.signature));
      return signer === this.keys.walletAddress;
    } catch {
      return false;
    }
  }
}
