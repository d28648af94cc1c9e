// Settings: this account (back up, sign out, all accounts); lock timeout, notifications, read receipts;
// nodes (NodeSettings.tsx); names (NameSettings.tsx); connected sites with Revoke; password change;
// about (version, address, node in use); Lock.
import { useEffect, useId, useState } from 'preact/hooks';
import type { AppStatus, Settings as SettingsView, SiteGrantView } from '../../src/views.ts';
import type { Bg } from '../state.ts';
import { useName, type NameBook } from '../names.ts';
import { NameSettings } from './NameSettings.tsx';
import { NodeSettings } from './NodeSettings.tsx';
import { useStore } from '../state.ts';
import type { NodeConnection } from '../connection.ts';
import { useSettingsForm } from './settings-form.ts';
import { errorText, formatFull, peerLabel, shortAddress } from '../lib/format.ts';
import { Avatar, CopyButton, ErrorNote, Field, IconButton, SaveRow, useFocusOnMount } from '../components/ui.tsx';
import { MIN_PASSWORD } from './Onboarding.tsx';
import { AccountSection } from './Accounts.tsx';

const LOCK_CHOICES: [number, string][] = [
  [1, '1 minute'],
  [5, '5 minutes'],
  [15, '15 minutes'],
  [30, '30 minutes'],
  [60, '1 hour'],
  [240, '4 hours'],
  [1440, '24 hours'],
  [0, 'Never'],
];

export interface SettingsProps {
  bg: Bg;
  names: NameBook;
  status: AppStatus;
  connection: NodeConnection;
  onBack: () => void;
  onLock: () => void;
  onStatus: (s: AppStatus) => void;
  onBackup: (address: string) => void;
  onAccounts: () => void;
}

export function Settings({ bg, names, status, connection, onBack, onLock, onStatus, onBackup, onAccounts }: SettingsProps) {
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <section class="screen settings" aria-labelledby="settings-title">
      <header class="bar">
        <IconButton icon="back" label="Back to inbox" onClick={onBack} />
        <h1 id="settings-title" tabIndex={-1} ref={heading}>
          Settings
        </h1>
      </header>
      <div class="scroll">
        <AccountSection bg={bg} status={status} onStatus={onStatus} onBackup={onBackup} onAccounts={onAccounts} />
        <Preferences bg={bg} />
        <NodeSettings bg={bg} connection={connection} />
        <NameSettings bg={bg} />
        <ConnectedSites bg={bg} names={names} />
        <ChangePassword bg={bg} />
        <About status={status} connection={connection} />
        <div class="pad">
          <button type="button" class="btn block" onClick={onLock}>
            Lock
          </button>
        </div>
      </div>
    </section>
  );
}

