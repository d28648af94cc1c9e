// The prompt window: shows the site that asks (prominently, as the browser reported its origin), what
// it asks in plain words, and Allow / Deny. When the inbox is locked it asks for the password first;
// when there is no identity yet it onboards first — including signing in with the requesting page's
// own wallet. The background closes the window once the answer is in (or moves it on to the site's
// next request); closing it (or pressing Escape) is the same as Deny.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PromptView } from '../../src/messages.ts';
import type { AppStatus, GrantScope } from '../../src/views.ts';
import type { Bg } from '../state.ts';
import { ErrorCode, RpcError, reasonOf } from '../../src/rpc.ts';
import { errorText, shortAddress } from '../lib/format.ts';
import { Avatar, ErrorNote, useFocusOnMount } from '../components/ui.tsx';
import { Onboarding } from '../screens/Onboarding.tsx';
import { Unlock } from '../screens/Unlock.tsx';
import { consentLine, hostOf, scopeLines } from './copy.ts';

/** The background stops an idle worker after 30 s; a prompt waiting for the user keeps it awake. */
const HEARTBEAT_MS = 20_000;

type Phase = { t: 'loading' } | { t: 'ready'; view: PromptView } | { t: 'expired' } | { t: 'answered'; approved: boolean } | { t: 'error'; message: string };

export function PromptApp({ bg, id }: { bg: Bg; id: string }) {
  const [phase, setPhase] = useState<Phase>({ t: 'loading' });
  const [status, setStatus] = useState<AppStatus | null>(null);

  useEffect(() => {
    let live = true;
    Promise.all([bg.call('prompt.get', { id }), bg.call('app.status')]).then(
      ([view, s]) => {
        if (!live) return;
        setStatus(s);
        setPhase({ t: 'ready', view });
        document.title = `${hostOf(view.origin)} — XMTP Inbox`;
      },
      (e) => live && setPhase(reasonOf(e) === 'expired' || !id ? { t: 'expired' } : { t: 'error', message: errorText(e) }),
    );
    const offStatus = bg.on('status', setStatus);
    const beat = setInterval(() => {
      bg.call('prompt.get', { id }).catch((e) => {
        if (reasonOf(e) === 'expired' || (e instanceof RpcError && e.code === ErrorCode.disconnected)) setPhase((p) => (p.t === 'answered' ? p : { t: 'expired' }));
      });
    }, HEARTBEAT_MS);
    return () => {
      live = false;
      offStatus();
      clearInterval(beat);
    };
  }, [id]);

  const answer = async (approved: boolean, scope?: GrantScope) => {
    try {
      await bg.call('prompt.resolve', { id, approved, ...(scope ? { scope } : {}) });
      setPhase({ t: 'answered', approved });
    } catch (e) {
      if (reasonOf(e) === 'expired') setPhase({ t: 'expired' });
      else setPhase({ t: 'error', message: errorText(e) });
    }
  };

  // Escape closes the window, as Deny (what closing it means anyway); a dialog or menu that handles
  // Escape itself stops it first.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      e.preventDefault();
      if (phase.t === 'ready') void answer(false).finally(() => window.close());
      else window.close();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [phase]);

  return <div class="prompt-app">{body(phase, status, bg, id, answer, setStatus)}</div>;
}

