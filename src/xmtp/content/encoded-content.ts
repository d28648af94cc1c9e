// EncodedContent (XIP-5) and its byte-exact encoding. The SDK's encoder writes fields in .proto
// declaration order, which puts `compression` (5) before `content` (4); protobufjs would write
// them by number, changing the bytes and hence the message id. So this one is hand-encoded.
import $protobuf from '../proto/runtime.ts';
import { mc, decode } from '../proto.ts';
import { XmtpError } from '../errors.ts';
import type { ContentTypeId } from './content-type.ts';

export enum Compression {
  Deflate = 0,
  Gzip = 1,
}

export interface EncodedContent {
  type: ContentTypeId;
  parameters: Record<string, string>;
  fallback?: string;
  compression?: Compression;
  content: Uint8Array;
}

export function encodeEncodedContent(ec: EncodedContent): Uint8Array {
  const w = new $protobuf.Writer();
  mc.ContentTypeId.encode(
    { authorityId: ec.type.authorityId, typeId: ec.type.typeId, versionMajor: ec.type.versionMajor, versionMinor: ec.type.versionMinor },
    w.uint32(10).fork(),
  ).ldelim();
  for (const [key, value] of Object.entries(ec.parameters ?? {})) {
    // map entry: ts-proto omits an empty key or value inside the entry
    w.uint32(18).fork();
    if (key) w.uint32(10).string(key);
    if (value) w.uint32(18).string(value);
    w.ldelim();
  }
  if (ec.fallback !== undefined) w.uint32(26).string(ec.fallback);
  if (ec.compression !== undefined) w.uint32(40).int32(ec.compression);
  if (ec.content && ec.content.length) w.uint32(34).bytes(ec.content);
  return w.finish();
}

export function decodeEncodedContent(bytes: Uint8Array): EncodedContent {
  const d = decode(mc.EncodedContent, bytes);
  const t = d.type;
  if (!t) throw new XmtpError('invalid_content', 'missing content type');
  const ec: EncodedContent = {
    type: { authorityId: t.authorityId ?? '', typeId: t.typeId ?? '', versionMajor: t.versionMajor ?? 0, versionMinor: t.versionMinor ?? 0 },
    parameters: { ...(d.parameters ?? {}) },
    content: d.content ?? new Uint8Array(0),
  };
  if (d.fallback !== null && d.fallback !== undefined) ec.fallback = d.fallback;
  if (d.compression !== null && d.compression !== undefined) ec.compression = d.compression as number;
  return ec;
}
