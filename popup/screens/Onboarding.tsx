// Onboarding: create a wallet in the extension (it gets a recovery phrase), import one from its
// recovery phrase or private key (an existing XMTP identity is restored automatically), or sign in with
// the wallet of a web page. The first account sets the password; "Add account" (`adding`) runs the same
// steps on the unlocked extension, without one. Reused by the prompt window (popup/prompt.tsx) for sites
// that ask for XMTP before an identity exists: pass its PortClient as `bg` and `pageWallets: [{ promptId, origin }]`.
import { NODE_URL_PATTERN } from '../../src/validate.ts';
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ImportCheck, WalletSecret } from '../../src/messages.ts';
import type { Bg } from '../state.ts';
import { errorText, shortAddress } from '../lib/format.ts';
import { ErrorNote, Field, TextField, useFocusOnMount } from '../components/ui.tsx';
import { Icon } from '../components/Icon.tsx';

export interface OnboardingResult {
  address: string;
  /** an existing XMTP identity was restored from the network */
  restored: boolean;
}

export interface PageWalletTarget {
  /** the tab whose window.ethereum signs (popup: one of the open pages) */
  tabId?: number;
  /** the prompt request that carries the requesting page (prompt window) */
  promptId?: string;
  /** shown to the user: whose wallet will be asked */
  origin?: string;
  /** the page's title, as the page says */
  title?: string;
}

export interface OnboardingProps {
  bg: Bg;
  onDone: (r: OnboardingResult) => void;
  /** pages whose wallet can sign in (the prompt: the page that asked; the popup: the open pages) */
  pageWallets?: PageWalletTarget[];
  /** open directly on one step */
  initialStep?: Step;
  /** heading level 1 text of the first step */
  title?: string;
  /** offer to change the XMTP node before the identity is made (needs settings.get/update: popup only) */
  nodeSettings?: boolean;
  /** another account for the unlocked extension: no password to choose; `onCancel` goes back */
  adding?: boolean;
  onCancel?: () => void;
}

export type Step = 'choose' | 'create' | 'import' | 'page';

const PRIVATE_KEY_RE = /^(0x)?[0-9a-fA-F]{64}$/;
/** BIP-32's highest unhardened index: the last account number of a phrase. */
const MAX_ACCOUNT_INDEX = 2 ** 31 - 1;
export const MIN_PASSWORD = 8;

export function Onboarding(props: OnboardingProps) {
  const [step, setStep] = useState<Step>(props.initialStep ?? 'choose');
  const back = props.initialStep && props.initialStep !== 'choose' ? props.onCancel : () => setStep('choose');
  if (step === 'create') return <CreateStep {...props} onBack={back} />;
  if (step === 'import') return <ImportStep {...props} onBack={back} />;
  if (step === 'page' && props.pageWallets?.length) return <PageWalletStep {...props} targets={props.pageWallets} onBack={back} />;
  return <Choose {...props} onPick={setStep} />;
}

function Choose(props: OnboardingProps & { onPick: (s: Step) => void }) {
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <section class="screen onboarding" aria-labelledby="onb-title">
      <div class="onb-hero">
        <img src="icons/icon-48.png" width={48} height={48} alt="" />
        <h1 id="onb-title" tabIndex={-1} ref={heading}>
          {props.title ?? (props.adding ? 'Add an account' : 'Welcome to XMTP Inbox')}
        </h1>
        <p class="lead">{props.adding ? 'Another address, next to the ones you have. The same password unlocks it.' : 'Private, end-to-end encrypted messages between wallets.'}</p>
      </div>
      <div class="stack">
        <button type="button" class="btn primary block" onClick={() => props.onPick('create')}>
          <Icon name="key" /> Create new wallet
        </button>
        <button type="button" class="btn block" onClick={() => props.onPick('import')}>
          <Icon name="inbox" /> Import a wallet
        </button>
        {!!props.pageWallets?.length && (
          <button type="button" class="btn block" onClick={() => props.onPick('page')}>
            <Icon name="wallet" /> {props.pageWallets[0]!.promptId ? "Use this page's wallet" : 'Use a wallet on an open page'}
          </button>
        )}
      </div>
      <SignatureExplainer />
      {props.nodeSettings && !props.adding && <NodeChoice bg={props.bg} />}
      {props.onCancel && (
        <div class="pad">
          <button type="button" class="btn block ghost" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      )}
    </section>
  );
}

