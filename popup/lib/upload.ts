// Sending a large file: a worker of the popup (upload-worker.ts) reads it, encrypts it with a fresh
// secret and uploads the ciphertext to the node's blob store, reporting progress; the message that
// carries its URL, digest and key then goes through the background like any other. The file's bytes
// never cross the port to the background (Chrome caps a message at 64 MiB, and 100 MB as JSON would
// cost seconds); the worker keeps the popup responsive while it encrypts.
import type { RemoteAttachmentContent, UploadTarget } from '../../src/views.ts';

export interface UploadRequest {
  file: File;
  target: UploadTarget;
}

export type UploadEvent =
  | { type: 'progress'; phase: 'encrypting' | 'uploading'; sent: number; total: number }
  | { type: 'done'; remote: RemoteAttachmentContent }
  | { type: 'error'; message: string; detail?: string };

export interface UploadProgress {
  phase: 'encrypting' | 'uploading';
  sent: number;
  total: number;
}

/** Encrypts and uploads `file`; rejects with a sentence for a person. `signal` cancels (the worker is stopped). */
export function uploadFile(file: File, target: UploadTarget, onProgress: (p: UploadProgress) => void, signal: AbortSignal): Promise<RemoteAttachmentContent> {
  return new Promise((resolve, reject) => {
    const worker = new Worker('upload-worker.js');
    const stop = () => {
      worker.terminate();
      reject(new DOMException('The upload was cancelled', 'AbortError'));
    };
    if (signal.aborted) return stop();
    signal.addEventListener('abort', stop, { once: true });
    const end = () => {
      signal.removeEventListener('abort', stop);
      worker.terminate();
    };
    worker.onmessage = (e: MessageEvent<UploadEvent>) => {
      const m = e.data;
      if (m.type === 'progress') onProgress(m);
      else if (m.type === 'done') {
        end();
        resolve(m.remote);
      } else {
        end();
        reject(Object.assign(new Error(m.message), { data: { detail: m.detail } }));
      }
    };
    worker.onerror = (e) => {
      end();
      reject(new Error(`The file could not be prepared: ${e.message}`));
    };
    worker.postMessage({ file, target } satisfies UploadRequest);
  });
}
