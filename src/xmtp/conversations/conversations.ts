// The conversation list (spec 10): V2 conversations from invitations, V1 conversations from
// introductions, new conversations, and streams of conversations and of all messages.
import { mc, encode, toNumber, u64, type InvitationV1, type SignedPublicKeyBundle } from '../proto.ts';
import { bytesToHex } from '../crypto/bytes.ts';
import { sha256 } from '../crypto/hashes.ts';
import { toChecksumAddress, isAddress } from '../crypto/address.ts';
import { XmtpError, asXmtpError } from '../errors.ts';
import type { Envelope } from '../api/types.ts';
import { legacyToSignedBundle, signedToLegacyBundle } from '../keys/bundles.ts';
import { deriveV2Conversation, openInvitation, sealInvitation, type OpenedInvitation } from '../messages/invitation.ts';
import { decodeV1Message } from '../messages/v1.ts';
import type { StoredConversation, StoredMessage } from '../storage/types.ts';
import { directMessageTopic, introTopic, inviteTopic, isValidTopic } from '../topics.ts';
import { Stream, serial } from '../stream.ts';
import { CLOCK_SKEW_NS } from '../consent/contacts.ts';
import { Conversation, type StreamOptions } from './conversation.ts';
import type { DecodedMessage } from './decoded-message.ts';
import type { ClientContext, OnMessageError } from './context.ts';

export interface InvitationContextInput {
  conversationId: string;
  metadata?: Record<string, string>;
}

export interface ConsentProofInput {
  /** 0x-hex 65-byte wallet signature of the recipient */
  signature: string;
  timestampMs: number;
}

const INVITES_CURSOR = 'job:v2';
const INTROS_CURSOR = 'job:v1';

export class Conversations {
  private readonly cache = new Map<string, Conversation>();
  private creating: Promise<unknown> = Promise.resolve();
  private syncingInvites: Promise<StoredConversation[]> | null = null;
  private syncingIntros: Promise<StoredConversation[]> | null = null;

  constructor(private readonly ctx: ClientContext) {}

  private wrap(record: StoredConversation): Conversation {
    let c = this.cache.get(record.topic);
    if (!c) this.cache.set(record.topic, (c = new Conversation(this.ctx, record)));
    return c;
  }

  // ---- invitations (V2) ----

  private recordFromInvite(inv: OpenedInvitation): StoredConversation {
    const r: StoredConversation = {
      topic: inv.topic, version: 'v2', peerAddress: inv.peerAddress, createdNs: inv.createdNs, keyMaterial: inv.keyMaterial,
    };
    if (inv.context) r.context = inv.context;
    if (inv.consentProof) {
      r.consentProof = {
        signature: inv.consentProof.signature ?? '',
        timestampMs: toNumber(inv.consentProof.timestamp),
        payloadVersion: inv.consentProof.payloadVersion ?? 0,
      };
    }
    return r;
  }

  /** Opens invite envelopes; first invitation per topic wins (storage keeps the first). */
  private async saveInvites(envelopes: Envelope[], onError?: OnMessageError): Promise<StoredConversation[]> {
    const opened = await Promise.all(
      envelopes.map((envelope) =>
        openInvitation(this.ctx.keys, envelope.timestampNs, envelope.message).catch((e) => {
          onError?.({ error: asXmtpError(e, 'invalid_invitation'), envelope });
          return null;
        }),
      ),
    );
    const records = opened.filter((x): x is OpenedInvitation => x !== null).map((x) => this.recordFromInvite(x));
    const added = await this.ctx.storage.addConversations(records);
    await this.applyConsentProofs(added);
    return added;
  }

  /** XIP-43: an invitation carrying our valid consent proof allows its sender. */
  private async applyConsentProofs(records: StoredConversation[]): Promise<void> {
    if (!records.some((r) => r.consentProof)) return;
    // Decide against the current network state: a proof must not override an explicit deny.
    await this.ctx.contacts.refreshConsentList().catch(() => {});
    const allow = records
      .filter((r) => r.consentProof && this.ctx.contacts.consentState(r.peerAddress) === 'unknown')
      .filter((r) => this.ctx.contacts.validConsentProof(r.consentProof!, r.peerAddress))
      .map((r) => r.peerAddress);
    if (allow.length) await this.ctx.contacts.allow([...new Set(allow)]).catch(() => {});
  }

