// Settings › Nodes: the account's nodes of one XMTP network, in order of preference. The inbox uses the
// first that answers and moves to the next when it does not (background/nodes.ts); each change is saved
// at once, and a node is added only once the background found an XMTP node answering there.
import { useState } from 'preact/hooks';
import { MAX_NODES, NODE_URL_PATTERN } from '../../src/validate.ts';
import type { Bg } from '../state.ts';
import { useStore } from '../state.ts';
import type { NodeConnection } from '../connection.ts';
import { errorText } from '../lib/format.ts';
import { ErrorNote, Field } from '../components/ui.tsx';
import { useSettingsForm } from './settings-form.ts';

/** A node URL as a person reads it: without the scheme when it is plain https. */
export const nodeLabel = (url: string) => url.replace(/^https:\/\//, '');

export function NodeSettings({ bg, connection }: { bg: Bg; connection: NodeConnection }) {
  const { saved, stored, busy, setBusy, error, setError, note, setNote } = useSettingsForm(bg);
  const inUse = useStore(connection.store).node?.url;
  const [adding, setAdding] = useState('');
  const [addError, setAddError] = useState<string | null>(null);

  const save = async (nodeUrls: string[], done: string, onError = setError) => {
    if (busy) return false;
    setBusy(true);
    setError(null);
    setAddError(null);
    setNote(nodeUrls.length > (saved?.nodeUrls.length ?? 0) ? 'Checking the node…' : '');
    try {
      stored(await bg.call('settings.update', { nodeUrls }));
      setNote(done);
      return true;
    } catch (err) {
      setNote('');
      onError(errorText(err));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const add = async (e: Event) => {
    e.preventDefault();
    if (!saved) return;
    const url = adding.trim();
    if (!NODE_URL_PATTERN.test(url)) return setAddError('Enter an http:// or https:// URL, for example https://node.example.org.');
    if (saved.nodeUrls.includes(url.replace(/\/+$/, ''))) return setAddError('This node is in the list already.');
    if (await save([...saved.nodeUrls, url], `Added ${url}.`, setAddError)) setAdding('');
  };

  const list = saved?.nodeUrls;
  return (
    <section class="section" aria-labelledby="nodes-title" aria-busy={busy}>
      <h2 id="nodes-title">Nodes</h2>
      <p class="hint">Nodes of one XMTP network hold the same messages. The inbox uses the first node that answers; when it does not, the next one, and it goes back to the first once it answers again.</p>
      {!list ? (
        error ? <ErrorNote>{error}</ErrorNote> : <div class="settings-skeleton short" aria-hidden="true" />
      ) : (
        <>
          <ol class="sites nodes" aria-label="Nodes, in order of preference">
            {list.map((url, i) => (
              <li key={url}>
                <span class="site-main">
                  <span class="site-origin mono" title={url}>
                    {nodeLabel(url)}
                  </span>
                  <span class="hint">{url === inUse ? (i === 0 ? 'In use' : 'In use: the nodes above do not answer') : i === 0 ? 'First choice' : `Choice ${i + 1}`}</span>
                </span>
                {i > 0 && (
                  <button type="button" class="btn small" aria-label={`Move ${url} up`} disabled={busy} onClick={() => void save(move(list, i), `${url} moved up.`)}>
                    Move up
                  </button>
                )}
                {list.length > 1 && (
                  <button type="button" class="btn small" aria-label={`Remove ${url}`} disabled={busy} onClick={() => void save(list.filter((u) => u !== url), `${url} removed.`)}>
                    Remove
                  </button>
                )}
              </li>
            ))}
          </ol>
          {error && <ErrorNote>{error}</ErrorNote>}
          {list.length < MAX_NODES ? (
            <form class="stack" onSubmit={add} noValidate>
              <Field
                label="Add a node"
                type="url"
                value={adding}
                onValue={(v) => {
                  setAdding(v);
                  setAddError(null);
                }}
                error={addError}
                hint="Another node of the same network, used when the ones above do not answer."
                spellcheck={false}
                autocomplete="off"
                disabled={busy}
              />
              <div class="row">
                <button type="submit" class="btn small" disabled={busy}>
                  {busy && <span class="spinner" aria-hidden="true" />}
                  Add node
                </button>
              </div>
            </form>
          ) : (
            <p class="hint">The list is full ({MAX_NODES} nodes): remove one to add another.</p>
          )}
        </>
      )}
      <p class="status-line" role="status">
        {note}
      </p>
    </section>
  );
}

/** The list with item `i` one place earlier. */
function move(list: string[], i: number): string[] {
  const next = [...list];
  [next[i - 1], next[i]] = [next[i]!, next[i - 1]!];
  return next;
}
