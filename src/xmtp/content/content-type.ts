// Content type ids (XIP-5): `authority/type:major.minor`.

export interface ContentTypeId {
  authorityId: string;
  typeId: string;
  versionMajor: number;
  versionMinor: number;
}

export function contentType(authorityId: string, typeId: string, versionMajor = 1, versionMinor = 0): ContentTypeId {
  return { authorityId, typeId, versionMajor, versionMinor };
}

export function contentTypeToString(t: ContentTypeId): string {
  return `${t.authorityId}/${t.typeId}:${t.versionMajor}.${t.versionMinor}`;
}

/** `authority/type:major.minor`: the one pattern for content-type strings, wherever they come from. */
export const CONTENT_TYPE_PATTERN = /^([\w.-]+)\/([\w.-]+):(\d+)\.(\d+)$/;

export function parseContentType(s: string): ContentTypeId {
  const m = CONTENT_TYPE_PATTERN.exec(s);
  if (!m) throw new TypeError(`invalid content type "${s}"`);
  return { authorityId: m[1]!, typeId: m[2]!, versionMajor: Number(m[3]), versionMinor: Number(m[4]) };
}

export const sameContentType = (a: ContentTypeId, b: ContentTypeId): boolean =>
  a.authorityId === b.authorityId && a.typeId === b.typeId && a.versionMajor === b.versionMajor && a.versionMinor === b.versionMinor;

export const ContentTypeText = contentType('xmtp.org', 'text');
export const ContentTypeReply = contentType('xmtp.org', 'reply');
export const ContentTypeReaction = contentType('xmtp.org', 'reaction');
export const ContentTypeReadReceipt = contentType('xmtp.org', 'readReceipt');
export const ContentTypeAttachment = contentType('xmtp.org', 'attachment');
export const ContentTypeRemoteAttachment = contentType('xmtp.org', 'remoteStaticAttachment');
