// New conversation by Ethereum address, after checking that the address can receive XMTP messages.
import { useRef, useState } from 'preact/hooks';
import type { ConversationView } from '../../src/views.ts';
import type { Bg } from '../state.ts';
import { errorText, isAddress, sameAddress } from '../lib/format.ts';
import { ErrorNote, Field, IconButton, useFocusOnMount } from '../components/ui.tsx';

export function NewConversation({ bg, me, onBack, onStarted }: { bg: Bg; me: string | undefined; onBack: () => void; onStarted: (c: ConversationView) => void }) {
  const [address, setAddress] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const heading = useFocusOnMount<HTMLHeadingElement>(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const peer = address.trim();
    setError(null);
    if (!isAddress(peer)) {
      setFieldError('Enter an Ethereum address: 0x followed by 40 hexadecimal characters.');
      input.current?.focus();
      return;
    }
    if (sameAddress(peer, me)) {
      setFieldError('That is your own address. Enter the address of the person you want to message.');
      input.current?.focus();
      return;
    }
    setBusy(true);
    try {
      const can = await bg.call('contacts.canMessage', { addresses: [peer] });
      const ok = Object.entries(can).some(([a, v]) => sameAddress(a, peer) && v);
      if (!ok) {
        setFieldError('This address is not on XMTP yet, so it cannot receive messages. Ask them to sign in to any XMTP app once, then try again.');
        input.current?.focus();
        setBusy(false);
        return;
      }
      onStarted(await bg.call('conversations.new', { peerAddress: peer }));
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <section class="screen" aria-labelledby="new-title">
      <header class="bar">
        <IconButton icon="back" label="Back to inbox" onClick={onBack} />
        <h1 id="new-title" tabIndex={-1} ref={heading}>
          New conversation
        </h1>
      </header>
      <form class="pad stack" onSubmit={submit} noValidate aria-busy={busy}>
        <Field
          label="Address"
          placeholder="0x…"
          value={address}
          onValue={(v) => {
            setAddress(v);
            setFieldError(null);
          }}
          error={fieldError}
          hint="The Ethereum address of the person you want to message."
          inputRef={input}
          autoFocus
          spellcheck={false}
          autocomplete="off"
          disabled={busy}
        />
        {error && <ErrorNote>{error}</ErrorNote>}
        <p class="status-line" role="status">
          {busy ? 'Checking that this address can receive XMTP messages…' : ''}
        </p>
        <button type="submit" class="btn primary block" disabled={busy}>
          {busy && <span class="spinner" aria-hidden="true" />}
          Start
        </button>
      </form>
    </section>
  );
}
