/**
 * The PostgreSQL schema of memagent as numbered migrations, and the one function that brings a
 * database up to date. Pure data plus one transaction; no policy.
 */
import { ConfigError } from '../../errors.js';

/**
 * Migrations in order: index i brings a database from schema version i to i+1. Never edit a
 * released entry; append a new one.
 *
 * 1: one row per user holding the current revision (0: none yet), and every kept version of the
 *    memory as its serialized JSON text (the same bytes the file store writes), keyed by revision.
 * 2: archival and episodic memory (issue 11). Archived items (one row per item id, its last
 *    state as `ArchivedItem` JSON) and kept sessions with one row per turn; each searchable text
 *    has a generated `tsvector` (English configuration) under a GIN index. Not tied to
 *    `memagent_users` by a foreign key: a session may be kept before its user has a memory; the
 *    store's `forgetAll` deletes them explicitly.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE memagent_users (
     user_id text PRIMARY KEY,
     current_revision integer NOT NULL
   );
   CREATE TABLE memagent_versions (
     user_id text NOT NULL REFERENCES memagent_users (user_id) ON DELETE CASCADE,
     revision integer NOT NULL CHECK (revision > 0),
     body text NOT NULL,
     saved_at text NOT NULL,
     PRIMARY KEY (user_id, revision)
   );`,
  `CREATE TABLE memagent_archive_items (
     user_id text NOT NULL,
     item_id text NOT NULL,
     body text NOT NULL,
     archived_at timestamptz NOT NULL,
     seq bigserial NOT NULL,
     search_text text NOT NULL,
     tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', search_text)) STORED,
     PRIMARY KEY (user_id, item_id)
   );
   CREATE INDEX memagent_archive_items_tsv ON memagent_archive_items USING GIN (tsv);
   CREATE INDEX memagent_archive_items_order ON memagent_archive_items (user_id, archived_at, seq);
   CREATE TABLE memagent_sessions (
     user_id text NOT NULL,
     session_id text NOT NULL,
     started_at text NOT NULL,
     model text NOT NULL,
     extra jsonb NOT NULL DEFAULT '{}'::jsonb,
     PRIMARY KEY (user_id, session_id)
   );
   CREATE TABLE memagent_turns (
     user_id text NOT NULL,
     session_id text NOT NULL,
     n integer NOT NULL,
     role text NOT NULL,
     text text NOT NULL,
     at text NOT NULL,
     interrupted boolean NOT NULL DEFAULT false,
     tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED,
     PRIMARY KEY (user_id, session_id, n),
     FOREIGN KEY (user_id, session_id) REFERENCES memagent_sessions (user_id, session_id) ON DELETE CASCADE
   );
   CREATE INDEX memagent_turns_tsv ON memagent_turns USING GIN (tsv);`,
];

/** The schema version this binary writes and understands. */
export const DB_SCHEMA_VERSION = MIGRATIONS.length;

/** Any key for the migration's advisory lock: every memagent serializes its first use on it. */
const MIGRATION_LOCK_KEY = 0x6d656d61; // "mema"

/** The slice of a `pg` client `migrate` needs. */
export interface SqlClient {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

/**
 * Applies the migrations `client`'s database lacks, in one transaction under a transaction-scoped
 * advisory lock (so two first uses at once apply them once). Idempotent.
 * @param where the database as named to people (no password), for the error message.
 * @throws ConfigError when the database was set up by a newer memagent (nothing changed); the pg error otherwise (rolled back).
 */
export async function migrate(client: SqlClient, where: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query('CREATE TABLE IF NOT EXISTS memagent_schema_version (version integer NOT NULL)');
    const { rows } = await client.query('SELECT max(version) AS version FROM memagent_schema_version');
    const version = Number(rows[0]?.version ?? 0);
    if (version > DB_SCHEMA_VERSION) {
      throw new ConfigError(`${where} was set up by a newer memagent (database schema ${version}, this one knows ${DB_SCHEMA_VERSION}): upgrade memagent`);
    }
    for (let v = version; v < DB_SCHEMA_VERSION; v++) {
      await client.query(MIGRATIONS[v]);
      await client.query('INSERT INTO memagent_schema_version (version) VALUES ($1)', [v + 1]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
