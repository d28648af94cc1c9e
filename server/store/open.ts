// Opens the store named by a --db value, and the fan-out bus that goes with it.
import type { Bus } from '../fanout/bus.ts';
import { DEFAULT_NATS_URL, NatsBus } from '../fanout/nats.ts';
import { CHANNEL, PgNotifyBus } from '../fanout/pgnotify.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { PgStore } from './postgres.ts';
import { SqliteStore } from './sqlite.ts';
import type { Store } from './types.ts';

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

export async function openStore(
  db: string,
  o: { metrics?: Metrics; log: Logger; nodeId: string; bus?: 'none' | 'pg-notify' | 'nats'; natsUrl?: string },
): Promise<{ store: Store; bus: Bus | null }> {
  const onCommit = (s: number) => o.metrics?.storeWriteDuration.observe({}, s);
  if (!isPostgresUrl(db)) {
    if (o.bus && o.bus !== 'none') throw new Error(`fan-out bus ${o.bus} needs a PostgreSQL database (several processes cannot share SQLite)`);
    return { store: new SqliteStore(db, { onCommit }), bus: null };
  }
  // NATS measured better than LISTEN/NOTIFY under the fan-out benchmark (server/README.md), so it is
  // the default; pg-notify remains for deployments that cannot run a NATS server.
  const kind = o.bus ?? 'nats';
  const store = await PgStore.open(db, { onCommit, notify: kind === 'pg-notify' ? { channel: CHANNEL, nodeId: o.nodeId } : undefined });
  if (kind === 'none') return { store, bus: null };
  if (kind === 'nats') return { store, bus: new NatsBus(o.natsUrl ?? process.env.XMTP_NATS_URL ?? DEFAULT_NATS_URL, o.nodeId, o.log, store) };
  return { store, bus: new PgNotifyBus(store, o.nodeId, o.log) };
}
