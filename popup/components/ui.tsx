// Small building blocks shared by the screens.
import type { ComponentChildren, InputHTMLAttributes, PartialInputHTMLAttributes, RefObject, TargetedMouseEvent } from 'preact';
import { useEffect, useId, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { Icon, type IconName } from './Icon.tsx';
import { addressColor, errorText, shortAddress } from '../lib/format.ts';

export function IconButton(props: {
  icon: IconName;
  label: string;
  title?: string;
  onClick?: (e: TargetedMouseEvent<HTMLButtonElement>) => void;
  class?: string;
  disabled?: boolean;
  pressed?: boolean;
  expanded?: boolean;
  haspopup?: 'menu' | 'dialog';
  controls?: string;
  buttonRef?: RefObject<HTMLButtonElement | null>;
}) {
  return (
    <button
      type="button"
      ref={props.buttonRef}
      class={`icon-btn ${props.class ?? ''}`}
      aria-label={props.label}
      title={props.title ?? props.label}
      onClick={props.onClick}
      disabled={props.disabled}
      aria-pressed={props.pressed}
      aria-expanded={props.expanded}
      aria-haspopup={props.haspopup}
      aria-controls={props.controls}
    >
      <Icon name={props.icon} />
    </button>
  );
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Clipboard API refused (no user activation in some contexts): fall back to a hidden field, and
    // give the focus back to where it was (the copy button) afterwards.
    const before = document.activeElement as HTMLElement | null;
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    const ok = document.execCommand('copy');
    ta.remove();
    before?.focus();
    return ok;
  }
}

/** Copies `text`; says so for a moment (visually and to screen readers). */
export function CopyButton({ text, label = 'Copy address', withText = false }: { text: string; label?: string; withText?: boolean }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(t);
  }, [copied]);
  const onClick = async () => setCopied(await copyText(text));
  return (
    <>
      <button type="button" class={withText ? 'btn small' : 'icon-btn'} aria-label={label} title={copied ? 'Copied' : label} onClick={onClick}>
        <Icon name={copied ? 'check' : 'copy'} />
        {withText && <span>{copied ? 'Copied' : 'Copy'}</span>}
      </button>
      <span class="sr-only" role="status">
        {copied ? 'Copied to the clipboard' : ''}
      </span>
    </>
  );
}

/** A round avatar: the name's image where there is one, else initials on a colour of the address. */
export function Avatar({ address, size = 36, image }: { address: string; size?: number; image?: string }) {
  if (image) return <img class="avatar" src={image} alt="" width={size} height={size} style={{ width: `${size}px`, height: `${size}px` }} />;
  return (
    <span
      class="avatar"
      aria-hidden="true"
      style={{ width: `${size}px`, height: `${size}px`, background: addressColor(address), fontSize: `${Math.round(size * 0.36)}px` }}
    >
      {address.slice(2, 4).toUpperCase()}
    </span>
  );
}

/** A form's submit button with its progress, and the line that says how saving went. */
export function SaveRow({ label, busy, note }: { label: string; busy: boolean; note: string }) {
  return (
    <div class="row">
      <button type="submit" class="btn primary" disabled={busy}>
        {busy && <span class="spinner" aria-hidden="true" />}
        {label}
      </button>
      <span class="status-line" role="status">
        {note}
      </span>
    </div>
  );
}

export function Address({ address, class: cls }: { address: string; class?: string }) {
  return (
    <span class={cls} title={address}>
      {shortAddress(address)}
    </span>
  );
}

type InputProps = Omit<PartialInputHTMLAttributes<HTMLInputElement>, 'label' | 'id' | 'role'>;

