// Popup entry: the inbox a person opens from the toolbar.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { PortClient } from '../src/port-client.ts';
import type { AppStatus } from '../src/views.ts';
import './styles.css';

const bg = new PortClient('popup');

function App() {
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    bg.call('app.status').then(setStatus, (e: Error) => setError(e.message));
  }, []);
  return (
    <>
      <header>
        <img src="icons/icon-32.png" alt="" />
        <h1>XMTP Inbox</h1>
      </header>
      <main aria-live="polite">
        {error && <p role="alert">Could not reach the extension background: {error}</p>}
        {status && (
          <p class="muted">
            Version {status.version} · {status.state === 'onboarding' ? 'No identity yet' : status.state}
          </p>
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