function body(
  phase: Phase,
  status: AppStatus | null,
  bg: Bg,
  id: string,
  answer: (approved: boolean, scope?: GrantScope) => Promise<void>,
  setStatus: (s: AppStatus) => void,
) {
  if (phase.t === 'loading') return <p class="pad muted" role="status">Loading the request…</p>;
  if (phase.t === 'expired') return <Done title="This request is no longer waiting" text="The site may have closed or asked again. You can close this window." />;
  if (phase.t === 'answered') return <Done title={phase.approved ? 'Done' : 'Request denied'} text="You can close this window." />;
  if (phase.t === 'error') return <Done title="Something went wrong" text={phase.message} />;
  const view = phase.view;
  if (!status) return null;
  // Before anything else the inbox must exist and be open.
  if (status.state === 'onboarding') {
    return (
      <>
        <Site origin={view.origin} />
        <Onboarding
          bg={bg}
          title={`Set up XMTP Inbox for ${hostOf(view.origin)}`}
          pageWallets={[{ promptId: id, origin: view.origin }]}
          onDone={() => void bg.call('app.status').then(setStatus)}
        />
        <div class="actions">
          <button type="button" class="btn" onClick={() => void answer(false)}>
            Cancel
          </button>
        </div>
      </>
    );
  }
  if (status.state === 'locked') {
    return (
      <>
        <Site origin={view.origin} />
        <p class="pad" style="padding-bottom:0">
          <strong>{hostOf(view.origin)}</strong> wants to use your XMTP inbox. Unlock it to continue.
        </p>
        <Unlock
          bg={bg}
          status={status}
          onUnlocked={(s) => {
            setStatus(s);
            if (view.kind === 'unlock' || view.kind === 'onboard') void answer(true);
          }}
        />
        <div class="actions">
          <button type="button" class="btn" onClick={() => void answer(false)}>
            Cancel
          </button>
        </div>
      </>
    );
  }
  if (view.kind === 'unlock' || view.kind === 'onboard') {
    // Unlocked (or set up) meanwhile, e.g. in the popup: nothing left to ask.
    return <Continue origin={view.origin} onContinue={() => void answer(true)} />;
  }
  if (view.kind === 'connect') return <Connect view={view} status={status} answer={answer} />;
  if (view.kind === 'newConversation') return <StartWithName view={view} answer={answer} />;
  return <Consent view={view} bg={bg} answer={answer} />;
}

function Site({ origin }: { origin: string }) {
  const host = hostOf(origin);
  const insecure = origin.startsWith('http:') && !/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(origin);
  return (
    <div class="site" aria-label="Requesting site">
      <div class="site-badge" aria-hidden="true">
        {host.replace(/^www\./, '').slice(0, 1).toUpperCase()}
      </div>
      <p class="site-host">{host}</p>
      <p class="site-origin">{origin}</p>
      {insecure && <p class="site-insecure">Not a secure connection (http)</p>}
    </div>
  );
}

function Account({ status }: { status: AppStatus }) {
  if (!status.address) return null;
  return (
    <p class="account-chip" title={status.address}>
      <Avatar address={status.address} size={22} />
      <span>{shortAddress(status.address)}</span>
    </p>
  );
}

/**
 * Allow waits this long each time a request is shown (a new request loads a new page) and each time
 * the window becomes visible again, so a click or a double-click aimed at something else (the page
 * under it, the request before) never approves a request the user has not seen.
 */
export const ALLOW_DELAY_MS = 1000;

function useArmedAfter(ms: number): boolean {
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      setArmed(false);
      clearTimeout(timer);
      if (document.visibilityState === 'visible') timer = setTimeout(() => setArmed(true), ms);
    };
    arm();
    document.addEventListener('visibilitychange', arm);
    return () => {
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', arm);
    };
  }, [ms]);
  return armed;
}

function Actions({ onAllow, onDeny }: { onAllow: () => void; onDeny: () => void }) {
  const [busy, setBusy] = useState(false);
  const armed = useArmedAfter(ALLOW_DELAY_MS);
  const run = (fn: () => void) => () => {
    if (busy) return;
    setBusy(true);
    fn();
  };
  return (
    <div class="actions">
      <button type="button" class="btn" onClick={run(onDeny)} disabled={busy}>
        Deny
      </button>
      <button type="button" class="btn primary" onClick={run(onAllow)} disabled={busy || !armed}>
        Allow
      </button>
    </div>
  );
}

/** The frame of every question a site asks: who asks, what it asks, then Allow / Deny. */
function Ask({ origin, title, onAllow, onDeny, children }: { origin: string; title: string; onAllow: () => void; onDeny: () => void; children: ComponentChildren }) {
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <section class="screen" aria-labelledby="ask-title">
      <div class="prompt-scroll">
        <Site origin={origin} />
        <div class="ask">
          <h1 id="ask-title" tabIndex={-1} ref={heading}>
            {title}
          </h1>
          {children}
        </div>
      </div>
      <Actions onAllow={onAllow} onDeny={onDeny} />
    </section>
  );
}

