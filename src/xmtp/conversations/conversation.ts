// One conversation (V1 `dm-` or V2 `m-` topic): send, list (incrementally synced through stored
// cursors), stream.
import { mc, decode, type PublicKeyBundle } from '../proto.ts';
import { bytesToHex } from '../crypto/bytes.ts';
import { sha256 } from '../crypto/hashes.ts';
import { XmtpError, asXmtpError } from '../errors.ts';
import type { Envelope } from '../api/types.ts';
import type { SendOptions } from '../content/registry.ts';
import { decodeV2Message, encodeV2Message } from '../messages/v2.ts';
import { decodeV1Message, encodeV1Message } from '../messages/v1.ts';
import type { StoredConversation, StoredMessage, ConversationVersion } from '../storage/types.ts';
import { ephemeralTopic, introTopic } from '../topics.ts';
import { Stream, serial } from '../stream.ts';
import type { ConsentState } from '../consent/contacts.ts';
import { MessageTask, type MessageTaskOptions } from '../sync/messages.ts';
import { mapPool } from '../sync/pool.ts';
import { DecodedMessage } from './decoded-message.ts';
import type { ClientContext, OnMessageError } from './context.ts';

export interface ListMessagesOptions {
  /** ms or Date, inclusive */
  startTime?: Date | number;
  endTime?: Date | number;
  limit?: number;
  direction?: 'ascending' | 'descending';
  /** rejected envelopes (bad protobuf, forged signature, ...) */
  onError?: OnMessageError;
}

export interface ConversationSendOptions extends SendOptions {
  /** message time (default now) */
  timestamp?: Date | number;
  /** publish to the ephemeral topic (not stored by the node) */
  ephemeral?: boolean;
}

export interface StreamOptions {
  onError?: OnMessageError;
  onConnectionLost?: (error?: unknown) => void;
}

const toMs = (t: Date | number) => (t instanceof Date ? t.getTime() : t);
/** Envelopes decoded at once: enough to keep WebCrypto busy while signatures are checked on this thread. */
const DECODE_CONCURRENCY = 64;

export class Conversation {
  readonly topic: string;
  readonly version: ConversationVersion;
  readonly peerAddress: string;
  readonly createdNs: bigint;
  readonly context?: { conversationId: string; metadata: Record<string, string> };

  constructor(
    private readonly ctx: ClientContext,
    readonly record: StoredConversation,
  ) {
    this.topic = record.topic;
    this.version = record.version;
    this.peerAddress = record.peerAddress;
    this.createdNs = record.createdNs;
    if (record.context) this.context = record.context;
  }

  get createdAt(): Date {
    return new Date(Number(this.createdNs / 1_000_000n));
  }

  get clientAddress(): string {
    return this.ctx.address;
  }

  get ephemeralTopic(): string {
    return ephemeralTopic(this.topic);
  }

  consentState(): ConsentState {
    return this.ctx.contacts.consentState(this.peerAddress);
  }

  allow(): Promise<void> {
    return this.ctx.contacts.allow([this.peerAddress]);
  }

  deny(): Promise<void> {
    return this.ctx.contacts.deny([this.peerAddress]);
  }

  // ---- decoding ----

  /** Verifies and decrypts one envelope of this conversation; throws XmtpError when invalid. */
  async decodeEnvelope(envelope: Envelope, id = bytesToHex(sha256(envelope.message))): Promise<StoredMessage> {
    if (this.version === 'v2') {
      const d = await decodeV2Message(envelope.message, { topic: this.topic, keyMaterial: this.record.keyMaterial! }, id);
      return { id, topic: this.topic, version: 'v2', senderAddress: d.senderAddress, sentNs: d.sentNs, payload: d.payload };
    }
    const d = await decodeV1Message(envelope.message, this.ctx.keys, this.topic, id);
    return {
      id, topic: this.topic, version: 'v1', senderAddress: d.senderAddress, recipientAddress: d.recipientAddress,
      sentNs: BigInt(d.sentMs) * 1_000_000n, payload: d.payload,
    };
  }

  /** Content decoding never throws: unknown/undecodable content is returned with `error`. */
  async toDecodedMessage(m: StoredMessage): Promise<DecodedMessage> {
    const c = await this.ctx.registry.decode(m.payload);
    return new DecodedMessage(
      m.id, m.version, m.senderAddress, m.sentNs, this.topic, this, c.contentType, c.content, m.payload, c.fallback, c.error, m.recipientAddress,
    );
  }

  /** Decodes envelopes, reporting each rejected one to onError; returns the valid ones in order. */
  async decodeEnvelopes(envelopes: Envelope[], onError?: OnMessageError): Promise<StoredMessage[]> {
    const results = await mapPool(envelopes, DECODE_CONCURRENCY, (envelope) =>
      this.decodeEnvelope(envelope).catch((e) => {
        onError?.({ error: asXmtpError(e), envelope });
        return null;
      }),
    );
    return results.filter((m): m is StoredMessage => m !== null);
  }

  /** The sync engine's task for this conversation (tasks hold no state between runs). */
  syncTask(opts: MessageTaskOptions = {}): MessageTask {
    return new MessageTask(this, this.ctx, opts);
  }

