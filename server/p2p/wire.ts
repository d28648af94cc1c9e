// Wire formats of the network: Waku's WakuMessage (14/WAKU2-MESSAGE), in which the relay carries each
// XMTP envelope, and the request/response messages of the repair protocol (repair.ts). The node runs
// in Node.js, so protobufjs compiles these at start from the schema below (no generated code needed).
// protobufjs shares one util.Long with src/xmtp (its small Long, without fromValue), so messages are
// built with create() and Long values rather than fromObject().
import protobuf from 'protobufjs';
import Long from '../../src/xmtp/proto/long.ts';
import { toBigInt } from '../../src/xmtp/proto.ts';

const SCHEMA = `
syntax = "proto3";
// 14/WAKU2-MESSAGE field numbers. version, rate_limit_proof and ephemeral are left unset when sending;
// rate_limit_proof (21) is not declared, so protobufjs skips it on receipt.
message WakuMessage {
  bytes payload = 1;
  string content_topic = 2;
  optional uint32 version = 3;
  optional sint64 timestamp = 10;
  optional bytes meta = 11;
  optional bool ephemeral = 31;
}

// Inclusive ranges of sender timestamps (ns).
message Range { uint64 lo = 1; uint64 hi = 2; }
message Fingerprint { uint64 count = 1; uint64 a = 2; uint64 b = 3; }
message Id { uint64 ts = 1; bytes digest = 2; }

message RepairRequest {
  oneof kind {
    Fingerprints fingerprints = 1;
    Ids ids = 2;
    Fetch fetch = 3;
    Pull pull = 4;
  }
  message Fingerprints { repeated Range ranges = 1; }
  message Ids { Range range = 1; uint32 limit = 2; }
  message Fetch { repeated Id ids = 1; }
  // A whole range in (ts, digest) order, after the id "after" (absent: from the start).
  message Pull { Range range = 1; Id after = 2; }
}

message RepairResponse {
  repeated Fingerprint fingerprints = 1;
  repeated Id ids = 2;
  repeated WakuMessage messages = 3;
  string error = 4;
}
`;

const root = protobuf.parse(SCHEMA, { keepCase: false }).root;
const WakuMessageType = root.lookupType('WakuMessage');
const RequestType = root.lookupType('RepairRequest');
const ResponseType = root.lookupType('RepairResponse');
const RangeType = root.lookupType('Range');
const IdType = root.lookupType('Id');
const FingerprintType = root.lookupType('Fingerprint');

/** The pubsub topic the whole network shares: Waku's default (23/WAKU2-TOPICS). */
export const PUBSUB_TOPIC = '/waku/2/default-waku/proto';
/** 11/WAKU2-RELAY: gossipsub v1.1 under Waku's protocol id. */
export const RELAY_PROTOCOL = '/vac/waku/relay/2.0.0';

export interface WakuMessage {
  payload: Buffer;
  contentTopic: string;
  /** ns since the epoch; XMTP's envelope timestampNs. */
  timestamp: bigint;
  meta?: Buffer;
}

/** A decoded message as a plain object: 64-bit integers as bigint, bytes as Buffer, absent fields absent. */
function toPlain(type: protobuf.Type, m: protobuf.Message): Plain {
  const src: Record<string, unknown> = { ...m };
  const out: Plain = {};
  for (const f of type.fieldsArray) {
    const v = src[f.name];
    if (v === undefined || v === null) continue;
    const one = (x: unknown): unknown =>
      f.resolvedType instanceof protobuf.Type && x instanceof protobuf.Message
        ? toPlain(f.resolvedType, x)
        : Long.isLong(x) || f.long
          ? toBigInt(x as Parameters<typeof toBigInt>[0])
          : x instanceof Uint8Array
            ? Buffer.from(x.buffer, x.byteOffset, x.length)
            : x;
    out[f.name] = f.repeated && Array.isArray(v) ? v.map(one) : one(v);
  }
  return out;
}

/** Plain object of a decoded message: protobufjs's toObject() with our options. */
type Plain = Record<string, unknown>;

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
function bytes(v: unknown): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.alloc(0);
}
function big(v: unknown): bigint {
  return typeof v === 'bigint' ? v : 0n;
}
function list(v: unknown): Plain[] {
  return Array.isArray(v) ? (v as Plain[]) : [];
}

function wakuFromPlain(o: Plain): WakuMessage {
  const meta = bytes(o.meta);
  return { payload: bytes(o.payload), contentTopic: str(o.contentTopic), timestamp: big(o.timestamp), meta: meta.length ? meta : undefined };
}
const i64 = (v: bigint) => Long.fromBigInt(v, false);
const u64 = (v: bigint) => Long.fromBigInt(v, true);

