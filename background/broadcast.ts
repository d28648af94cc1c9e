// What the background tells connected contexts on its own: lock state changes (popup, prompt),
// conversation and message changes, and the node's reachability (popup). The provider tells pages
// through its own listeners.
import { emit } from './events.ts';
import * as accounts from './accounts.ts';
import * as inbox from './inbox.ts';
import { onUnreadChanged } from './notify.ts';
import { onConnectionChange } from './connection.ts';

let wired = false;

export function wireBroadcasts(): void {
  if (wired) return;
  wired = true;
  inbox.onMessages((_account, changed) => {
    for (const [topic, messages] of changed) emit('messages', { topic, messages }, ['popup']);
  });
  inbox.onConversations((_account, topics) => emit('conversations', { topics }, ['popup']));
  accounts.onStatus((status) => emit('status', status, ['popup', 'prompt']));
  // The switcher shows each account's unread count: a new count is a new status for the popup only.
  onUnreadChanged(() => void accounts.status().then((s) => emit('status', s, ['popup', 'prompt'])));
  onConnectionChange((c) => emit('connection', c, ['popup']));
}
