// proto3 JSON mapping of Message API v1 (spec 7.1): lowerCamelCase keys, uint64 as decimal
// strings, bytes as padded standard base64, enums as names.
import { fromBase64, toBase64 } from '../crypto/bytes.ts';
import type { Cursor, Envelope, QueryRequest, QueryResponse } from './types.ts';

type Json = Record<string, unknown>;

const DIRECTIONS = { ascending: 'SORT_DIRECTION_ASCENDING', descending: 'SORT_DIRECTION_DESCENDING' } as const;

export function envelopeToJson(e: Envelope): Json {
  return { contentTopic: e.contentTopic, timestampNs: e.timestampNs.toString(), message: toBase64(e.message) };
}

function parseU64(v: unknown): bigint {
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (v === undefined || v === null) return 0n;
  throw new TypeError(`invalid uint64 ${JSON.stringify(v)}`);
}

/** Parses an envelope from the node; throws TypeError on a malformed one. */
export function envelopeFromJson(j: unknown): Envelope {
  if (!j || typeof j !== 'object') throw new TypeError('envelope is not an object');
  const o = j as Json;
  const contentTopic = o.contentTopic ?? o.content_topic;
  if (typeof contentTopic !== 'string') throw new TypeError('envelope without contentTopic');
  const message = o.message;
  return {
    contentTopic,
    timestampNs: parseU64(o.timestampNs ?? o.timestamp_ns),
    message: typeof message === 'string' ? fromBase64(message) : new Uint8Array(0),
  };
}

function cursorToJson(c: Cursor): Json {
  return { index: { digest: toBase64(c.digest), senderTimeNs: c.senderTimeNs.toString() } };
}

function cursorFromJson(j: unknown): Cursor | undefined {
  if (!j || typeof j !== 'object') return undefined;
  const index = (j as Json).index as Json | undefined | null;
  if (!index || typeof index !== 'object') return undefined;
  const digest = typeof index.digest === 'string' ? fromBase64(index.digest) : new Uint8Array(0);
  const senderTimeNs = parseU64(index.senderTimeNs ?? index.sender_time_ns);
  if (!digest.length && !senderTimeNs) return undefined;
  return { digest, senderTimeNs };
}

export function queryRequestToJson(q: QueryRequest): Json {
  const out: Json = { contentTopics: q.contentTopics };
  if (q.startTimeNs) out.startTimeNs = q.startTimeNs.toString();
  if (q.endTimeNs) out.endTimeNs = q.endTimeNs.toString();
  const paging: Json = { direction: DIRECTIONS[q.direction] };
  if (q.limit) paging.limit = q.limit;
  if (q.cursor) paging.cursor = cursorToJson(q.cursor);
  out.pagingInfo = paging;
  return out;
}

export function queryResponseFromJson(j: unknown): QueryResponse {
  const o = (j && typeof j === 'object' ? j : {}) as Json;
  const envelopes: Envelope[] = [];
  // A malformed envelope (bad base64, missing topic) is dropped alone, not the whole page.
  if (Array.isArray(o.envelopes)) {
    for (const e of o.envelopes) {
      try {
        envelopes.push(envelopeFromJson(e));
      } catch {
        /* skipped */
      }
    }
  }
  const paging = o.pagingInfo as Json | undefined | null;
  const cursor = paging && typeof paging === 'object' ? cursorFromJson(paging.cursor) : undefined;
  return cursor ? { envelopes, cursor } : { envelopes };
}
