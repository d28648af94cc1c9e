// Proto3 JSON mapping of the Message API v1 messages, as the official node's gateway reads and
// writes them (xmtp-node-api.md §2.2, §2.3): field names in lowerCamelCase or snake_case, uint64 as
// decimal strings (or JSON numbers), bytes as standard or URL-safe base64 (padding optional), enums
// by name or number, unknown fields ignored, null = default. Output: lowerCamelCase, uint64 as
// strings, standard padded base64, enum names, defaults emitted.
import { invalidArgument } from './errors.ts';

export const MAX_UINT64 = (1n << 64n) - 1n;
export const MAX_INT64 = (1n << 63n) - 1n;

export type SortDirection = 0 | 1 | 2;
export const DIRECTION_NAMES = ['SORT_DIRECTION_UNSPECIFIED', 'SORT_DIRECTION_ASCENDING', 'SORT_DIRECTION_DESCENDING'] as const;

export interface Envelope {
  contentTopic: string;
  timestampNs: bigint;
  message: Buffer;
}

export interface IndexCursor {
  digest: Buffer; // empty = absent
  senderTimeNs: bigint; // 0 = absent
}

export interface PagingInfo {
  limit: number;
  cursor: IndexCursor | null;
  direction: SortDirection;
}

export interface QueryRequest {
  contentTopics: string[];
  startTimeNs: bigint;
  endTimeNs: bigint;
  pagingInfo: PagingInfo;
}

type Obj = Record<string, unknown>;

