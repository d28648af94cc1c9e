// Shared helpers for the client integration tests.
import { startNode, type XmtpNode } from '../../server/node.ts';
import { randomBytes } from '../../src/xmtp/crypto/bytes.ts';
import { privateKeySigner, type PrivateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';

export async function startTestNode(): Promise<XmtpNode> {
  return startNode({ port: 0, db: ':memory:', logLevel: 'error', rateLimits: false });
}

export const newWallet = (): PrivateKeySigner => privateKeySigner(randomBytes(32));

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Next value of an async iterator, or a rejection after `ms`. */
export async function next<T>(it: AsyncIterator<T>, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no value within ${ms} ms`)), ms);
  });
  try {
    const r = await Promise.race([it.next(), timeout]);
    if (r.done) throw new Error('stream ended');
    return r.value;
  } finally {
    clearTimeout(timer);
  }
}

/** Collects `n` values. */
export async function take<T>(it: AsyncIterator<T>, n: number, ms = 5000): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await next(it, ms));
  return out;
}

/** Resolves when `cond()` holds, polling. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/** Open HTTP stream subscriptions on the node. */
export async function httpSubscribers(node: Pick<XmtpNode, 'stats'>): Promise<number> {
  return node.stats().httpStreams;
}

/**
 * The official SDK gives no "subscribed" signal: wait until the node counts `extra` more HTTP
 * stream subscriptions than `baseline`.
 */
export async function waitForSubscribers(node: Pick<XmtpNode, 'stats'>, baseline: number, extra: number, ms = 10_000): Promise<void> {
  await until(async () => (await httpSubscribers(node)) >= baseline + extra, ms);
}
