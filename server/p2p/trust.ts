// What a node accepts from another node: exactly what it would accept from a client. Every envelope
// relayed or repaired from a peer passes the client's validation (topic, size, timestamp), and the
// topics that belong to one wallet need that wallet's proof: a contact bundle must be signed by the
// wallet named in its topic, and a key-store (privatestore-) write must carry its publisher's auth
// token in the WakuMessage `meta`. The operator's deny list applies to every wallet so identified.
// Other topics name no sender (the network must not learn who writes to a conversation), so for
// them the checks stop at validation, as they do for a client's publish once its token is checked.
import type { AccessControl } from '../acl.ts';
import { validateEnvelopes } from '../api.ts';
import { TOKEN_MAX_AGE_NS, TokenCache } from '../auth.ts';
import { ApiError } from '../errors.ts';
import { isEphemeral, topicOwner } from '../topics.ts';
import { decodeContactBundle } from '../../src/xmtp/contacts.ts';
import type { WakuMessage } from './wire.ts';

export type Verdict = { ok: true } | { ok: false; reason: string };

/** Clock skew tolerated between nodes when judging a relayed token's age. */
const SKEW_NS = 5n * 60n * 1_000_000_000n;

export interface TrustOptions {
  acl: AccessControl;
  /** ms since the epoch */
  now?: () => number;
}

export class Trust {
  private tokens = new TokenCache();
  private now: () => number;

  constructor(private opts: TrustOptions) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * Judges one envelope from a peer. `live` = arriving on the relay now (its proof must be fresh);
   * otherwise it comes from repair and its proof must have been valid when it was published.
   */
  check(m: WakuMessage, live: boolean): Verdict {
    try {
      validateEnvelopes([{ contentTopic: m.contentTopic, timestampNs: m.timestamp, message: m.payload }]);
    } catch (err) {
      return refuse(err);
    }
    if (!live && isEphemeral(m.contentTopic)) return { ok: false, reason: 'ephemeral envelopes are never stored, so never repaired' };
    const owner = topicOwner(m.contentTopic);
    if (owner === null) return { ok: true };
    if (this.opts.acl.isDenied(owner)) return { ok: false, reason: 'wallet is deny listed' };
    if (m.contentTopic.startsWith('/xmtp/0/contact-')) return this.checkContact(m, owner);
    return this.checkKeyStore(m, owner, live);
  }

  private checkContact(m: WakuMessage, owner: string): Verdict {
    try {
      const wallet = decodeContactBundle(m.payload).verified.walletAddress;
      if (wallet !== owner) return { ok: false, reason: `contact bundle signed by ${wallet}, not by the topic's wallet` };
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: `invalid contact bundle: ${(err as Error).message}` };
    }
  }

  private checkKeyStore(m: WakuMessage, owner: string, live: boolean): Verdict {
    if (!m.meta?.length) return { ok: false, reason: 'key store write without its publisher\'s auth token' };
    const header = `Bearer ${m.meta.toString('base64')}`;
    try {
      // The token was at most an hour old when the envelope was stamped…
      const tsMs = Number((m.timestamp + SKEW_NS) / 1_000_000n);
      const token = this.tokens.verify(header, tsMs);
      if (token.createdNs > m.timestamp + SKEW_NS) return { ok: false, reason: 'auth token is newer than the envelope' };
      // …and, on the relay, is still fresh now (so old tokens cannot be replayed as live traffic).
      if (live && BigInt(this.now()) * 1_000_000n - token.createdNs > TOKEN_MAX_AGE_NS + SKEW_NS) return { ok: false, reason: 'auth token expired' };
      if (token.walletAddress !== owner) return { ok: false, reason: 'auth token is not the topic owner\'s' };
      if (this.opts.acl.isDenied(token.walletAddress)) return { ok: false, reason: 'wallet is deny listed' };
      return { ok: true };
    } catch (err) {
      return refuse(err);
    }
  }
}

function refuse(err: unknown): Verdict {
  return { ok: false, reason: err instanceof ApiError ? err.message : String((err as Error)?.message ?? err) };
}