/** A labelled text field with an optional hint and error, tied together for assistive technology. */
export function Field(
  props: InputProps & {
    label: string;
    hint?: ComponentChildren;
    error?: string | null;
    inputRef?: RefObject<HTMLInputElement | null>;
    onValue?: (v: string) => void;
  },
) {
  const { label, hint, error, inputRef, onValue, class: cls, ...rest } = props;
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field ${cls ?? ''}`}>
      <label for={id}>{label}</label>
      <input
        id={id}
        ref={inputRef}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        onInput={onValue ? (e) => onValue(e.currentTarget.value) : undefined}
        {...(rest as InputHTMLAttributes<HTMLInputElement>)}
      />
      {hint && (
        <p id={`${id}-hint`} class="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} class="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** A labelled multi-line text field, like Field. */
export function TextField(props: {
  label: string;
  value: string;
  onValue: (v: string) => void;
  hint?: ComponentChildren;
  error?: string | null;
  disabled?: boolean;
  textareaRef?: RefObject<HTMLTextAreaElement | null>;
}) {
  const id = useId();
  const describedBy = [props.hint ? `${id}-hint` : '', props.error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <textarea
        id={id}
        ref={props.textareaRef}
        value={props.value}
        spellcheck={false}
        autocomplete="off"
        autocapitalize="off"
        disabled={props.disabled}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy}
        onInput={(e) => props.onValue(e.currentTarget.value)}
      />
      {props.hint && (
        <p id={`${id}-hint`} class="hint">
          {props.hint}
        </p>
      )}
      {props.error && (
        <p id={`${id}-error`} class="field-error" role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}

/**
 * A form that asks for the password again (unlock, reveal a backup): an empty one is refused at once,
 * a wrong one says why and selects what was typed. `attempt` throws the background's error.
 */
export function usePasswordForm(attempt: (password: string) => Promise<void>) {
  const [password, setPasswordState] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const setPassword = (v: string) => {
    setPasswordState(v);
    setError(null);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (!password) {
      setError('Enter your password.');
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await attempt(password);
      setPasswordState('');
    } catch (err) {
      setError(errorText(err));
      input.current?.select();
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  };
  return { password, setPassword, busy, error, input, submit };
}

/** An error for a person, announced at once; the technical words (`detail`) one click away, under "Details". */
export function ErrorNote({ children, detail }: { children: ComponentChildren; detail?: string }) {
  return (
    <div class="error-note" role="alert">
      <p>{children}</p>
      {detail && <Details text={detail} />}
    </div>
  );
}

/** The technical words of an error, folded away: a person opens them to report a problem. */
export function Details({ text, tabIndex }: { text: string; tabIndex?: number }) {
  return (
    <details class="details">
      <summary tabIndex={tabIndex}>Details</summary>
      <code>{text}</code>
    </details>
  );
}

/** A modal dialog: focus moves in, Tab stays in, Escape or a click outside closes it, focus goes back. */
export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren; role?: 'dialog' | 'alertdialog'; describe?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  // A layout effect, so that a key pressed as soon as the dialog shows lands in it.
  useLayoutEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const el = ref.current!;
    (el.querySelector<HTMLElement>('[data-autofocus]') ?? el.querySelector<HTMLElement>('button, input, textarea, select, [tabindex]'))?.focus();
    return () => before?.focus?.();
  }, []);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      props.onClose();
    } else if (e.key === 'Tab') {
      const f = [...ref.current!.querySelectorAll<HTMLElement>('button:not([disabled]), input, textarea, select, a[href], [tabindex="0"]')];
      if (!f.length) return;
      const i = f.indexOf(document.activeElement as HTMLElement);
      if (e.shiftKey && i <= 0) {
        e.preventDefault();
        f[f.length - 1].focus();
      } else if (!e.shiftKey && i === f.length - 1) {
        e.preventDefault();
        f[0].focus();
      }
    }
  };
  return (
    <div class="scrim" onMouseDown={(e) => e.target === e.currentTarget && props.onClose()}>
      <div
        ref={ref}
        class="dialog"
        role={props.role ?? 'dialog'}
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={props.describe}
        onKeyDown={onKeyDown}
      >
        <h2 id={titleId}>{props.title}</h2>
        {props.children}
      </div>
    </div>
  );
}

/** Focuses the screen's heading when a screen appears, so screen readers announce where the user is. */
export function useFocusOnMount<T extends HTMLElement>(enabled = true): RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (enabled) ref.current?.focus({ preventScroll: true });
  }, []);
  return ref;
}

/** A question before something that matters: Cancel (focused first) or the action. */
export function Confirm(props: { title: string; describe: string; action: string; danger?: boolean; onCancel: () => void; onConfirm: () => void; children: ComponentChildren }) {
  return (
    <Dialog title={props.title} role="alertdialog" onClose={props.onCancel} describe={props.describe}>
      {props.children}
      <div class="dialog-actions">
        <button type="button" class="btn" data-autofocus onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class={`btn ${props.danger ? 'danger' : 'primary'}`} onClick={props.onConfirm}>
          {props.action}
        </button>
      </div>
    </Dialog>
  );
}
