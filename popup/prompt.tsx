// Prompt window entry: approvals for site requests and onboarding started from a site.
import { render } from 'preact';
import './styles.css';

function Prompt() {
  return (
    <>
      <header>
        <img src="icons/icon-32.png" alt="" />
        <h1>XMTP Inbox</h1>
      </header>
      <main>
        <p class="muted">No request is waiting for your approval.</p>
      </main>
    </>
  );
}

render(<Prompt />, document.getElementById('app')!);
