// One message of a conversation: its bubble (text with clickable links, reply quote, attachment, or
// fallback), the actions (react, reply), the reactions under it and its state (time, sending, failed
// with Retry/Discard, Read). A message is one stop of the list's roving focus (MessageList): its
// controls are reached with the arrow keys, never with Tab, so a long thread is not a long Tab trip.
import type { ComponentChild } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { AttachmentContent, MessageView } from '../../src/views.ts';
import type { Bg } from '../state.ts';
import {
  asAttachment,
  asRemoteAttachment,
  asReply,
  asText,
  linkParts,
  base64ToBytes,
  errorText,
  fallbackText,
  formatBytes,
  formatClock,
  formatFull,
  previewOf,
  sameAddress,
  shortAddress,
  type ReactionSummary,
  type Row,
} from '../lib/format.ts';
import { Icon } from '../components/Icon.tsx';
import { Details } from '../components/ui.tsx';
import { blobTypeFor, isDisplayableImage } from '../../src/inline-image.ts';

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'];

export interface MessageActions {
  bg: Bg;
  me: string | undefined;
  peer: string;
  byId: Map<string, MessageView>;
  reactions: Map<string, ReactionSummary[]>;
  pickerFor: string | null;
  setPickerFor: (id: string | null) => void;
  onReact: (m: MessageView, emoji: string, action: 'added' | 'removed') => void;
  onReply: (m: MessageView) => void;
  onRetry: (m: MessageView) => void;
  onDiscard: (m: MessageView) => void;
  /** the message that is the list's one Tab stop */
  active: string | undefined;
  setActive: (id: string) => void;
  /** a link in a message was clicked: open it (after a confirmation for a stranger's link) */
  onLink: (url: string) => void;
}

export function DaySeparator({ label }: { label: string }) {
  return (
    <div class="day">
      <span>{label}</span>
    </div>
  );
}

export function UnreadLine({ count }: { count: number }) {
  return (
    <div class="day unread-line">
      <span>{count === 1 ? '1 unread message' : `${count} unread messages`}</span>
    </div>
  );
}

export function MessageItem({ row, a }: { row: Extract<Row, { kind: 'message' }>; a: MessageActions }) {
  const m = row.message;
  const own = row.own;
  const reactions = a.reactions.get(m.id);
  const who = own ? 'You' : shortAddress(m.senderAddress);
  const reply = asReply(m);
  const canAct = m.status === 'sent' && m.refused === undefined;
  return (
    <div
      class={`msg ${own ? 'own' : 'peer'} ${row.first ? 'first' : ''} ${row.last ? 'last' : ''} ${m.status}`}
      data-msg={m.id}
      tabIndex={a.active === m.id ? 0 : -1}
      onFocus={(e) => e.target === e.currentTarget && a.setActive(m.id)}
    >
      <div class="msg-line">
        <div class="bubble" title={formatFull(m.sent)}>
          <span class="sr-only">
            {who}, {formatClock(m.sent)}:{' '}
          </span>
          {reply && <Quote reference={reply.reference} a={a} />}
          <Body a={a} m={m} contentType={reply ? reply.contentType : m.contentType} content={reply ? reply.content : m.content} />
        </div>
        {canAct && (
          <div class={`msg-actions ${a.pickerFor === m.id ? 'open' : ''}`}>
            <button
              type="button"
              class="icon-btn small"
              tabIndex={-1}
              aria-label="React"
              title="React"
              aria-expanded={a.pickerFor === m.id}
              aria-haspopup="true"
              data-react-for={m.id}
              onClick={() => a.setPickerFor(a.pickerFor === m.id ? null : m.id)}
            >
              <Icon name="smile" size={16} />
            </button>
            <button type="button" class="icon-btn small" tabIndex={-1} aria-label="Reply" title="Reply" onClick={() => a.onReply(m)}>
              <Icon name="reply" size={16} />
            </button>
          </div>
        )}
        {a.pickerFor === m.id && <ReactionPicker m={m} a={a} />}
      </div>
      {reactions && (
        <div class="reactions" role="group" aria-label="Reactions">
          {reactions.map((r) => (
            <button
              type="button"
              key={r.emoji}
              tabIndex={-1}
              class={`chip ${r.mine ? 'mine' : ''}`}
              aria-pressed={r.mine}
              aria-label={`${r.emoji} ${r.count}`}
              title={r.mine ? 'Remove your reaction' : 'Add this reaction'}
              onClick={() => a.onReact(m, r.emoji, r.mine ? 'removed' : 'added')}
            >
              {r.emoji} <span class="chip-count">{r.count}</span>
            </button>
          ))}
        </div>
      )}
      <Meta row={row} a={a} />
    </div>
  );
}

