// The inbox: conversations newest first, in three tabs by consent (Messages = allowed, Requests =
// unknown, Blocked = denied), searchable by address or name, windowed so 1,000 conversations paint at
// once. Names fill in as the background finds them; the list never waits for one.
import type { ComponentChildren, TargetedKeyboardEvent } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ConversationView, NameView } from '../../src/views.ts';
import type { Bg, Inbox as InboxModel } from '../state.ts';
import { useStore } from '../state.ts';
import type { NameBook } from '../names.ts';
import { formatListTime, listPreview, matchesSearch, peerLabel, sameAddress, tabCounts, type Tab } from '../lib/format.ts';
import { markAfterPaint } from '../lib/perf.ts';
import { VirtualList } from '../components/VirtualList.tsx';
import { Avatar, ErrorNote, IconButton } from '../components/ui.tsx';
import { Icon } from '../components/Icon.tsx';
import { OfflineBanner } from '../components/OfflineBanner.tsx';
import { MyAddress } from '../components/MyAddress.tsx';
import { MessageResults } from '../components/MessageResults.tsx';
import type { NodeConnection } from '../connection.ts';

const TABS: { id: Tab; label: string }[] = [
  { id: 'allowed', label: 'Messages' },
  { id: 'unknown', label: 'Requests' },
  { id: 'denied', label: 'Blocked' },
];
export const ROW_HEIGHT = 64;

export interface InboxProps {
  bg: Bg;
  inbox: InboxModel;
  names: NameBook;
  me: string | undefined;
  onOpen: (topic: string) => void;
  onNew: () => void;
  onSettings: () => void;
  onLock: () => void;
  connection: NodeConnection;
  /** the header's account control (the current account; switching) */
  account?: ComponentChildren;
  /** a note above the list (e.g. "back up this wallet") */
  notice?: ComponentChildren;
}

