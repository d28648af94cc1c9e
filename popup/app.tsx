// The popup app: status decides the screen (onboarding, unlock, inbox); inside the inbox a small route
// picks conversation, new conversation or settings. The inbox stays mounted underneath the other
// screens, so coming back is instant and keeps its scroll position and tab.
import { useEffect, useRef, useState } from 'preact/hooks';
import browser from '../src/browser.ts';
import type { AppStatus } from '../src/views.ts';
import { useStore, type Bg, type Inbox as InboxModel, type Session } from './state.ts';
import type { NameBook } from './names.ts';
import type { NodeConnection } from './connection.ts';
import { Onboarding, type PageWalletTarget } from './screens/Onboarding.tsx';
import { Unlock } from './screens/Unlock.tsx';
import { Inbox, ListSkeleton } from './screens/Inbox.tsx';
import { Conversation } from './screens/Conversation.tsx';
import { prefetchMessages } from './screens/useConversationMessages.ts';
import { NewConversation } from './screens/NewConversation.tsx';
import { Settings } from './screens/Settings.tsx';
import { Accounts } from './screens/Accounts.tsx';
import { Backup } from './screens/Backup.tsx';
import { AccountSwitcher } from './components/AccountSwitcher.tsx';
import { ErrorNote } from './components/ui.tsx';
import { routeFromHash, type Route } from '../src/popup-route.ts';

export interface AppProps {
  bg: Bg;
  inbox: InboxModel;
  session: Session;
  names: NameBook;
  connection: NodeConnection;
}

export function App({ bg, inbox, session, names, connection }: AppProps) {
  const { status, fatal } = useStore(session.store);
  const setStatus = (s: AppStatus) => session.set(s);
  const setFatal = (e: unknown) => session.fail(e);
  const [route, setRoute] = useState<Route>(() => routeFromHash(location.hash));
  const [pageWallets, setPageWallets] = useState<PageWalletTarget[]>([]);
  const [prefetched, setPrefetched] = useState<ReturnType<typeof prefetchMessages> | undefined>();

  const loadStatus = () => session.refresh();

  const state = status?.state;
  const address = status?.address;
  const shownFor = useRef(address);
  useEffect(() => {
    const switched = shownFor.current !== undefined && shownFor.current !== address;
    shownFor.current = address;
    if (state === 'unlocked') {
      if (switched && inbox.store.get().conversations) {
        // Another account: its inbox replaces this one's, and a conversation open belongs to the other.
        inbox.clear();
        setRoute((r) => (r.name === 'conversation' || r.name === 'new' ? { name: 'inbox' } : r));
      }
      // usually already there: the first page was asked for before the first render
      if (!inbox.store.get().conversations) void inbox.load();
    } else if (state) {
      // Locked or signed out: nothing of the inbox stays on screen or in memory.
      inbox.clear();
      setRoute({ name: 'inbox' });
    }
    if (state === 'onboarding') void findPageWallets().then(setPageWallets);
  }, [state, address]);
  useEffect(() => {
    if (route.name === 'add-account') void findPageWallets().then(setPageWallets);
  }, [route.name]);

  // Escape goes back to the inbox from any other screen (dialogs and pickers stop it first).
  const inner = state === 'unlocked' && route.name !== 'inbox';
  useEffect(() => {
    if (!inner) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) setRoute({ name: 'inbox' });
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [inner]);

  if (!status) {
    return fatal ? <Fatal message={fatal} onRetry={() => void loadStatus()} /> : <Shell />;
  }
  if (status.state === 'onboarding') {
    return (
      <main class="app">
        <Onboarding bg={bg} pageWallets={pageWallets} nodeSettings onDone={() => void loadStatus()} />
      </main>
    );
  }
  if (status.state === 'locked') {
    return (
      <main class="app">
        <Unlock bg={bg} status={status} onUnlocked={setStatus} canStartOver />
      </main>
    );
  }

  const toInbox = () => setRoute({ name: 'inbox' });
  const open = (topic: string) => {
    performance.mark('conversation-open');
    const first = prefetchMessages(bg, topic);
    inbox.waitingOn(first.page);
    setPrefetched(first);
    inbox.view.lastOpened = topic;
    setRoute({ name: 'conversation', topic });
  };
  const lock = () => bg.call('account.lock').then(setStatus, setFatal);
  const switchTo = (address: string) => bg.call('account.switch', { address }).then(setStatus, setFatal);
  const current = status.accounts.find((a) => a.address === status.address);
  const backupRoute = (address: string) => setRoute({ name: 'backup', address });
  const backupAccount = route.name === 'backup' ? status.accounts.find((a) => a.address === route.address) : undefined;

  return (
    <main class="app">
      {route.name === 'inbox' && (
        <Inbox
          bg={bg}
          inbox={inbox}
          names={names}
          connection={connection}
          me={status.address}
          onOpen={open}
          onNew={() => setRoute({ name: 'new' })}
          onSettings={() => setRoute({ name: 'settings' })}
          onLock={lock}
          account={<AccountSwitcher status={status} onSwitch={switchTo} onAdd={() => setRoute({ name: 'add-account' })} onManage={() => setRoute({ name: 'accounts' })} />}
          notice={
            current && current.backup !== 'none' && !current.backedUp ? (
              <div class="banner warn" role="note">
                <span>This wallet lives only in this browser. Back it up so you never lose it.</span>
                <button type="button" class="btn small" onClick={() => backupRoute(current.address)}>
                  Back up
                </button>
              </div>
            ) : undefined
          }
        />
      )}
      {route.name === 'accounts' && (
        <Accounts bg={bg} status={status} onBack={toInbox} onAdd={() => setRoute({ name: 'add-account' })} onBackup={backupRoute} onStatus={setStatus} />
      )}
      {route.name === 'add-account' && (
        <Onboarding bg={bg} adding pageWallets={pageWallets} onCancel={toInbox} onDone={() => toInbox()} />
      )}
      {backupAccount && <Backup bg={bg} account={backupAccount} onBack={toInbox} />}
      {route.name === 'conversation' && <Conversation key={route.topic} bg={bg} inbox={inbox} names={names} connection={connection} topic={route.topic} me={status.address} onBack={toInbox} prefetched={prefetched} />}
      {route.name === 'new' && (
        <NewConversation
          bg={bg}
          names={names}
          me={status.address}
          onBack={toInbox}
          onStarted={(c) => {
            inbox.upsert(c);
            open(c.id);
          }}
        />
      )}
      {route.name === 'settings' && (
        <Settings
          bg={bg}
          names={names}
          status={status}
          connection={connection}
          onBack={toInbox}
          onLock={lock}
          onStatus={setStatus}
          onBackup={backupRoute}
          onAccounts={() => setRoute({ name: 'accounts' })}
        />
      )}
      {fatal && (
        <div class="toast">
          <ErrorNote>{fatal}</ErrorNote>
        </div>
      )}
    </main>
  );
}