  private syncInvites(onError?: OnMessageError): Promise<StoredConversation[]> {
    this.syncingInvites ??= this.syncJob(INVITES_CURSOR, inviteTopic(this.ctx.address), (envs) => this.saveInvites(envs, onError)).finally(
      () => (this.syncingInvites = null),
    );
    return this.syncingInvites;
  }

  // ---- introductions (V1) ----

  private async saveIntros(envelopes: Envelope[], onError?: OnMessageError): Promise<StoredConversation[]> {
    const decoded = await Promise.all(
      envelopes.map((envelope) =>
        decodeV1Message(envelope.message, this.ctx.keys).catch((e) => {
          onError?.({ error: asXmtpError(e), envelope });
          return null;
        }),
      ),
    );
    const records: StoredConversation[] = [];
    const seen = new Set<string>();
    for (const d of decoded) {
      if (!d || seen.has(d.topic) || !isValidTopic(d.topic)) continue;
      seen.add(d.topic);
      records.push({
        topic: d.topic, version: 'v1', peerAddress: d.peer.walletAddress, createdNs: BigInt(d.sentMs) * 1_000_000n,
        peerBundle: encode(mc.PublicKeyBundle, d.peerBundle),
      });
    }
    return this.ctx.storage.addConversations(records);
  }

  private syncIntros(onError?: OnMessageError): Promise<StoredConversation[]> {
    this.syncingIntros ??= this.syncJob(INTROS_CURSOR, introTopic(this.ctx.address), (envs) => this.saveIntros(envs, onError)).finally(
      () => (this.syncingIntros = null),
    );
    return this.syncingIntros;
  }

  private async syncJob(
    cursorKey: string,
    topic: string,
    save: (envelopes: Envelope[]) => Promise<StoredConversation[]>,
  ): Promise<StoredConversation[]> {
    const cursor = await this.ctx.storage.getCursor(cursorKey);
    const start = cursor && cursor > CLOCK_SKEW_NS ? cursor - CLOCK_SKEW_NS : undefined;
    const envelopes = await this.ctx.api.query(topic, { startTimeNs: start, direction: 'ascending' });
    const added = await save(envelopes);
    let newest = cursor ?? 0n;
    for (const e of envelopes) if (e.timestampNs > newest) newest = e.timestampNs;
    if (newest > (cursor ?? 0n)) await this.ctx.storage.setCursors([[cursorKey, newest]]);
    return added;
  }

  // ---- public API ----

  /** V1 and V2 conversations, oldest first (no de-duplication across versions, as in the SDK). */
  async list(opts: { onError?: OnMessageError } = {}): Promise<Conversation[]> {
    await Promise.all([this.syncInvites(opts.onError), this.syncIntros(opts.onError)]);
    const all = await this.ctx.storage.listConversations();
    all.sort((a, b) => (a.createdNs < b.createdNs ? -1 : a.createdNs > b.createdNs ? 1 : 0));
    return all.map((r) => this.wrap(r));
  }

  /** Conversations already known locally (no network). */
  async listLocal(): Promise<Conversation[]> {
    const all = await this.ctx.storage.listConversations();
    all.sort((a, b) => (a.createdNs < b.createdNs ? -1 : a.createdNs > b.createdNs ? 1 : 0));
    return all.map((r) => this.wrap(r));
  }

  async getByTopic(topic: string): Promise<Conversation | undefined> {
    const hit = this.cache.get(topic);
    if (hit) return hit;
    const r = (await this.ctx.storage.listConversations()).find((c) => c.topic === topic);
    return r ? this.wrap(r) : undefined;
  }

  private async findV2(peer: string, conversationId: string | undefined): Promise<Conversation | undefined> {
    const p = peer.toLowerCase();
    const r = (await this.ctx.storage.listConversations()).find(
      (c) => c.version === 'v2' && c.peerAddress.toLowerCase() === p && c.context?.conversationId === conversationId,
    );
    return r ? this.wrap(r) : undefined;
  }

