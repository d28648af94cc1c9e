// An acknowledged publish is durable: publish concurrently to a node process on a SQLite file, kill
// it with SIGKILL right after the acknowledgements, restart it, and find every acknowledged envelope.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { identity, mintToken, post, ROOT, spawnNode, env } from './helpers.ts';

const alice = identity(0x11, 0x21);

test('every acknowledged envelope survives SIGKILL (SQLite, WAL, synchronous=FULL, group commit)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xmtp-durable-'));
  const db = join(dir, 'nested', 'xmtp.sqlite'); // the directory is created on demand
  try {
    const first = await spawnNode(['--port', '0', '--db', db, '--no-rate-limit', '--log-level', 'warn']);
    const headers = { Authorization: `Bearer ${mintToken(alice)}` };
    const topics = Array.from({ length: 8 }, (_, i) => `/xmtp/0/m-durable-${i}/proto`);
    const acked: Array<{ topic: string; ts: string }> = [];
    // 8 concurrent clients; the node is killed while more publishes are still in flight.
    let stop = false;
    const clients = topics.map(async (topic, c) => {
      for (let i = 0; !stop; i++) {
        const e = env(topic, 1_000_000 + c * 100_000 + i, `payload ${c}/${i}`);
        try {
          const r = await post(first.url, '/message/v1/publish', { envelopes: [e] }, headers);
          if (r.status === 200) acked.push({ topic, ts: e.timestampNs });
        } catch {
          return; // connection reset by the kill
        }
      }
    });
    while (acked.length < 400) await new Promise((r) => setTimeout(r, 5));
    first.proc.kill('SIGKILL');
    stop = true;
    const ackedAtKill = acked.length;
    await Promise.all(clients);
    assert.equal((await first.exited).signal, 'SIGKILL');
    assert.ok(ackedAtKill >= 400);

    const second = await spawnNode(['--port', '0', '--db', db, '--log-level', 'warn']);
    try {
      const stored = new Set<string>();
      for (const topic of topics) {
        let cursor: unknown;
        for (;;) {
          const r = await post(second.url, '/message/v1/query', { contentTopics: [topic], pagingInfo: { limit: 100, direction: 'SORT_DIRECTION_ASCENDING', cursor } });
          assert.equal(r.status, 200);
          for (const e of r.json.envelopes) stored.add(`${e.contentTopic} ${e.timestampNs}`);
          if (!r.json.pagingInfo.cursor) break;
          cursor = r.json.pagingInfo.cursor;
        }
      }
      const missing = acked.filter((a) => !stored.has(`${a.topic} ${a.ts}`));
      assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged envelopes were lost`);
    } finally {
      second.proc.kill('SIGTERM');
      const exit = await second.exited;
      assert.equal(exit.code, 0, 'SIGTERM shuts down cleanly');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI: --help, bad options, and the migrate command', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
  const help = cli('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--db DB/);
  const bad = cli('--port', 'eighty');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /invalid --port eighty/);
  const unknown = cli('--frobnicate');
  assert.equal(unknown.status, 2);
  const dir = mkdtempSync(join(tmpdir(), 'xmtp-cli-'));
  try {
    const m = cli('migrate', '--db', join(dir, 'new', 'x.sqlite'));
    assert.equal(m.status, 0, m.stderr);
    assert.match(m.stdout, /^schema version \d+ \(sqlite\)$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