/**
 * The XMTP node the identity will live on (the first of the node list; Settings › Nodes adds more),
 * changeable before onboarding (self-hosted or local nodes).
 */
function NodeChoice({ bg }: { bg: Bg }) {
  const [url, setUrl] = useState<string | null>(null);
  const [saved, setSaved] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState('');
  useEffect(() => {
    bg.call('settings.get').then(
      (s) => {
        setUrl(s.nodeUrls[0]!);
        setSaved(s.nodeUrls);
      },
      () => {},
    );
  }, []);
  if (url === null || saved === null) return null;
  const save = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const next = url.trim();
    if (!NODE_URL_PATTERN.test(next)) {
      setError('Enter an http:// or https:// URL, for example http://localhost:5555.');
      return;
    }
    setBusy(true);
    setError(null);
    setNote('Checking the node…');
    try {
      const s = await bg.call('settings.update', { nodeUrls: [next, ...saved.slice(1).filter((u) => u !== next.replace(/\/+$/, ''))] });
      setSaved(s.nodeUrls);
      setUrl(s.nodeUrls[0]!);
      setNote('Saved.');
    } catch (err) {
      setNote('');
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <details class="node-choice">
      <summary>
        XMTP node: <span class="mono">{saved[0]}</span>
      </summary>
      <form class="stack" onSubmit={save} noValidate aria-busy={busy}>
        <Field label="Node URL" type="url" value={url} onValue={setUrl} error={error} spellcheck={false} autocomplete="off" disabled={busy} />
        <div class="row">
          <button type="submit" class="btn small" disabled={busy}>
            Save
          </button>
          <span class="status-line" role="status">
            {note}
          </span>
        </div>
      </form>
    </details>
  );
}

/** What the wallet signatures do, in plain words. */
export function SignatureExplainer({ pageWallet = false }: { pageWallet?: boolean }) {
  return (
    <div class="explainer">
      <h2>What gets signed</h2>
      <p>
        XMTP asks the wallet to sign two messages: <strong>Create Identity</strong> authorises a messaging key for this inbox, and{' '}
        <strong>Enable Identity</strong> encrypts a backup of that key on the XMTP network so you can restore it later.
      </p>
      <p>
        {pageWallet
          ? 'Your wallet shows both requests. '
          : 'With a new or imported key, the extension signs them for you. '}
        No transaction, no gas, no funds move.
      </p>
    </div>
  );
}

interface PasswordState {
  password: string;
  confirm: string;
  errors: { password?: string; confirm?: string };
}

/** The new password and its confirmation; nothing to choose (`needed` false) when an account is added. */
function usePasswords(needed = true) {
  const [s, set] = useState<PasswordState>({ password: '', confirm: '', errors: {} });
  const passwordRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLInputElement>(null);
  /** Checks both fields; focuses the first bad one. */
  const validate = (): boolean => {
    if (!needed) return true;
    const errors: PasswordState['errors'] = {};
    if (s.password.length < MIN_PASSWORD) errors.password = `Use at least ${MIN_PASSWORD} characters.`;
    else if (s.confirm !== s.password) errors.confirm = 'The passwords do not match.';
    set({ ...s, errors });
    if (errors.password) passwordRef.current?.focus();
    else if (errors.confirm) confirmRef.current?.focus();
    return !errors.password && !errors.confirm;
  };
  const fields = (disabled: boolean) =>
    needed && (
    <>
      <Field
        label="Password"
        type="password"
        autocomplete="new-password"
        value={s.password}
        onValue={(password) => set({ ...s, password, errors: {} })}
        error={s.errors.password}
        hint={`At least ${MIN_PASSWORD} characters. It unlocks the inbox on this device and cannot be recovered.`}
        inputRef={passwordRef}
        disabled={disabled}
        required
      />
      <Field
        label="Confirm password"
        type="password"
        autocomplete="new-password"
        value={s.confirm}
        onValue={(confirm) => set({ ...s, confirm, errors: {} })}
        error={s.errors.confirm}
        inputRef={confirmRef}
        disabled={disabled}
        required
      />
    </>
  );
  /** what account.create/import/connectPageWallet take */
  const params = needed ? { password: s.password } : {};
  return { params, validate, fields };
}

