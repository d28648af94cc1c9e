// A node for one browser test file, on disk so that it can be stopped and started again mid-test (a
// node outage) with the same port and data. Started before the file's tests, removed after them.
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startNode, type NodeOptions, type XmtpNode } from '../../../server/node.ts';

export interface TestNode {
  readonly url: string;
  /** the folder of its database, for a second node on the same data */
  readonly dir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** open subscriptions right now (throws while stopped) */
  stats(): ReturnType<XmtpNode['stats']>;
}

export function testNode(prefix: string, opts: Partial<NodeOptions> = {}): TestNode {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  let node: XmtpNode | undefined;
  let port = 0;
  const t: TestNode = {
    get url() {
      if (!node) throw new Error('the test node is stopped');
      return node.url;
    },
    dir,
    async start() {
      node = await startNode({ port, db: path.join(dir, 'node.sqlite'), logLevel: 'error', rateLimits: false, ...opts });
      port = node.port;
    },
    async stop() {
      await node?.close();
      node = undefined;
    },
    stats() {
      if (!node) throw new Error('the test node is stopped');
      return node.stats();
    },
  };
  before(() => t.start());
  after(async () => {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return t;
}
