// The conversation list (spec 10): V2 conversations from invitations, V1 conversations from
// introductions, new conversations, and streams of conversations and of all messages.
//
// An invitation is bound to the conversation it creates: its topic must be a fresh V2 topic (never a
// key store, invite, intro or V1 topic), the first record of a topic is kept for good, and a record is
// only ever used as what it is (its version, its peer). A conversation found for a peer is one that
// peer created with us, or we with them.
//
// Consent (spec 13.3) changes here only implicitly, and never over a decision: starting a conversation
// allows a peer we never decided about, like the SDK; a valid XIP-43 proof in an invitation allows
// its sender the same way. A blocked peer stays blocked until the user (or an approved request)
// unblocks them.
import { mc, encode, toNumber, u64, type InvitationV1, type SignedPublicKeyBundle } from '../proto.ts';
import { toChecksumAddress, isAddress } from '../crypto/address.ts';
import { XmtpError, asXmtpError } from '../errors.ts';
import type { Envelope } from '../api/types.ts';
import { legacyToSignedBundle, signedToLegacyBundle } from '../keys/bundles.ts';
import { deriveV2Conversation, openInvitation, sealInvitation, type OpenedInvitation } from '../messages/invitation.ts';
import { decodeV1Message } from '../messages/v1.ts';
import type { StoredConversation } from '../storage/types.ts';
import { directMessageTopic, introTopic, inviteTopic, isV2ConversationTopic } from '../topics.ts';
import type { SyncTask } from '../sync/engine.ts';
import { mapPool } from '../sync/pool.ts';
import type { Stream } from '../stream.ts';
import { Conversation, type StreamOptions } from './conversation.ts';
import type { DecodedMessage } from './decoded-message.ts';
import type { ClientContext, OnMessageError } from './context.ts';
import { streamAllMessages, streamConversations } from './streams.ts';

export interface InvitationContextInput {
  conversationId: string;
  metadata?: Record<string, string>;
}

export interface ConsentProofInput {
  /** 0x-hex 65-byte wallet signature of the recipient */
  signature: string;
  timestampMs: number;
}

/** Invitations opened at once (each is three ECDHs and a decryption). */
const OPEN_CONCURRENCY = 16;

export class Conversations {
  private readonly cache = new Map<string, Conversation>();
  private creating: Promise<unknown> = Promise.resolve();
  private listing: Promise<void> | null = null;

  constructor(readonly ctx: ClientContext) {}

  /** A record as a Conversation, if it is what it claims: a V2 record on a V2 topic, a V1 record on its peer's DM topic. */
  wrap(record: StoredConversation): Conversation | undefined {
    let c = this.cache.get(record.topic);
    if (c) return c;
    const sound =
      record.version === 'v2'
        ? isV2ConversationTopic(record.topic) && !!record.keyMaterial
        : isAddress(record.peerAddress) && record.topic === directMessageTopic(this.ctx.address, record.peerAddress);
    if (!sound) return undefined;
    this.cache.set(record.topic, (c = new Conversation(this.ctx, record)));
    return c;
  }

