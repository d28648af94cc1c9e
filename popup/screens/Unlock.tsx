// Unlock: the password opens the stored keys (in the background); nothing secret comes back.
import { useState } from 'preact/hooks';
import type { AppStatus } from '../../src/views.ts';
import type { Bg } from '../state.ts';
import { errorText, shortAddress } from '../lib/format.ts';
import { Avatar, Dialog, ErrorNote, Field, useFocusOnMount, usePasswordForm } from '../components/ui.tsx';

/** `canStartOver`: offer to remove every account (the popup; a site's prompt window does not). */
export function Unlock({ bg, status, onUnlocked, canStartOver = false }: { bg: Bg; status: AppStatus; onUnlocked: (s: AppStatus) => void; canStartOver?: boolean }) {
  const { password, setPassword, busy, error, input, submit } = usePasswordForm(async (password) => onUnlocked(await bg.call('account.unlock', { password })));
  const [startingOver, setStartingOver] = useState(false);
  const heading = useFocusOnMount<HTMLHeadingElement>(false);
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
            <span>
              {status.accounts.find((a) => a.address === status.address)?.label ?? ''} {shortAddress(status.address)}
              {status.accounts.length > 1 && ` (+${status.accounts.length - 1} more)`}
            </span>
          </p>
        )}
        <Field
          label="Password"
          type="password"
          autocomplete="current-password"
          value={password}
          onValue={setPassword}
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
          Forgot it? The password cannot be recovered, but your accounts can: start over, then restore each one from its recovery phrase or private key, or
          sign in again with its page wallet. Your messages come back from the network.
        </p>
        {canStartOver && (
          <button type="button" class="btn small ghost" onClick={() => setStartingOver(true)} disabled={busy}>
            Start over…
          </button>
        )}
      </form>
      {startingOver && <StartOver bg={bg} status={status} onClose={() => setStartingOver(false)} onDone={onUnlocked} />}
    </section>
  );
}

/** Removes every account from this browser (the way back in after a forgotten password). */
function StartOver({ bg, status, onClose, onDone }: { bg: Bg; status: AppStatus; onClose: () => void; onDone: (s: AppStatus) => void }) {
  const [sure, setSure] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const n = status.accounts.length;
  const go = async () => {
    setBusy(true);
    setError(null);
    try {
      let s = status;
      for (const a of status.accounts) s = await bg.call('account.remove', { address: a.address });
      onDone(s);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <Dialog title="Start over?" role="alertdialog" describe="start-over-text" onClose={onClose}>
      <p id="start-over-text">
        This removes {n === 1 ? 'your account' : `all ${n} accounts`} from this browser: keys, saved messages, connected sites and settings. Only a recovery
        phrase, a private key or a page wallet brings an account back.
      </p>
      <label class="check">
        <input type="checkbox" checked={sure} onChange={(e) => setSure(e.currentTarget.checked)} disabled={busy} data-autofocus />
        <span>I have the recovery phrase, private key or wallet of every account I want to keep</span>
      </label>
      {error && <ErrorNote>{error}</ErrorNote>}
      <div class="dialog-actions">
        <button type="button" class="btn" onClick={onClose} disabled={busy}>
          Cancel
        </button>
        <button type="button" class="btn danger" onClick={() => void go()} disabled={busy || !sure}>
          {busy && <span class="spinner" aria-hidden="true" />}
          Remove everything
        </button>
      </div>
    </Dialog>
  );
}
