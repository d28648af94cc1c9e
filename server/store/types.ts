// The storage interface shared by the SQLite and PostgreSQL backends.
import type { IndexCursor } from '../json.ts';

export interface StoredEnvelope {
  topic: string;
  /** Sender timestamp (envelope timestamp_ns), < 2^63. */
  ts: bigint;
  /** sha256(utf8(topic) ‖ message): the row identity with ts, and the cursor digest. */
  digest: Buffer;
  message: Buffer;
}

export interface QuerySpec {
  topics: string[];
  /** Inclusive bounds on ts; 0n = unbounded. */
  startTimeNs: bigint;
  endTimeNs: bigint;
  cursor: IndexCursor | null;
  ascending: boolean;
  limit: number;
}

/** An inclusive range of sender timestamps, 0 ≤ lo ≤ hi < 2^63. */
export interface TsRange {
  lo: bigint;
  hi: bigint;
}

/** What network repair compares between nodes: envelope count and the sums of fp_a and fp_b. */
export interface RangeFingerprint {
  count: bigint;
  a: bigint;
  b: bigint;
}

export interface EnvelopeId {
  ts: bigint;
  digest: Buffer;
}

/** An envelope's identity as a string (a Map key). */
export const idKey = (i: EnvelopeId): string => `${i.ts}:${i.digest.toString('hex')}`;

/** Only envelopes of these topics carry a publisher's proof on the network (see server/p2p/trust.ts). */
export const PROOF_TOPIC_PREFIX = '/xmtp/0/privatestore-';

/** The proof a client's publish gives an envelope, if its topic needs one: the request's auth token. */
export function proofFor(topic: string, authorization: string | undefined): Buffer | undefined {
  if (!topic.startsWith(PROOF_TOPIC_PREFIX) || !authorization?.startsWith('Bearer ')) return undefined;
  return Buffer.from(authorization.slice(7), 'base64');
}

/** An envelope with the publisher's proof that the network needs to accept it (see server/p2p/trust.ts). */
export interface ProvenEnvelope extends StoredEnvelope {
  meta?: Buffer;
}

/** The rows of table `proofs` for those envelopes that carry one. */
export const proofsOf = (envs: readonly ProvenEnvelope[]): Array<EnvelopeId & { meta: Buffer }> =>
  envs.flatMap((e) => (e.meta ? [{ ts: e.ts, digest: e.digest, meta: e.meta }] : []));

/** A row as Store.list returns it: the message itself only when it is small. */
export interface ListedEnvelope {
  topic: string;
  ts: bigint;
  digest: Buffer;
  /** Bytes of the message. */
  size: number;
  /** The message, or null when it is larger than the inline limit (fetch it with Store.messages). */
  message: Buffer | null;
}

export type EnvelopeKey = Pick<StoredEnvelope, 'topic' | 'ts' | 'digest'>;

export type Permission = 'allow' | 'deny';
export interface AclEntry {
  /** Lowercase 0x address. */
  address: string;
  permission: Permission;
  comment: string;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Stores envelopes durably (group-committed with concurrent callers). Resolves once they are on
   * disk, with the envelopes that were new (identical envelopes already stored are dropped).
   */
  insert(envelopes: StoredEnvelope[]): Promise<StoredEnvelope[]>;
  query(spec: QuerySpec): Promise<StoredEnvelope[]>;
  /**
   * As query, but messages larger than inlineMaxBytes are left out (only their size is read), so a
   * page of large envelopes costs no more memory than its keys.
   */
  list(spec: QuerySpec, inlineMaxBytes: number): Promise<ListedEnvelope[]>;
  /** The messages of these rows, in order (null for a row no longer stored). */
  messages(keys: EnvelopeKey[]): Promise<Array<Buffer | null>>;
  /** Fast seeding for benchmarks and tools: one big transaction, no fan-out. */
  bulkInsert(envelopes: StoredEnvelope[]): Promise<void>;
  count(): Promise<number>;
  /** One fingerprint per range, in order (network repair). */
  fingerprints(ranges: TsRange[]): Promise<RangeFingerprint[]>;
  /** Identities of the envelopes in a range, ascending by (ts, digest), at most `limit`. */
  rangeIds(range: TsRange, limit: number): Promise<EnvelopeId[]>;
  /** Envelopes of a range (with their proofs) ascending by (ts, digest), after `after` if given, at most `limit`. */
  rangeEnvelopes(range: TsRange, after: EnvelopeId | null, limit: number): Promise<ProvenEnvelope[]>;
  /** The stored envelopes among `ids` (with their proofs), in no particular order. */
  getByIds(ids: EnvelopeId[]): Promise<ProvenEnvelope[]>;
  /** Keeps publishers' proofs (idempotent); written before their envelopes. */
  saveProofs(proofs: Array<EnvelopeId & { meta: Buffer }>): Promise<void>;
  aclList(): Promise<AclEntry[]>;
  aclSet(entry: AclEntry): Promise<void>;
  aclRemove(address: string): Promise<boolean>;
  /** Migrations applied, newest last. */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}

export const MAX_INT64 = (1n << 63n) - 1n;
export const clampI64 = (n: bigint): bigint => (n > MAX_INT64 ? MAX_INT64 : n);

/** Cursor condition as the official node applies it (xmtp-node-api.md §7.3). */
export function cursorMode(c: IndexCursor | null): 'none' | 'tuple' | 'digest' {
  if (!c || c.digest.length === 0) return 'none';
  return c.senderTimeNs === 0n ? 'digest' : 'tuple';
}

/** Orders rows (ts, digest) bytewise, as Query does. */
export function compareRows(a: Pick<StoredEnvelope, 'ts' | 'digest'>, b: Pick<StoredEnvelope, 'ts' | 'digest'>): number {
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  return Buffer.compare(a.digest, b.digest);
}