function Connect({ view, status, answer }: { view: Extract<PromptView, { kind: 'connect' }>; status: AppStatus; answer: (a: boolean, s?: GrantScope) => Promise<void> }) {
  const [narrow, setNarrow] = useState(false);
  const host = hostOf(view.origin);
  const scope: GrantScope = view.scope === 'inbox' && !narrow ? 'inbox' : 'app';
  return (
    <Ask
      origin={view.origin}
      title={view.scope === 'inbox' ? `${host} wants access to your whole XMTP inbox` : `${host} wants to connect to XMTP Inbox`}
      onAllow={() => void answer(true, scope)}
      onDeny={() => void answer(false)}
    >
      <Account status={status} />
      {scope === 'inbox' && <p class="warning">It will be able to read all your conversations and messages.</p>}
      <p>If you allow it, this site can:</p>
      <ul>
        {scopeLines(scope, view.origin).map((l) => (
          <li key={l}>{l}</li>
        ))}
      </ul>
      {view.scope === 'inbox' && (
        <label class="check">
          <input type="checkbox" checked={narrow} onChange={(e) => setNarrow(e.currentTarget.checked)} />
          <span>
            Only this site's conversations
            <span class="hint">Give {host} access only to conversations it starts, not your whole inbox.</span>
          </span>
        </label>
      )}
      <p class="hint">You can disconnect it at any time under Connected sites in XMTP Inbox.</p>
    </Ask>
  );
}

function Consent({ view, bg, answer }: { view: Extract<PromptView, { kind: 'setConsent' }>; bg: Bg; answer: (a: boolean) => Promise<void> }) {
  const host = hostOf(view.origin);
  const name = usePeerName(bg, view.peerAddress);
  return (
    <Ask
      origin={view.origin}
      title={view.state === 'allowed' ? `${host} wants to allow messages from an address` : `${host} wants to block an address`}
      onAllow={() => void answer(true)}
      onDeny={() => void answer(false)}
    >
      {name && <p class="peer-name">{name}</p>}
      <p class="mono">{view.peerAddress}</p>
      <p>{consentLine(view.state, name ?? shortAddress(view.peerAddress))}</p>
      <p class="hint">This changes your inbox everywhere, not only on this site.</p>
    </Ask>
  );
}

/** The peer's verified name, if the background has one cached (the prompt never waits for it). */
function usePeerName(bg: Bg, address: string): string | undefined {
  const [name, setName] = useState<string>();
  useEffect(() => {
    const key = address.toLowerCase();
    const off = bg.on('names', ({ names }) => names[key] && setName(names[key].name));
    bg.call('names.lookup', { addresses: [address] }).then((n) => n[key] && setName(n[key].name), () => {});
    return off;
  }, [address]);
  return name;
}

/** A site starts a conversation with someone it named: the name, and the address it resolves to. */
function StartWithName({ view, answer }: { view: Extract<PromptView, { kind: 'newConversation' }>; answer: (a: boolean) => Promise<void> }) {
  return (
    <Ask origin={view.origin} title={`${hostOf(view.origin)} wants to start a conversation with ${view.name}`} onAllow={() => void answer(true)} onDeny={() => void answer(false)}>
      <div class="peer">
        <Avatar address={view.peerAddress} size={32} />
        <span>
          <strong>{view.name}</strong>
          <span class="mono" aria-label={`Address: ${view.peerAddress}`}>
            {view.peerAddress}
          </span>
        </span>
      </div>
      <p>{view.name} resolves to this address now. Messages in this conversation go to it, whatever the name points to later.</p>
    </Ask>
  );
}

function Continue({ origin, onContinue }: { origin: string; onContinue: () => void }) {
  useEffect(onContinue, []);
  return (
    <>
      <Site origin={origin} />
      <p class="pad" role="status">
        Continuing…
      </p>
    </>
  );
}

function Done({ title, text }: { title: string; text: string }) {
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <section class="screen" aria-labelledby="done-title">
      <div class="pad stack">
        <h1 id="done-title" tabIndex={-1} ref={heading}>
          {title}
        </h1>
        {title === 'Something went wrong' ? <ErrorNote>{text}</ErrorNote> : <p class="muted">{text}</p>}
        <button type="button" class="btn" onClick={() => window.close()}>
          Close
        </button>
      </div>
    </section>
  );
}
