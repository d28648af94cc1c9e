// Accounts: every identity in this browser, with switch, rename, back up and remove; and "Add account".
// Removing (also "Sign out" in Settings) asks for confirmation and reminds to back the wallet up first.
import { useState } from 'preact/hooks';
import type { AccountView, AppStatus } from '../../src/views.ts';
import type { Bg } from '../state.ts';
import { errorText, shortAddress } from '../lib/format.ts';
import { Avatar, Dialog, ErrorNote, Field, IconButton, useFocusOnMount } from '../components/ui.tsx';
import { Icon } from '../components/Icon.tsx';

export interface AccountsProps {
  bg: Bg;
  status: AppStatus;
  onBack: () => void;
  onAdd: () => void;
  onBackup: (address: string) => void;
  onStatus: (s: AppStatus) => void;
}

export function Accounts(props: AccountsProps) {
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [removing, setRemoving] = useState<AccountView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const act = (p: Promise<AppStatus>) => {
    setError(null);
    p.then(props.onStatus, (e) => setError(errorText(e)));
  };
  return (
    <section class="screen accounts" aria-labelledby="accounts-title">
      <header class="bar">
        <IconButton icon="back" label="Back to inbox" onClick={props.onBack} />
        <h1 id="accounts-title" tabIndex={-1} ref={heading}>
          Accounts
        </h1>
      </header>
      <div class="scroll">
        <ul class="account-list" aria-label="Accounts">
          {props.status.accounts.map((a) => (
            <AccountRow
              key={a.address}
              bg={props.bg}
              account={a}
              current={a.address === props.status.address}
              onSwitch={() => act(props.bg.call('account.switch', { address: a.address }))}
              onRenamed={props.onStatus}
              onBackup={() => props.onBackup(a.address)}
              onRemove={() => setRemoving(a)}
            />
          ))}
        </ul>
        {error && (
          <div class="pad">
            <ErrorNote>{error}</ErrorNote>
          </div>
        )}
        <div class="pad stack">
          <button type="button" class="btn block" onClick={props.onAdd}>
            <Icon name="plus" /> Add account
          </button>
          <p class="hint">Create a new wallet, import one from its recovery phrase or private key, or sign in with the wallet of a web page. One password unlocks them all.</p>
        </div>
      </div>
      {removing && (
        <RemoveAccountDialog
          bg={props.bg}
          account={removing}
          onClose={() => setRemoving(null)}
          onBackup={() => props.onBackup(removing.address)}
          onRemoved={(s) => {
            setRemoving(null);
            props.onStatus(s);
          }}
        />
      )}
    </section>
  );
}