function Meta({ row, a }: { row: Extract<Row, { kind: 'message' }>; a: MessageActions }) {
  const m = row.message;
  if (m.status === 'failed') {
    return (
      <div class="meta failed">
        <span role="alert">Not sent{m.error ? `: ${m.error}` : ''}</span>
        {m.errorDetail && <Details text={m.errorDetail} tabIndex={-1} />}
        <button type="button" class="btn small" tabIndex={-1} onClick={() => a.onRetry(m)}>
          <Icon name="retry" size={14} /> Retry
        </button>
        <button type="button" class="btn small ghost" tabIndex={-1} onClick={() => a.onDiscard(m)}>
          Discard
        </button>
      </div>
    );
  }
  if (m.status === 'pending') {
    return (
      <div class="meta">
        <span class="pending-dot" aria-hidden="true" />
        Sending…
      </div>
    );
  }
  if (!row.last && !row.read) return null;
  return (
    <div class="meta">
      <time dateTime={new Date(m.sent).toISOString()}>{formatClock(m.sent)}</time>
      {row.read && (
        <>
          <span aria-hidden="true">·</span>
          <span class="read">Read</span>
        </>
      )}
    </div>
  );
}

function Quote({ reference, a }: { reference: string; a: MessageActions }) {
  const orig = a.byId.get(reference);
  const who = orig ? (sameAddress(orig.senderAddress, a.me) ? 'You' : shortAddress(orig.senderAddress)) : '';
  return (
    <div class="quote">
      <span class="sr-only">In reply to </span>
      {orig ? (
        <>
          <span class="quote-who">{who}</span>
          <span class="quote-text">{previewOf(orig)}</span>
        </>
      ) : (
        <span class="quote-text">an earlier message</span>
      )}
    </div>
  );
}

function Body({ a, m, contentType, content }: { a: MessageActions; m: MessageView; contentType: string; content: unknown }): ComponentChild {
  if (m.refused !== undefined) return <p class="text fallback">This message could not be shown: {m.refused}.</p>;
  const bg = a.bg;
  const c = { contentType, content };
  const text = asText(c);
  if (text !== undefined) return <p class="text">{linkParts(text).map((p) => (typeof p === 'string' ? p : <Link url={p.url} onLink={a.onLink} />))}</p>;
  const att = asAttachment(c);
  if (att) return <AttachmentView att={att} />;
  const remote = asRemoteAttachment(c);
  if (remote) return <RemoteAttachmentView bg={bg} m={m} filename={remote.filename} size={remote.contentLength} />;
  return (
    <p class="text fallback">
      {fallbackText(m)}
      <span class="unsupported"> · {contentType.split(':')[0]} is not supported here</span>
    </p>
  );
}

/** A link in a message: opened in a new tab with no opener and no referrer, through `onLink`. */
function Link({ url, onLink }: { url: string; onLink: (url: string) => void }) {
  return (
    <a
      href={url}
      target="_blank"
      rel="noopener noreferrer"
      tabIndex={-1}
      onClick={(e) => {
        e.preventDefault();
        onLink(url);
      }}
    >
      {url}
    </a>
  );
}

/** Blob URLs of attachment bytes, made when shown and released when the row goes away. */
function useBlobUrl(att: AttachmentContent): string | null {
  const url = useMemo(() => {
    try {
      return URL.createObjectURL(new Blob([base64ToBytes(att.data)], { type: blobTypeFor(att.mimeType) }));
    } catch {
      return null;
    }
  }, [att.data, att.mimeType]);
  useEffect(() => () => void (url && URL.revokeObjectURL(url)), [url]);
  return url;
}

function approxSize(b64: string): number {
  return Math.floor((b64.length * 3) / 4) - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);
}

