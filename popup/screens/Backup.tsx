// Back up an account: its recovery phrase (created here, or imported from one) or its wallet's private
// key, shown after the password is entered again, with a plain warning. A copy clears the clipboard by
// itself; leaving the screen hides the secret and clears a pending copy too.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { AccountView } from '../../src/views.ts';
import type { Bg } from '../state.ts';
import { shortAddress } from '../lib/format.ts';
import { ErrorNote, Field, IconButton, copyText, useFocusOnMount, usePasswordForm } from '../components/ui.tsx';

/** How long a copied secret stays on the clipboard. */
export const CLEAR_CLIPBOARD_MS = 30_000;

type Secret = 'phrase' | 'privateKey';

export function Backup({ bg, account, onBack }: { bg: Bg; account: AccountView; onBack: () => void }) {
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <section class="screen backup" aria-labelledby="backup-title">
      <header class="bar">
        <IconButton icon="back" label="Back" onClick={onBack} />
        <h1 id="backup-title" tabIndex={-1} ref={heading}>
          Back up {account.label}
        </h1>
      </header>
      <div class="scroll pad stack">
        <p class="muted">
          <span class="mono" title={account.address}>
            {shortAddress(account.address)}
          </span>
        </p>
        {account.backup === 'none' ? (
          <p>
            This account signed in with the wallet of a web page, so its key lives in that wallet: back it up there. To use this account in another browser,
            sign in with the same wallet again; your messages come back from the network.
          </p>
        ) : (
          <Reveal bg={bg} account={account} />
        )}
      </div>
    </section>
  );
}

function Reveal({ bg, account }: { bg: Bg; account: AccountView }) {
  const [secret, setSecret] = useState<Secret>(account.backup === 'phrase' ? 'phrase' : 'privateKey');
  const [shown, setShown] = useState<{ secret: Secret; value: string; index?: number } | null>(null);
  const { password, setPassword, busy, error, input, submit } = usePasswordForm(async (password) =>
    setShown({ secret, ...(await bg.call('account.reveal', { address: account.address, password, secret })) }),
  );
  return (
    <>
      <div class="banner warn stacked" role="note">
        <strong>Keep it secret, keep it offline.</strong>
        <span>
          Anyone who sees your {account.backup === 'phrase' ? 'recovery phrase or ' : ''}private key controls this wallet and can read your messages. Write it
          on paper and keep it somewhere safe. Nobody from XMTP will ever ask for it.
        </span>
      </div>
      {shown ? (
        <Shown {...shown} onHide={() => setShown(null)} />
      ) : (
        <form class="stack" onSubmit={submit} noValidate aria-busy={busy}>
          {account.backup === 'phrase' && (
            <fieldset class="choice">
              <legend>Show</legend>
              <label class="check">
                <input type="radio" name="secret" checked={secret === 'phrase'} onChange={() => setSecret('phrase')} disabled={busy} />
                <span>
                  Recovery phrase
                  <span class="hint">12 words that restore this wallet in XMTP Inbox or any Ethereum wallet.</span>
                </span>
              </label>
              <label class="check">
                <input type="radio" name="secret" checked={secret === 'privateKey'} onChange={() => setSecret('privateKey')} disabled={busy} />
                <span>
                  Private key
                  <span class="hint">The key of this one address.</span>
                </span>
              </label>
            </fieldset>
          )}
          <Field
            label="Password"
            type="password"
            autocomplete="current-password"
            value={password}
            onValue={setPassword}
            hint="Enter your password again to show it."
            inputRef={input}
            disabled={busy}
          />
          {error && <ErrorNote>{error}</ErrorNote>}
          <button type="submit" class="btn primary block" disabled={busy}>
            {busy && <span class="spinner" aria-hidden="true" />}
            {secret === 'phrase' ? 'Show recovery phrase' : 'Show private key'}
          </button>
        </form>
      )}
    </>
  );
}

function Shown({ secret, value, index, onHide }: { secret: Secret; value: string; index?: number; onHide: () => void }) {
  const copy = useSelfClearingCopy();
  const title = secret === 'phrase' ? 'Your recovery phrase' : 'Your private key';
  return (
    <section class="stack" aria-labelledby="secret-title">
      <h2 id="secret-title">{title}</h2>
      {secret === 'phrase' ? (
        <ol class="phrase" aria-label="Recovery phrase words, in order">
          {value.split(' ').map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ol>
      ) : (
        <code class="secret-key" aria-label="Private key">
          {value}
        </code>
      )}
      {secret === 'phrase' && !!index && <p class="hint">This wallet is account number {index} of the phrase (path m/44'/60'/0'/0/{index}).</p>}
      <div class="row">
        <button type="button" class="btn" onClick={() => void copy.copy(value)}>
          {copy.pending ? 'Copied' : 'Copy'}
        </button>
        <button type="button" class="btn" onClick={onHide}>
          Hide
        </button>
      </div>
      <p class="status-line" role="status">
        {copy.pending ? `Copied. The clipboard is cleared in ${Math.round(CLEAR_CLIPBOARD_MS / 1000)} seconds.` : copy.cleared ? 'The clipboard was cleared.' : ''}
      </p>
    </section>
  );
}

/**
 * Copies a secret and overwrites the clipboard after CLEAR_CLIPBOARD_MS, or as soon as the screen goes
 * away (the popup closes, the user navigates): a secret must not wait on the clipboard for the next paste.
 */
function useSelfClearingCopy() {
  const [pending, setPending] = useState(false);
  const [cleared, setCleared] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const clear = () => {
    if (timer.current === undefined) return;
    clearTimeout(timer.current);
    timer.current = undefined;
    void copyText('');
  };
  useEffect(() => {
    const onHide = () => document.visibilityState === 'hidden' && clear();
    document.addEventListener('visibilitychange', onHide);
    window.addEventListener('pagehide', clear);
    return () => {
      document.removeEventListener('visibilitychange', onHide);
      window.removeEventListener('pagehide', clear);
      clear();
    };
  }, []);
  return {
    pending,
    cleared,
    async copy(text: string) {
      if (!(await copyText(text))) return;
      if (timer.current !== undefined) clearTimeout(timer.current);
      setPending(true);
      setCleared(false);
      timer.current = setTimeout(() => {
        timer.current = undefined;
        void copyText('').then(() => {
          setPending(false);
          setCleared(true);
        });
      }, CLEAR_CLIPBOARD_MS);
    },
  };
}
