// Messages found by the inbox search (their text has every word typed): asked of the background's
// index a moment after typing stops; a click opens the conversation.
import { useEffect, useState } from 'preact/hooks';
import type { MessageView, NameView } from '../../src/views.ts';
import type { Bg } from '../state.ts';
import { formatListTime, peerLabel, previewOf, sameAddress } from '../lib/format.ts';

const WAIT_MS = 150;

export function MessageResults(props: { bg: Bg; query: string; me?: string; peerOf: (topic: string) => string | undefined; nameOf: (address: string) => NameView | undefined; onOpen: (topic: string) => void }) {
  const [found, setFound] = useState<{ query: string; messages: MessageView[] } | null>(null);
  const q = props.query.trim();
  useEffect(() => {
    if (q.length < 2) return setFound(null);
    let live = true;
    const t = setTimeout(() => {
      props.bg.call('messages.search', { query: q, limit: 20 }).then(
        (messages) => live && setFound({ query: q, messages }),
        () => live && setFound(null),
      );
    }, WAIT_MS);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [q]);
  if (!found || found.query !== q || !found.messages.length) return null;
  const now = Date.now();
  return (
    <section class="results" aria-label={`Messages with “${q}”`}>
      <h2 class="results-title">In messages</h2>
      <ul>
        {found.messages.map((m) => {
          const peer = props.peerOf(m.conversation) ?? m.senderAddress;
          const who = sameAddress(m.senderAddress, props.me) ? 'You: ' : '';
          return (
            <li key={m.id}>
              <button type="button" class="result" onClick={() => props.onOpen(m.conversation)}>
                <span class="result-top">
                  <span class="result-who">{peerLabel(peer, props.nameOf(peer))}</span>
                  <time dateTime={new Date(m.sent).toISOString()}>{formatListTime(m.sent, now)}</time>
                </span>
                <span class="result-text">
                  {who}
                  {previewOf(m)}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