  /**
   * A live envelope through the sync engine (checks, consent, quota): the message to deliver, if it
   * is now stored, or was already; undefined when it was refused or passed over.
   */
  async receive(envelope: Envelope, onError?: OnMessageError): Promise<StoredMessage | undefined> {
    const id = bytesToHex(sha256(envelope.message));
    let got: StoredMessage | undefined;
    const task = this.syncTask({ onError, onStored: (ms) => (got = ms.find((m) => m.id === id)) });
    await this.ctx.sync.ingest(task, [envelope]);
    if (!got && (await this.ctx.storage.knownMessageIds([id])).has(id)) got = await task.decode(envelope, id); // stored meanwhile by another consumer
    return got?.refused ? undefined : got;
  }

  // ---- listing ----

  /** Reads new envelopes from the stored position and stores them; returns how many messages were stored. */
  async sync(onError?: OnMessageError): Promise<number> {
    const task = this.syncTask({ onError });
    await this.ctx.sync.run([task]);
    return task.stored;
  }

  async messages(opts: ListMessagesOptions = {}): Promise<DecodedMessage[]> {
    await this.sync(opts.onError);
    const stored = await this.ctx.storage.getMessages(this.topic, {
      startNs: opts.startTime !== undefined ? BigInt(toMs(opts.startTime)) * 1_000_000n : undefined,
      endNs: opts.endTime !== undefined ? BigInt(toMs(opts.endTime)) * 1_000_000n : undefined,
      limit: opts.limit,
      direction: opts.direction ?? 'ascending',
    });
    return Promise.all(stored.map((m) => this.toDecodedMessage(m)));
  }

  // ---- sending ----

  async send(content: unknown, opts: ConversationSendOptions = {}): Promise<DecodedMessage> {
    const ctx = this.ctx;
    const encoded = await ctx.registry.encode(content, opts);
    const sentMs = opts.timestamp !== undefined ? toMs(opts.timestamp) : ctx.now();
    const sentNs = BigInt(sentMs) * 1_000_000n;
    let id: string;
    let bytes: Uint8Array;
    let topics: string[];
    let stored: StoredMessage;
    if (this.version === 'v2') {
      ({ id, bytes } = await encodeV2Message({
        keys: ctx.keys, topic: this.topic, keyMaterial: this.record.keyMaterial!, payload: encoded.bytes, createdNs: sentNs,
        shouldPush: encoded.shouldPush, nowMs: ctx.now(),
      }));
      topics = [opts.ephemeral ? this.ephemeralTopic : this.topic];
      stored = { id, topic: this.topic, version: 'v2', senderAddress: ctx.address, sentNs, payload: encoded.bytes };
    } else {
      const recipient = this.peerLegacyBundle();
      ({ id, bytes } = await encodeV1Message({ keys: ctx.keys, recipient, payload: encoded.bytes, timestampMs: sentMs }));
      if (opts.ephemeral) topics = [this.ephemeralTopic];
      else if (ctx.introducedPeers.has(this.peerAddress)) topics = [this.topic];
      else topics = [introTopic(this.peerAddress), introTopic(ctx.address), this.topic];
      stored = { id, topic: this.topic, version: 'v1', senderAddress: ctx.address, recipientAddress: this.peerAddress, sentNs, payload: encoded.bytes };
    }
    await ctx.api.publish(topics.map((contentTopic) => ({ contentTopic, timestampNs: sentNs, message: bytes })));
    if (this.version === 'v1' && !opts.ephemeral) ctx.introducedPeers.add(this.peerAddress);
    if (!opts.ephemeral) await ctx.storage.putMessages([stored]);
    // Sending to someone we never decided about means we want to talk to them (spec 10.4); decide
    // on the network state, so an earlier deny from another device is not overridden.
    await ctx.contacts.ensureFresh().catch(() => {});
    if (this.consentState() === 'unknown') await this.allow().catch(() => {});
    return this.toDecodedMessage(stored);
  }

  private peerLegacyBundle(): PublicKeyBundle {
    if (!this.record.peerBundle) throw new XmtpError('invalid_key_bundle', 'no peer bundle for this V1 conversation');
    return decode(mc.PublicKeyBundle, this.record.peerBundle);
  }

  // ---- streaming ----

  streamMessages(opts: StreamOptions = {}): Stream<DecodedMessage> {
    return this.streamTopic(this.topic, true, opts);
  }

  streamEphemeral(opts: StreamOptions = {}): Stream<DecodedMessage> {
    return this.streamTopic(this.ephemeralTopic, false, opts);
  }

  private streamTopic(topic: string, store: boolean, opts: StreamOptions): Stream<DecodedMessage> {
    const stream = new Stream<DecodedMessage>();
    // Stored topics go through the engine (the same checks, consent and quota as a sync); the
    // ephemeral one is only decoded.
    const handle = serial(async (envelope: Envelope) => {
      const m = store ? await this.receive(envelope, opts.onError) : (await this.decodeEnvelopes([envelope], opts.onError))[0];
      if (m) stream.push(await this.toDecodedMessage(m));
    });
    const sub = this.ctx.api.subscribe([topic], handle, { onConnectionLost: opts.onConnectionLost });
    stream.setOnClose(() => sub.close());
    stream.ready = sub.ready;
    return stream;
  }
}
