// Imported right after the start mark: the two slow first reads (opening IndexedDB, storage.session)
// start before the rest of the popup's code is even evaluated; popup.tsx and local-cache.ts pick them up.
// storage.session is read once for both the session's keys and the first screen's snapshot.
import browser from '../../src/browser.ts';
import { openForReading, type CacheDb } from '../../src/cache/read.ts';
import { parseSession, SESSION_KEY, type StoredSession } from '../../src/cache/session-keys.ts';
import { FIRST_SCREEN_KEY, parseFirstScreen, type FirstScreen } from '../../src/cache/first-screen.ts';

/** The stored session (and the snapshot) if this page can read them (anything else: the background answers instead). */
async function readSessionArea(keys: string[]): Promise<{ session?: StoredSession; firstScreen?: FirstScreen }> {
  try {
    const got = await browser.storage.session.get(keys);
    const session = parseSession(got[SESSION_KEY]);
    const firstScreen = parseFirstScreen(got[FIRST_SCREEN_KEY], session);
    return { ...(session && { session }), ...(firstScreen && { firstScreen }) };
  } catch {
    return {};
  }
}

export const readSession = (): Promise<StoredSession | undefined> => readSessionArea([SESSION_KEY]).then((r) => r.session);

const area = readSessionArea([SESSION_KEY, FIRST_SCREEN_KEY]);
export const early: { db: Promise<CacheDb | undefined>; session: Promise<StoredSession | undefined>; firstScreen: Promise<FirstScreen | undefined> } = {
  db: openForReading().catch(() => undefined),
  session: area.then((r) => r.session),
  firstScreen: area.then((r) => r.firstScreen),
};
