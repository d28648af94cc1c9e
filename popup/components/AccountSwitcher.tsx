// The inbox header's account control: the current account (a menu of every account, "Add account" and
// "Manage accounts"), and the next two accounts as one-click switch buttons with their unread counts.
import type { TargetedKeyboardEvent } from 'preact';
import { useEffect, useId, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { AccountView, AppStatus } from '../../src/views.ts';
import { shortAddress } from '../lib/format.ts';
import { Avatar } from './ui.tsx';
import { Icon } from './Icon.tsx';

/** How many other accounts get a switch button of their own beside the current one. */
const QUICK = 2;

export interface AccountSwitcherProps {
  status: AppStatus;
  onSwitch: (address: string) => void;
  onAdd: () => void;
  onManage: () => void;
}

const unreadText = (a: AccountView) => (a.unread ? `, ${a.unread} unread` : '');

export function AccountSwitcher({ status, onSwitch, onAdd, onManage }: AccountSwitcherProps) {
  const current = status.accounts.find((a) => a.address === status.address);
  const others = status.accounts.filter((a) => a !== current);
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const menuId = useId();

  // Focus moves in before the menu is painted (a layout effect): a key pressed as soon as it shows
  // lands in it, not on the button that opened it. CI once saw Escape reach the button first.
  useLayoutEffect(() => {
    if (!open) return;
    // The current account first (one selector list would pick whichever comes first in the menu).
    const m = menu.current;
    (m?.querySelector<HTMLElement>('[aria-checked="true"]') ?? m?.querySelector<HTMLElement>('[role^="menuitem"]'))?.focus();
  }, [open]);
  useEffect(() => {
    if (!open) return;
    const outside = (e: MouseEvent) => {
      const t = e.target;
      if (t instanceof Node && !menu.current?.contains(t) && !button.current?.contains(t)) setOpen(false);
    };
    document.addEventListener('mousedown', outside);
    return () => document.removeEventListener('mousedown', outside);
  }, [open]);

  if (!current) return null;
  const close = (focusButton = true) => {
    setOpen(false);
    if (focusButton) button.current?.focus();
  };
  const choose = (fn: () => void) => () => {
    close(false);
    fn();
  };
  const onMenuKey = (e: TargetedKeyboardEvent<HTMLDivElement>) => {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])];
    const i = items.indexOf(document.activeElement as HTMLElement);
    const next = e.key === 'ArrowDown' ? i + 1 : e.key === 'ArrowUp' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? items.length - 1 : null;
    if (next !== null) {
      e.preventDefault();
      items[(next + items.length) % items.length]?.focus();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close();
    } else if (e.key === 'Tab') {
      close(false);
    }
  };

  return (
    <div class="switcher">
      <button
        ref={button}
        type="button"
        class="account-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        title={current.address}
        onClick={() => setOpen(!open)}
      >
        <Avatar address={current.address} size={24} />
        <span class="account-label">{current.label}</span>
        <span class="sr-only"> — switch account</span>
        <Icon name="chevron" size={14} />
      </button>
      {others.slice(0, QUICK).map((a) => (
        <button
          key={a.address}
          type="button"
          class="quick-switch"
          title={`${a.label} (${shortAddress(a.address)})${unreadText(a)}`}
          onClick={() => onSwitch(a.address)}
        >
          <Avatar address={a.address} size={24} />
          <span class="sr-only">{`Switch to ${a.label}${unreadText(a)}`}</span>
          {a.unread > 0 && <span class="dot" aria-hidden="true" />}
        </button>
      ))}
      {open && (
        <div ref={menu} id={menuId} class="menu" role="menu" aria-label="Accounts" onKeyDown={onMenuKey}>
          {status.accounts.map((a) => (
            <button
              key={a.address}
              type="button"
              role="menuitemradio"
              aria-checked={a === current}
              tabIndex={-1}
              class="menu-account"
              onClick={choose(() => a !== current && onSwitch(a.address))}
            >
              <Avatar address={a.address} size={24} />
              <span class="menu-account-main">
                <span>{a.label}</span>
                <span class="hint mono">{shortAddress(a.address)}</span>
              </span>
              {a.unread > 0 && (
                <span class="unread-count">
                  {a.unread > 99 ? '99+' : a.unread}
                  <span class="sr-only"> unread</span>
                </span>
              )}
              {a === current && <Icon name="check" size={16} />}
            </button>
          ))}
          <div role="separator" class="menu-sep" />
          <button type="button" role="menuitem" tabIndex={-1} onClick={choose(onAdd)}>
            <Icon name="plus" size={16} /> Add account
          </button>
          <button type="button" role="menuitem" tabIndex={-1} onClick={choose(onManage)}>
            <Icon name="settings" size={16} /> Manage accounts
          </button>
        </div>
      )}
    </div>
  );
}
