// Remote attachments (XIP-17 as implemented): the content is encrypted with a fresh secret, the
// caller uploads the ciphertext and sends its URL plus the key material. Fetching is the caller's.
import { bytesToHex, fromUtf8, hexToBytes, utf8 } from '../crypto/bytes.ts';
import { sha256 } from '../crypto/hashes.ts';
import { decryptAesGcmHkdf, encryptAesGcmHkdf } from '../crypto/aes-gcm.ts';
import { randomBytes } from '../crypto/bytes.ts';
import { XmtpError } from '../errors.ts';
import { ContentTypeRemoteAttachment, contentTypeToString } from './content-type.ts';
import { decodeEncodedContent, encodeEncodedContent } from './encoded-content.ts';
import { attachmentFallback } from './attachment.ts';
import type { CodecRegistry, ContentCodec } from './codec.ts';

export interface RemoteAttachment {
  url: string;
  /** lowercase hex sha256 of the uploaded (encrypted) payload */
  contentDigest: string;
  salt: Uint8Array;
  nonce: Uint8Array;
  secret: Uint8Array;
  scheme: string;
  contentLength: number;
  filename: string;
}

export interface EncryptedAttachment {
  digest: string;
  secret: Uint8Array;
  salt: Uint8Array;
  nonce: Uint8Array;
  /** the bytes to upload */
  payload: Uint8Array;
}

/**
 * Where a remote attachment we send may live: https, as XIP-17 asks (the official SDK refuses
 * anything else), or plain http on this machine's loopback (a desktop user's own node, where nothing
 * crosses a network; the bytes are ciphertext either way).
 */
export function remoteUrlAllowed(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'https:') return true;
  return u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(u.hostname));
}

export class RemoteAttachmentCodec implements ContentCodec<RemoteAttachment> {
  readonly contentType = ContentTypeRemoteAttachment;

  encode(r: RemoteAttachment) {
    if (!remoteUrlAllowed(r.url)) throw new XmtpError('invalid_content', 'the URL must be https (or http on this machine)');
    return {
      type: ContentTypeRemoteAttachment,
      parameters: {
        contentDigest: r.contentDigest,
        salt: bytesToHex(r.salt),
        nonce: bytesToHex(r.nonce),
        secret: bytesToHex(r.secret),
        scheme: r.scheme,
        contentLength: String(r.contentLength),
        filename: r.filename,
      },
      content: utf8(r.url),
    };
  }

  decode(encoded: { parameters: Record<string, string>; content: Uint8Array }): RemoteAttachment {
    const p = encoded.parameters;
    return {
      url: fromUtf8(encoded.content),
      contentDigest: p.contentDigest ?? '',
      salt: hexToBytes(p.salt ?? ''),
      nonce: hexToBytes(p.nonce ?? ''),
      secret: hexToBytes(p.secret ?? ''),
      scheme: p.scheme ?? '',
      contentLength: parseInt(p.contentLength ?? '', 10),
      filename: p.filename ?? '',
    };
  }

  fallback(r: RemoteAttachment) {
    return attachmentFallback(r.filename);
  }

  shouldPush() {
    return true;
  }
}

/** Encrypts `content` (e.g. an Attachment) for upload; no AAD, fresh 32-byte secret. */
export async function encryptRemoteContent(content: unknown, codec: ContentCodec, registry: CodecRegistry): Promise<EncryptedAttachment> {
  const secret = randomBytes(32);
  const plaintext = encodeEncodedContent(codec.encode(content, registry));
  const c = await encryptAesGcmHkdf(secret, plaintext);
  return { digest: bytesToHex(sha256(c.payload)), secret, salt: c.hkdfSalt, nonce: c.gcmNonce, payload: c.payload };
}

/** Verifies the digest of the downloaded payload, decrypts it and decodes the inner content. */
export async function decryptRemoteContent(remote: RemoteAttachment, payload: Uint8Array, registry: CodecRegistry): Promise<unknown> {
  if (!payload.length) throw new XmtpError('invalid_content', 'empty remote attachment payload');
  if (bytesToHex(sha256(payload)) !== remote.contentDigest) throw new XmtpError('invalid_content', 'content digest does not match');
  const plaintext = await decryptAesGcmHkdf(remote.secret, { hkdfSalt: remote.salt, gcmNonce: remote.nonce, payload });
  const inner = decodeEncodedContent(plaintext);
  const codec = registry.codecFor(inner.type);
  if (!codec) throw new XmtpError('unknown_content_type', `no codec for ${contentTypeToString(inner.type)}`);
  return codec.decode(inner, registry);
}
