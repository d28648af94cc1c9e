// The popup's screens as URL fragments: `popup.html#/c/<topic>` opens a conversation directly. The
// background builds these (a notification click), the popup reads them, so both use this one module.

export type Route = { name: 'inbox' } | { name: 'conversation'; topic: string } | { name: 'new' } | { name: 'settings' };

/** `#/c/<topic>`, `#/new`, `#/settings`; anything else is the inbox. */
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
  if (h === 'new') return { name: 'new' };
  if (h === 'settings') return { name: 'settings' };
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
    default:
      return '';
  }
}
