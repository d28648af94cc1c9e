// The keys of what an unlocked session keeps in storage.session (memory only, closed to content
// scripts). A module of their own, so popup.html's first script reads them without the code that
// parses what is stored under them (session-keys.ts, first-screen.ts).
export const SESSION_KEY = 'unlocked';
export const FIRST_SCREEN_KEY = 'firstScreen';
