// The official SDK against this node on PostgreSQL (throwaway cluster, or XMTP_TEST_PG_URL), in the
// production configuration: PostgreSQL store, NATS fan-out, a member of a network (peered with a
// SQLite node).
import { after, before, describe } from 'node:test';
import { startNode, type XmtpNode } from '../../server/node.ts';
import { startPostgres, type PgCluster } from '../support/postgres.ts';
import { sdkSuite } from './sdk-suite.ts';
import { startNats } from './nats-server.ts';

describe('official SDK 13.0.4 ⇄ node (PostgreSQL)', () => {
  let node: XmtpNode;
  let peer: XmtpNode;
  let cluster: PgCluster;
  let nats: Awaited<ReturnType<typeof startNats>>;
  before(async () => {
    [cluster, nats] = await Promise.all([startPostgres(), startNats()]);
    peer = await startNode({ port: 0, db: ':memory:', logLevel: 'warn', p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] } });
    const p2p = { listen: ['/ip4/127.0.0.1/tcp/0'], peers: [peer.network!.info().addrs[0]!], keyFile: null };
    node = await startNode({ port: 0, db: await cluster.createDatabase(), natsUrl: nats.url, logLevel: 'warn', p2p });
  });
  after(async () => {
    await Promise.all([node?.close(), peer?.close()]);
    await Promise.all([cluster?.stop(), nats?.stop()]);
  });
  sdkSuite(() => node);
});
