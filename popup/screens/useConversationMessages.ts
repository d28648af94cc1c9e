// A conversation's messages as the popup shows them: the newest page (prefetched on the click when it
// can be), older pages on demand, live updates and the background's restarts, our own sends merged in
// place, and read state (opening and watching a conversation marks it read).
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { MessageView } from '../../src/views.ts';
import type { Bg, Inbox } from '../state.ts';
import type { NameBook } from '../names.ts';
import { isShown, mergeMessages, peerLabel, previewOf, problemOf, sameAddress, type Problem } from '../lib/format.ts';
import { markAfterPaint } from '../lib/perf.ts';

export const PAGE = 100;

export type Prefetched = { topic: string; page: Promise<MessageView[]> };

/** Asks for a conversation's newest page at once (on the click, before the screen renders). */
export function prefetchMessages(bg: Bg, topic: string): Prefetched {
  const page = bg.call('messages.list', { topic, limit: PAGE });
  page.catch(() => {});
  return { topic, page };
}

export interface ConversationMessages {
  /** oldest first */
  messages: MessageView[];
  /** the first page is in (or failed) */
  loaded: boolean;
  hasMore: boolean;
  loadingOlder: boolean;
  loadOlder(): Promise<void>;
  /** the last failed request, if any, for a person */
  error: Problem | null;
  setError(e: Problem | null): void;
  /** the last live message from the peer, for screen readers */
  announce: string;
  /** Queues a send; the pending message shows at once. Resolves false (and sets `error`) if refused. */
  send(content: unknown, contentType?: string): Promise<boolean>;
  retry(m: MessageView): void;
  discard(m: MessageView): void;
}

export function useConversationMessages(
  topic: string,
  ctx: {
    bg: Bg;
    inbox: Inbox;
    names: NameBook;
    me: string | undefined;
    prefetched?: Prefetched;
    /** the conversation itself is known (its unread count was read): only then does opening mark it read */
    known: boolean;
  },
): ConversationMessages {
  const { bg, inbox, names, me } = ctx;
  const [messages, setMessages] = useState<MessageView[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [hasMore, setHasMore] = useState(true);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [error, setError] = useState<Problem | null>(null);
  const [announce, setAnnounce] = useState('');
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
      setAnnounce(`New message from ${peerLabel(last.senderAddress, names.get(last.senderAddress))}: ${previewOf(last)}`);
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
        setError(problemOf(e));
        setLoaded(true);
      },
    );

  useEffect(() => {
    void loadLatest(ctx.prefetched?.topic === topic ? ctx.prefetched.page : undefined);
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
    if (loaded && ctx.known) markRead();
  }, [loaded, ctx.known]);

  const loadOlder = async () => {
    if (olderBusy.current || !hasMore || !messages.length) return;
    olderBusy.current = true;
    setLoadingOlder(true);
    try {
      const page = await bg.call('messages.list', { topic, limit: PAGE, before: messages[0].sent });
      apply(page, false);
      setHasMore(page.length >= PAGE);
    } catch (e) {
      setError(problemOf(e));
    } finally {
      olderBusy.current = false;
      setLoadingOlder(false);
    }
  };

  const send = async (content: unknown, contentType?: string): Promise<boolean> => {
    try {
      const m = await bg.call('messages.send', { topic, content, ...(contentType ? { contentType } : {}) });
      known.current.add(m.id);
      setMessages((cur) => mergeMessages(cur, [m]));
      inbox.noteMessage(m);
      return true;
    } catch (e) {
      setError(problemOf(e));
      return false;
    }
  };

  return {
    messages,
    loaded,
    hasMore,
    loadingOlder,
    loadOlder,
    error,
    setError,
    announce,
    send,
    retry: (m) =>
      void bg.call('outbox.retry', { id: m.id }).then(
        (r) => setMessages((cur) => mergeMessages(cur.filter((x) => x.id !== m.id), [r])),
        (e) => setError(problemOf(e)),
      ),
    discard: (m) =>
      void bg.call('outbox.discard', { id: m.id }).then(
        () => setMessages((cur) => cur.filter((x) => x.id !== m.id)),
        (e) => setError(problemOf(e)),
      ),
  };
}
