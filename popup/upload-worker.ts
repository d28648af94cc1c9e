// The popup's upload worker (popup/lib/upload.ts): reads the file, encrypts it as the remote attachment
// codec does (an Attachment's EncodedContent under AES-256-GCM with HKDF from a fresh 32-byte secret),
// and PUTs the ciphertext to the node's blob store under its SHA-256, reporting upload progress. It
// holds no key of the account: only the file's own secret and a short-lived upload token.
import { AttachmentCodec } from '../src/xmtp/content/attachment.ts';
import { encryptRemoteContent } from '../src/xmtp/content/remote-attachment.ts';
import { bytesToHex } from '../src/xmtp/crypto/bytes.ts';
import type { UploadEvent, UploadRequest } from './lib/upload.ts';

const post = (m: UploadEvent) => self.postMessage(m);
const NO_CODECS = { codecFor: () => undefined };

self.onmessage = async (e: MessageEvent<UploadRequest>) => {
  const { file, target } = e.data;
  try {
    post({ type: 'progress', phase: 'encrypting', sent: 0, total: file.size });
    const data = new Uint8Array(await file.arrayBuffer());
    const enc = await encryptRemoteContent({ filename: file.name, mimeType: file.type || 'application/octet-stream', data }, new AttachmentCodec(), NO_CODECS);
    if (enc.payload.length > target.maxBytes) {
      post({ type: 'error', message: `“${file.name}” is too large for your XMTP node.`, detail: `${enc.payload.length} bytes encrypted; the node takes ${target.maxBytes}` });
      return;
    }
    const url = target.url + enc.digest;
    await put(url, enc.payload, target.authorization);
    post({
      type: 'done',
      remote: {
        url,
        contentDigest: enc.digest,
        secret: bytesToHex(enc.secret),
        salt: bytesToHex(enc.salt),
        nonce: bytesToHex(enc.nonce),
        scheme: 'https://',
        contentLength: data.length,
        filename: file.name,
      },
    });
  } catch (err) {
    post({ type: 'error', message: `“${file.name}” could not be sent.`, detail: err instanceof Error ? err.message : String(err) });
  }
};

/** PUT with upload progress (fetch reports none). */
function put(url: string, bytes: Uint8Array, authorization: string): Promise<void> {
  const { buffer } = bytes;
  if (!(buffer instanceof ArrayBuffer)) throw new Error('the encrypted file is not in an ArrayBuffer');
  const body = new Uint8Array(buffer, bytes.byteOffset, bytes.byteLength);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.setRequestHeader('Authorization', authorization);
    xhr.upload.onprogress = (p) => post({ type: 'progress', phase: 'uploading', sent: p.loaded, total: p.total || body.length });
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      let why = `HTTP ${xhr.status}`;
      try {
        why += `: ${(JSON.parse(xhr.responseText) as { message?: string }).message ?? ''}`;
      } catch {
        /* not our node's JSON */
      }
      reject(new Error(`the node refused the upload (${why})`));
    };
    xhr.onerror = () => reject(new Error('Cannot reach the XMTP node'));
    xhr.send(body);
  });
}
