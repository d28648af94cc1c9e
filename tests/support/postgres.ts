// Throwaway PostgreSQL for tests and benchmarks: initdb in a temp dir, run as the `postgres` user
// when we are root, on a free loopback port; stop() removes everything. With XMTP_TEST_PG_URL set
// (e.g. postgres://postgres@127.0.0.1:5432/postgres) that server is used instead, and only the
// databases created here are dropped afterwards.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { locate } from '../../scripts/programs.mjs';

export interface PgCluster {
  /** URL of the maintenance database (`postgres`). */
  url: string;
  /** Creates a fresh empty database and returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  stop(): Promise<void>;
}


export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
}

function databaseFactory(url: string, created: string[]) {
  return async (prefix = 'xmtp_test') => {
    const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(`CREATE DATABASE ${name}`);
    } finally {
      await c.end();
    }
    created.push(name);
    return withDatabase(url, name);
  };
}

export interface StartOptions {
  /** fsync and synchronous commits (durability). Off by default: tests do not need it and it is slow. */
  durable?: boolean;
  maxConnections?: number;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string | number>;
}

export async function startPostgres(opts: StartOptions = {}): Promise<PgCluster> {
  const external = process.env.XMTP_TEST_PG_URL;
  if (external) {
    const created: string[] = [];
    return {
      url: external,
      createDatabase: databaseFactory(external, created),
      async stop() {
        const c = new pg.Client({ connectionString: external });
        await c.connect();
        try {
          for (const name of created) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await c.end();
        }
      },
    };
  }

  const bin = locate('postgres');
  const dir = mkdtempSync(join(tmpdir(), 'xmtp-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const full = join(bin, cmd);
    const r = asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', full, ...args], { encoding: 'utf8' })
      : spawnSync(full, args, { encoding: 'utf8' });
    if (r.status !== 0) {
      let log = '';
      try {
        log = readFileSync(join(dir, 'log'), 'utf8').slice(-2000);
      } catch {
        /* no log yet */
      }
      throw new Error(`${cmd} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}${log ? '\n' + log : ''}`);
    }
    return r.stdout;
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  const settings: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    port,
    unix_socket_directories: dir,
    max_connections: opts.maxConnections ?? 200,
    fsync: opts.durable ? 'on' : 'off',
    synchronous_commit: opts.durable ? 'on' : 'off',
    full_page_writes: opts.durable ? 'on' : 'off',
    shared_buffers: '128MB',
    ...opts.settings,
  };
  const o = Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`).join(' ');
  run('pg_ctl', ['-D', data, '-o', o, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      /* already gone */
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopSync);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    createDatabase: databaseFactory(url, []),
    async stop() {
      process.removeListener('exit', stopSync);
      stopSync();
    },
  };
}
