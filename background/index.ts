// Background entry (Chrome service worker / Firefox event page). Every listener is registered
// synchronously at top level so a restarted worker receives the event that woke it; all state needed
// to resume lives in IndexedDB and storage.session.
import browser from '../src/browser.ts';
import { createRouter } from './router.ts';
import { setRouter } from './events.ts';
import { wireBroadcasts } from './broadcast.ts';
import { appHandlers } from './handlers.ts';
import { providerHandlers } from './provider/index.ts';
import { setPlatform } from './platform.ts';
import * as accounts from './accounts.ts';
import * as inbox from './inbox.ts';
import { parseNotificationId, updateBadge } from './notify.ts';
import { getSettings } from './settings.ts';
import { ensureFastCrypto, getSession, runningClient, unlockedAccounts } from './xmtp-session.ts';
import { currentAccount } from './account-store.ts';
import { getSignatureVerifier } from '../src/xmtp/crypto/verifier.ts';
import { hashOf } from '../src/popup-route.ts';

const TICK = 'xmtp-inbox-tick';

setPlatform({
  session: browser.storage.session,
  setBadge: async (text) => {
    await browser.action.setBadgeText({ text });
    if (text) await browser.action.setBadgeBackgroundColor({ color: '#4f46e5' });
  },
  notify: async (id, title, message) => {
    await browser.notifications.create(id, { type: 'basic', iconUrl: browser.runtime.getURL('icons/icon-128.png'), title, message });
  },
  popupOpen: () => router.ports('popup').length > 0,
  secp256k1Wasm: async () => (await fetch(browser.runtime.getURL('secp256k1.wasm'))).arrayBuffer(),
});

const router = createRouter({ ...appHandlers, ...providerHandlers }, browser.runtime.getURL(''), {
  // Using the popup or a prompt is activity: it pushes back the auto-lock. Sites polling do not.
  onRequest: (caller, method) => {
    if (caller !== 'content' && method !== 'app.ping') void getSession().touch();
  },
});
setRouter(router);
browser.runtime.onConnect.addListener(router.attach);

// The popup being open is a reason to hold the live subscription.
let popupHold: (() => void) | undefined;
router.onPortsChanged(() => {
  const open = router.ports('popup').length > 0;
  if (open && !popupHold) {
    popupHold = inbox.live.acquire({ start: false });
    // The popup paints from the cache first; the client, the live stream and a catch-up start just
    // after, so the popup's first requests are not queued behind them.
    setTimeout(() => void inbox.live.ensure().catch(() => {}), 150);
  }
  if (!open && popupHold) {
    popupHold();
    popupHold = undefined;
  }
});

wireBroadcasts();
// Unlocking or switching accounts moves the live stream, the outbox and a catch-up to the current
// account; a rename or a backup changes none of that.
let streamingFor: string | undefined;
accounts.onStatus((status) => {
  const now = status.state === 'unlocked' ? status.address : undefined;
  if (now !== streamingFor) {
    streamingFor = now;
    if (now) {
      inbox.live.restart();
      inbox.outbox.kick();
      void inbox.syncNow().catch(() => {});
    } else {
      inbox.live.stop();
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
  if (alarm.name === TICK) void tick();
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
    /** 'websocket' | 'http' | 'none': how the live subscription reaches the node right now */
    liveTransport: async () => {
      const a = await runningClient();
      if (!a || !inbox.live.active) return 'none';
      return a.subscriptions.usingWebSocket ? 'websocket' : 'http';
    },
  }),
});
