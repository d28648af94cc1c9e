// A server process a test starts (nats-server, an S3 server): killed if the test process exits first;
// the returned stop() ends it and removes its folder.
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

export function ownProcess(proc: ChildProcess, dir: string): () => Promise<void> {
  const kill = () => proc.kill('SIGKILL');
  process.once('exit', kill);
  return async () => {
    process.removeListener('exit', kill);
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
