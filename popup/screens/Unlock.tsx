// Unlock: the password opens the stored keys (in the background); nothing secret comes back.
import { useRef, useState } from 'preact/hooks';
import type { AppStatus } from '../../src/views.ts';
import type { Bg } from '../state.ts';
import { errorText, shortAddress } from '../lib/format.ts';
import { Avatar, ErrorNote, Field, useFocusOnMount } from '../components/ui.tsx';

export function Unlock({ bg, status, onUnlocked }: { bg: Bg; status: AppStatus; onUnlocked: (s: AppStatus) => void }) {
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const heading = useFocusOnMount<HTMLHeadingElement>(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (!password) {
      setError('Enter your password.');
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onUnlocked(await bg.call('account.unlock', { password }));
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
      input.current?.select();
      input.current?.focus();
    }
  };
  return (
    <section class="screen unlock" aria-labelledby="unlock-title">
      <form class="pad stack center" onSubmit={submit} noValidate aria-busy={busy}>
        <img src="icons/icon-48.png" width={48} height={48} alt="" />
        <h1 id="unlock-title" tabIndex={-1} ref={heading}>
          Welcome back
        </h1>
        {status.address && (
          <p class="account-chip" title={status.address}>
            <Avatar address={status.address} size={22} />
            <span>{shortAddress(status.address)}</span>
          </p>
        )}
        <Field
          label="Password"
          type="password"
          autocomplete="current-password"
          value={password}
          onValue={(v) => {
            setPassword(v);
            if (error) setError(null);
          }}
          inputRef={input}
          disabled={busy}
          autoFocus
          class="wide"
        />
        {error && <ErrorNote>{error}</ErrorNote>}
        <button type="submit" class="btn primary block" disabled={busy}>
          {busy && <span class="spinner" aria-hidden="true" />}
          Unlock
        </button>
        <p class="hint">
          Forgot it? The password cannot be recovered. If you imported your key or used a page's wallet, reinstall the extension and
          sign in again: your XMTP identity and messages are restored from the network.
        </p>
      </form>
    </section>
  );
}
