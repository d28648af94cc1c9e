// Remote attachments and the blob store of the node in use. The popup encrypts a large file and
// uploads it itself (popup/lib/upload.ts): its bytes never cross the port as JSON. What it needs from
// here is where to upload and a token to do it with; the key it encrypts with is a fresh random secret
// per file, never an identity key, so nothing secret of the account leaves the background except that
// token, which lets its holder do nothing the popup cannot already ask the background to do.
import { ErrorCode, RpcError } from '../src/rpc.ts';
import { ContentTypes, type AttachmentContent, type LoadedAttachment, type RemoteAttachmentContent, type UploadTarget } from '../src/views.ts';
import { isPublicHost, publicHttpUrl } from '../src/public-host.ts';
import { BodyTooLarge, readAtMost } from '../src/read-capped.ts';
import { ContentTypeAttachment } from '../src/xmtp/content/content-type.ts';
import { hexToBytes } from '../src/xmtp/crypto/bytes.ts';
import { contentToJson } from '../src/xmtp/json-view.ts';
import * as store from './inbox-store.ts';
import { createAuthToken } from '../src/xmtp/auth/token.ts';
import { decryptRemoteContent, remoteUrlAllowed } from '../src/xmtp/content/remote-attachment.ts';
import { MAX_REMOTE_ATTACHMENT_BYTES } from '../src/xmtp/limits.ts';
import { getSettings, isConfiguredNodeUrl } from './settings.ts';
import { nodesFor } from './nodes.ts';
import { getClient } from './xmtp-session.ts';
import { platform } from './platform.ts';

/** Where the popup uploads an encrypted file: the node's blob store, if it has one. */
export async function uploadTarget(account: string): Promise<UploadTarget> {
  const a = await getClient(account);
  const base = nodesFor((await getSettings(account)).nodeUrls).current.replace(/\/+$/, ''); // the node in use of the account's list
  let info: { blobs?: { path?: unknown; maxBytes?: unknown } };
  try {
    const res = await fetch(base + '/', { credentials: 'omit', signal: AbortSignal.timeout(15_000) });
    info = res.ok ? await res.json() : {};
  } catch {
    throw new RpcError(ErrorCode.internal, 'Cannot reach the XMTP node', { reason: 'unreachable' });
  }
  const { path, maxBytes } = info.blobs ?? {};
  if (typeof path !== 'string' || !path.startsWith('/') || typeof maxBytes !== 'number') {
    throw new RpcError(ErrorCode.internal, 'Your XMTP node does not keep files, so only files up to 1 MB can be sent. Its operator can turn on its blob store (--blobs).', { reason: 'no-blob-store' });
  }
  const url = base + path;
  if (!remoteUrlAllowed(url)) {
    throw new RpcError(ErrorCode.internal, 'Files can only be sent through a node served over https (or one on this computer).', { reason: 'insecure-url' });
  }
  return { url, authorization: `Bearer ${createAuthToken(a.client.keys).base64}`, maxBytes: Math.min(maxBytes, MAX_REMOTE_ATTACHMENT_BYTES) };
}

/**
 * Base64 characters of a file in one answer over the port: 12 MiB of file (a multiple of 3 bytes, so
 * the parts' base64 join into the whole's). Chrome refuses a message over 64 MiB, and a 100 MB file is
 * 133 MB of base64.
 */
const PART_CHARS = ((12 * 1024 * 1024) / 3) * 4;
/** How long a loaded file is kept for its further parts. */
const KEEP_MS = 60_000;

/** The last file loaded, while its parts are asked for (one file: it can be 100 MB). */
let kept: { account: string; messageId: string; att: AttachmentContent; drop: ReturnType<typeof setTimeout> } | null = null;

