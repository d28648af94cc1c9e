// Background entry (Chrome service worker / Firefox event page). Every listener is registered
// synchronously at top level so a restarted worker receives the event that woke it; all state needed
// to resume lives in IndexedDB and storage.session.
import browser from '../src/browser.ts';
import { createRouter } from './router.ts';
import { setRouter } from './events.ts';
import { wireBroadcasts } from './broadcast.ts';
import { keepFirstScreen } from './first-screen.ts';
import { appHandlers } from './handlers.ts';
import { providerHandlers } from './provider/index.ts';
import { setPlatform } from './platform.ts';
import * as accounts from './accounts.ts';
import * as inbox from './inbox.ts';
import { parseNotificationId, updateBadge } from './notify.ts';
import { getSettings } from './settings.ts';
import { showCurrentNodes } from './nodes.ts';
import { ensureFastCrypto, getSession, runningClient, unlockedAccounts } from './xmtp-session.ts';
import { isUserActivity } from './session.ts';
import { currentAccount } from './account-store.ts';
import { getSignatureVerifier } from '../src/xmtp/crypto/verifier.ts';
import { hashOf } from '../src/popup-route.ts';
import { clearDrafts } from './drafts.ts';

const TICK = 'xmtp-inbox-tick';
/** Chrome runs the background as a service worker, Firefox as an event page (a window). */
const isServiceWorker = typeof (globalThis as { ServiceWorkerGlobalScope?: unknown }).ServiceWorkerGlobalScope === 'function';
/** What woke the background since it started, for the diagnostics (and `npm run bench -- live`). */
const wakeups = { since: Date.now(), keepalive: 0, retry: 0, alarm: 0 };

setPlatform({
  session: browser.storage.session,
  setBadge: async (text) => {
    await browser.action.setBadgeText({ text });
    if (text) await browser.action.setBadgeBackgroundColor({ color: '#4f46e5' });
  },
  notify: async (id, title, message, icon) => {
    await browser.notifications.create(id, { type: 'basic', iconUrl: icon ?? browser.runtime.getURL('icons/icon-128.png'), title, message });
  },
  popupOpen: () => router.ports('popup').length > 0,
  // Chrome keeps a service worker up while its WebSocket exchanges messages, so a keep-alive needs
  // nothing more there; an event page counts only events and calls into the browser (Firefox resets
  // its idle timer on any "parentapicall"), and while the node is down (reconnect attempts) there is
  // no WebSocket traffic in either: then a cheap call says the worker is busy.
  keepAwake: (why) => {
    wakeups[why]++;
    if (why === 'keepalive' && isServiceWorker) return;
    void browser.alarms.get(TICK).catch(() => {});
  },
  secp256k1Wasm: async () => (await fetch(browser.runtime.getURL('secp256k1.wasm'))).arrayBuffer(),
  ...(browser.dns ? { resolveHost: async (hostname: string) => (await browser.dns.resolve(hostname)).addresses } : {}),
});

const router = createRouter({ ...appHandlers, ...providerHandlers }, browser.runtime.getURL(''), {
  onRequest: (caller, method) => {
    if (isUserActivity(caller, method)) void getSession().touch();
  },
});
setRouter(router);
browser.runtime.onConnect.addListener(router.attach);

// Live delivery while the inbox is unlocked, popup open or not: the live connection's keep-alives
// keep the worker up (Chrome counts WebSocket messages; a Firefox event page counts the API call of
// keepAwake), so new messages notify and badge within seconds. When the browser stops the worker
// anyway, the minute alarm wakes it, catches up and starts the connection again.
let unlockedHold: (() => void) | undefined;
function holdLive(unlocked: boolean): void {
  if (unlocked && !unlockedHold) unlockedHold = inbox.live.acquire({ start: false });
  if (!unlocked && unlockedHold) {
    unlockedHold();
    unlockedHold = undefined;
  }
}
// A worker (re)started while unlocked: the popup may be what woke it, so its first requests go first.
void getSession()
  .current()
  .then((unlocked) => {
    if (!unlocked) return;
    holdLive(true);
    setTimeout(() => void inbox.live.ensure().catch(() => {}), 150);
  });

wireBroadcasts();
keepFirstScreen();
// Unlocking or switching accounts moves the live stream, the outbox and a catch-up to the current
// account; a rename or a backup changes none of that.
let streamingFor: string | undefined;
// The popup shows the node in use of the current account's list (the extension's before onboarding).
const showNodes = () => void getSettings().then((s) => showCurrentNodes(s.nodeUrls), () => {});
showNodes();
accounts.onStatus((status) => {
  showNodes();
  const now = status.state === 'unlocked' ? status.address : undefined;
  holdLive(now !== undefined);
  if (now !== streamingFor) {
    streamingFor = now;
    if (now) {
      inbox.live.restart();
      inbox.outbox.kick();
      void inbox.syncNow().catch(() => {});
    } else {
      inbox.live.stop();
      if (status.state !== 'unlocked') void clearDrafts().catch(() => {});
    }
  }
  void updateBadge();
});

async function tick(): Promise<void> {
  const unlocked = await unlockedAccounts();
  if (!unlocked.length) return updateBadge();
  if (await getSession().idleFor((await getSettings()).lockAfterMinutes)) {
    await accounts.lock();
    return;
  }
  await inbox.outbox.deliverDue();
  // Every account catches up, so the badge and notifications cover them all; the node may be down,
  // and the next tick tries again.
  for (const account of unlocked) await inbox.syncNow(account).catch(() => {});
}

browser.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name !== TICK) return;
  wakeups.alarm++;
  void tick();
});
async function ensureAlarm() {
  if (!(await browser.alarms.get(TICK))) await browser.alarms.create(TICK, { periodInMinutes: 1, delayInMinutes: 1 });
}
browser.runtime.onInstalled.addListener(() => void ensureAlarm());
browser.runtime.onStartup.addListener(() => void ensureAlarm());
void ensureAlarm();

browser.notifications.onClicked.addListener((id) => {
  void browser.notifications.clear(id);
  const target = parseNotificationId(id);
  void (async () => {
    // The conversation belongs to the account the notification named: make it current first.
    if (target && target.account !== (await currentAccount())) await accounts.switchAccount(target.account).catch(() => {});
    await browser.windows.create({
      url: browser.runtime.getURL(`popup.html${target ? hashOf({ name: 'conversation', topic: target.topic }) : ''}`),
      type: 'popup',
      width: 380,
      height: 640,
    });
  })();
});

// Read-only diagnostics for DevTools and tests (only this extension's own contexts can reach them).
Object.defineProperty(globalThis, 'xmtpInboxDiagnostics', {
  value: Object.freeze({
    cryptoBackend: async () => {
      await ensureFastCrypto();
      return getSignatureVerifier().name;
    },
    /** keep-alive exchanges on the live connection, reconnect attempts and alarms since the worker started */
    wakeups: () => ({ ...wakeups }),
    /** 'websocket' | 'http' | 'none': how the live subscription reaches the node right now */
    liveTransport: async () => {
      const a = await runningClient();
      if (!a || !inbox.live.active) return 'none';
      return a.nodes.currentNode.subscribe.usingWebSocket ? 'websocket' : 'http';
    },
  }),
});
