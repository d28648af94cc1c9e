// Background entry (Chrome service worker / Firefox event page). Every listener is registered
// synchronously at top level so a restarted worker receives the event that woke it; all state needed
// to resume lives in IndexedDB and storage.session.
import browser from 'webextension-polyfill';
import { createRouter } from './router.ts';
import { setRouter } from './events.ts';
import { providerHandlers } from './provider/index.ts';
import type { AppStatus } from '../src/views.ts';
import { DEFAULT_SETTINGS } from './db.ts';

const router = createRouter(
  {
    'app.status': (): AppStatus => ({ version: __VERSION__, target: __TARGET__, state: 'onboarding', nodeUrl: DEFAULT_SETTINGS.nodeUrl }),
    ...providerHandlers,
  },
  browser.runtime.getURL(''),
);
setRouter(router);
browser.runtime.onConnect.addListener(router.attach);
