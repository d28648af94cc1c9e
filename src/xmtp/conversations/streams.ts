// Live streams of the conversation list: new conversations, and every message of every conversation.
// Conversation envelopes go through the sync engine (the same checks, consent and quota as a sync).
import type { Envelope } from '../api/types.ts';
import { asXmtpError } from '../errors.ts';
import { openInvitation } from '../messages/invitation.ts';
import { decodeV1Message } from '../messages/v1.ts';
import type { StoredConversation, StoredMessage } from '../storage/types.ts';
import { Stream, serial } from '../stream.ts';
import { introTopic, inviteTopic } from '../topics.ts';
import type { Conversation, StreamOptions } from './conversation.ts';
import type { Conversations } from './conversations.ts';
import type { DecodedMessage } from './decoded-message.ts';

/** Messages remembered as delivered by one stream (a reconnect's catch-up re-delivers recent ones). */
const DELIVERED_MEMORY = 50_000;

/** New conversations as they arrive (invitations and introductions to us), each once per stream. */
export function streamConversations(conversations: Conversations, opts: StreamOptions): Stream<Conversation> {
  const { ctx } = conversations;
  const stream = new Stream<Conversation>();
  const yielded = new Set<string>();
  const invites = inviteTopic(ctx.address);
  const intros = introTopic(ctx.address);
  const handle = serial(async (envelope: Envelope) => {
    const isInvite = envelope.contentTopic === invites;
    let records: StoredConversation[] = isInvite
      ? await conversations.saveInvites([envelope], opts.onError)
      : await conversations.saveIntros([envelope], opts.onError);
    if (!records.length) {
      // Already stored (e.g. by list()): still report it once per stream.
      const topic = isInvite
        ? await openInvitation(ctx.keys, envelope.timestampNs, envelope.message).then((i) => i.topic, () => undefined)
        : await decodeV1Message(envelope.message, ctx.keys).then((d) => d.topic, () => undefined);
      const conv = topic && (await conversations.getByTopic(topic));
      records = conv ? [conv.record] : [];
    }
    for (const r of records) {
      const c = conversations.wrap(r);
      if (!c || yielded.has(r.topic)) continue;
      yielded.add(r.topic);
      stream.push(c);
    }
  });
  const sub = ctx.api.subscribe([invites, intros], handle, { onConnectionLost: opts.onConnectionLost });
  stream.setOnClose(() => sub.close());
  stream.ready = sub.ready;
  return stream;
}

/**
 * Every message of every conversation, including conversations that start while streaming (their
 * existing messages are delivered too, as the SDK does). Each message once.
 */
export function streamAllMessages(conversations: Conversations, opts: StreamOptions): Stream<DecodedMessage> {
  const { ctx } = conversations;
  const stream = new Stream<DecodedMessage>();
  const invites = inviteTopic(ctx.address);
  const intros = introTopic(ctx.address);
  const delivered = new Set<string>();
  const emit = async (conv: Conversation, m: StoredMessage) => {
    if (m.refused || delivered.has(m.id)) return;
    delivered.add(m.id);
    if (delivered.size > DELIVERED_MEMORY) delivered.clear();
    stream.push(await conv.toDecodedMessage(m));
  };
  let sub: ReturnType<typeof ctx.api.subscribe> | undefined;
  const topics = new Set<string>([invites, intros]);
  const follow = async (conv: Conversation) => {
    if (topics.has(conv.topic)) return false;
    topics.add(conv.topic);
    await sub?.updateTopics(topics);
    return true;
  };
  const onInvite = async (envelope: Envelope) => {
    const inv = await openInvitation(ctx.keys, envelope.timestampNs, envelope.message);
    await conversations.saveInvites([envelope], opts.onError);
    const conv = await conversations.getByTopic(inv.topic);
    if (!conv || !(await follow(conv))) return;
    for (const m of await conv.messages({ onError: opts.onError })) {
      if (delivered.has(m.id)) continue;
      delivered.add(m.id);
      stream.push(m);
    }
  };
  const onIntro = async (envelope: Envelope) => {
    const d = await decodeV1Message(envelope.message, ctx.keys);
    await conversations.saveIntros([envelope], opts.onError);
    const conv = await conversations.getByTopic(d.topic);
    if (!conv) return;
    await follow(conv);
    await emit(conv, {
      id: d.id, topic: conv.topic, version: 'v1', senderAddress: d.senderAddress, recipientAddress: d.recipientAddress,
      sentNs: BigInt(d.sentMs) * 1_000_000n, payload: d.payload,
    });
  };
  const handle = serial(async (envelope: Envelope) => {
    if (stream.closed) return;
    try {
      if (envelope.contentTopic === invites) return await onInvite(envelope);
      if (envelope.contentTopic === intros) return await onIntro(envelope);
      const conv = await conversations.getByTopic(envelope.contentTopic);
      const m = conv && (await conv.receive(envelope, opts.onError));
      if (m) await emit(conv, m);
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
        for (const c of await conversations.list({ onError: opts.onError })) topics.add(c.topic);
        break;
      } catch (e) {
        opts.onConnectionLost?.(e);
        await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 30_000)));
      }
    }
    if (closed) return;
    sub = ctx.api.subscribe(topics, handle, { onConnectionLost: opts.onConnectionLost });
    await sub.ready;
  })();
  stream.ready.catch(() => {});
  return stream;
}
