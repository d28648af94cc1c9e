// The official SDK against this node on PostgreSQL (throwaway cluster, or XMTP_TEST_PG_URL), in the
// production configuration: PostgreSQL store, NATS fan-out.
import { after, before, describe } from 'node:test';
import { startNode, type XmtpNode } from '../../server/node.ts';
import { startPostgres, type PgCluster } from '../support/postgres.ts';
import { sdkSuite } from './sdk-suite.ts';
import { startNats } from './nats-server.ts';

describe('official SDK 13.0.4 ⇄ node (PostgreSQL)', () => {
  let node: XmtpNode;
  let cluster: PgCluster;
  let nats: Awaited<ReturnType<typeof startNats>>;
  before(async () => {
    [cluster, nats] = await Promise.all([startPostgres(), startNats()]);
    node = await startNode({ port: 0, db: await cluster.createDatabase(), natsUrl: nats.url, logLevel: 'warn' });
  });
  after(async () => {
    await node?.close();
    await Promise.all([cluster?.stop(), nats?.stop()]);
  });
  sdkSuite(() => node);
});