  /** Spec 10.1: reuse, V1 for legacy-only peers, otherwise a new V2 invitation. */
  async newConversation(peerAddress: string, context?: InvitationContextInput, consentProof?: ConsentProofInput): Promise<Conversation> {
    if (!isAddress(peerAddress)) throw new XmtpError('invalid_address', `invalid address ${peerAddress}`);
    const peer = toChecksumAddress(peerAddress);
    const conversationId = context?.conversationId;
    const existing = await this.findV2(peer, conversationId);
    if (existing) return existing;
    if (peer === this.ctx.address) throw new XmtpError('invalid_address', 'cannot start a conversation with yourself');
    const contact = await this.ctx.directory.get(peer);
    if (!contact) throw new XmtpError('not_on_network', `recipient ${peer} is not on the XMTP network`);

    if (!conversationId) {
      if (contact.version === 'v1') return this.v1Conversation(peer, contact.bundle);
      await this.syncIntros();
      const v1 = (await this.ctx.storage.listConversations()).find((c) => c.version === 'v1' && c.peerAddress === peer);
      if (v1) return this.wrap(v1);
    }

    const run = this.creating.then(async () => {
      await this.syncInvites();
      const appeared = await this.findV2(peer, conversationId);
      if (appeared) return appeared;
      const peerBundle: SignedPublicKeyBundle = contact.version === 'v2' ? contact.bundle : legacyToSignedBundle(contact.bundle);
      const { topic, keyMaterial } = deriveV2Conversation(this.ctx.keys, contact.verified, conversationId ?? '');
      const createdNs = BigInt(this.ctx.now()) * 1_000_000n;
      const invitation: InvitationV1 = { topic, aes256GcmHkdfSha256: { keyMaterial } };
      if (context) invitation.context = { conversationId: context.conversationId, metadata: context.metadata ?? {} };
      if (consentProof) {
        invitation.consentProof = { signature: consentProof.signature, timestamp: u64(consentProof.timestampMs), payloadVersion: 1 };
      }
      const sealed = await sealInvitation({ keys: this.ctx.keys, recipient: peerBundle, invitation, createdNs });
      await this.ctx.api.publish([
        { contentTopic: inviteTopic(peer), timestampNs: createdNs, message: sealed },
        { contentTopic: inviteTopic(this.ctx.address), timestampNs: createdNs, message: sealed },
      ]);
      const record: StoredConversation = { topic, version: 'v2', peerAddress: peer, createdNs, keyMaterial };
      if (context) record.context = { conversationId: context.conversationId, metadata: context.metadata ?? {} };
      const [added] = await this.ctx.storage.addConversations([record]);
      await this.ctx.contacts.allow([peer]).catch(() => {});
      // If an invitation for this topic was stored meanwhile, the first one wins.
      return added ? this.wrap(added) : ((await this.getByTopic(topic)) ?? this.wrap(record));
    });
    this.creating = run.catch(() => {});
    return run;
  }

  private async v1Conversation(peer: string, bundle: import('../proto.ts').PublicKeyBundle): Promise<Conversation> {
    const topic = directMessageTopic(this.ctx.address, peer);
    const existing = await this.getByTopic(topic);
    if (existing) return existing;
    const record: StoredConversation = {
      topic, version: 'v1', peerAddress: peer, createdNs: BigInt(this.ctx.now()) * 1_000_000n, peerBundle: encode(mc.PublicKeyBundle, bundle),
    };
    const [added] = await this.ctx.storage.addConversations([record]);
    return added ? this.wrap(added) : ((await this.getByTopic(topic)) ?? this.wrap(record));
  }

  /** A V1 conversation with a peer whose newest contact is V2 but convertible (reading old DMs). */
  legacyBundleOf(bundle: SignedPublicKeyBundle) {
    const legacy = signedToLegacyBundle(bundle);
    if (!legacy) throw new XmtpError('invalid_key_bundle', 'peer bundle cannot be converted to a legacy bundle');
    return legacy;
  }

  // ---- streams ----

