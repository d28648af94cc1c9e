// A conversation: messages grouped by day and sender in a windowed list that sticks to the newest,
// older pages loaded on scroll, live updates from the background, replies, reactions, attachments,
// consent (Allow / Block) and read state.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ContentTypes, type ConversationView, type MessageView } from '../../src/views.ts';
import type { Bg, Inbox } from '../state.ts';
import { useStore } from '../state.ts';
import { useName, type NameBook } from '../names.ts';
import {
  buildRows,
  bytesToBase64,
  errorText,
  estimateRowHeight,
  isShown,
  mergeMessages,
  peerLabel,
  previewOf,
  sameAddress,
  shortAddress,
  summarizeReactions,
  type Row,
} from '../lib/format.ts';
import { markAfterPaint } from '../lib/perf.ts';
import { VirtualList } from '../components/VirtualList.tsx';
import { Avatar, CopyButton, Dialog, ErrorNote, IconButton, useFocusOnMount } from '../components/ui.tsx';
import { DaySeparator, MessageItem, type MessageActions } from './MessageItem.tsx';
import { Composer } from './Composer.tsx';

export const PAGE = 100;

/** Asks for a conversation's newest page at once (on the click, before the screen renders). */
export function prefetchMessages(bg: Bg, topic: string): { topic: string; page: Promise<MessageView[]> } {
  const page = bg.call('messages.list', { topic, limit: PAGE });
  page.catch(() => {});
  return { topic, page };
}

export interface ConversationProps {
  bg: Bg;
  inbox: Inbox;
  names: NameBook;
  topic: string;
  me: string | undefined;
  onBack: () => void;
  /** the first page, already asked for (prefetchMessages) */
  prefetched?: { topic: string; page: Promise<MessageView[]> };
}

