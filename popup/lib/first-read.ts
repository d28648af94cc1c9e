// The first screen waits for one storage.session read: the session's keys and the background's
// snapshot (early-reads.ts). In a new extension process it takes about 10 ms, and the main bundle's
// evaluation used to end before it. So popup.html starts it in a tiny script of its own
// (popup/session-read.ts), ahead of the stylesheet and the main bundle, and the read runs while the
// browser loads them; early-reads.ts takes it over.
import browser from '../../src/browser.ts';
import { FIRST_SCREEN_KEY, SESSION_KEY } from '../../src/cache/session-area.ts';

const KEYS = [SESSION_KEY, FIRST_SCREEN_KEY];

declare global {
  /** the read popup.html's first script started, until the main bundle takes it */
  var popupFirstRead: Promise<Record<string, unknown>> | undefined;
}

/** The read as a promise, even where the area is missing (it then fails, and the background answers). */
function read(): Promise<Record<string, unknown>> {
  try {
    return browser.storage.session.get(KEYS);
  } catch (e) {
    return Promise.reject(e);
  }
}

export function startFirstRead(): void {
  globalThis.popupFirstRead ??= read();
}

/** The read popup.html's first script started (or a new one if it did not run), handed over once. */
export function takeFirstRead(): Promise<Record<string, unknown>> {
  const started = globalThis.popupFirstRead;
  globalThis.popupFirstRead = undefined;
  return started ?? read();
}
