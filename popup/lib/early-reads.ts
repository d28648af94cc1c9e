// Imported right after the start mark: the two slow first reads (opening IndexedDB, the session's keys)
// start before the rest of the popup's code is even evaluated; local-cache.ts picks them up.
import browser from '../../src/browser.ts';
import { openForReading, type CacheDb } from '../../src/cache/read.ts';
import { parseSession, SESSION_KEY, type StoredSession } from '../../src/cache/session-keys.ts';

/** The stored session if this page can read it (anything else: the background answers instead). */
export async function readSession(): Promise<StoredSession | undefined> {
  try {
    return parseSession((await browser.storage.session.get(SESSION_KEY))[SESSION_KEY]);
  } catch {
    return undefined;
  }
}

export const early: { db: Promise<CacheDb | undefined>; session: Promise<StoredSession | undefined> } = {
  db: openForReading().catch(() => undefined),
  session: readSession(),
};
