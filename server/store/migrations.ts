// Versioned schema migrations. Each version is applied once, in order, inside a transaction, and
// recorded in schema_migrations(version, name, applied_at). Never edit a released migration: add one.

export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'envelopes',
    // Row identity: (topic, ts, digest); digest = sha256(topic ‖ message) so identical envelopes
    // (same topic, timestamp and payload) are stored once. The unique index also serves every query
    // (topic equality, ts range, (ts, digest) ordering and cursor).
    sqlite: `
      CREATE TABLE envelopes (
        seq INTEGER PRIMARY KEY,
        topic TEXT NOT NULL,
        ts INTEGER NOT NULL,
        digest BLOB NOT NULL,
        message BLOB NOT NULL,
        received_ns INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX envelopes_topic_ts_digest ON envelopes (topic, ts, digest);`,
    postgres: `
      CREATE TABLE envelopes (
        seq BIGSERIAL PRIMARY KEY,
        topic TEXT NOT NULL,
        ts BIGINT NOT NULL,
        digest BYTEA NOT NULL,
        message BYTEA NOT NULL,
        received_ns BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX envelopes_topic_ts_digest ON envelopes (topic, ts, digest);`,
  },
  {
    version: 2,
    name: 'acl',
    // Operator access control: wallets allowed or denied to publish (lowercase addresses).
    sqlite: `
      CREATE TABLE acl (
        address TEXT PRIMARY KEY,
        permission TEXT NOT NULL CHECK (permission IN ('allow', 'deny')),
        comment TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL
      );`,
    postgres: `
      CREATE TABLE acl (
        address TEXT PRIMARY KEY,
        permission TEXT NOT NULL CHECK (permission IN ('allow', 'deny')),
        comment TEXT NOT NULL DEFAULT '',
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );`,
  },
  {
    version: 3,
    name: 'relay',
    // PostgreSQL only: ephemeral envelopes too large for a NOTIFY payload are parked here for a
    // minute so other node processes can read them; they are never returned by Query.
    sqlite: `SELECT 1;`,
    postgres: `
      CREATE TABLE relay (
        id BIGSERIAL PRIMARY KEY,
        topic TEXT NOT NULL,
        ts BIGINT NOT NULL,
        message BYTEA NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );`,
  },
  {
    version: 4,
    name: 'repair',
    // Network repair (server/p2p/repair.ts) compares time ranges between nodes by (count, sum of
    // fp_a, sum of fp_b): fp_a/fp_b are the first and second 4 bytes of the digest as unsigned
    // integers (sums of up to 2^31 rows fit a signed 64-bit integer). They are computed by the
    // database itself (SQLite: a virtual column stored only in the index; PostgreSQL: a stored
    // generated column), so inserts are unchanged, and the covering index on (ts, fp_a, fp_b) lets a
    // range's fingerprint be summed without reading the rows. Table `proofs` keeps the publisher's
    // proof (its auth token) for the envelopes that need one on the network (privatestore- topics),
    // so repair can hand it on with the envelope.
    sqlite: `
      ALTER TABLE envelopes ADD COLUMN fp_a INTEGER GENERATED ALWAYS AS (${sqliteU32('hex(substr(digest, 1, 4))')}) VIRTUAL;
      ALTER TABLE envelopes ADD COLUMN fp_b INTEGER GENERATED ALWAYS AS (${sqliteU32('hex(substr(digest, 5, 4))')}) VIRTUAL;
      CREATE INDEX envelopes_ts_fp ON envelopes (ts, fp_a, fp_b);
      CREATE TABLE proofs (ts INTEGER NOT NULL, digest BLOB NOT NULL, meta BLOB NOT NULL, PRIMARY KEY (ts, digest));`,
    postgres: `
      ALTER TABLE envelopes ADD COLUMN fp_a BIGINT GENERATED ALWAYS AS (${pgU32(0)}) STORED;
      ALTER TABLE envelopes ADD COLUMN fp_b BIGINT GENERATED ALWAYS AS (${pgU32(4)}) STORED;
      CREATE INDEX envelopes_ts_fp ON envelopes (ts, fp_a, fp_b);
      CREATE TABLE proofs (ts BIGINT NOT NULL, digest BYTEA NOT NULL, meta BYTEA NOT NULL, PRIMARY KEY (ts, digest));`,
  },
];

/** SQLite has no blob-to-integer function: the 8 hex digits of 4 bytes, each looked up by instr(). */
function sqliteU32(hex8: string): string {
  const digits = Array.from({ length: 8 }, (_, i) => `(instr('123456789ABCDEF', substr(${hex8}, ${i + 1}, 1)) << ${28 - 4 * i})`);
  return digits.join(' | ');
}

function pgU32(offset: number): string {
  return [0, 1, 2, 3].map((i) => `(get_byte(digest, ${offset + i})::bigint << ${24 - 8 * i})`).join(' | ');
}

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