export function AttachmentView({ att }: { att: AttachmentContent }) {
  const url = useBlobUrl(att);
  const name = att.filename || 'attachment';
  const size = formatBytes(approxSize(att.data));
  if (url && isDisplayableImage(att.mimeType)) {
    return (
      <figure class="att-image">
        <img src={url} alt={name} />
        <figcaption>
          <span class="att-name">{name}</span>
          <a class="att-dl" tabIndex={-1} href={url} download={name} aria-label={`Download ${name}`} title={`Download ${name}`}>
            <Icon name="download" size={14} />
          </a>
        </figcaption>
      </figure>
    );
  }
  return (
    <div class="att-file">
      <Icon name="file" size={22} />
      <span class="att-meta">
        <span class="att-name">{name}</span>
        <span class="att-size">{size}</span>
      </span>
      {url && (
        <a class="att-dl boxed" tabIndex={-1} href={url} download={name} aria-label={`Download ${name}`} title={`Download ${name}`}>
          <Icon name="download" size={16} />
        </a>
      )}
    </div>
  );
}

/** A remote attachment's file, in as many parts as the background hands it over in. */
async function loadWhole(bg: Bg, messageId: string): Promise<AttachmentContent> {
  const { parts = 1, ...first } = await bg.call('attachments.loadRemote', { messageId });
  let data = first.data;
  for (let part = 1; part < parts; part++) data += (await bg.call('attachments.loadRemote', { messageId, part })).data;
  return { ...first, data };
}

/** Remote attachments fetched this session, by message id (rows come and go as the list scrolls). */
const remoteCache = new Map<string, AttachmentContent>();

function RemoteAttachmentView({ bg, m, filename, size }: { bg: Bg; m: MessageView; filename: string; size: number }) {
  const [att, setAtt] = useState<AttachmentContent | undefined>(remoteCache.get(m.id));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const live = useRef(true);
  useEffect(() => () => void (live.current = false), []);
  if (att) return <AttachmentView att={att} />;
  const load = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await loadWhole(bg, m.id);
      remoteCache.set(m.id, r);
      if (live.current) setAtt(r);
    } catch (e) {
      if (live.current) setError(errorText(e));
    } finally {
      if (live.current) setBusy(false);
    }
  };
  const name = filename || 'attachment';
  return (
    <div class="att-file">
      <Icon name="file" size={22} />
      <span class="att-meta">
        <span class="att-name">{name}</span>
        <span class="att-size">{size > 0 ? formatBytes(size) : 'Remote file'}</span>
        {error && (
          <span class="field-error" role="alert">
            {error}
          </span>
        )}
      </span>
      <button type="button" class="btn small" tabIndex={-1} onClick={load} disabled={busy} aria-label={`Load ${name}`}>
        {busy ? <span class="spinner" aria-hidden="true" /> : <Icon name="download" size={14} />} Load
      </button>
    </div>
  );
}

function ReactionPicker({ m, a }: { m: MessageView; a: MessageActions }) {
  const ref = useRef<HTMLDivElement>(null);
  const mine = new Set((a.reactions.get(m.id) ?? []).filter((r) => r.mine).map((r) => r.emoji));
  const close = (refocus: boolean) => {
    a.setPickerFor(null);
    if (refocus) document.querySelector<HTMLElement>(`[data-react-for="${CSS.escape(m.id)}"]`)?.focus();
  };
  // Focus moves in before the picker is painted (a layout effect): a key pressed as soon as it shows
  // lands in it, not on the button that opened it.
  useLayoutEffect(() => {
    ref.current?.querySelector<HTMLElement>('button')?.focus();
  }, []);
  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      const t = e.target;
      if (t instanceof Element && !ref.current?.contains(t) && !t.closest(`[data-react-for]`)) close(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, []);
  const onKeyDown = (e: KeyboardEvent) => {
    const buttons = [...ref.current!.querySelectorAll<HTMLButtonElement>('button')];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      e.stopPropagation();
      buttons[(i + (e.key === 'ArrowRight' ? 1 : -1) + buttons.length) % buttons.length]?.focus();
    }
  };
  return (
    <div ref={ref} class="picker" role="group" aria-label="Choose a reaction" onKeyDown={onKeyDown}>
      {QUICK_REACTIONS.map((emoji) => (
        <button
          type="button"
          key={emoji}
          class={mine.has(emoji) ? 'mine' : ''}
          aria-label={`React with ${emoji}`}
          aria-pressed={mine.has(emoji)}
          onClick={() => {
            a.onReact(m, emoji, mine.has(emoji) ? 'removed' : 'added');
            close(true);
          }}
        >
          {emoji}
        </button>
      ))}
    </div>
  );
}
