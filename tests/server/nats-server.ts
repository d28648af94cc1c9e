// Throwaway nats-server (Debian package `nats-server`) on a free loopback port, for tests and
// benchmarks of the NATS fan-out. Default settings (max_payload 1 MB), as a stock server has.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locate } from '../../scripts/programs.mjs';
import { freePort } from '../support/postgres.ts';
import { ownProcess } from '../support/owned-process.ts';

export async function startNats(): Promise<{ url: string; stop(): Promise<void> }> {
  const bin = locate('nats');
  const dir = mkdtempSync(join(tmpdir(), 'xmtp-nats-'));
  const port = await freePort();
  const conf = join(dir, 'nats.conf');
  writeFileSync(conf, `listen: "127.0.0.1:${port}"\n`);
  const proc = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const stop = ownProcess(proc, dir);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) break;
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`nats-server did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    stop,
  };
}