function AccountRow(props: {
  bg: Bg;
  account: AccountView;
  current: boolean;
  onSwitch: () => void;
  onRenamed: (s: AppStatus) => void;
  onBackup: () => void;
  onRemove: () => void;
}) {
  const a = props.account;
  const [renaming, setRenaming] = useState(false);
  const [label, setLabel] = useState(a.label);
  const [error, setError] = useState<string | null>(null);
  const rename = async (e: Event) => {
    e.preventDefault();
    const next = label.trim();
    if (!next) return setError('Give the account a name.');
    try {
      props.onRenamed(await props.bg.call('account.rename', { address: a.address, label: next }));
      setRenaming(false);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <li class={`account-row ${props.current ? 'current' : ''}`} aria-current={props.current ? 'true' : undefined}>
      <Avatar address={a.address} />
      <div class="account-main">
        {renaming ? (
          <form class="row" onSubmit={rename} noValidate>
            <Field label={`New name for ${a.label}`} value={label} onValue={setLabel} error={error} maxLength={40} autoFocus class="wide" />
            <button type="submit" class="btn small primary">
              Save
            </button>
            <button type="button" class="btn small" onClick={() => setRenaming(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <>
            <span class="account-name">
              {a.label}
              {props.current && <span class="tag">Current</span>}
            </span>
            <span class="hint mono" title={a.address}>
              {shortAddress(a.address)}
              {a.unread > 0 && ` · ${a.unread} unread`}
            </span>
            {a.backup !== 'none' && !a.backedUp && <span class="hint warn-text">Not backed up</span>}
          </>
        )}
        {!renaming && (
          <div class="account-actions">
            {!props.current && (
              <button type="button" class="btn small primary" aria-label={`Switch to ${a.label}`} onClick={props.onSwitch}>
                Switch
              </button>
            )}
            <button type="button" class="btn small" aria-label={`Rename ${a.label}`} onClick={() => (setLabel(a.label), setRenaming(true))}>
              Rename
            </button>
            <button type="button" class="btn small" aria-label={`Back up ${a.label}`} onClick={props.onBackup}>
              Back up
            </button>
            <button type="button" class="btn small" aria-label={`Remove ${a.label}`} onClick={props.onRemove}>
              Remove
            </button>
          </div>
        )}
      </div>
    </li>
  );
}

/**
 * Confirms removing an account from this browser. A wallet that lives here is gone for good without its
 * phrase or key, so the user confirms having saved it (or goes to back it up first).
 */
export function RemoveAccountDialog(props: {
  bg: Bg;
  account: AccountView;
  /** "Sign out" from Settings, "Remove" from the accounts list */
  verb?: 'Remove' | 'Sign out of';
  onClose: () => void;
  onBackup: () => void;
  onRemoved: (s: AppStatus) => void;
}) {
  const a = props.account;
  const verb = props.verb ?? 'Remove';
  const holdsKey = a.backup !== 'none';
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      props.onRemoved(await props.bg.call('account.remove', { address: a.address }));
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <Dialog title={`${verb} ${a.label}?`} role="alertdialog" describe="remove-account-text" onClose={props.onClose}>
      <p id="remove-account-text">
        This deletes {a.label} ({shortAddress(a.address)}) from this browser: its keys, saved messages, connected sites and settings.{' '}
        {holdsKey
          ? 'Your messages stay on the XMTP network and come back when you restore the wallet.'
          : 'Sign in with the same page wallet to use it again; your messages come back from the network.'}
      </p>
      {holdsKey && !a.backedUp && (
        <p class="error-note" role="note">
          You have not backed up this wallet. Without its recovery phrase or private key it is lost for good.
        </p>
      )}
      {holdsKey && (
        <label class="check">
          <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.currentTarget.checked)} disabled={busy} data-autofocus />
          <span>I have saved its recovery phrase or private key</span>
        </label>
      )}
      {error && <ErrorNote>{error}</ErrorNote>}
      <div class="dialog-actions">
        {holdsKey && !a.backedUp && (
          <button type="button" class="btn" onClick={props.onBackup} disabled={busy}>
            Back up first
          </button>
        )}
        <button type="button" class="btn" onClick={props.onClose} disabled={busy} data-autofocus={!holdsKey || undefined}>
          Cancel
        </button>
        <button type="button" class="btn danger" onClick={() => void remove()} disabled={busy || (holdsKey && !saved)}>
          {busy && <span class="spinner" aria-hidden="true" />}
          {verb === 'Remove' ? 'Remove account' : 'Sign out'}
        </button>
      </div>
    </Dialog>
  );
}

/** Settings' first section: the current account, its backup, "Sign out" and the way to every account. */
export function AccountSection(props: { bg: Bg; status: AppStatus; onStatus: (s: AppStatus) => void; onBackup: (address: string) => void; onAccounts: () => void }) {
  const a = props.status.accounts.find((x) => x.address === props.status.address);
  const [signingOut, setSigningOut] = useState(false);
  if (!a) return null;
  return (
    <section class="section" aria-labelledby="account-title">
      <h2 id="account-title">This account</h2>
      <div class="row">
        <Avatar address={a.address} />
        <span class="account-main">
          <span class="account-name">{a.label}</span>
          <span class="hint mono" title={a.address}>
            {shortAddress(a.address)}
          </span>
        </span>
      </div>
      <p class="hint">
        {a.backup === 'none'
          ? 'Signed in with the wallet of a web page: its key lives in that wallet.'
          : a.backedUp
            ? 'Backed up. Keep the recovery phrase or private key somewhere safe.'
            : 'Not backed up yet: if this browser is lost, so is this wallet.'}
      </p>
      <div class="account-actions">
        <button type="button" class="btn small" onClick={() => props.onBackup(a.address)}>
          Back up
        </button>
        <button type="button" class="btn small" onClick={props.onAccounts}>
          All accounts
        </button>
        <button type="button" class="btn small" onClick={() => setSigningOut(true)}>
          Sign out…
        </button>
      </div>
      {signingOut && (
        <RemoveAccountDialog
          bg={props.bg}
          account={a}
          verb="Sign out of"
          onClose={() => setSigningOut(false)}
          onBackup={() => props.onBackup(a.address)}
          onRemoved={props.onStatus}
        />
      )}
    </section>
  );
}
