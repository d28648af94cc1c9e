// The popup's screens as URL fragments: `popup.html#/c/<topic>` opens a conversation directly. The
// background builds these (a notification click), the popup reads them, so both use this one module.

export type Route =
  | { name: 'inbox' }
  | { name: 'conversation'; topic: string }
  | { name: 'new' }
  | { name: 'settings' }
  | { name: 'accounts' }
  | { name: 'add-account' }
  /** reveal an account's recovery phrase or private key */
  | { name: 'backup'; address: string };

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** `#/c/<topic>`, `#/new`, `#/settings`, `#/accounts`, `#/accounts/add`, `#/backup/<address>`; anything else is the inbox. */
export function routeFromHash(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  if (h.startsWith('c/')) {
    try {
      const topic = decodeURIComponent(h.slice(2));
      if (topic) return { name: 'conversation', topic };
    } catch {
      // a malformed escape: not a conversation link
    }
    return { name: 'inbox' };
  }
  if (h.startsWith('backup/') && ADDRESS.test(h.slice(7))) return { name: 'backup', address: h.slice(7) };
  if (h === 'new') return { name: 'new' };
  if (h === 'settings') return { name: 'settings' };
  if (h === 'accounts') return { name: 'accounts' };
  if (h === 'accounts/add') return { name: 'add-account' };
  return { name: 'inbox' };
}

export function hashOf(route: Route): string {
  switch (route.name) {
    case 'conversation':
      return `#/c/${encodeURIComponent(route.topic)}`;
    case 'new':
      return '#/new';
    case 'settings':
      return '#/settings';
    case 'accounts':
      return '#/accounts';
    case 'add-account':
      return '#/accounts/add';
    case 'backup':
      return `#/backup/${route.address}`;
    default:
      return '';
  }
}
