// Imported right after the start mark: the two slow first reads start before the rest of the popup's
// code is even evaluated (opening IndexedDB here; storage.session earlier still, in popup.html's first
// script: lib/first-read.ts); popup.tsx and local-cache.ts pick them up. storage.session is read once
// for both the session's keys and the first screen's snapshot.
import browser from '../../src/browser.ts';
import { openForReading, type CacheDb } from '../../src/cache/read.ts';
import { parseSession, SESSION_KEY, type StoredSession } from '../../src/cache/session-keys.ts';
import { FIRST_SCREEN_KEY, parseFirstScreen, type FirstScreen } from '../../src/cache/first-screen.ts';
import { takeFirstRead } from './first-read.ts';

/** The stored session and the snapshot, parsed (a failed read: none; the background answers instead). */
async function parseSessionArea(read: Promise<Record<string, unknown>>): Promise<{ session?: StoredSession; firstScreen?: FirstScreen }> {
  try {
    const got = await read;
    const session = parseSession(got[SESSION_KEY]);
    const firstScreen = parseFirstScreen(got[FIRST_SCREEN_KEY], session);
    return { ...(session && { session }), ...(firstScreen && { firstScreen }) };
  } catch {
    return {};
  }
}

/** The stored session if this page can read it (anything else: the background answers instead). */
export const readSession = (): Promise<StoredSession | undefined> =>
  browser.storage.session.get([SESSION_KEY]).then((got) => parseSession(got[SESSION_KEY]), () => undefined);

// started by popup.html's first script (lib/first-read.ts)
const area = parseSessionArea(takeFirstRead());
export const early: { db: Promise<CacheDb | undefined>; session: Promise<StoredSession | undefined>; firstScreen: Promise<FirstScreen | undefined> } = {
  db: openForReading().catch(() => undefined),
  session: area.then((r) => r.session),
  firstScreen: area.then((r) => r.firstScreen),
};
