// Message API v1 semantics, independent of the transport: publish and the validation of queries
// (their answers are written by responses.ts).
import { createHash } from 'node:crypto';
import type { AccessControl } from './acl.ts';
import { ApiError, Code, invalidArgument } from './errors.ts';
import type { Envelope, QueryRequest } from './json.ts';
import { MAX_INT64 } from './json.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import { isEphemeral, MAX_MESSAGE_BYTES, topicCategory, topicOwner, validateTopic } from './topics.ts';
import { proofFor, proofsOf, type ProvenEnvelope, type Store, type StoredEnvelope } from './store/types.ts';
import type { Dispatcher } from './fanout/dispatcher.ts';
import { OutEnvelope } from './fanout/dispatcher.ts';
import type { Bus } from './fanout/bus.ts';

export const MAX_PAGE = 100;
export const MAX_PAGE_USER_PREFERENCES = 500;
export const MAX_BATCH = 50;
export const MAX_TOPICS_PER_QUERY = 100;

export function digestOf(topic: string, message: Buffer): Buffer {
  return createHash('sha256').update(topic, 'utf8').update(message).digest();
}

export interface ApiDeps {
  store: Store;
  dispatcher: Dispatcher;
  bus: Bus | null;
  acl: AccessControl;
  metrics: Metrics;
  log: Logger;
  /** Wallets that may publish to anyone's contact-/privatestore- topic. */
  privileged: Set<string>;
}

/** Validates every envelope of a publish; nothing is stored unless all are valid. */
export function validateEnvelopes(envelopes: Envelope[]): void {
  envelopes.forEach((e, i) => {
    try {
      validateTopic(e.contentTopic);
      if (e.message.length > MAX_MESSAGE_BYTES) throw invalidArgument('message too big');
      if (e.timestampNs > MAX_INT64) throw invalidArgument('timestampNs out of range (must be < 2^63)');
    } catch (err) {
      if (err instanceof ApiError && envelopes.length > 1) throw new ApiError(err.code, `envelopes[${i}]: ${err.message}`);
      throw err;
    }
  });
}

/** contact-/privatestore- topics belong to the wallet named in them (exact EIP-55 string). */
export function checkOwnership(envelopes: Envelope[], wallet: string, privileged: Set<string>): void {
  if (privileged.has(wallet.toLowerCase())) return;
  for (const e of envelopes) {
    const owner = topicOwner(e.contentTopic);
    if (owner !== null && owner !== wallet) throw new ApiError(Code.PERMISSION_DENIED, 'publishing to restricted topic');
  }
}

/**
 * Stores (durably) what is not ephemeral, then fans out what is new plus the ephemeral envelopes.
 * Resolves with those (new and ephemeral, in request order): what the network must hear of.
 * `authorization` (given when the node is in a network, or is one of several processes, any of
 * which may be its member): key store writes carry it as their proof (`meta`), kept before they are
 * stored, so that whichever process relays them finds it.
 */
export async function publish(deps: ApiDeps, envelopes: Envelope[], authorization?: string): Promise<ProvenEnvelope[]> {
  const rows = envelopes.map((e): ProvenEnvelope => {
    const row = { topic: e.contentTopic, ts: e.timestampNs, message: e.message, digest: digestOf(e.contentTopic, e.message) };
    const meta = authorization === undefined ? undefined : proofFor(row.topic, authorization);
    return meta ? { ...row, meta } : row;
  });
  const proofs = proofsOf(rows);
  if (proofs.length) await deps.store.saveProofs(proofs);
  return storeAndFanOut(deps, rows);
}

/** publish() for envelopes whose digest is known (those that came from other nodes). Resolves with the given objects. */
export async function storeAndFanOut<E extends StoredEnvelope>(deps: ApiDeps, envelopes: E[]): Promise<E[]> {
  const stored: E[] = [];
  const ephemeral: E[] = [];
  const order: Array<{ eph: boolean; e: E }> = [];
  for (const s of envelopes) {
    const eph = isEphemeral(s.topic);
    (eph ? ephemeral : stored).push(s);
    order.push({ eph, e: s });
  }
  let fresh: StoredEnvelope[] = [];
  if (stored.length) {
    try {
      fresh = await deps.store.insert(stored);
    } catch (err) {
      deps.log.error('store write failed', { err: String(err) });
      throw new ApiError(Code.INTERNAL, `storing envelopes: ${(err as Error).message}`);
    }
  }
  deps.metrics.envelopes.inc({ outcome: 'stored' }, fresh.length);
  deps.metrics.envelopes.inc({ outcome: 'duplicate' }, stored.length - fresh.length);
  deps.metrics.envelopes.inc({ outcome: 'ephemeral' }, ephemeral.length);
  // Local fan-out in request order; duplicates (already delivered when first stored) are skipped.
  const freshSet = new Set(fresh);
  const news = order.filter((o) => o.eph || freshSet.has(o.e)).map((o) => o.e);
  const out = news.map((e) => new OutEnvelope(e.topic, e.ts, e.message));
  deps.metrics.delivered.inc({}, deps.dispatcher.dispatch(out));
  if (deps.bus && (fresh.length || ephemeral.length)) {
    try {
      await deps.bus.publish(fresh, ephemeral);
    } catch (err) {
      // Stored envelopes are durable and queryable; only live delivery on other processes is lost.
      deps.log.error('fan-out to other node processes failed', { bus: deps.bus.name, err: String(err) });
    }
  }
  return news;
}

export function effectiveLimit(q: QueryRequest): number {
  const limit = q.pagingInfo.limit;
  const max = q.contentTopics.length === 1 && topicCategory(q.contentTopics[0]!) === 'userpreferences' ? MAX_PAGE_USER_PREFERENCES : MAX_PAGE;
  if (limit > max) throw invalidArgument(`cannot exceed ${MAX_PAGE} rows per query`);
  return limit === 0 ? MAX_PAGE : limit;
}

export function validateQuery(q: QueryRequest): number {
  if (!q.contentTopics.length) throw invalidArgument('content topics required');
  if (q.contentTopics.length > MAX_TOPICS_PER_QUERY) throw invalidArgument(`cannot exceed ${MAX_TOPICS_PER_QUERY} topics per query`);
  for (const t of q.contentTopics) validateTopic(t);
  return effectiveLimit(q);
}
