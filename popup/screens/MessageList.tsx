// A conversation's messages: grouped by day and sender in a windowed list that sticks to the newest,
// with a skeleton until the first page is in, and older pages loaded on scroll. Opened with unread
// messages, it starts at an "unread" line above the first of them; scrolled up, a button jumps back
// to the newest (and says how many arrived meanwhile). The list is one Tab stop: arrow keys move
// between messages and into a message's controls (roving focus).
import type { TargetedKeyboardEvent } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { MessageView } from '../../src/views.ts';
import { buildRows, estimateRowHeight, firstUnreadId, isShown, summarizeReactions, type Row } from '../lib/format.ts';
import { markAfterPaint } from '../lib/perf.ts';
import { VirtualList } from '../components/VirtualList.tsx';
import { Icon } from '../components/Icon.tsx';
import { DaySeparator, MessageItem, UnreadLine, type MessageActions } from './MessageItem.tsx';
import type { ConversationMessages } from './useConversationMessages.ts';

export interface MessageListProps {
  m: ConversationMessages;
  me: string | undefined;
  /** what the list is called for assistive technology: "Messages with …" */
  label: string;
  /** bumped to jump to the newest message (after a send) */
  bottomSignal: number;
  /** how many messages were unread when the conversation was opened (undefined until known) */
  unreadAtOpen: number | undefined;
  actions: Omit<MessageActions, 'byId' | 'reactions' | 'active' | 'setActive'>;
}

export function MessageList({ m, me, label, bottomSignal, unreadAtOpen, actions }: MessageListProps) {
  const { messages } = m;
  const now = Date.now();
  // Where the unread line goes is decided once, when the first page is in (reading clears the count).
  const unread = useRef<{ from: string; count: number } | undefined>(undefined);
  const decided = useRef(false);
  if (m.loaded && unreadAtOpen !== undefined && !decided.current) {
    decided.current = true;
    const from = firstUnreadId(messages, me, unreadAtOpen);
    if (from) unread.current = { from, count: unreadAtOpen };
  }
  const rows = useMemo(() => buildRows(messages, { me, now, unread: unread.current }), [messages, me, decided.current]);
  const reactions = useMemo(() => summarizeReactions(messages, me), [messages, me]);
  const byId = useMemo(() => new Map<string, MessageView>(messages.map((x) => [x.id, x])), [messages]);
  const shown = useMemo(() => messages.filter(isShown), [messages]);

  // Roving focus: one message is the list's Tab stop (the newest, until another gets focus).
  const [active, setActive] = useState<string | undefined>();
  const activeId = active && byId.has(active) ? active : shown.at(-1)?.id;

  // Scrolled away from the newest: a button brings the view back, counting what arrived since.
  const [atBottom, setAtBottom] = useState(true);
  const leftAt = useRef<string | undefined>(undefined);
  useEffect(() => {
    leftAt.current = atBottom ? undefined : (leftAt.current ?? shown.at(-1)?.id);
  }, [atBottom]);
  const leftIndex = leftAt.current ? shown.findIndex((x) => x.id === leftAt.current) : -1;
  const newSince = leftIndex >= 0 ? shown.slice(leftIndex + 1).filter((x) => x.senderAddress.toLowerCase() !== me?.toLowerCase()).length : 0;
  const [toBottom, setToBottom] = useState(0);
  const [reveal, setReveal] = useState<{ key: string; seq: number } | undefined>();
  const [lineAbove, setLineAbove] = useState(false);

  const a: MessageActions = { ...actions, byId, reactions, active: activeId, setActive };

  const onKeyDown = (e: TargetedKeyboardEvent<HTMLDivElement>) => {
    const t = e.target;
    if (!(t instanceof HTMLElement)) return;
    const msg = t.closest<HTMLElement>('[data-msg]');
    if (!msg || t.closest('.picker')) return;
    const controls = [...msg.querySelectorAll<HTMLElement>('button, a[href], summary')].filter((el) => !el.closest('.picker') && !(el as HTMLButtonElement).disabled);
    const i = controls.indexOf(t);
    if (e.key === 'ArrowRight' && controls[i + 1]) {
      e.preventDefault();
      controls[i + 1]!.focus();
    } else if (e.key === 'ArrowLeft' && i >= 0) {
      e.preventDefault();
      (controls[i - 1] ?? msg).focus();
    } else if (e.key === 'Escape' && i >= 0) {
      // back to the message, not out of the conversation
      e.preventDefault();
      e.stopPropagation();
      msg.focus();
    }
  };

  return (
    <div class="messages-area" onKeyDown={onKeyDown}>
      {m.loadingOlder && (
        <p class="older-note" role="status">
          Loading older messages…
        </p>
      )}
      {!m.loaded || !decided.current ? (
        <MessagesSkeleton />
      ) : rows.length === 0 ? (
        <div class="empty">
          <p>No messages yet. Say hello!</p>
        </div>
      ) : (
        <>
          <p id="messages-keys" class="sr-only">
            Up and Down arrows move between messages; Right arrow reaches a message's actions.
          </p>
          <VirtualList<Row>
            items={rows}
            itemKey={(r) => r.key}
            estimate={estimateRowHeight}
            renderItem={(r) =>
              r.kind === 'day' ? <DaySeparator label={r.label} /> : r.kind === 'unread' ? <UnreadLine count={r.count} /> : <MessageItem row={r} a={a} />
            }
            stickToBottom
            startAtKey={unread.current ? 'unread' : undefined}
            revealKey={reveal}
            bottomSignal={bottomSignal + toBottom}
            onAtBottom={setAtBottom}
            watch={unread.current && { key: 'unread', onAbove: setLineAbove }}
            focusSelector="[data-msg]"
            focusable={(r) => r.kind === 'message'}
            onNearStart={m.hasMore ? () => void m.loadOlder() : undefined}
            onFirstRows={() => markAfterPaint('conversation-painted')}
            label={label}
            describedBy="messages-keys"
            class="messages"
            initialViewport={420}
          />
        </>
      )}
      <div class="jumps">
        {unread.current && lineAbove && (
          <button type="button" class="jump" onClick={() => setReveal((r) => ({ key: 'unread', seq: (r?.seq ?? 0) + 1 }))}>
            <Icon name="up" size={14} /> First unread
          </button>
        )}
        {!atBottom && (
          <button type="button" class="jump" onClick={() => setToBottom((n) => n + 1)}>
            <Icon name="down" size={14} /> {newSince ? (newSince === 1 ? '1 new message' : `${newSince} new messages`) : 'Newest'}
          </button>
        )}
      </div>
    </div>
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
