// A conversation screen: its header (peer, copy, block), the consent banner, the message list and the
// composer, around the messages of useConversationMessages. Replies, reactions and attachments are
// put together here from what the composer and the list's actions ask for.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ContentTypes, type ConversationView, type MessageView, type RemoteAttachmentContent } from '../../src/views.ts';
import { MAX_INLINE_ATTACHMENT_BYTES } from '../../src/xmtp/limits.ts';
import { uploadFile, type UploadProgress } from '../lib/upload.ts';
import type { Bg, Inbox } from '../state.ts';
import { useStore } from '../state.ts';
import { useName, type NameBook } from '../names.ts';
import { bytesToBase64, peerLabel, problemOf, shortAddress } from '../lib/format.ts';
import { Avatar, Confirm, CopyButton, ErrorNote, IconButton } from '../components/ui.tsx';
import { Composer } from './Composer.tsx';
import { ConsentBanner } from './ConsentBanner.tsx';
import { OfflineBanner } from '../components/OfflineBanner.tsx';
import type { NodeConnection } from '../connection.ts';
import { MessageList } from './MessageList.tsx';
import { useConversationMessages, type Prefetched } from './useConversationMessages.ts';

export interface ConversationProps {
  bg: Bg;
  inbox: Inbox;
  names: NameBook;
  connection: NodeConnection;
  topic: string;
  me: string | undefined;
  onBack: () => void;
  /** the first page, already asked for (prefetchMessages) */
  prefetched?: Prefetched;
}

