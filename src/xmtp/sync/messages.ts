// A conversation's envelopes on their way into storage: envelopes already stored are skipped before
// any decryption; the rest are verified and decrypted a bounded number at a time; an envelope that
// fails (forged, corrupt, too large, content that inflates past the cap) becomes a small refused
// record instead of stopping anything; and what a peer may store depends on consent: everything when
// allowed, up to a quota while the conversation is a request, nothing while blocked. Envelopes passed
// over are read again once the peer is allowed.
import { bytesToHex } from '../crypto/bytes.ts';
import { sha256 } from '../crypto/hashes.ts';
import { XmtpError, asXmtpError } from '../errors.ts';
import type { Envelope } from '../api/types.ts';
import { decodeEncodedContent } from '../content/encoded-content.ts';
import { decompress } from '../content/compression.ts';
import { MAX_MESSAGE_BYTES } from '../limits.ts';
import type { StoredMessage, SyncPosition, XmtpStorage } from '../storage/types.ts';
import type { Conversation } from '../conversations/conversation.ts';
import type { OnMessageError } from '../conversations/context.ts';
import type { Contacts } from '../consent/contacts.ts';
import type { SyncEngine, SyncTask } from './engine.ts';
import { mapPool } from './pool.ts';

/** What a request (a conversation whose peer is neither allowed nor blocked) may store, over all its topics. */
export const REQUEST_QUOTA_BYTES = 4 * 1024 * 1024;
/** Refused records kept per topic: anyone who can compute a topic (V1 ones are public) can write garbage to it. */
export const REFUSED_PER_TOPIC = 100;
/** Envelopes decoded at once per page: keeps WebCrypto busy without queueing a page's worth of garbage. */
const DECODE_CONCURRENCY = 64;

/**
 * What a stored message costs, roughly: storage may keep the payload and a view of its content (an
 * attachment's view is base64), plus the record around them.
 */
export const storedSize = (m: StoredMessage): number => m.payload.length * 3 + 512;

export interface MessageTaskOptions {
  /** each refused envelope */
  onError?: OnMessageError;
  /** what was stored, page by page */
  onStored?: (messages: StoredMessage[]) => void;
}

/** Syncs one conversation's topic through the engine. */
export class MessageTask implements SyncTask {
  readonly topic: string;
  /** messages stored by this task (refused records included) */
  stored = 0;

  constructor(
    private readonly conversation: Conversation,
    private readonly deps: { storage: XmtpStorage; contacts: Contacts; quota: RequestQuota },
    private readonly opts: MessageTaskOptions = {},
  ) {
    this.topic = conversation.topic;
  }

  restart(p: SyncPosition): boolean {
    return p.heldBack && this.deps.contacts.consentState(this.conversation.peerAddress) === 'allowed';
  }

  async take(envelopes: Envelope[], position: SyncPosition): Promise<void> {
    const ids = envelopes.map((e) => bytesToHex(sha256(e.message)));
    const known = await this.deps.storage.knownMessageIds(ids);
    const fresh = new Map<string, Envelope>();
    envelopes.forEach((e, i) => known.has(ids[i]!) || fresh.has(ids[i]!) || fresh.set(ids[i]!, e));
    if (!fresh.size) return;
    const decoded = await mapPool([...fresh], DECODE_CONCURRENCY, ([id, e]) => this.decode(e, id));
    const kept = this.limitRefused(decoded, position);
    const admitted = await this.deps.quota.admit(this.conversation.peerAddress, kept, position);
    if (!admitted.length) return;
    await this.deps.storage.putMessages(admitted);
    this.stored += admitted.length;
    this.opts.onStored?.(admitted);
  }

  /** A stored message, or the record of why it could not be (reported to onError). */
  async decode(envelope: Envelope, id: string): Promise<StoredMessage> {
    let m: StoredMessage | undefined;
    try {
      if (envelope.message.length > MAX_MESSAGE_BYTES) throw new XmtpError('too_large', `message of ${envelope.message.length} bytes`);
      m = await this.conversation.decodeEnvelope(envelope, id);
      await checkContent(m.payload);
      return m;
    } catch (e) {
      const error = asXmtpError(e);
      this.opts.onError?.({ error, envelope });
      const r: StoredMessage = {
        id, topic: this.topic, version: this.conversation.version, senderAddress: m?.senderAddress ?? this.conversation.peerAddress,
        sentNs: m?.sentNs ?? envelope.timestampNs, payload: new Uint8Array(0), refused: { code: error.code, reason: error.message.slice(0, 200) },
      };
      return r;
    }
  }

  /** Refused records beyond the topic's allowance are dropped (they were reported to onError). */
  private limitRefused(messages: StoredMessage[], position: SyncPosition): StoredMessage[] {
    return messages.filter((m) => {
      if (!m.refused) return true;
      if (position.refused >= REFUSED_PER_TOPIC) return false;
      position.refused++;
      return true;
    });
  }
}

/**
 * Compressed content is inflated here, once, with the cap: a bomb is refused before it is stored.
 * (Uncompressed content is no larger than its envelope.)
 */
async function checkContent(payload: Uint8Array): Promise<void> {
  const encoded = decodeEncodedContent(payload);
  if (encoded.compression !== undefined) await decompress(encoded.content, encoded.compression);
}

/** Consent decides what a peer may store: requests share a quota per peer, blocked peers store nothing. */
export class RequestQuota {
  /** bytes stored per peer while a request; counted from positions once, then kept here */
  private readonly used = new Map<string, Promise<number>>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly storage: XmtpStorage,
    private readonly contacts: Contacts,
    private readonly engine: SyncEngine,
  ) {}

  /** The messages this peer may store now; marks the position when some are passed over. */
  admit(peer: string, messages: StoredMessage[], position: SyncPosition): Promise<StoredMessage[]> {
    const state = this.contacts.consentState(peer);
    if (state === 'allowed' || !messages.length) return Promise.resolve(messages);
    if (state === 'denied') {
      position.heldBack = true;
      return Promise.resolve([]);
    }
    const key = peer.toLowerCase();
    const run = (this.locks.get(key) ?? Promise.resolve()).then(async () => {
      let used = await this.usage(key);
      const admitted: StoredMessage[] = [];
      for (const m of messages) {
        const size = storedSize(m);
        if (used + size > REQUEST_QUOTA_BYTES) {
          position.heldBack = true;
          continue;
        }
        used += size;
        position.requestBytes += size;
        admitted.push(m);
      }
      this.used.set(key, Promise.resolve(used));
      return admitted;
    });
    this.locks.set(key, run.catch(() => {}));
    return run;
  }

  private usage(key: string): Promise<number> {
    let u = this.used.get(key);
    if (!u) {
      u = (async () => {
        const topics = (await this.storage.listConversations()).filter((c) => c.peerAddress.toLowerCase() === key).map((c) => c.topic);
        return (await this.engine.positionsOf(topics)).reduce((n, p) => n + p.requestBytes, 0);
      })();
      u.catch(() => this.used.delete(key));
      this.used.set(key, u);
    }
    return u;
  }
}
