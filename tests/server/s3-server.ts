// A throwaway S3-compatible server in its own process for tests of the node's S3 blob store: s3rver
// (npm, a devDependency), which speaks S3's REST API with SigV4 signatures and multipart uploads, on a
// free loopback port, with one bucket. Its fixed credentials are S3RVER / S3RVER.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownProcess } from '../support/owned-process.ts';

const require = createRequire(import.meta.url);

export interface S3Server {
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  stop(): Promise<void>;
}

export async function startS3(bucket = 'blobs'): Promise<S3Server> {
  const dir = mkdtempSync(join(tmpdir(), 'xmtp-s3-'));
  const bin = join(require.resolve('s3rver/package.json'), '../bin/s3rver.js');
  const proc = spawn(process.execPath, [bin, '-d', dir, '-a', '127.0.0.1', '-p', '0', '--silent', '--configure-bucket', bucket], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = ownProcess(proc, dir);
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`s3rver did not start in 20 s: ${err}`)), 20_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on [^:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
    proc.once('exit', (code) => reject(new Error(`s3rver exited (${code}): ${err}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    stop,
  };
}