export function Conversation(props: ConversationProps) {
  const { bg, inbox, topic, me } = props;
  useStore(inbox.store);
  const [fetched, setFetched] = useState<ConversationView | null>(null);
  const conv = inbox.get(topic) ?? fetched;
  const name = useName(props.names, conv?.peerAddress);
  useEffect(() => void (conv && props.names.want([conv.peerAddress])), [conv?.peerAddress]);
  // How many were unread when it opened (where the unread line goes): read before opening marks it read.
  const unreadAtOpen = useRef<number | undefined>(undefined);
  if (conv && unreadAtOpen.current === undefined) unreadAtOpen.current = conv.unreadCount;
  const m = useConversationMessages(topic, { bg, inbox, names: props.names, me, prefetched: props.prefetched, known: !!conv });
  const { setError } = m;
  const [replyTo, setReplyTo] = useState<MessageView | null>(null);
  const [pickerFor, setPickerFor] = useState<string | null>(null);
  const [bottomSignal, setBottomSignal] = useState(0);
  const [confirmBlock, setConfirmBlock] = useState(false);
  const [link, setLink] = useState<string | null>(null);
  const draft = useDraft(bg, topic);
  const [upload, setUpload] = useState<(UploadProgress & { name: string }) | null>(null);
  const uploading = useRef<AbortController | null>(null);
  useEffect(() => () => uploading.current?.abort(), []);
  // Focus goes to the message box (once it can take it: the conversation is known): a person who
  // opens a conversation mostly wants to write.
  const composer = useRef<HTMLTextAreaElement>(null);
  const focusedBox = useRef(false);
  useEffect(() => {
    if (!conv || focusedBox.current) return;
    focusedBox.current = true;
    composer.current?.focus({ preventScroll: true });
  }, [!!conv]);

  useEffect(() => {
    if (inbox.get(topic)) return;
    bg.call('conversations.get', { topic }).then(
      (c) => {
        setFetched(c);
        inbox.upsert(c);
      },
      (e) => {
        unreadAtOpen.current ??= 0; // unknown conversation: no unread line
        setError(problemOf(e));
      },
    );
  }, [topic]);

  const onSend = async (text: string, file: File | null): Promise<boolean> => {
    setError(null);
    setBottomSignal((n) => n + 1);
    const reply = replyTo;
    const wrap = (contentType: string, content: unknown) =>
      reply ? m.send({ reference: reply.id, contentType, content }, ContentTypes.reply) : m.send(content, contentType === ContentTypes.text ? undefined : contentType);
    if (file && file.size > MAX_INLINE_ATTACHMENT_BYTES) {
      const remote = await uploadLarge(file);
      if (!remote || !(await wrap(ContentTypes.remoteAttachment, remote))) return false;
    } else if (file) {
      let data: string;
      try {
        data = bytesToBase64(new Uint8Array(await file.arrayBuffer()));
      } catch (e) {
        setError({ text: `Could not read “${file.name}”. Try choosing the file again.`, detail: problemOf(e).detail ?? problemOf(e).text });
        return false;
      }
      const ok = await wrap(ContentTypes.attachment, { filename: file.name, mimeType: file.type || 'application/octet-stream', data });
      if (!ok) return false;
    }
    if (text && !(await (file ? m.send(text) : wrap(ContentTypes.text, text)))) return false;
    setReplyTo(null);
    return true;
  };

  /** Encrypts and uploads a file too large for a message (in a worker); null if refused or cancelled. */
  const uploadLarge = async (file: File): Promise<RemoteAttachmentContent | null> => {
    const ctl = new AbortController();
    uploading.current = ctl;
    setUpload({ name: file.name, phase: 'encrypting', sent: 0, total: file.size });
    try {
      const target = await bg.call('attachments.uploadTarget');
      return await uploadFile(file, target, (p) => setUpload({ name: file.name, ...p }), ctl.signal);
    } catch (e) {
      if (!ctl.signal.aborted) setError(problemOf(e));
      return null;
    } finally {
      uploading.current = null;
      setUpload(null);
    }
  };

  const setConsent = async (state: 'allowed' | 'denied') => {
    if (!conv) return;
    setError(null);
    try {
      await bg.call('consent.set', { peerAddress: conv.peerAddress, state });
      inbox.patch(topic, { consent: state });
      setFetched((f) => (f ? { ...f, consent: state } : f));
    } catch (e) {
      setError(problemOf(e));
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
          <h1 id="conv-title" title={peer}>
            {who}
          </h1>
          {(name || conv?.context?.conversationId) && (
            <span class="bar-sub">{[name && shortAddress(peer), conv?.context?.conversationId].filter(Boolean).join(' · ')}</span>
          )}
        </div>
        {peer && <CopyButton text={peer} />}
        {consent === 'allowed' && <IconButton icon="block" label="Block" title="Block this address" haspopup="dialog" onClick={() => setConfirmBlock(true)} />}
      </header>
      <OfflineBanner connection={props.connection} onRetry={() => void bg.call('sync.now').catch(() => {})} />
      <ConsentBanner consent={consent} onSet={(state) => void setConsent(state)} />
      <MessageList
        m={m}
        me={me}
        label={`Messages with ${who}`}
        bottomSignal={bottomSignal}
        unreadAtOpen={unreadAtOpen.current}
        actions={{
          bg,
          me,
          peer,
          pickerFor,
          setPickerFor,
          onReact: (msg, emoji, action) => void m.send({ reference: msg.id, action, schema: 'unicode', content: emoji }, ContentTypes.reaction),
          onReply: (msg) => {
            setReplyTo(msg);
            composer.current?.focus();
          },
          onRetry: m.retry,
          onDiscard: m.discard,
          // People not in your contacts (requests, blocked) get a word of caution before their link opens.
          onLink: (url) => (consent === 'allowed' ? openLink(url) : setLink(url)),
        }}
      />
      <p class="sr-only" aria-live="polite">
        {m.announce}
      </p>
      {m.error && <ErrorNote detail={m.error.detail}>{m.error.text}</ErrorNote>}
      {consent !== 'denied' && (
        <Composer
          me={me}
          replyTo={replyTo}
          onCancelReply={() => setReplyTo(null)}
          onSend={onSend}
          upload={upload}
          onCancelUpload={() => uploading.current?.abort()}
          inputRef={composer}
          disabled={!conv}
          draft={draft.text}
          onDraft={draft.save}
        />
      )}
      {link && (
        <Confirm
          title="Open this link?"
          describe="link-desc"
          action="Open link"
          onCancel={() => setLink(null)}
          onConfirm={() => {
            openLink(link);
            setLink(null);
          }}
        >
          <div id="link-desc">
            <p>{who} is not in your contacts. Links from people you do not know can lead to scams and fake sign-in pages.</p>
            <p class="link-url">{link}</p>
          </div>
        </Confirm>
      )}
      {confirmBlock && (
        <Confirm
          title={`Block ${who}?`}
          describe="block-desc"
          action="Block"
          danger
          onCancel={() => setConfirmBlock(false)}
          onConfirm={() => {
            setConfirmBlock(false);
            void setConsent('denied');
          }}
        >
          <p id="block-desc">The conversation moves to Blocked and this address can no longer reach your inbox or notify you. You can allow it again later.</p>
        </Confirm>
      )}
    </section>
  );
}

/** A link from a message, in a new tab that cannot reach back to the inbox (no opener, no referrer). */
function openLink(url: string): void {
  window.open(url, '_blank', 'noopener,noreferrer');
}

/**
 * A conversation's draft, kept by the background (in memory) across popup closes: `text` is what was
 * kept (undefined until it is known), `save` keeps a new one a moment after typing stops.
 */
function useDraft(bg: Bg, topic: string): { text: string | undefined; save: (text: string) => void } {
  const [text, setText] = useState<string | undefined>(undefined);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const pending = useRef<string | undefined>(undefined);
  useEffect(() => {
    bg.call('drafts.get', { topic }).then(setText, () => setText(''));
    // leaving the conversation (or closing the popup) keeps what was typed last
    const flush = () => {
      if (pending.current === undefined) return;
      void bg.call('drafts.set', { topic, text: pending.current }).catch(() => {});
      pending.current = undefined;
    };
    addEventListener('pagehide', flush);
    return () => {
      clearTimeout(timer.current);
      flush();
      removeEventListener('pagehide', flush);
    };
  }, [topic]);
  const save = (t: string) => {
    pending.current = t;
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      pending.current = undefined;
      void bg.call('drafts.set', { topic, text: t }).catch(() => {});
    }, 300);
  };
  return { text, save };
}

