// New conversation by name (alice.eth, bob.lens) or Ethereum address. A name is resolved as it is typed
// and its address shown before Start; either way the address must be able to receive XMTP messages.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ConversationView, ResolvedName } from '../../src/views.ts';
import type { Bg } from '../state.ts';
import type { NameBook } from '../names.ts';
import { errorText, isAddress, sameAddress, shortAddress } from '../lib/format.ts';
import { reasonOf } from '../../src/rpc.ts';
import { Avatar, ErrorNote, Field, IconButton, useFocusOnMount } from '../components/ui.tsx';
import { useName } from '../names.ts';

/** What a typed name resolved to, or why it did not. */
type Lookup =
  | { input: string; state: 'looking' }
  | { input: string; state: 'found'; resolved: ResolvedName; onXmtp: boolean }
  | { input: string; state: 'failed'; message: string };

const looksLikeName = (s: string) => s.includes('.') && !/^0x/i.test(s);
const notOnXmtp = (who: string) => `${who} is not on XMTP yet, so it cannot receive messages. Ask them to sign in to any XMTP app once, then try again.`;

export function NewConversation({ bg, names, me, onBack, onStarted }: { bg: Bg; names: NameBook; me: string | undefined; onBack: () => void; onStarted: (c: ConversationView) => void }) {
  const [value, setValue] = useState('');
  const [lookup, setLookup] = useState<Lookup | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const heading = useFocusOnMount<HTMLHeadingElement>(false);

  const canMessage = async (address: string) => {
    const can = await bg.call('contacts.canMessage', { addresses: [address] });
    return Object.entries(can).some(([a, v]) => sameAddress(a, address) && v);
  };
  const resolve = async (name: string): Promise<Lookup> => {
    try {
      const resolved = await bg.call('names.resolve', { name });
      return { input: name, state: 'found', resolved, onXmtp: await canMessage(resolved.address) };
    } catch (e) {
      return { input: name, state: 'failed', message: errorText(e) };
    }
  };

  // A name is looked up once typing pauses; what it resolves to shows below the field.
  useEffect(() => {
    const q = value.trim();
    if (!looksLikeName(q)) return setLookup(null);
    setLookup({ input: q, state: 'looking' });
    let current = true;
    const t = setTimeout(() => void resolve(q).then((l) => current && setLookup(l)), 350);
    return () => {
      current = false;
      clearTimeout(t);
    };
  }, [value]);

  const refuse = (message: string) => {
    setFieldError(message);
    input.current?.focus();
    setBusy(false);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const q = value.trim();
    setError(null);
    if (!isAddress(q) && !looksLikeName(q)) return refuse('Enter a name such as alice.eth, or an Ethereum address: 0x followed by 40 hexadecimal characters.');
    setBusy(true);
    try {
      let peer = q;
      if (!isAddress(q)) {
        const l = lookup?.input === q && lookup.state !== 'looking' ? lookup : await resolve(q);
        setLookup(l);
        if (l.state === 'failed') return refuse(l.message);
        if (l.state !== 'found') return setBusy(false);
        if (!l.onXmtp) return refuse(notOnXmtp(`${l.resolved.name} (${shortAddress(l.resolved.address)})`));
        peer = l.resolved.address;
      }
      if (sameAddress(peer, me)) return refuse('That is your own address. Enter the name or address of the person you want to message.');
      if (isAddress(q) && !(await canMessage(peer))) return refuse(notOnXmtp('This address'));
      onStarted(await bg.call('conversations.new', { peerAddress: peer }));
    } catch (err) {
      // The background checks an address's EIP-55 checksum (the popup does not carry Keccak for it).
      if (reasonOf(err) === 'bad-checksum') return refuse(errorText(err).replace(/^0x[0-9a-f]{40}:\s*/i, ''));
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
          label="Name or address"
          placeholder="alice.eth or 0x…"
          value={value}
          onValue={(v) => {
            setValue(v);
            setFieldError(null);
          }}
          error={fieldError}
          hint="An ENS name, a Lens handle (if turned on in Settings), or an Ethereum address."
          inputRef={input}
          autoFocus
          spellcheck={false}
          autocomplete="off"
          disabled={busy}
        />
        {lookup && !fieldError && <LookupResult lookup={lookup} names={names} />}
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

function LookupResult({ lookup, names }: { lookup: Lookup; names: NameBook }) {
  const address = lookup.state === 'found' ? lookup.resolved.address : undefined;
  useEffect(() => void (address && names.want([address])), [address]);
  const avatar = useName(names, address)?.avatar;
  if (lookup.state === 'looking') return <p class="lookup muted" role="status">Looking up {lookup.input}…</p>;
  if (lookup.state === 'failed') return <p class="lookup error" role="status">{lookup.message}</p>;
  const { name, address: a } = lookup.resolved;
  return (
    <div class="lookup found" role="status" aria-label={`${name} is ${a}`}>
      <Avatar address={a} size={28} image={avatar} />
      <span class="lookup-text">
        <strong>{name}</strong>
        <span class="mono">{a}</span>
        {!lookup.onXmtp && <span class="error">Not on XMTP yet: this address cannot receive messages.</span>}
      </span>
    </div>
  );
}