function StepFrame(props: {
  title: string;
  onBack?: () => void;
  onSubmit: () => void;
  busy: boolean;
  busyText: string;
  error: string | null;
  submit: string;
  children: JSX.Element | JSX.Element[] | (JSX.Element | false | null | undefined)[];
}) {
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <section class="screen onboarding" aria-labelledby="onb-step-title">
      <div class="bar">
        {props.onBack && (
          <button type="button" class="icon-btn" aria-label="Back" title="Back" onClick={props.onBack} disabled={props.busy}>
            <Icon name="back" />
          </button>
        )}
        <h1 id="onb-step-title" tabIndex={-1} ref={heading}>
          {props.title}
        </h1>
      </div>
      <form
        class="scroll pad stack"
        noValidate
        aria-busy={props.busy}
        onSubmit={(e) => {
          e.preventDefault();
          if (!props.busy) props.onSubmit();
        }}
      >
        {props.children}
        {props.error && <ErrorNote>{props.error}</ErrorNote>}
        <p class="status-line" role="status">
          {props.busy ? props.busyText : ''}
        </p>
        <button type="submit" class="btn primary block" disabled={props.busy} aria-disabled={props.busy}>
          {props.busy && <span class="spinner" aria-hidden="true" />}
          {props.submit}
        </button>
      </form>
    </section>
  );
}

function CreateStep(props: OnboardingProps & { onBack?: () => void }) {
  const pw = usePasswords(!props.adding);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    setError(null);
    if (!pw.validate()) return;
    setBusy(true);
    try {
      const r = await props.bg.call('account.create', pw.params);
      props.onDone({ address: r.address, restored: false });
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <StepFrame title="Create a new wallet" onBack={props.onBack} onSubmit={submit} busy={busy} busyText="Creating your XMTP identity…" error={error} submit="Create">
      <p>
        A new wallet is created and kept encrypted in this extension, with a recovery phrase you can write down later (Settings → Back up). It signs XMTP's
        two identity messages for you.
      </p>
      {pw.fields(busy)}
      <SignatureExplainer />
    </StepFrame>
  );
}

const wordsOf = (phrase: string) => phrase.trim().split(/[\s,]+/).filter((w) => w && !/^\d+[.)]?$/.test(w));
const PHRASE_LENGTHS = [12, 15, 18, 21, 24];

