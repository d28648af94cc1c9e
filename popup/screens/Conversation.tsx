// A conversation screen: its header (peer, copy, block), the consent banner, the message list and the
// composer, around the messages of useConversationMessages. Replies, reactions and attachments are
// put together here from what the composer and the list's actions ask for.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ContentTypes, type ConversationView, type MessageView } from '../../src/views.ts';
import type { Bg, Inbox } from '../state.ts';
import { useStore } from '../state.ts';
import { useName, type NameBook } from '../names.ts';
import { bytesToBase64, errorText, peerLabel, shortAddress } from '../lib/format.ts';
import { Avatar, CopyButton, Dialog, ErrorNote, IconButton, useFocusOnMount } from '../components/ui.tsx';
import { Composer } from './Composer.tsx';
import { ConsentBanner } from './ConsentBanner.tsx';
import { MessageList } from './MessageList.tsx';
import { useConversationMessages, type Prefetched } from './useConversationMessages.ts';

export interface ConversationProps {
  bg: Bg;
  inbox: Inbox;
  names: NameBook;
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
  const m = useConversationMessages(topic, { bg, inbox, names: props.names, me, prefetched: props.prefetched });
  const { setError } = m;
  const [replyTo, setReplyTo] = useState<MessageView | null>(null);
  const [pickerFor, setPickerFor] = useState<string | null>(null);
  const [bottomSignal, setBottomSignal] = useState(0);
  const [confirmBlock, setConfirmBlock] = useState(false);
  const composer = useRef<HTMLTextAreaElement>(null);
  const heading = useFocusOnMount<HTMLHeadingElement>();

  useEffect(() => {
    if (inbox.get(topic)) return;
    bg.call('conversations.get', { topic }).then(
      (c) => {
        setFetched(c);
        inbox.upsert(c);
      },
      (e) => setError(errorText(e)),
    );
  }, [topic]);

  const onSend = async (text: string, file: File | null): Promise<boolean> => {
    setError(null);
    setBottomSignal((n) => n + 1);
    const reply = replyTo;
    const wrap = (contentType: string, content: unknown) =>
      reply ? m.send({ reference: reply.id, contentType, content }, ContentTypes.reply) : m.send(content, contentType === ContentTypes.text ? undefined : contentType);
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
    if (text && !(await (file ? m.send(text) : wrap(ContentTypes.text, text)))) return false;
    setReplyTo(null);
    return true;
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
      <ConsentBanner consent={consent} onSet={(state) => void setConsent(state)} />
      <MessageList
        m={m}
        me={me}
        label={`Messages with ${who}`}
        bottomSignal={bottomSignal}
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
        }}
      />
      <p class="sr-only" aria-live="polite">
        {m.announce}
      </p>
      {m.error && <ErrorNote>{m.error}</ErrorNote>}
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