/** Part `part` of a message's remote attachment (downloaded, verified and decrypted once, kept a minute for the rest). */
export async function loadRemotePart(account: string, messageId: string, part = 0): Promise<LoadedAttachment> {
  let att = kept?.account === account && kept.messageId === messageId ? kept.att : undefined;
  if (!att) {
    if (part > 0) throw new RpcError(ErrorCode.invalidParams, 'Load the file again: its first part was asked for too long ago', { reason: 'expired' });
    att = await loadRemoteAttachment(account, messageId);
  }
  const parts = Math.max(1, Math.ceil(att.data.length / PART_CHARS));
  if (part >= parts) throw new RpcError(ErrorCode.invalidParams, `The file has ${parts} parts`);
  if (kept) clearTimeout(kept.drop);
  kept = parts > 1 && part < parts - 1 ? { account, messageId, att, drop: setTimeout(() => (kept = null), KEEP_MS) } : null;
  const data = parts > 1 ? att.data.slice(part * PART_CHARS, (part + 1) * PART_CHARS) : att.data;
  return { ...att, data, ...(parts > 1 ? { parts } : {}) };
}

/**
 * A remote attachment's encrypted bytes. Its URL is the peer's choice, so: https on a public host
 * (never loopback, the local network or link-local: a message must not make the extension probe them),
 * or a node the person configured (often http://127.0.0.1: where our own uploads go). No redirects
 * (a public URL could point on to a private one), and at most MAX_REMOTE_ATTACHMENT_BYTES read, with
 * or without a Content-Length.
 */
async function downloadRemote(url: string): Promise<Uint8Array> {
  if (!(await isConfiguredNodeUrl(url))) {
    if (!/^https:/i.test(url)) throw new RpcError(ErrorCode.internal, 'Remote attachments must be served over https', { reason: 'insecure-url' });
    const u = publicHttpUrl(url);
    if (!u || (await resolvesPrivate(u.hostname))) throw new RpcError(ErrorCode.internal, 'This file is on a private or local address, which the inbox does not fetch', { reason: 'private-address' });
  }
  try {
    const res = await fetch(url, { credentials: 'omit', referrerPolicy: 'no-referrer', redirect: 'error', signal: AbortSignal.timeout(120_000) });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new Error(`HTTP ${res.status}`);
    }
    return await readAtMost(res, MAX_REMOTE_ATTACHMENT_BYTES);
  } catch (e) {
    if (e instanceof BodyTooLarge) throw new RpcError(ErrorCode.internal, `The file is larger than ${Math.round(MAX_REMOTE_ATTACHMENT_BYTES / 2 ** 20)} MB`, { reason: 'too-large' });
    throw new RpcError(ErrorCode.internal, `Could not download the attachment: ${e instanceof Error ? e.message : String(e)}`, { reason: 'download-failed' });
  }
}

/**
 * Whether a host name points at a non-public address, where the browser tells us (Firefox). A name
 * that fails to resolve is left to the fetch. The fetch resolves again, so a name whose answer changes
 * in between (DNS rebinding) is not caught here; the check stops the plain case.
 */
async function resolvesPrivate(hostname: string): Promise<boolean> {
  const resolve = platform().resolveHost;
  if (!resolve || hostname.startsWith('[') || /^[\d.]+$/.test(hostname)) return false;
  try {
    return (await resolve(hostname)).some((a) => !isPublicHost(a));
  } catch {
    return false;
  }
}

async function loadRemoteAttachment(account: string, messageId: string): Promise<AttachmentContent> {
  const m = await store.getMessage(account, messageId);
  if (!m || m.contentType !== ContentTypes.remoteAttachment || !m.content) throw new RpcError(ErrorCode.invalidParams, 'That message has no remote attachment');
  const r = m.content as RemoteAttachmentContent;
  const payload = await downloadRemote(r.url);
  const a = await getClient(account);
  let content: unknown;
  try {
    content = await decryptRemoteContent(
      {
        url: r.url,
        contentDigest: r.contentDigest,
        salt: hexToBytes(r.salt),
        nonce: hexToBytes(r.nonce),
        secret: hexToBytes(r.secret),
        scheme: r.scheme,
        contentLength: r.contentLength,
        filename: r.filename,
      },
      payload,
      a.client.registry,
    );
  } catch (e) {
    throw new RpcError(ErrorCode.internal, `The attachment failed its integrity check: ${e instanceof Error ? e.message : String(e)}`, { reason: 'bad-attachment' });
  }
  const view = (content ? contentToJson(ContentTypeAttachment, content) : undefined) as AttachmentContent | undefined;
  if (!view) throw new RpcError(ErrorCode.internal, 'The remote file is not an attachment', { reason: 'bad-attachment' });
  return view;
}
