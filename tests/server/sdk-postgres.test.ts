// The official SDK against this node on PostgreSQL (throwaway cluster, or XMTP_TEST_PG_URL).
import { after, before, describe } from 'node:test';
import { startNode, type XmtpNode } from '../../server/node.ts';
import { startPostgres, type PgCluster } from '../support/postgres.ts';
import { sdkSuite } from './sdk-suite.ts';

describe('official SDK 13.0.4 ⇄ node (PostgreSQL)', () => {
  let node: XmtpNode;
  let cluster: PgCluster;
  before(async () => {
    cluster = await startPostgres();
    node = await startNode({ port: 0, db: await cluster.createDatabase(), logLevel: 'warn' });
  });
  after(async () => {
    await node?.close();
    await cluster?.stop();
  });
  sdkSuite(() => node);
});
