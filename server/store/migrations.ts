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
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