/** Parses a request body: empty = `{}`; anything else must be a JSON object. */
export function parseBody(text: string): Obj {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalidArgument(`invalid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidArgument(`invalid request: expected a JSON object, got ${describe(value)}`);
  }
  return value as Obj;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Field lookup accepting the lowerCamelCase and the original snake_case name; null = absent. */
function field(obj: Obj, camel: string, snake?: string): unknown {
  let v = obj[camel];
  if (v === undefined && snake !== undefined) v = obj[snake];
  return v === null ? undefined : v;
}

function asObject(v: unknown, path: string): Obj | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || v === null) {
    throw invalidArgument(`invalid value for ${path}: expected an object, got ${describe(v)}`);
  }
  return v as Obj;
}

function asArray(v: unknown, path: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw invalidArgument(`invalid value for ${path}: expected an array, got ${describe(v)}`);
  return v;
}

function asString(v: unknown, path: string): string {
  if (v === undefined) return '';
  if (typeof v !== 'string') throw invalidArgument(`invalid value for ${path}: expected a string, got ${describe(v)}`);
  return v;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

export function parseUint64(v: unknown, path: string): bigint {
  if (v === undefined) return 0n;
  if (typeof v === 'string') {
    if (!DECIMAL.test(v)) throw invalidArgument(`invalid value for ${path}: ${JSON.stringify(v.slice(0, 40))} is not an unsigned integer`);
    const n = BigInt(v);
    if (n > MAX_UINT64) throw invalidArgument(`invalid value for ${path}: out of range for uint64`);
    return n;
  }
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) throw invalidArgument(`invalid value for ${path}: ${v} is not an unsigned integer`);
    if (!Number.isSafeInteger(v)) {
      throw invalidArgument(`invalid value for ${path}: ${v} cannot be represented exactly as a JSON number; send uint64 values as decimal strings`);
    }
    return BigInt(v);
  }
  throw invalidArgument(`invalid value for ${path}: expected a uint64 (decimal string), got ${describe(v)}`);
}

export function parseUint32(v: unknown, path: string): number {
  if (v === undefined) return 0;
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && DECIMAL.test(v)) n = Number(v);
  else throw invalidArgument(`invalid value for ${path}: expected a uint32, got ${describe(v)}`);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw invalidArgument(`invalid value for ${path}: ${String(v)} is not a uint32`);
  return n;
}

const B64_STD = /^[A-Za-z0-9+/]*={0,2}$/;
const B64_URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Standard or URL-safe base64, padded or not, strictly validated (Buffer.from alone is lenient). */
export function parseBytes(v: unknown, path: string): Buffer {
  if (v === undefined) return Buffer.alloc(0);
  if (typeof v !== 'string') throw invalidArgument(`invalid value for ${path}: expected base64 bytes, got ${describe(v)}`);
  const std = B64_STD.test(v);
  if (!std && !B64_URL.test(v)) throw invalidArgument(`invalid value for ${path}: illegal base64 data`);
  const eq = v.indexOf('=');
  const body = eq === -1 ? v.length : eq;
  if (body % 4 === 1 || (eq !== -1 && v.length % 4 !== 0)) throw invalidArgument(`invalid value for ${path}: illegal base64 data`);
  return Buffer.from(v, std ? 'base64' : 'base64url');
}

function parseDirection(v: unknown, path: string): SortDirection {
  if (v === undefined) return 0;
  if (typeof v === 'number' && (v === 0 || v === 1 || v === 2)) return v;
  if (typeof v === 'string') {
    const i = (DIRECTION_NAMES as readonly string[]).indexOf(v);
    if (i >= 0) return i as SortDirection;
  }
  throw invalidArgument(`invalid value for ${path}: ${JSON.stringify(v)} is not a SortDirection`);
}

export function parseEnvelope(v: unknown, path: string): Envelope {
  const o = asObject(v, path) ?? {};
  return {
    contentTopic: asString(field(o, 'contentTopic', 'content_topic'), `${path}.contentTopic`),
    timestampNs: parseUint64(field(o, 'timestampNs', 'timestamp_ns'), `${path}.timestampNs`),
    message: parseBytes(field(o, 'message'), `${path}.message`),
  };
}

export function parsePublishRequest(body: Obj): Envelope[] {
  return asArray(field(body, 'envelopes'), 'envelopes').map((e, i) => parseEnvelope(e, `envelopes[${i}]`));
}

export function parseTopics(v: unknown, path: string): string[] {
  return asArray(v, path).map((t, i) => {
    if (typeof t !== 'string') throw invalidArgument(`invalid value for ${path}[${i}]: expected a string, got ${describe(t)}`);
    return t;
  });
}

export function parseSubscribeRequest(body: Obj): string[] {
  return parseTopics(field(body, 'contentTopics', 'content_topics'), 'contentTopics');
}

export function parseQueryRequest(v: unknown, path = ''): QueryRequest {
  const o = asObject(v, path || 'request') ?? {};
  const p = path ? `${path}.` : '';
  const pi = asObject(field(o, 'pagingInfo', 'paging_info'), `${p}pagingInfo`) ?? {};
  const c = asObject(field(pi, 'cursor'), `${p}pagingInfo.cursor`);
  let cursor: IndexCursor | null = null;
  if (c) {
    const idx = asObject(field(c, 'index'), `${p}pagingInfo.cursor.index`);
    if (idx) {
      cursor = {
        digest: parseBytes(field(idx, 'digest'), `${p}pagingInfo.cursor.index.digest`),
        senderTimeNs: parseUint64(field(idx, 'senderTimeNs', 'sender_time_ns'), `${p}pagingInfo.cursor.index.senderTimeNs`),
      };
    }
  }
  return {
    contentTopics: parseTopics(field(o, 'contentTopics', 'content_topics'), `${p}contentTopics`),
    startTimeNs: parseUint64(field(o, 'startTimeNs', 'start_time_ns'), `${p}startTimeNs`),
    endTimeNs: parseUint64(field(o, 'endTimeNs', 'end_time_ns'), `${p}endTimeNs`),
    pagingInfo: {
      limit: parseUint32(field(pi, 'limit'), `${p}pagingInfo.limit`),
      cursor,
      direction: parseDirection(field(pi, 'direction'), `${p}pagingInfo.direction`),
    },
  };
}

export function parseBatchQueryRequest(body: Obj): QueryRequest[] {
  return asArray(field(body, 'requests'), 'requests').map((r, i) => parseQueryRequest(r, `requests[${i}]`));
}

// ---- output ----

export function envelopeJson(topic: string, timestampNs: bigint | string, message: Uint8Array): string {
  const b64 = Buffer.isBuffer(message) ? message.toString('base64') : Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString('base64');
  return `${envelopeJsonHead(topic, timestampNs)}${b64}"}`;
}

/** An envelope's JSON up to the message's base64 (which is followed by `"}`). */
export function envelopeJsonHead(topic: string, timestampNs: bigint | string): string {
  return `{"contentTopic":${JSON.stringify(topic)},"timestampNs":"${timestampNs}","message":"`;
}

export function pagingInfoJson(limit: number, cursor: { digest: Uint8Array; senderTimeNs: bigint } | null, direction: SortDirection): string {
  const c = cursor
    ? `{"index":{"digest":"${Buffer.from(cursor.digest).toString('base64')}","senderTimeNs":"${cursor.senderTimeNs}"}}`
    : 'null';
  return `{"limit":${limit},"cursor":${c},"direction":"${DIRECTION_NAMES[direction]}"}`;
}
