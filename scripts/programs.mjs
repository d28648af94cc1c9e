// The programs that tests and benchmarks start, where each is looked for, and the Debian package that
// provides it. scripts/ensure-programs.mjs installs the missing ones; the test helpers locate them
// here too, so a location is defined once.
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * @typedef {object} Program
 * @property {string} name     what the tests call it
 * @property {string} pkg      the Debian package that installs it
 * @property {string} env      environment variable that overrides the location
 * @property {() => string | null} locate  its path (a binary, or PostgreSQL's bin directory), or null
 * @property {string} [instead]  environment variable that, when set, makes the program unnecessary
 */

/** The first of `paths` that exists, unless the environment variable names another location. */
function fromEnvOr(env, paths) {
  const set = process.env[env];
  if (set) return existsSync(set) ? set : null;
  return paths.find((p) => existsSync(p)) ?? null;
}

function onPath(bin) {
  // Debian puts nats-server in /usr/sbin, which is not on a normal user's PATH.
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin'];
  return dirs.map((d) => join(d, bin));
}

/** Newest /usr/lib/postgresql/<version>/bin that has the server programs. */
function pgBinDirs() {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')) && existsSync(join(base, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(base, v, 'bin'));
}

/** @type {Record<'chromium' | 'firefox' | 'nats' | 'postgres', Program>} */
export const PROGRAMS = {
  chromium: { name: 'Chromium', pkg: 'chromium', env: 'CHROMIUM_BIN', locate: () => fromEnvOr('CHROMIUM_BIN', ['/usr/bin/chromium']) },
  firefox: { name: 'Firefox ESR', pkg: 'firefox-esr', env: 'FIREFOX_BIN', locate: () => fromEnvOr('FIREFOX_BIN', ['/usr/bin/firefox-esr']) },
  nats: { name: 'nats-server', pkg: 'nats-server', env: 'NATS_SERVER_BIN', locate: () => fromEnvOr('NATS_SERVER_BIN', onPath('nats-server')) },
  postgres: {
    name: 'PostgreSQL server',
    pkg: 'postgresql',
    env: 'PG_BINDIR',
    // The tests can use an existing server instead of starting their own.
    instead: 'XMTP_TEST_PG_URL',
    locate: () => {
      const set = process.env.PG_BINDIR;
      if (set) return existsSync(join(set, 'initdb')) ? set : null;
      return pgBinDirs()[0] ?? null;
    },
  },
};

/** Which programs each group of tests starts. */
export const GROUPS = {
  browsers: ['chromium', 'firefox'],
  server: ['nats', 'postgres'],
};

/** The location of a program, or an Error naming the command that installs it. */
export function locate(key) {
  const p = PROGRAMS[key];
  const found = p.locate();
  if (found) return found;
  throw new Error(`${p.name} not found: install it with \`apt-get install -y ${p.pkg}\` (or set ${p.env})`);
}