export function Conversation(props: ConversationProps) {
  const { bg, inbox, topic, me } = props;
  useStore(inbox.store);
  const [fetched, setFetched] = useState<ConversationView | null>(null);
  const conv = inbox.get(topic) ?? fetched;
  const name = useName(props.names, conv?.peerAddress);
  useEffect(() => void (conv && props.names.want([conv.peerAddress])), [conv?.peerAddress]);
  const [messages, setMessages] = useState<MessageView[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [hasMore, setHasMore] = useState(true);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [replyTo, setReplyTo] = useState<MessageView | null>(null);
  const [pickerFor, setPickerFor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [announce, setAnnounce] = useState('');
  const [bottomSignal, setBottomSignal] = useState(0);
  const [confirmBlock, setConfirmBlock] = useState(false);
  const composer = useRef<HTMLTextAreaElement>(null);
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const known = useRef(new Set<string>());
  const olderBusy = useRef(false);

  // Opening a conversation marks it read. (The background sends a read receipt, if the setting is on,
  // only to allowed conversations: a request's sender does not learn that this inbox is alive.)
  const markRead = () => {
    if (document.visibilityState !== 'visible') return;
    inbox.patch(topic, { unreadCount: 0 });
    bg.call('conversations.markRead', { topic }).catch(() => {});
  };

  const apply = (incoming: MessageView[], live: boolean) => {
    const fresh = incoming.filter((m) => !known.current.has(m.id));
    for (const m of incoming) known.current.add(m.id);
    setMessages((cur) => mergeMessages(cur, incoming));
    if (!live) return;
    const fromPeer = fresh.filter((m) => !sameAddress(m.senderAddress, me) && isShown(m));
    if (fromPeer.length) {
      const last = fromPeer[fromPeer.length - 1];
      setAnnounce(`New message from ${peerLabel(last.senderAddress, props.names.get(last.senderAddress))}: ${previewOf(last)}`);
      markRead();
    }
  };

  const loadLatest = (first?: Promise<MessageView[]>) =>
    (first ?? bg.call('messages.list', { topic, limit: PAGE })).then(
      (page) => {
        apply(page, false);
        setHasMore(page.length >= PAGE);
        setLoaded(true);
      },
      (e) => {
        setError(errorText(e));
        setLoaded(true);
      },
    );

  useEffect(() => {
    if (!inbox.get(topic)) {
      bg.call('conversations.get', { topic }).then(
        (c) => {
          setFetched(c);
          inbox.upsert(c);
        },
        (e) => setError(errorText(e)),
      );
    }
    void loadLatest(props.prefetched?.topic === topic ? props.prefetched.page : undefined);
    const offMessages = bg.on('messages', (d) => {
      if (d.topic === topic) apply(d.messages, true);
    });
    const offReconnect = bg.on('reconnect', () => void loadLatest());
    const onVisible = () => markRead();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      offMessages();
      offReconnect();
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [topic]);

  useLayoutEffect(() => {
    if (loaded && !messages.some(isShown)) markAfterPaint('conversation-painted');
  }, [loaded]);

  useEffect(() => {
    if (loaded) markRead();
  }, [loaded]);

  const loadOlder = async () => {
    if (olderBusy.current || !hasMore || !messages.length) return;
    olderBusy.current = true;
    setLoadingOlder(true);
    try {
      const page = await bg.call('messages.list', { topic, limit: PAGE, before: messages[0].sent });
      apply(page, false);
      setHasMore(page.length >= PAGE);
    } catch (e) {
      setError(errorText(e));
    } finally {
      olderBusy.current = false;
      setLoadingOlder(false);
    }
  };

  const now = Date.now();
  const rows = useMemo(() => buildRows(messages, { me, now }), [messages, me]);
  const reactions = useMemo(() => summarizeReactions(messages, me), [messages, me]);
  const byId = useMemo(() => new Map(messages.map((m) => [m.id, m])), [messages]);

  const send = async (content: unknown, contentType?: string): Promise<boolean> => {
    try {
      const m = await bg.call('messages.send', { topic, content, ...(contentType ? { contentType } : {}) });
      known.current.add(m.id);
      setMessages((cur) => mergeMessages(cur, [m]));
      inbox.noteMessage(m);
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    }
  };

  const onSend = async (text: string, file: File | null): Promise<boolean> => {
    setError(null);
    setBottomSignal((n) => n + 1);
    const reply = replyTo;
    const wrap = (contentType: string, content: unknown) =>
      reply ? send({ reference: reply.id, contentType, content }, ContentTypes.reply) : send(content, contentType === ContentTypes.text ? undefined : contentType);
    if (file) {
      let data: string;
      try {
        data = bytesToBase64(new Uint8Array(await file.arrayBuffer()));
      } catch (e) {
        setError(`Could not read “${file.name}”: ${errorText(e)}`);
        return false;
      }
      const ok = await wrap(ContentTypes.attachment, { filename: file.name, mimeType: file.type || 'application/octet-stream', data });
      if (!ok) return false;
    }
    if (text && !(await (file ? send(text) : wrap(ContentTypes.text, text)))) return false;
    setReplyTo(null);
    return true;
  };

  const actions: MessageActions = {
    bg,
    me,
    peer: conv?.peerAddress ?? '',
    byId,
    reactions,
    pickerFor,
    setPickerFor,
    onReact: (m, emoji, action) => void send({ reference: m.id, action, schema: 'unicode', content: emoji }, ContentTypes.reaction),
    onReply: (m) => {
      setReplyTo(m);
      composer.current?.focus();
    },
    onRetry: (m) =>
      void bg.call('outbox.retry', { id: m.id }).then(
        (r) => setMessages((cur) => mergeMessages(cur.filter((x) => x.id !== m.id), [r])),
        (e) => setError(errorText(e)),
      ),
    onDiscard: (m) =>
      void bg.call('outbox.discard', { id: m.id }).then(
        () => setMessages((cur) => cur.filter((x) => x.id !== m.id)),
        (e) => setError(errorText(e)),
      ),
  };

  const setConsent = async (state: 'allowed' | 'denied') => {
    if (!conv) return;
    setError(null);
    try {
      await bg.call('consent.set', { peerAddress: conv.peerAddress, state });
      inbox.patch(topic, { consent: state });
      setFetched((f) => (f ? { ...f, consent: state } : f));
    } catch (e) {
      setError(errorText(e));
    }
  };

  const peer = conv?.peerAddress ?? '';
  const consent = conv?.consent;
  const who = peer ? peerLabel(peer, name) : 'Conversation';
  return (
    <section
      class="screen conversation"
      aria-labelledby="conv-title"
    >
      <header class="bar">
        <IconButton icon="back" label="Back to inbox" onClick={props.onBack} />
        {peer && <Avatar address={peer} size={28} image={name?.avatar} />}
        <div class="bar-title">
          <h1 id="conv-title" tabIndex={-1} ref={heading} title={peer}>
            {who}
          </h1>
          {(name || conv?.context?.conversationId) && (
            <span class="bar-sub">{[name && shortAddress(peer), conv?.context?.conversationId].filter(Boolean).join(' · ')}</span>
          )}
        </div>
        {peer && <CopyButton text={peer} />}
        {consent === 'allowed' && <IconButton icon="block" label="Block" title="Block this address" haspopup="dialog" onClick={() => setConfirmBlock(true)} />}
      </header>
      {consent === 'unknown' && (
        <div class="banner" role="region" aria-label="Message request">
          <p>This address is not in your contacts yet. Allow it to move the conversation to Messages, or block it.</p>
          <div class="banner-actions">
            <button type="button" class="btn primary small" onClick={() => void setConsent('allowed')}>
              Allow
            </button>
            <button type="button" class="btn danger small" onClick={() => void setConsent('denied')}>
              Block
            </button>
          </div>
        </div>
      )}
      {consent === 'denied' && (
        <div class="banner" role="region" aria-label="Blocked">
          <p>You blocked this address. Its messages stay out of your inbox and never notify you.</p>
          <div class="banner-actions">
            <button type="button" class="btn small" onClick={() => void setConsent('allowed')}>
              Allow
            </button>
          </div>
        </div>
      )}
      <div class="messages-area">
        {loadingOlder && (
          <p class="older-note" role="status">
            Loading older messages…
          </p>
        )}
        {!loaded ? (
          <MessagesSkeleton />
        ) : rows.length === 0 ? (
          <div class="empty">
            <p>No messages yet. Say hello!</p>
          </div>
        ) : (
          <VirtualList<Row>
            items={rows}
            itemKey={(r) => r.key}
            estimate={estimateRowHeight}
            renderItem={(r) => (r.kind === 'day' ? <DaySeparator label={r.label} /> : <MessageItem row={r} a={actions} />)}
            stickToBottom
            bottomSignal={bottomSignal}
            onNearStart={hasMore ? () => void loadOlder() : undefined}
            onFirstRows={() => markAfterPaint('conversation-painted')}
            label={`Messages with ${who}`}
            class="messages"
            initialViewport={420}
          />
        )}
      </div>
      <p class="sr-only" aria-live="polite">
        {announce}
      </p>
      {error && <ErrorNote>{error}</ErrorNote>}
      {consent !== 'denied' && (
        <Composer me={me} replyTo={replyTo} onCancelReply={() => setReplyTo(null)} onSend={onSend} inputRef={composer} disabled={!conv} />
      )}
      {confirmBlock && (
        <Dialog title={`Block ${who}?`} role="alertdialog" onClose={() => setConfirmBlock(false)} describe="block-desc">
          <p id="block-desc">The conversation moves to Blocked and this address can no longer reach your inbox or notify you. You can allow it again later.</p>
          <div class="dialog-actions">
            <button type="button" class="btn" data-autofocus onClick={() => setConfirmBlock(false)}>
              Cancel
            </button>
            <button
              type="button"
              class="btn danger"
              onClick={() => {
                setConfirmBlock(false);
                void setConsent('denied');
              }}
            >
              Block
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}

function MessagesSkeleton() {
  return (
    <div class="messages-skeleton" aria-hidden="true">
      {[62, 40, 75, 50, 68].map((w, i) => (
        <div key={i} class={`bone-bubble ${i % 2 ? 'own' : ''}`} style={{ width: `${w}%` }} />
      ))}
    </div>
  );
}
