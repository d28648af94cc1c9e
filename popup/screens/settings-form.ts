// The state every Settings form keeps: the saved settings, the edited copy, and what saving says.
import { useEffect, useState } from 'preact/hooks';
import type { Settings } from '../../src/views.ts';
import type { Bg } from '../state.ts';
import { errorText } from '../lib/format.ts';

export function useSettingsForm(bg: Bg) {
  const [saved, setSaved] = useState<Settings | null>(null);
  const [form, setForm] = useState<Settings | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState('');
  useEffect(() => {
    bg.call('settings.get').then(
      (s) => {
        setSaved(s);
        setForm(s);
      },
      (e) => setError(errorText(e)),
    );
  }, []);
  /** Both copies become what the background answered after a save. */
  const stored = (s: Settings) => {
    setSaved(s);
    setForm(s);
  };
  return { saved, form, setForm, stored, busy, setBusy, error, setError, note, setNote };
}
