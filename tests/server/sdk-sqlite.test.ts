// The official SDK against this node on SQLite, on both nodes of a two-node network (each its own
// SQLite store, relaying to the other): every node of a network serves the SDK unchanged.
import { after, before, describe } from 'node:test';
import { startNode, type XmtpNode } from '../../server/node.ts';
import { sdkSuite } from './sdk-suite.ts';

const p2p = (peers: string[] = []) => ({ listen: ['/ip4/127.0.0.1/tcp/0'], peers });
let a: XmtpNode;
let b: XmtpNode;
before(async () => {
  a = await startNode({ port: 0, db: ':memory:', logLevel: 'warn', p2p: p2p() });
  b = await startNode({ port: 0, db: ':memory:', logLevel: 'warn', p2p: p2p([a.network!.info().addrs[0]!]) });
});
after(() => Promise.all([a?.close(), b?.close()]));

describe('official SDK 13.0.4 ⇄ node (SQLite), network node A', () => sdkSuite(() => a));
describe('official SDK 13.0.4 ⇄ node (SQLite), network node B', () => sdkSuite(() => b));