/**
 * The open web pages whose wallet can sign in: every tab's top page that our content script runs in
 * answers with its origin and title (the extension may not read tabs' addresses itself). The active
 * tab of this window comes first; this page itself never counts.
 */
async function findPageWallets(): Promise<PageWalletTarget[]> {
  try {
    const [tabs, self, [active]] = await Promise.all([browser.tabs.query({}), browser.tabs.getCurrent(), browser.tabs.query({ active: true, currentWindow: true })]);
    const asked = tabs
      .filter((t) => t.id !== undefined && t.id !== self?.id && !t.discarded)
      .map(async (t): Promise<PageWalletTarget | undefined> => {
        const answer = await Promise.race([
          browser.tabs.sendMessage(t.id!, { pageInfo: true }, { frameId: 0 }).catch(() => undefined),
          new Promise((r) => setTimeout(r, 500)),
        ]);
        const a = answer as { origin?: unknown; title?: unknown } | undefined;
        if (typeof a?.origin !== 'string' || !/^https?:\/\/[^/\s]+$/.test(a.origin)) return undefined;
        return { tabId: t.id, origin: new URL(a.origin).host, title: typeof a.title === 'string' ? a.title.slice(0, 120) : undefined };
      });
    const found = (await Promise.all(asked)).filter((t): t is PageWalletTarget => !!t);
    return found.sort((x, y) => Number(y.tabId === active?.id) - Number(x.tabId === active?.id));
  } catch {
    return [];
  }
}

/** What shows for the few milliseconds before the background answers: the inbox's frame. */
function Shell() {
  return (
    <main class="app" aria-busy="true">
      <section class="screen inbox">
        <header class="bar">
          <img src="icons/icon-32.png" width={24} height={24} alt="" />
          <h1>XMTP Inbox</h1>
        </header>
        <ListSkeleton rows={8} announce={false} />
      </section>
    </main>
  );
}

function Fatal({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <main class="app">
      <section class="screen pad stack center" aria-labelledby="fatal-title">
        <h1 id="fatal-title">Cannot reach the extension</h1>
        <ErrorNote>{message}</ErrorNote>
        <button type="button" class="btn primary" onClick={onRetry}>
          Try again
        </button>
      </section>
    </main>
  );
}