function Preferences({ bg }: { bg: Bg }) {
  const { saved, form, setForm, stored, busy, setBusy, error, setError, note, setNote } = useSettingsForm(bg);
  const lockId = useId();

  const set = (p: Partial<SettingsView>) => {
    if (form) setForm({ ...form, ...p });
    setNote('');
  };

  const save = async (e: Event) => {
    e.preventDefault();
    if (!form || !saved || busy) return;
    setError(null);
    const changes: Partial<SettingsView> = {};
    if (form.lockAfterMinutes !== saved.lockAfterMinutes) changes.lockAfterMinutes = form.lockAfterMinutes;
    if (form.notifications !== saved.notifications) changes.notifications = form.notifications;
    if (form.notificationPreview !== saved.notificationPreview) changes.notificationPreview = form.notificationPreview;
    if (form.readReceipts !== saved.readReceipts) changes.readReceipts = form.readReceipts;
    if (!Object.keys(changes).length) {
      setNote('Nothing to save.');
      return;
    }
    setBusy(true);
    setNote('');
    try {
      stored(await bg.call('settings.update', changes));
      setNote('Saved.');
    } catch (err) {
      setNote('');
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const lockChoices = form && !LOCK_CHOICES.some(([v]) => v === form.lockAfterMinutes) ? [...LOCK_CHOICES, [form.lockAfterMinutes, `${form.lockAfterMinutes} minutes`] as [number, string]] : LOCK_CHOICES;
  return (
    <form class="section" onSubmit={save} noValidate aria-busy={busy} aria-labelledby="prefs-title">
      <h2 id="prefs-title">Preferences</h2>
      {!form ? (
        error ? <ErrorNote>{error}</ErrorNote> : <div class="settings-skeleton" aria-hidden="true" />
      ) : (
        <>
          <div class="field">
            <label for={lockId}>Lock after</label>
            <select
              id={lockId}
              value={String(form.lockAfterMinutes)}
              onChange={(e) => set({ lockAfterMinutes: Number(e.currentTarget.value) })}
              disabled={busy}
            >
              {lockChoices.map(([v, label]) => (
                <option key={v} value={String(v)}>
                  {v === 0 ? label : `${label} of inactivity`}
                </option>
              ))}
            </select>
          </div>
          <label class="check">
            <input type="checkbox" checked={form.notifications} onChange={(e) => set({ notifications: e.currentTarget.checked })} disabled={busy} />
            <span>
              Notifications
              <span class="hint">For new messages in allowed conversations, while the popup is closed.</span>
            </span>
          </label>
          <fieldset class="choices" disabled={busy || !form.notifications}>
            <legend>Notifications show</legend>
            {PREVIEW_CHOICES.map(([v, label]) => (
              <label class="check" key={v}>
                <input type="radio" name="notification-preview" value={v} checked={form.notificationPreview === v} onChange={() => set({ notificationPreview: v })} />
                <span>{label}</span>
              </label>
            ))}
          </fieldset>
          <label class="check">
            <input type="checkbox" checked={form.readReceipts} onChange={(e) => set({ readReceipts: e.currentTarget.checked })} disabled={busy} />
            <span>
              Read receipts
              <span class="hint">Let people know when you have read their messages.</span>
            </span>
          </label>
          {error && <ErrorNote>{error}</ErrorNote>}
          <SaveRow label="Save" busy={busy} note={note} />
        </>
      )}
    </form>
  );
}

const PREVIEW_CHOICES: [SettingsView['notificationPreview'], string][] = [
  ['text', 'Who wrote and what they wrote'],
  ['sender', 'Only who wrote (the text stays private)'],
];

function ConnectedSites({ bg, names }: { bg: Bg; names: NameBook }) {
  const [sites, setSites] = useState<SiteGrantView[] | null>(null);
  useEffect(() => void (sites && names.want(sites.map((g) => g.account))), [sites]);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState('');
  useEffect(() => {
    bg.call('sites.list').then(setSites, (e) => {
      setSites([]);
      setError(errorText(e));
    });
  }, []);
  const revoke = async (origin: string) => {
    setError(null);
    try {
      await bg.call('sites.revoke', { origin });
      setSites((s) => (s ?? []).filter((g) => g.origin !== origin));
      setNote(`${origin} is no longer connected.`);
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <section class="section" aria-labelledby="sites-title">
      <h2 id="sites-title">Connected sites</h2>
      {sites === null ? (
        <div class="settings-skeleton short" aria-hidden="true" />
      ) : sites.length === 0 ? (
        <p class="muted">No site is connected. Sites ask before they can use your inbox.</p>
      ) : (
        <ul class="sites">
          {sites.map((g) => (
            <li key={g.origin}>
              <span class="site-main">
                <span class="site-origin" title={g.origin}>
                  {g.origin.replace(/^https?:\/\//, '')}
                </span>
                <span class="hint" title={`Connected ${formatFull(g.grantedAt)}`}>
                  {g.scope === 'inbox' ? 'All conversations' : 'Only conversations it starts'} · <SiteAccount address={g.account} names={names} />
                </span>
              </span>
              <button type="button" class="btn small" aria-label={`Revoke ${g.origin}`} onClick={() => void revoke(g.origin)}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && <ErrorNote>{error}</ErrorNote>}
      <p class="sr-only" role="status">
        {note}
      </p>
    </section>
  );
}

/** The account a site is connected as: its name and avatar where it has one. */
function SiteAccount({ address, names }: { address: string; names: NameBook }) {
  const name = useName(names, address);
  return (
    <span class="site-account" title={address}>
      {name?.avatar && <Avatar address={address} size={14} image={name.avatar} />}
      {peerLabel(address, name)}
    </span>
  );
}

function ChangePassword({ bg }: { bg: Bg }) {
  const [oldPassword, setOld] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<{ old?: string; next?: string; confirm?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const errs: typeof errors = {};
    if (!oldPassword) errs.old = 'Enter your current password.';
    if (next.length < MIN_PASSWORD) errs.next = `Use at least ${MIN_PASSWORD} characters.`;
    else if (confirm !== next) errs.confirm = 'The passwords do not match.';
    setErrors(errs);
    setError(null);
    setNote('');
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      await bg.call('account.changePassword', { oldPassword, newPassword: next });
      setOld('');
      setNext('');
      setConfirm('');
      setNote('Password changed.');
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="section" onSubmit={submit} noValidate aria-labelledby="pw-title" aria-busy={busy}>
      <h2 id="pw-title">Change password</h2>
      <Field label="Current password" type="password" autocomplete="current-password" value={oldPassword} onValue={setOld} error={errors.old} disabled={busy} />
      <Field label="New password" type="password" autocomplete="new-password" value={next} onValue={setNext} error={errors.next} disabled={busy} />
      <Field label="Confirm new password" type="password" autocomplete="new-password" value={confirm} onValue={setConfirm} error={errors.confirm} disabled={busy} />
      {error && <ErrorNote>{error}</ErrorNote>}
      <div class="row">
        <button type="submit" class="btn" disabled={busy}>
          {busy && <span class="spinner" aria-hidden="true" />}
          Change password
        </button>
        <span class="status-line" role="status">
          {note}
        </span>
      </div>
    </form>
  );
}

function About({ status, connection }: { status: AppStatus; connection: NodeConnection }) {
  const node = useStore(connection.store).node?.url ?? status.nodeUrl;
  return (
    <section class="section" aria-labelledby="about-title">
      <h2 id="about-title">About</h2>
      <dl class="about">
        <dt>Version</dt>
        <dd>
          {status.version} ({status.target === 'firefox' ? 'Firefox' : 'Chrome'})
        </dd>
        {status.address && (
          <>
            <dt>Address</dt>
            <dd class="about-address">
              <code title={status.address}>{shortAddress(status.address)}</code>
              <CopyButton text={status.address} withText />
            </dd>
          </>
        )}
        <dt>Node in use</dt>
        <dd class="about-node">{node}</dd>
      </dl>
    </section>
  );
}
