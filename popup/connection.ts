// Whether the background can reach the node, as it last said (`connection.get`, then `connection`
// events): the offline banner of the inbox and of a conversation reads it.
import type { ConnectionView } from '../src/views.ts';
import { Store, type Bg } from './state.ts';

export class NodeConnection {
  readonly store = new Store<ConnectionView>({ online: true, since: 0 });

  constructor(private readonly bg: Bg) {
    bg.on('connection', (c) => this.store.set(c));
    // The background restarted: it starts out assuming the node answers, and says so when it does not.
    bg.on('reconnect', () => void this.refresh());
  }

  refresh(): Promise<void> {
    return this.bg.call('connection.get').then(
      (c) => this.store.set(c),
      () => {},
    );
  }
}
