// Popup entry: the inbox a person opens from the toolbar. It paints its first screen on its own: the
// status and the first page of conversations are read straight from the cache (local-cache.ts: same
// origin as the background, which may not even be running), before the first render, and their answers
// go straight into the stores. Then the port to the background opens for live updates and everything
// the popup cannot do itself.
import './lib/start-mark.ts';
import { early } from './lib/early-reads.ts';
import { render } from 'preact';
import { PortClient } from '../src/port-client.ts';
import { Inbox, Session, FIRST_PAGE, firstPageParams } from './state.ts';
import { App } from './app.tsx';
import { NameBook } from './names.ts';
import { NodeConnection } from './connection.ts';
import { LocalCache, LocalFirst } from './local-cache.ts';
import { afterNextPaint } from './lib/perf.ts';
import { adoptListTimeLabels, prepareListTimes } from '../src/time-labels.ts';
import './styles.css';

const port = new PortClient('popup');
const cache = new LocalCache();
let session: Session | undefined;
const bg = new LocalFirst(port, cache, () => session?.store.get().status?.address);
const first = cache.firstScreen(FIRST_PAGE);
// The background's snapshot of the first screen, read with the session's keys (src/cache/first-screen.ts):
// when there is one, it paints before IndexedDB has even opened; the cache's own first page follows.
const snapshot = early.firstScreen;
session = new Session(bg, snapshot.then((s) => s?.status ?? first.then((f) => f?.status ?? port.call('app.status'))));
const inbox = new Inbox(bg);
const names = new NameBook(bg, () => inbox.afterWaitedOn());
const connection = new NodeConnection(bg);
void snapshot.then((s) => {
  // The rows' time labels come made with the snapshot: in a new process the first Intl format costs
  // 10-20 ms, which would fall right before the first paint. Without them, the formats are made now,
  // while the main thread waits for the cache.
  if (!s?.times || !adoptListTimeLabels(s.times)) prepareListTimes();
  if (!s) return;
  const painted = !inbox.store.get().conversations; // else the cache answered first
  if (s.names) names.seed(s.names);
  if (painted) inbox.replace(s.conversations, false);
  // (tests and the bench: which account's snapshot was read, and whether the list painted from it)
  performance.mark('first-screen-snapshot', { detail: { account: s.account, conversations: s.conversations.length, names: Object.keys(s.names ?? {}).length, painted } });
});
// Locked or no account: this fails quietly and the app asks again once unlocked.
void inbox.load(first.then((f) => f?.conversations ?? port.call('conversations.list', firstPageParams)), { quiet: true });
// Once the first screen is painted: the background, for live updates (events sent before are read
// again). Not sooner: a stopped worker starts in the popup's own process, and would delay the paint.
// (The mark tells tests and the bench that the popup painted without the background.)
void first.then((f) => f && performance.mark('first-screen-local', { detail: { state: f.status.state, conversations: f.conversations?.length ?? null } }));
void first.finally(() =>
  // two frames: the one the first screen is rendered into, then one more, so that a worker starting
  // (in this same process) cannot delay the first screen's paint or its timing
  afterNextPaint(() =>
    afterNextPaint(() => {
      bg.connect();
      void session!.refresh();
      void connection.refresh();
      // for what comes next (a conversation's clock times, new rows), off the first paint's path
      prepareListTimes();
    }),
  ),
);

// One first render, of the real first screen: the app mounts once the status is known (with a snapshot,
// a few microtasks after this script ends), or at the next frame if it is not known by then, which then
// shows the shell. Mounting at once would render the shell, and then the inbox over it, before the paint.
let mounted = false;
const mount = () => {
  if (mounted) return;
  mounted = true;
  stopWaiting();
  render(<App bg={bg} inbox={inbox} session={session} names={names} connection={connection} />, document.getElementById('app')!);
};
const stopWaiting = session.store.subscribe(mount);
requestAnimationFrame(mount);
