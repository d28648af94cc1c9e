// A conversation's messages: grouped by day and sender in a windowed list that sticks to the newest,
// with a skeleton until the first page is in, and older pages loaded on scroll.
import { useMemo } from 'preact/hooks';
import type { MessageView } from '../../src/views.ts';
import { buildRows, estimateRowHeight, summarizeReactions, type Row } from '../lib/format.ts';
import { markAfterPaint } from '../lib/perf.ts';
import { VirtualList } from '../components/VirtualList.tsx';
import { DaySeparator, MessageItem, type MessageActions } from './MessageItem.tsx';
import type { ConversationMessages } from './useConversationMessages.ts';

export interface MessageListProps {
  m: ConversationMessages;
  me: string | undefined;
  /** what the list is called for assistive technology: "Messages with …" */
  label: string;
  /** bumped to jump to the newest message (after a send) */
  bottomSignal: number;
  actions: Omit<MessageActions, 'byId' | 'reactions'>;
}

export function MessageList({ m, me, label, bottomSignal, actions }: MessageListProps) {
  const { messages } = m;
  const now = Date.now();
  const rows = useMemo(() => buildRows(messages, { me, now }), [messages, me]);
  const reactions = useMemo(() => summarizeReactions(messages, me), [messages, me]);
  const byId = useMemo(() => new Map<string, MessageView>(messages.map((x) => [x.id, x])), [messages]);
  const a: MessageActions = { ...actions, byId, reactions };
  return (
    <div class="messages-area">
      {m.loadingOlder && (
        <p class="older-note" role="status">
          Loading older messages…
        </p>
      )}
      {!m.loaded ? (
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
          renderItem={(r) => (r.kind === 'day' ? <DaySeparator label={r.label} /> : <MessageItem row={r} a={a} />)}
          stickToBottom
          bottomSignal={bottomSignal}
          onNearStart={m.hasMore ? () => void m.loadOlder() : undefined}
          onFirstRows={() => markAfterPaint('conversation-painted')}
          label={label}
          class="messages"
          initialViewport={420}
        />
      )}
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