export function Inbox(props: InboxProps) {
  const { conversations, error, offline, complete } = useStore(props.inbox.store);
  const view = props.inbox.view;
  const [tab, setTabState] = useState<Tab>(view.tab);
  const [query, setQueryState] = useState(view.query);
  const setTab = (t: Tab) => setTabState((view.tab = t));
  const setQuery = (q: string) => setQueryState((view.query = q));
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);
  const root = useRef<HTMLElement>(null);

  // Sync in the background while the list shows the cache.
  useEffect(() => {
    void props.inbox.sync();
  }, []);

  // A layout effect runs before the browser paints this commit: the mark lands right after that paint
  // (useEffect would run after it, a frame late).
  useLayoutEffect(() => {
    if (conversations) markAfterPaint('list-painted', { onlyOnce: true });
  }, [conversations !== null]);

  // Back from a conversation: focus its row again, in the first frame (the rows are rendered by now).
  useLayoutEffect(() => {
    if (view.lastOpened) root.current?.querySelector<HTMLElement>(`[data-topic="${CSS.escape(view.lastOpened)}"]`)?.focus();
  }, []);

  // Names of everyone in the list: the first page's as soon as it is painted, the rest once loaded.
  const names = useStore(props.names.store);
  useEffect(() => {
    if (conversations) props.names.want(conversations.map((c) => c.peerAddress));
  }, [conversations]);

  const counts = useMemo(() => tabCounts(conversations ?? []), [conversations]);
  const shown = useMemo(
    () => (conversations ?? []).filter((c) => c.consent === tab && matchesSearch(c, query, names.get(c.peerAddress.toLowerCase())?.name)),
    [conversations, tab, query, query ? names : null],
  );
  const now = Date.now();

  const onTabKey = (e: TargetedKeyboardEvent<HTMLButtonElement>, i: number) => {
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? TABS.length - 1 : null;
    if (next === null) return;
    e.preventDefault();
    const j = (next + TABS.length) % TABS.length;
    setTab(TABS[j].id);
    tabRefs.current[j]?.focus();
  };

  const badge = (t: Tab) => {
    if (!complete) return null;
    const n = t === 'allowed' ? counts.unread.allowed : counts.total[t];
    if (!n) return null;
    return (
      <span class={`tab-count ${t === 'allowed' ? 'unread' : ''}`}>
        {n > 999 ? '999+' : n}
        <span class="sr-only">{t === 'allowed' ? ' unread' : n === 1 ? ' conversation' : ' conversations'}</span>
      </span>
    );
  };

  return (
    <section ref={root} class="screen inbox" aria-labelledby="inbox-title">
      <header class="bar">
        {props.account ? (
          <>
            <h1 id="inbox-title" class="sr-only">
              XMTP Inbox
            </h1>
            {props.account}
          </>
        ) : (
          <>
            <img src="icons/icon-32.png" width={24} height={24} alt="" />
            <h1 id="inbox-title">XMTP Inbox</h1>
            <span class="grow" />
          </>
        )}
        {props.me && <MyAddress address={props.me} />}
        <IconButton icon="compose" label="New conversation" onClick={props.onNew} />
        <IconButton icon="settings" label="Settings" onClick={props.onSettings} />
        <IconButton icon="lock" label="Lock" onClick={props.onLock} />
      </header>
      <div class="search">
        <Icon name="search" size={16} />
        <input
          type="search"
          aria-label="Search conversations"
          placeholder="Search people and messages"
          value={query}
          spellcheck={false}
          autocomplete="off"
          onInput={(e) => setQuery(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Escape' && query && (e.stopPropagation(), setQuery(''))}
        />
      </div>
      <div class="tabs" role="tablist" aria-label="Conversations">
        {TABS.map((t, i) => (
          <button
            key={t.id}
            ref={(el) => void (tabRefs.current[i] = el)}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls="inbox-panel"
            tabIndex={tab === t.id ? 0 : -1}
            class="tab"
            onClick={() => setTab(t.id)}
            onKeyDown={(e) => onTabKey(e, i)}
          >
            {t.label}
            {badge(t.id)}
          </button>
        ))}
      </div>
      {props.notice}
      <OfflineBanner connection={props.connection} syncProblem={offline} onRetry={() => void props.inbox.sync(true)} />
      <MessageResults
        bg={props.bg}
        query={query}
        me={props.me}
        peerOf={(topic) => props.inbox.get(topic)?.peerAddress}
        nameOf={(a) => names.get(a.toLowerCase()) ?? undefined}
        onOpen={props.onOpen}
      />
      <div class="panel" role="tabpanel" id="inbox-panel" aria-labelledby={`tab-${tab}`}>
        {error && !conversations ? (
          <div class="pad">
            <ErrorNote>{error}</ErrorNote>
            <button type="button" class="btn" onClick={() => void props.inbox.load()}>
              Try again
            </button>
          </div>
        ) : !conversations || (!complete && shown.length === 0) ? (
          <ListSkeleton />
        ) : shown.length === 0 ? (
          <EmptyTab tab={tab} query={query} onNew={props.onNew} />
        ) : (
          <VirtualList
            key={tab}
            items={shown}
            itemKey={(c) => c.id}
            estimate={() => ROW_HEIGHT}
            fixed
            label={`${TABS.find((t) => t.id === tab)!.label}: conversations`}
            scrollMemory={query ? undefined : view.scroll[tab]}
            focusSelector="[data-focus]"
            initialViewport={600 - 48 - 48 - 41}
            overscan={ROW_HEIGHT * 4}
            renderItem={(c) => <ConversationRow c={c} name={names.get(c.peerAddress.toLowerCase()) ?? undefined} me={props.me} now={now} onOpen={props.onOpen} />}
          />
        )}
      </div>
    </section>
  );
}

function ConversationRow({ c, name, me, now, onOpen }: { c: ConversationView; name?: NameView; me?: string; now: number; onOpen: (topic: string) => void }) {
  const preview = listPreview(c, me);
  const time = formatListTime(c.updatedAt, now);
  const unread = c.unreadCount > 0;
  // The accessible name is the visible text, in reading order: name or address, site, time, preview, unread.
  return (
    <button type="button" class={`crow ${unread ? 'unread' : ''}`} data-focus data-topic={c.id} title={name ? `${name.name} · ${c.peerAddress}` : c.peerAddress} onClick={() => onOpen(c.id)}>
      <Avatar address={c.peerAddress} image={name?.avatar} />
      <span class="crow-main">
        <span class="crow-top">
          <span class={name ? 'crow-name named' : 'crow-name'}>{peerLabel(c.peerAddress, name)}</span>
          {c.context?.conversationId && <span class="crow-ctx">{c.context.conversationId.split('/')[0]}</span>}
          <time class="crow-time" dateTime={new Date(c.updatedAt).toISOString()}>
            {time}
          </time>
        </span>
        <span class="crow-bottom">
          <span class="crow-preview">
            <SendState c={c} me={me} />
            {preview}
          </span>
          {unread && (
            <span class="unread-count">
              {c.unreadCount > 99 ? '99+' : c.unreadCount}
              <span class="sr-only"> unread</span>
            </span>
          )}
        </span>
      </span>
    </button>
  );
}

/** Our last message is still waiting to go out, or failed: said before its preview, in words. */
function SendState({ c, me }: { c: ConversationView; me?: string }) {
  const m = c.lastMessage;
  if (!m || m.status === 'sent' || !sameAddress(m.senderAddress, me)) return null;
  return m.status === 'failed' ? <span class="crow-state failed">Not sent · </span> : <span class="crow-state">Sending… · </span>;
}

/** Grey rows where conversations will be, before the first answer (also the popup's first frame). */
export function ListSkeleton({ rows = 7, announce = true }: { rows?: number; announce?: boolean }) {
  return (
    <div class="skeleton-list">
      {announce && (
        <p class="sr-only" role="status">
          Loading conversations…
        </p>
      )}
      {Array.from({ length: rows }, (_, i) => (
        <div class="crow skeleton" key={i} aria-hidden="true" style={{ height: `${ROW_HEIGHT}px` }}>
          <span class="avatar" />
          <span class="crow-main">
            <span class="bone" style={{ width: `${40 + ((i * 17) % 35)}%` }} />
            <span class="bone" style={{ width: `${55 + ((i * 29) % 40)}%` }} />
          </span>
        </div>
      ))}
    </div>
  );
}

function EmptyTab({ tab, query, onNew }: { tab: Tab; query: string; onNew: () => void }) {
  if (query.trim()) {
    return (
      <div class="empty" role="status">
        <p>No conversation matches “{query.trim()}”.</p>
      </div>
    );
  }
  if (tab === 'allowed') {
    return (
      <div class="empty">
        <Icon name="inbox" size={32} />
        <p>No conversations yet.</p>
        <button type="button" class="btn primary" onClick={onNew}>
          Start a conversation
        </button>
      </div>
    );
  }
  return (
    <div class="empty">
      <p>
        {tab === 'unknown'
          ? 'No message requests. Messages from addresses you have not allowed yet wait here until you allow or block them.'
          : 'No blocked addresses. Messages from blocked addresses are kept out of your inbox and never notify you.'}
      </p>
    </div>
  );
}