  /** New conversations as they arrive (invitations and introductions to us). */
  stream(opts: StreamOptions = {}): Stream<Conversation> {
    const stream = new Stream<Conversation>();
    const yielded = new Set<string>();
    const invites = inviteTopic(this.ctx.address);
    const intros = introTopic(this.ctx.address);
    const handle = serial(async (envelope: Envelope) => {
      const added =
        envelope.contentTopic === invites ? await this.saveInvites([envelope], opts.onError) : await this.saveIntros([envelope], opts.onError);
      let records = added;
      if (!records.length) {
        // Already stored (e.g. by list()): still report it once per stream.
        const conv = envelope.contentTopic === invites
          ? await openInvitation(this.ctx.keys, envelope.timestampNs, envelope.message).then((i) => this.getByTopic(i.topic)).catch(() => undefined)
          : await decodeV1Message(envelope.message, this.ctx.keys).then((d) => this.getByTopic(d.topic)).catch(() => undefined);
        records = conv ? [conv.record] : [];
      }
      for (const r of records) {
        if (yielded.has(r.topic)) continue;
        yielded.add(r.topic);
        stream.push(this.wrap(r));
      }
    });
    const sub = this.ctx.api.subscribe([invites, intros], handle, { onConnectionLost: opts.onConnectionLost });
    stream.setOnClose(() => sub.close());
    stream.ready = sub.ready;
    return stream;
  }

  /**
   * Every message of every conversation, including conversations that start while streaming
   * (their existing messages are delivered too, as the SDK does). Each message once.
   */
  streamAllMessages(opts: StreamOptions = {}): Stream<DecodedMessage> {
    const stream = new Stream<DecodedMessage>();
    const invites = inviteTopic(this.ctx.address);
    const intros = introTopic(this.ctx.address);
    const delivered = new Set<string>();
    const emit = async (conv: Conversation, m: StoredMessage) => {
      if (delivered.has(m.id)) return;
      delivered.add(m.id);
      if (delivered.size > 50_000) delivered.clear();
      stream.push(await conv.toDecodedMessage(m));
    };
    let sub: ReturnType<ClientContext['api']['subscribe']> | undefined;
    const topics = new Set<string>([invites, intros]);
    const addTopic = async (topic: string) => {
      if (topics.has(topic)) return;
      topics.add(topic);
      await sub?.updateTopics(topics);
    };
    const handle = serial(async (envelope: Envelope) => {
      if (stream.closed) return;
      try {
        if (envelope.contentTopic === invites) {
          const inv = await openInvitation(this.ctx.keys, envelope.timestampNs, envelope.message);
          await this.saveInvites([envelope], opts.onError);
          const conv = await this.getByTopic(inv.topic);
          if (!conv || topics.has(conv.topic)) return;
          await addTopic(conv.topic);
          for (const m of await conv.messages({ onError: opts.onError })) {
            if (!delivered.has(m.id)) {
              delivered.add(m.id);
              stream.push(m);
            }
          }
          return;
        }
        if (envelope.contentTopic === intros) {
          const d = await decodeV1Message(envelope.message, this.ctx.keys);
          await this.saveIntros([envelope], opts.onError);
          const conv = await this.getByTopic(d.topic);
          if (!conv) return;
          await addTopic(conv.topic);
          await emit(conv, {
            id: d.id, topic: conv.topic, version: 'v1', senderAddress: d.senderAddress, recipientAddress: d.recipientAddress,
            sentNs: BigInt(d.sentMs) * 1_000_000n, payload: d.payload,
          });
          return;
        }
        const conv = await this.getByTopic(envelope.contentTopic);
        if (!conv) return;
        const id = bytesToHex(sha256(envelope.message));
        if (delivered.has(id)) return;
        const m = await conv.decodeEnvelope(envelope);
        await this.ctx.storage.putMessages([m]);
        await emit(conv, m);
      } catch (e) {
        opts.onError?.({ error: asXmtpError(e), envelope });
      }
    });
    let closed = false;
    stream.setOnClose(() => {
      closed = true;
      sub?.close();
    });
    stream.ready = (async () => {
      // Retry the initial listing until it works or the stream is closed.
      for (let attempt = 0; !closed; attempt++) {
        try {
          for (const c of await this.list({ onError: opts.onError })) topics.add(c.topic);
          break;
        } catch (e) {
          opts.onConnectionLost?.(e);
          await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 30_000)));
        }
      }
      if (closed) return;
      sub = this.ctx.api.subscribe(topics, handle, { onConnectionLost: opts.onConnectionLost });
      await sub.ready;
    })();
    stream.ready.catch(() => {});
    return stream;
  }
}
