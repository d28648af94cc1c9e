// Remote attachments and the blob store of the node in use. The popup encrypts a large file and
// uploads it itself (popup/lib/upload.ts): its bytes never cross the port as JSON. What it needs from
// here is where to upload and a token to do it with; the key it encrypts with is a fresh random secret
// per file, never an identity key, so nothing secret of the account leaves the background except that
// token, which lets its holder do nothing the popup cannot already ask the background to do.
import { ErrorCode, RpcError } from '../src/rpc.ts';
import type { AttachmentContent, LoadedAttachment, UploadTarget } from '../src/views.ts';
import { createAuthToken } from '../src/xmtp/auth/token.ts';
import { remoteUrlAllowed } from '../src/xmtp/content/remote-attachment.ts';
import { MAX_REMOTE_ATTACHMENT_BYTES } from '../src/xmtp/limits.ts';
import { getSettings } from './settings.ts';
import { nodesFor } from './nodes.ts';
import { getClient } from './xmtp-session.ts';
import { loadRemoteAttachment } from './inbox.ts';

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
