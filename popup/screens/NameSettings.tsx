// Settings › Names: ENS through an Ethereum RPC (on by default), the IPFS gateway for avatars, and Lens
// through its API (off by default); each says what a lookup tells the service that answers it.
import { useState } from 'preact/hooks';
import { NODE_URL_PATTERN } from '../../src/validate.ts';
import type { Settings } from '../../src/views.ts';
import type { Bg } from '../state.ts';
import { errorText } from '../lib/format.ts';
import { ErrorNote, Field, SaveRow } from '../components/ui.tsx';
import { useSettingsForm } from './settings-form.ts';

type NameFields = Pick<Settings, 'ensNames' | 'ethRpcUrl' | 'ipfsGateway' | 'lensNames' | 'lensApiUrl'>;
const URL_FIELDS = ['ethRpcUrl', 'ipfsGateway', 'lensApiUrl'] as const;
type UrlField = (typeof URL_FIELDS)[number];

export function NameSettings({ bg }: { bg: Bg }) {
  const { saved, form, setForm, stored, busy, setBusy, error, setError, note, setNote } = useSettingsForm(bg);
  const [urlErrors, setUrlErrors] = useState<Partial<Record<UrlField, string>>>({});

  const set = (p: Partial<NameFields>) => {
    if (form) setForm({ ...form, ...p });
    setUrlErrors({});
    setNote('');
  };

  const save = async (e: Event) => {
    e.preventDefault();
    if (!form || !saved || busy) return;
    setError(null);
    const bad = Object.fromEntries(URL_FIELDS.filter((k) => !NODE_URL_PATTERN.test(form[k].trim())).map((k) => [k, 'Enter an http:// or https:// URL.']));
    setUrlErrors(bad);
    if (Object.keys(bad).length) return;
    const changes: Partial<NameFields> = {};
    for (const k of ['ensNames', 'lensNames'] as const) if (form[k] !== saved[k]) changes[k] = form[k];
    for (const k of URL_FIELDS) if (form[k].trim() !== saved[k]) changes[k] = form[k].trim();
    if (!Object.keys(changes).length) return setNote('Nothing to save.');
    setBusy(true);
    setNote(changes.ethRpcUrl ? 'Checking the RPC…' : '');
    try {
      const s = await bg.call('settings.update', changes);
      stored(s);
      setNote('Saved.');
    } catch (err) {
      setNote('');
      if (changes.ethRpcUrl) setUrlErrors({ ethRpcUrl: errorText(err) });
      else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const url = (k: UrlField, label: string, hint: string) =>
    form && (
      <Field label={label} type="url" value={form[k]} onValue={(v) => set({ [k]: v })} error={urlErrors[k] ?? null} hint={hint} spellcheck={false} autocomplete="off" disabled={busy} />
    );

  return (
    <form class="section" onSubmit={save} noValidate aria-busy={busy} aria-labelledby="names-title">
      <h2 id="names-title">Names</h2>
      {!form ? (
        error ? <ErrorNote>{error}</ErrorNote> : <div class="settings-skeleton" aria-hidden="true" />
      ) : (
        <>
          <label class="check">
            <input type="checkbox" checked={form.ensNames} onChange={(e) => set({ ensNames: e.currentTarget.checked })} disabled={busy} />
            <span>
              ENS names
              <span class="hint">Show names such as alice.eth instead of addresses, and accept them in New conversation.</span>
            </span>
          </label>
          {form.ensNames &&
            url(
              'ethRpcUrl',
              'Ethereum RPC URL',
              'An Ethereum mainnet JSON-RPC endpoint. Each lookup tells its operator your IP address and the addresses and names you look up: who you talk to.',
            )}
          {url('ipfsGateway', 'IPFS gateway', 'Avatars stored on IPFS are downloaded through it. The gateway, like any avatar host, sees your IP address.')}
          <label class="check">
            <input type="checkbox" checked={form.lensNames} onChange={(e) => set({ lensNames: e.currentTarget.checked })} disabled={busy} />
            <span>
              Lens handles
              <span class="hint">Show handles such as alice.lens. Off by default: the Lens API would see the addresses you look up.</span>
            </span>
          </label>
          {form.lensNames && url('lensApiUrl', 'Lens API URL', 'The Lens GraphQL API that answers the lookups.')}
          {error && <ErrorNote>{error}</ErrorNote>}
          <SaveRow label="Apply" busy={busy} note={note} />
        </>
      )}
    </form>
  );
}