function ImportStep(props: OnboardingProps & { onBack?: () => void }) {
  const pw = usePasswords(!props.adding);
  const [kind, setKind] = useState<'phrase' | 'privateKey'>('phrase');
  const [key, setKey] = useState('');
  const [phrase, setPhrase] = useState('');
  const [index, setIndex] = useState('0');
  const [inputError, setInputError] = useState<string | null>(null);
  const [check, setCheck] = useState<ImportCheck | null>(null);
  const [checking, setChecking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const keyRef = useRef<HTMLInputElement>(null);
  const phraseRef = useRef<HTMLTextAreaElement>(null);
  const trimmed = key.trim();
  const accountIndex = /^\d{1,10}$/.test(index.trim()) ? Number(index.trim()) : NaN;

  /** The wallet as entered, once it is whole enough to ask about; else what is wrong with it. */
  const secret = (): WalletSecret | string => {
    if (kind === 'privateKey') return PRIVATE_KEY_RE.test(trimmed) ? { privateKey: trimmed } : 'A private key is 64 hexadecimal characters, with or without 0x.';
    const n = wordsOf(phrase).length;
    if (!PHRASE_LENGTHS.includes(n)) return `A recovery phrase has 12, 15, 18, 21 or 24 words; this one has ${n}.`;
    if (!(accountIndex >= 0 && accountIndex <= MAX_ACCOUNT_INDEX)) return `The account number is a whole number from 0 to ${MAX_ACCOUNT_INDEX}.`;
    const words = wordsOf(phrase).join(' '); // as typed or pasted, numbered or on several lines
    return accountIndex ? { phrase: words, index: accountIndex } : { phrase: words };
  };
  const current = secret();
  const checkKey = typeof current === 'string' ? '' : JSON.stringify(current);

  // Say which wallet this is and whether its XMTP identity will be restored, as soon as it is whole; a
  // phrase whose words are wrong says which.
  useEffect(() => {
    setCheck(null);
    if (!checkKey) return;
    let live = true;
    setChecking(true);
    const t = setTimeout(() => {
      props.bg
        .call('account.checkImport', JSON.parse(checkKey) as WalletSecret)
        .then(
          (r) => live && setCheck(r),
          (e) => live && kind === 'phrase' && setInputError(errorText(e)),
        )
        .finally(() => live && setChecking(false));
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [checkKey]);

  const submit = async () => {
    setError(null);
    if (typeof current === 'string') {
      setInputError(current);
      (kind === 'phrase' ? phraseRef : keyRef).current?.focus();
      return;
    }
    if (!pw.validate()) return;
    setBusy(true);
    try {
      const r = await props.bg.call('account.import', { ...current, ...pw.params });
      props.onDone(r);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  const edited = () => {
    setInputError(null);
    setError(null);
  };
  return (
    <StepFrame
      title="Import your wallet"
      onBack={props.onBack}
      onSubmit={submit}
      busy={busy}
      busyText={check?.hasIdentity ? 'Restoring your XMTP identity…' : 'Setting up your XMTP identity…'}
      error={error}
      submit="Import"
    >
      <div class="segmented" role="radiogroup" aria-label="Import with">
        {(
          [
            ['phrase', 'Recovery phrase'],
            ['privateKey', 'Private key'],
          ] as const
        ).map(([k, label]) => (
          <label key={k}>
            <input
              type="radio"
              name="import-kind"
              aria-label={`Import with a ${label.toLowerCase()}`}
              checked={kind === k}
              disabled={busy}
              onChange={() => (setKind(k), edited())}
            />
            {label}
          </label>
        ))}
      </div>
      {kind === 'phrase' ? (
        <>
          <TextField
            label="Recovery phrase"
            value={phrase}
            onValue={(v) => (setPhrase(v), edited())}
            error={inputError}
            textareaRef={phraseRef}
            disabled={busy}
            hint="The 12 to 24 words, in order, separated by spaces. They stay in this extension, encrypted with your password."
          />
          <Field
            label="Account number"
            type="text"
            inputMode="numeric"
            value={index}
            onValue={(v) => (setIndex(v), edited())}
            disabled={busy}
            hint="0 for the first address of the phrase (derivation path m/44'/60'/0'/0/0); 1 for the second, and so on."
          />
        </>
      ) : (
        <Field
          label="Private key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={key}
          onValue={(v) => (setKey(v), edited())}
          error={inputError}
          inputRef={keyRef}
          disabled={busy}
          hint="The key stays in this extension, encrypted with your password."
          required
        />
      )}
      <p class="import-check" role="status" aria-live="polite">
        {check ? (
          <>
            <span title={check.address}>Wallet {shortAddress(check.address)}</span>
            {' — '}
            {check.hasIdentity ? 'this wallet already has an XMTP identity — it will be restored.' : 'a new XMTP identity will be created for it.'}
          </>
        ) : checking ? (
          'Checking the wallet…'
        ) : (
          ''
        )}
      </p>
      {pw.fields(busy)}
      <SignatureExplainer />
    </StepFrame>
  );
}

function PageWalletStep(props: OnboardingProps & { targets: PageWalletTarget[]; onBack?: () => void }) {
  const pw = usePasswords(!props.adding);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [chosen, setChosen] = useState(0);
  const target = props.targets[chosen] ?? props.targets[0]!;
  const submit = async () => {
    setError(null);
    if (!pw.validate()) return;
    setBusy(true);
    try {
      const r = await props.bg.call('account.connectPageWallet', {
        ...(target.tabId !== undefined ? { tabId: target.tabId } : {}),
        ...(target.promptId !== undefined ? { promptId: target.promptId } : {}),
        ...pw.params,
      });
      props.onDone(r);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <StepFrame
      title={target.promptId ? "Use this page's wallet" : 'Use the wallet of an open page'}
      onBack={props.onBack}
      onSubmit={submit}
      busy={busy}
      busyText="Waiting for your wallet… Approve the two signature requests there."
      error={error}
      submit="Connect wallet"
    >
      {props.targets.length > 1 ? (
        <fieldset class="choice">
          <legend>Which page's wallet signs in?</legend>
          {props.targets.map((t, i) => (
            <label class="check" key={t.tabId ?? i}>
              <input type="radio" name="page-wallet" checked={i === chosen} onChange={() => setChosen(i)} disabled={busy} />
              <span>
                {t.origin ?? 'A page'}
                {t.title && <span class="hint">{t.title}</span>}
              </span>
            </label>
          ))}
        </fieldset>
      ) : null}
      <p>
        The wallet of {target.origin ? <strong>{target.origin}</strong> : 'the page you are on'} signs in. Afterwards your XMTP keys live in this extension and
        the wallet is not needed to message.
      </p>
      {pw.fields(busy)}
      <SignatureExplainer pageWallet />
    </StepFrame>
  );
}