  private wrapAll(records: StoredConversation[]): Conversation[] {
    records.sort((a, b) => (a.createdNs < b.createdNs ? -1 : a.createdNs > b.createdNs ? 1 : 0));
    return records.map((r) => this.wrap(r)).filter((c): c is Conversation => !!c);
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

  /** Opens invite envelopes; the first invitation of a topic is kept (storage keeps the first). Returns what was added. */
  async saveInvites(envelopes: Envelope[], onError?: OnMessageError): Promise<StoredConversation[]> {
    const opened = await mapPool(envelopes, OPEN_CONCURRENCY, (envelope) =>
      openInvitation(this.ctx.keys, envelope.timestampNs, envelope.message).catch((e) => {
        onError?.({ error: asXmtpError(e, 'invalid_invitation'), envelope });
        return null;
      }),
    );
    const records = opened.filter((x): x is OpenedInvitation => x !== null).map((x) => this.recordFromInvite(x));
    const added = await this.ctx.storage.addConversations(records);
    await this.applyConsentProofs(added);
    return added;
  }

  /** XIP-43: an invitation carrying our valid consent proof allows its sender, unless we decided about them. */
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

  // ---- introductions (V1) ----

  /** Opens intro envelopes (V1 messages to or from us); the DM topic is always the one of the two addresses. */
  async saveIntros(envelopes: Envelope[], onError?: OnMessageError): Promise<StoredConversation[]> {
    const decoded = await mapPool(envelopes, OPEN_CONCURRENCY, (envelope) =>
      decodeV1Message(envelope.message, this.ctx.keys).catch((e) => {
        onError?.({ error: asXmtpError(e), envelope });
        return null;
      }),
    );
    const records: StoredConversation[] = [];
    const seen = new Set<string>();
    for (const d of decoded) {
      if (!d || seen.has(d.topic) || d.topic !== directMessageTopic(this.ctx.address, d.peer.walletAddress)) continue;
      seen.add(d.topic);
      records.push({
        topic: d.topic, version: 'v1', peerAddress: d.peer.walletAddress, createdNs: BigInt(d.sentMs) * 1_000_000n,
        peerBundle: encode(mc.PublicKeyBundle, d.peerBundle),
      });
    }
    return this.ctx.storage.addConversations(records);
  }

  /** The sync engine's tasks for our invite and intro topics. */
  private listTasks(onError?: OnMessageError): SyncTask[] {
    return [
      { topic: inviteTopic(this.ctx.address), take: async (envs) => void (await this.saveInvites(envs, onError)) },
      { topic: introTopic(this.ctx.address), take: async (envs) => void (await this.saveIntros(envs, onError)) },
    ];
  }

  /** New invitations and introductions, one listing at a time. */
  private refresh(onError?: OnMessageError): Promise<void> {
    this.listing ??= this.ctx.sync
      .run(this.listTasks(onError))
      .then((r) => {
        if (r.failed.length) throw r.failed[0]!.error;
      })
      .finally(() => (this.listing = null));
    return this.listing;
  }

  // ---- public API ----

  /** V1 and V2 conversations, oldest first (no de-duplication across versions, as in the SDK). */
  async list(opts: { onError?: OnMessageError } = {}): Promise<Conversation[]> {
    await this.refresh(opts.onError);
    return this.listLocal();
  }

  /** Conversations already known locally (no network). */
  async listLocal(): Promise<Conversation[]> {
    return this.wrapAll(await this.ctx.storage.listConversations());
  }

  async getByTopic(topic: string): Promise<Conversation | undefined> {
    const hit = this.cache.get(topic);
    if (hit) return hit;
    const r = (await this.ctx.storage.listConversations()).find((c) => c.topic === topic);
    return r && this.wrap(r);
  }

  /** Our conversation with this peer: of this version, with this peer, on this topic (never a record that only shares the topic). */
  private async ownedBy(peer: string, version: 'v1' | 'v2', topic: string): Promise<Conversation | undefined> {
    const c = await this.getByTopic(topic);
    return c && c.version === version && c.peerAddress === peer ? c : undefined;
  }

  private async findV2(peer: string, conversationId: string | undefined): Promise<Conversation | undefined> {
    const r = (await this.ctx.storage.listConversations()).find(
      (c) => c.version === 'v2' && c.peerAddress === peer && c.context?.conversationId === conversationId,
    );
    return r && this.wrap(r);
  }

  /**
   * Spec 10.1: reuse, V1 for legacy-only peers, otherwise a new V2 invitation. A peer we never decided
   * about is allowed, as the SDK does; a blocked one stays blocked.
   */
  async newConversation(peerAddress: string, context?: InvitationContextInput, consentProof?: ConsentProofInput): Promise<Conversation> {
    if (!isAddress(peerAddress)) throw new XmtpError('invalid_address', `invalid address ${peerAddress}`);
    const peer = toChecksumAddress(peerAddress);
    if (peer === this.ctx.address) throw new XmtpError('invalid_address', 'cannot start a conversation with yourself');
    const conversationId = context?.conversationId;
    const existing = await this.findV2(peer, conversationId);
    if (existing) return existing;
    const contact = await this.ctx.directory.get(peer);
    if (!contact) throw new XmtpError('not_on_network', `recipient ${peer} is not on the XMTP network`);

    if (!conversationId) {
      if (contact.version === 'v1') return this.v1Conversation(peer, contact.bundle);
      await this.refresh();
      const v1 = await this.ownedBy(peer, 'v1', directMessageTopic(this.ctx.address, peer));
      if (v1) return v1;
    }

    const run = this.creating.then(async () => {
      await this.refresh();
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
      await this.ctx.storage.addConversations([record]);
      await this.allowIfUndecided(peer);
      // If an invitation for this topic was stored meanwhile, the first one is kept: it must be this peer's.
      const c = await this.ownedBy(peer, 'v2', topic);
      if (!c) throw new XmtpError('invalid_invitation', `the topic of the conversation with ${peer} belongs to another conversation`);
      return c;
    });
    this.creating = run.catch(() => {});
    return run;
  }

  /** Spec 9.3 ends with allowing the peer; only when we never decided about them (a deny stands). */
  private async allowIfUndecided(peer: string): Promise<void> {
    await this.ctx.contacts.ensureFresh().catch(() => {});
    if (this.ctx.contacts.consentState(peer) === 'unknown') await this.ctx.contacts.allow([peer]).catch(() => {});
  }

  private async v1Conversation(peer: string, bundle: import('../proto.ts').PublicKeyBundle): Promise<Conversation> {
    const topic = directMessageTopic(this.ctx.address, peer);
    const existing = await this.ownedBy(peer, 'v1', topic);
    if (existing) return existing;
    const record: StoredConversation = {
      topic, version: 'v1', peerAddress: peer, createdNs: BigInt(this.ctx.now()) * 1_000_000n, peerBundle: encode(mc.PublicKeyBundle, bundle),
    };
    await this.ctx.storage.addConversations([record]);
    const c = await this.ownedBy(peer, 'v1', topic);
    if (!c) throw new XmtpError('invalid_invitation', `the V1 topic with ${peer} holds another conversation`);
    return c;
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
    return streamConversations(this, opts);
  }

  /**
   * Every message of every conversation, including conversations that start while streaming
   * (their existing messages are delivered too, as the SDK does). Each message once.
   */
  streamAllMessages(opts: StreamOptions = {}): Stream<DecodedMessage> {
    return streamAllMessages(this, opts);
  }
}
