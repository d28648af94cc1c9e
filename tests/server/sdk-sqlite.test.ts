// The official SDK against this node on SQLite.
import { after, before, describe } from 'node:test';
import { startNode, type XmtpNode } from '../../server/node.ts';
import { sdkSuite } from './sdk-suite.ts';

describe('official SDK 13.0.4 ⇄ node (SQLite)', () => {
  let node: XmtpNode;
  before(async () => {
    node = await startNode({ port: 0, db: ':memory:', logLevel: 'warn' });
  });
  after(() => node.close());
  sdkSuite(() => node);
});
