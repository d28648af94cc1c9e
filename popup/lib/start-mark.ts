// Imported first by popup.tsx: marks when the popup's own code starts running, so the bench can tell
// the browser's part of opening the popup (page and bundle load) from the popup's part.
performance.mark('popup-start');