function wakuToPlain(m: WakuMessage): Plain {
  return { payload: m.payload, contentTopic: m.contentTopic, timestamp: i64(m.timestamp), ...(m.meta?.length ? { meta: m.meta } : {}) };
}

export function encodeWakuMessage(m: WakuMessage): Uint8Array {
  return WakuMessageType.encode(WakuMessageType.create(wakuToPlain(m))).finish();
}

/** Throws on malformed bytes. */
export function decodeWakuMessage(data: Uint8Array): WakuMessage {
  return wakuFromPlain(toPlain(WakuMessageType, WakuMessageType.decode(data)));
}

export interface Range {
  lo: bigint;
  hi: bigint;
}
export interface Fingerprint {
  count: bigint;
  a: bigint;
  b: bigint;
}
export interface Id {
  ts: bigint;
  digest: Buffer;
}

export type RepairRequest =
  | { kind: 'fingerprints'; ranges: Range[] }
  | { kind: 'ids'; range: Range; limit: number }
  | { kind: 'fetch'; ids: Id[] }
  | { kind: 'pull'; range: Range; after: Id | null };

export interface RepairResponse {
  fingerprints: Fingerprint[];
  ids: Id[];
  messages: WakuMessage[];
  error: string;
}

const rangeToPlain = (r: Range): Plain => ({ lo: u64(r.lo), hi: u64(r.hi) });
const range = (r: Range) => RangeType.create(rangeToPlain(r));
const id = (i: Id) => IdType.create(idToPlain(i));
const rangeFromPlain = (o: Plain): Range => ({ lo: big(o.lo), hi: big(o.hi) });
const idToPlain = (i: Id): Plain => ({ ts: u64(i.ts), digest: i.digest });
const idFromPlain = (o: Plain): Id => ({ ts: big(o.ts), digest: bytes(o.digest) });

export function encodeRequest(r: RepairRequest): Uint8Array {
  const sub = (name: string, v: Plain) => root.lookupType(`RepairRequest.${name}`).create(v);
  const plain =
    r.kind === 'fingerprints'
      ? { fingerprints: sub('Fingerprints', { ranges: r.ranges.map(range) }) }
      : r.kind === 'ids'
        ? { ids: sub('Ids', { range: range(r.range), limit: r.limit }) }
        : r.kind === 'fetch'
          ? { fetch: sub('Fetch', { ids: r.ids.map(id) }) }
          : { pull: sub('Pull', { range: range(r.range), ...(r.after ? { after: id(r.after) } : {}) }) };
  return RequestType.encode(RequestType.create(plain)).finish();
}

export function decodeRequest(data: Uint8Array): RepairRequest {
  const o = toPlain(RequestType, RequestType.decode(data));
  const inner = (k: string): Plain => (o[k] && typeof o[k] === 'object' ? (o[k] as Plain) : {});
  switch (['fingerprints', 'ids', 'fetch', 'pull'].find((k) => k in o)) {
    case 'fingerprints':
      return { kind: 'fingerprints', ranges: list(inner('fingerprints').ranges).map(rangeFromPlain) };
    case 'ids': {
      const i = inner('ids');
      return { kind: 'ids', range: rangeFromPlain(i.range && typeof i.range === 'object' ? (i.range as Plain) : {}), limit: Number(i.limit ?? 0) };
    }
    case 'fetch':
      return { kind: 'fetch', ids: list(inner('fetch').ids).map(idFromPlain) };
    case 'pull': {
      const p = inner('pull');
      const obj = (v: unknown): Plain | null => (v && typeof v === 'object' ? (v as Plain) : null);
      const after = obj(p.after);
      return { kind: 'pull', range: rangeFromPlain(obj(p.range) ?? {}), after: after ? idFromPlain(after) : null };
    }
  }
  throw new Error('empty repair request');
}

export function encodeResponse(r: Partial<RepairResponse>): Uint8Array {
  return ResponseType.encode(
    ResponseType.create({
      fingerprints: (r.fingerprints ?? []).map((f) => FingerprintType.create({ count: u64(f.count), a: u64(f.a), b: u64(f.b) })),
      ids: (r.ids ?? []).map(id),
      messages: (r.messages ?? []).map((m) => WakuMessageType.create(wakuToPlain(m))),
      error: r.error ?? '',
    }),
  ).finish();
}

export function decodeResponse(data: Uint8Array): RepairResponse {
  const o = toPlain(ResponseType, ResponseType.decode(data));
  return {
    fingerprints: list(o.fingerprints).map((f) => ({ count: big(f.count), a: big(f.a), b: big(f.b) })),
    ids: list(o.ids).map(idFromPlain),
    messages: list(o.messages).map(wakuFromPlain),
    error: str(o.error),
  };
}
