// Over 300 lines: one class whose writes (update, undo, restore, purge, forgetAll) share one transaction-and-lock helper, like the file store.
/**
 * The PostgreSQL implementation of the memory part of `MemoryStore`: the one module that talks to
 * PostgreSQL (through `pg`, imported lazily on first use so commands on the file store never load
 * it). Every version of a memory is a row of `memagent_versions` holding the same serialized JSON
 * the file store writes, validated on read with the same schema; `memagent_users` points at the
 * current revision. Every write runs in one transaction holding a transaction-scoped advisory
 * lock on the user (`pg_advisory_xact_lock(hashtext(user))`), re-reads inside it and commits or
 * rolls back as a whole: a writer whose connection dies mid-transaction changes nothing. Journals
 * and input history stay on this machine: they are the local store's (composition, not a copy).
 */
import type { Pool, PoolClient } from 'pg';
import { MemagentError, MemoryFileError } from '../../errors.js';
import { emptyMemory, type Decision, type Fact, type Memory } from '../../schema.js';
import { matchedItems, sameContent, scrubChanged, scrubber } from '../purge-plan.js';
import { validateUserId } from '../../user-id.js';
import { checkForWrite, cloneMemory, parseMemory, serialize } from '../file/codec.js';
import {
  userSummaryOf,
  DEFAULT_HISTORY_VERSIONS,
  type MemoryStore,
  type PurgeOptions,
  type PurgeReport,
  type RestoreResult,
  type UndoResult,
  type UpdateResult,
  type UserSummary,
  type VersionInfo,
} from '../store.js';
import { describeDatabase, translatePgError } from './pg-errors.js';
import { migrate } from './schema.js';
import { insertArchivedItems, PostgresArchive } from './archive.js';
import { archivedBy } from '../../recall/archive-plan.js';
import type { ArchiveStore } from '../store.js';

/** Constructor options of `PostgresMemoryStore`. */
export interface PostgresMemoryStoreOptions {
  /** A `postgres://user:password@host:port/db` connection string. The password is never shown. */
  url: string;
  /**
   * The local store whose `journals` and `inputHistory` this store uses, and whose `forgetAll`
   * and `checkUser` it calls for them (a `FileMemoryStore` over the memory dir).
   */
  local: Pick<MemoryStore, 'journals' | 'inputHistory' | 'forgetAll' | 'checkUser'>;
  /** Clock for `updatedAt`, `savedAt` and a new user's empty memory. Default: `() => new Date()`. */
  now?: () => Date;
  /** Earlier versions kept per user for `undo`. Default 10; 0 keeps none. */
  historyLimit?: number;
  /** Connections this store may open at once. Default 4: a CLI process writes one user at a time. */
  maxConnections?: number;
  /** Kept sessions older than this many days are pruned after each `keepSession`; undefined keeps all. */
  archiveDays?: number;
  /** Test-only: awaited inside every write transaction right before COMMIT (production passes none). */
  hooks?: { beforeCommit?: () => Promise<void> | void };
}

/** 5 MiB, as the file store: a stored memory larger than this is refused unread. */
const MAX_MEMORY_BYTES = 5 * 1024 * 1024;



/** One stored version as read. */
interface Row {
  revision: number;
  body: string;
  savedAt: string;
}

/** What a transaction sees of one user: the current revision (0: none) and its row. */
interface Current {
  revision: number;
  row: Row | null;
}

/**
 * The `MemoryStore` over one PostgreSQL database. Reads take no lock (a read sees one committed
 * state); writes hold the user's advisory lock for one short transaction that never spans a
 * model call. The schema is created or upgraded on first use. Construct it only in the
 * composition root (src/cli/compose.ts) and in tests; `close()` ends its connections.
 */
export class PostgresMemoryStore implements MemoryStore {
  readonly journals: MemoryStore['journals'];
  readonly inputHistory: MemoryStore['inputHistory'];
  readonly archive: ArchiveStore;
  /** The database, for people: `PostgreSQL database <db> on <host>:<port>` (never the password). */
  readonly location: string;
  private readonly url: string;
  /** The local store holding this machine's journals and input history. */
  readonly local: PostgresMemoryStoreOptions['local'];
  private readonly now: () => Date;
  private readonly historyLimit: number;
  private readonly maxConnections: number;
  private readonly hooks: PostgresMemoryStoreOptions['hooks'];
  private pool: Promise<Pool> | null = null;

  /** Connects nothing yet: the first call that needs the database connects and migrates. */
  constructor(opts: PostgresMemoryStoreOptions) {
    this.url = opts.url;
    this.local = opts.local;
    this.journals = opts.local.journals;
    this.inputHistory = opts.local.inputHistory;
    this.archive = new PostgresArchive(
      {
        read: (fn) => this.withClient((client) => fn(client)),
        write: (userId, fn) => this.transaction(userId, fn),
        current: async (client, userId) => {
          const current = await this.readCurrent(client as PoolClient, userId);
          return current.row ? this.parse(userId, current.row) : null;
        },
      },
      this.journals,
      { now: () => this.now(), retentionDays: opts.archiveDays },
    );
    this.now = opts.now ?? (() => new Date());
    this.historyLimit = Math.max(0, opts.historyLimit ?? DEFAULT_HISTORY_VERSIONS);
    this.maxConnections = opts.maxConnections ?? 4;
    this.hooks = opts.hooks;
    this.location = describeDatabase(opts.url);
  }

  /** `<location>, user <id>`. @throws UsageError for an invalid id. */
  async describeLocation(userId: string): Promise<string> {
    return `${this.location}, user ${validateUserId(userId)}`;
  }

  /**
   * Checks the local places (journals) and that the database is reachable and migrated.
   * @throws ConfigError (one line: what to do) when the database cannot be used; MemoryFileError; UsageError.
   */
  async checkUser(userId: string): Promise<void> {
    validateUserId(userId);
    await this.local.checkUser(userId);
    await this.getPool();
  }

  /**
   * Reads and validates the current memory; a user without one gets `emptyMemory` and `exists: false`.
   * @throws MemoryFileError for a stored memory that does not validate; ConfigError when the database cannot be used.
   */
  async load(userId: string): Promise<{ memory: Memory; exists: boolean }> {
    validateUserId(userId);
    return this.withClient(async (client) => {
      const current = await this.readCurrent(client, userId);
      if (!current.row) return { memory: emptyMemory(userId, this.now()), exists: false };
      return { memory: this.parse(userId, current.row), exists: true };
    });
  }

  /**
   * Read-modify-write in one transaction under the user's advisory lock: re-reads, calls
   * `fn(current)` once, and writes its result as a new revision (one above every kept one) with
   * `updatedAt` now. What the write removes from the memory (an evicted fact, history past its
   * cap) is archived in the same transaction (`archivedBy`). `fn` returning null writes nothing.
   * A failed commit writes nothing, archive included.
   * @throws MemoryFileError (current memory invalid), MemagentError (`fn` returned an invalid memory), ConfigError; nothing written.
   */
  async update(userId: string, fn: (current: Memory) => Memory | null): Promise<UpdateResult> {
    validateUserId(userId);
    return this.transaction(userId, async (client) => {
      const current = await this.readCurrent(client, userId);
      const before = current.row ? this.parse(userId, current.row) : emptyMemory(userId, this.now());
      const proposed = fn(cloneMemory(before));
      if (proposed === null) return { before, after: before, written: false };
      const after = await this.commit(client, userId, current, proposed);
      await insertArchivedItems(client, userId, archivedBy(before, after, { now: new Date(after.updatedAt), revision: after.revision }));
      return { before, after, written: true };
    });
  }

  /** Kept versions below the current revision, newest first; every kept one when the current memory is unreadable. Takes no lock. */
  async history(userId: string): Promise<VersionInfo[]> {
    validateUserId(userId);
    return this.withClient(async (client) => {
      const current = await this.readCurrent(client, userId);
      const rows = await this.versions(client, userId);
      return rows.filter((r) => r.revision < current.revision).map((r) => ({ revision: r.revision, savedAt: r.savedAt, bytes: Buffer.byteLength(r.body) }));
    });
  }

  /**
   * In one locked transaction, writes a new revision with the content of the revision before the current one.
   * @throws MemagentError (nothing written) when there is none, it is not kept, damaged, or holds the same content; MemoryFileError.
   */
  async undo(userId: string): Promise<UndoResult> {
    validateUserId(userId);
    return this.transaction(userId, async (client) => {
      const current = await this.readCurrent(client, userId);
      const last = current.revision;
      if (!current.row || last <= 1) throw new MemagentError(`nothing to undo for ${userId}: ${current.row ? `revision ${last} is its first` : 'nothing is remembered yet'}`);
      const before = this.parse(userId, current.row);
      const row = await this.version(client, userId, last - 1);
      if (!row) throw new MemagentError(`cannot undo ${userId}'s last write (revision ${last}): revision ${last - 1} is no longer kept (${this.historyLimit} earlier versions are); nothing was changed`);
      let earlier: Memory;
      try {
        earlier = this.parse(userId, row);
      } catch (err) {
        throw new MemagentError(`cannot undo ${userId}'s last write: ${(err as Error).message}`);
      }
      if (sameContent(earlier, before)) {
        throw new MemagentError(
          `nothing to undo for ${userId}: revision ${last - 1} holds the same facts, decisions and summary as revision ${last}, so going back would change nothing (what a forget leaves, since it scrubs every kept version and cannot be undone); nothing was changed`,
        );
      }
      const after = await this.commit(client, userId, current, earlier);
      return { revision: after.revision, restoredRevision: last - 1, before, after };
    });
  }

  /**
   * In one locked transaction, writes a new revision with the content of kept version
   * `opts.revision` (default: the newest intact one below the current). An unreadable current
   * memory stays kept as its own revision (nothing is moved aside in a database).
   * @throws MemagentError (nothing written) when the version is not kept, damaged or current, or nothing intact is kept.
   */
  async restore(userId: string, opts: { revision?: number } = {}): Promise<RestoreResult> {
    validateUserId(userId);
    return this.transaction(userId, async (client) => {
      const current = await this.readCurrent(client, userId);
      let before: Memory | null = null;
      if (current.row) {
        try {
          before = this.parse(userId, current.row);
        } catch (err) {
          if (!(err instanceof MemoryFileError)) throw err;
        }
      }
      const rows = await this.versions(client, userId);
      let chosen: { revision: number; memory: Memory } | null = null;
      if (opts.revision !== undefined) {
        const wanted = opts.revision;
        const row = rows.find((r) => r.revision === wanted);
        if (!row) throw new MemagentError(`revision ${wanted} of ${userId}'s memory is not kept (kept: ${rows.map((r) => r.revision).join(', ') || 'none'}); nothing was changed`);
        if (before && wanted === current.revision) throw new MemagentError(`revision ${wanted} is ${userId}'s current memory already; nothing was changed`);
        try {
          chosen = { revision: wanted, memory: this.parse(userId, row) };
        } catch (err) {
          throw new MemagentError(`cannot restore revision ${wanted}: ${(err as Error).message}`);
        }
      } else {
        for (const row of rows.filter((r) => r.revision < current.revision || (before === null && r.revision !== current.revision))) {
          try {
            chosen = { revision: row.revision, memory: this.parse(userId, row) };
            break;
          } catch {
            // damaged too: try the next one
          }
        }
        if (!chosen) throw new MemagentError(`no intact earlier version of ${userId}'s memory is kept; nothing was changed`);
      }
      const after = await this.commit(client, userId, current, chosen.memory);
      return { revision: after.revision, restoredRevision: chosen.revision, before, after };
    });
  }

  /**
   * In one locked transaction, hard-deletes every item matching `match` from the current memory
   * (a new revision) and from every kept version (rewritten in place, `savedAt` kept), summaries
   * rewritten by `options.summary` given every matched item. Unparseable versions are left.
   * Idempotent when `summary` is; cannot be undone.
   */
  async purge(userId: string, match: (item: Fact | Decision) => boolean, options: PurgeOptions = {}): Promise<PurgeReport> {
    validateUserId(userId);
    return this.transaction(userId, async (client) => {
      const current = await this.readCurrent(client, userId);
      const memory = current.row ? this.parse(userId, current.row) : null;
      const versions: Array<{ revision: number; memory: Memory }> = [];
      for (const row of await this.versions(client, userId)) {
        if (row.revision === current.revision) continue;
        try {
          versions.push({ revision: row.revision, memory: this.parse(userId, row) });
        } catch {
          // unparseable: left as it is, like the file store
        }
      }
      const matched = matchedItems([...(memory ? [memory] : []), ...versions.map((v) => v.memory)], match);
      const scrub = scrubber(match, matched, options);
      const changed = scrubChanged;
      const report: PurgeReport = { removed: [], summaryChanged: false, historyVersions: 0, matched };
      if (memory) {
        const kept = scrub(memory);
        if (changed(memory, kept)) {
          await this.commit(client, userId, current, kept);
          // The old current revision is now a kept version: scrub it like the others.
          versions.push({ revision: current.revision, memory });
          report.removed = [...memory.facts, ...memory.decisions].filter(match);
          report.summaryChanged = kept.summary !== memory.summary;
        }
      }
      for (const { revision, memory: old } of versions) {
        const scrubbed = scrub(old);
        if (!changed(old, scrubbed)) continue;
        await client.query('UPDATE memagent_versions SET body = $3 WHERE user_id = $1 AND revision = $2', [userId, revision, serialize(scrubbed)]);
        report.historyVersions++;
      }
      return report;
    });
  }

  /** `purge` without summary rewrite; returns how many items left the current memory. */
  async forget(userId: string, match: (item: Fact | Decision) => boolean): Promise<number> {
    return (await this.purge(userId, match)).removed.length;
  }

  /**
   * Deletes the user's memory, every kept version, archived items and kept sessions (one locked
   * transaction), then the local journals and input history (the local store's `forgetAll`). Idempotent.
   */
  async forgetAll(userId: string): Promise<void> {
    validateUserId(userId);
    await this.transaction(userId, async (client) => {
      await client.query('DELETE FROM memagent_users WHERE user_id = $1', [userId]);
      await client.query('DELETE FROM memagent_archive_items WHERE user_id = $1', [userId]);
      await client.query('DELETE FROM memagent_sessions WHERE user_id = $1', [userId]);
    });
    await this.local.forgetAll(userId);
  }

  /** Every user with a stored memory, sorted by id; one whose memory does not validate is listed with `error`. Takes no lock. */
  async listUsers(): Promise<UserSummary[]> {
    return this.withClient(async (client) => {
      const { rows } = await client.query(
        `SELECT u.user_id, v.revision, v.body, v.saved_at FROM memagent_users u
           JOIN memagent_versions v ON v.user_id = u.user_id AND v.revision = u.current_revision
          ORDER BY u.user_id COLLATE "C"`,
      );
      return rows.map((r) => {
        const userId = String(r.user_id);
        const row: Row = { revision: Number(r.revision), body: String(r.body), savedAt: String(r.saved_at) };
        const bytes = Buffer.byteLength(row.body);
        try {
          return userSummaryOf(userId, bytes, this.parse(userId, row));
        } catch (err) {
          return userSummaryOf(userId, bytes, err as Error);
        }
      });
    });
  }

  /** Ends this store's connections. Idempotent; the store must not be used afterwards. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    if (pool) await (await pool.catch(() => null))?.end();
  }

  /** The pool, created (pg imported, schema migrated) on first use. @throws ConfigError (one line) when the database cannot be used. */
  private getPool(): Promise<Pool> {
    this.pool ??= (async () => {
      const { default: pg } = await import('pg');
      // Idle connections must not keep a finished command's process alive.
      const pool = new pg.Pool({ connectionString: this.url, max: this.maxConnections, allowExitOnIdle: true, connectionTimeoutMillis: 10_000 });
      pool.on('error', () => undefined); // an idle client's dropped connection: the next query reconnects
      try {
        const client = await pool.connect();
        let broken: Error | undefined;
        const onError = (err: Error) => (broken = err);
        client.on('error', onError);
        try {
          await migrate(client, this.location);
        } finally {
          client.off('error', onError);
          client.release(broken);
        }
      } catch (err) {
        await pool.end().catch(() => undefined);
        throw translatePgError(err, this.location);
      }
      return pool;
    })();
    const pool = this.pool;
    // A failed first use is not cached: the next call tries again.
    pool.catch(() => {
      if (this.pool === pool) this.pool = null;
    });
    return pool;
  }

  /**
   * Runs `fn` with a pooled client (no transaction). Errors from pg become one-line errors. `fn`
   * may call `markBroken` so the connection is discarded rather than returned to the pool.
   */
  private async withClient<T>(fn: (client: PoolClient, markBroken: (err: Error) => void) => Promise<T>): Promise<T> {
    const pool = await this.getPool();
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw translatePgError(err, this.location);
    }
    let broken: Error | undefined;
    const markBroken = (err: Error) => {
      broken ??= err;
    };
    // A checked-out client whose connection drops emits 'error'; unheard, it would crash the process.
    client.on('error', markBroken);
    try {
      return await fn(client, markBroken);
    } catch (err) {
      throw translatePgError(err, this.location);
    } finally {
      client.off('error', markBroken);
      client.release(broken);
    }
  }

  /**
   * Runs `fn` in one transaction holding `userId`'s advisory lock (released at commit or
   * rollback). Any error rolls back: nothing of `fn` lands. A broken connection is discarded.
   */
  private transaction<T>(userId: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client, markBroken) => {
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [userId]);
        const result = await fn(client);
        await this.hooks?.beforeCommit?.();
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(markBroken);
        throw err;
      }
    });
  }

  /** The current revision and its row (null when the user has none). */
  private async readCurrent(client: PoolClient, userId: string): Promise<Current> {
    const { rows } = await client.query(
      `SELECT u.current_revision, v.body, v.saved_at FROM memagent_users u
         LEFT JOIN memagent_versions v ON v.user_id = u.user_id AND v.revision = u.current_revision
        WHERE u.user_id = $1`,
      [userId],
    );
    const r = rows[0];
    if (!r || r.body === null) return { revision: r ? Number(r.current_revision) : 0, row: null };
    return { revision: Number(r.current_revision), row: { revision: Number(r.current_revision), body: String(r.body), savedAt: String(r.saved_at) } };
  }

  /** Every kept version, newest first. */
  private async versions(client: PoolClient, userId: string): Promise<Row[]> {
    const { rows } = await client.query('SELECT revision, body, saved_at FROM memagent_versions WHERE user_id = $1 ORDER BY revision DESC', [userId]);
    return rows.map((r) => ({ revision: Number(r.revision), body: String(r.body), savedAt: String(r.saved_at) }));
  }

  private async version(client: PoolClient, userId: string, revision: number): Promise<Row | null> {
    const { rows } = await client.query('SELECT revision, body, saved_at FROM memagent_versions WHERE user_id = $1 AND revision = $2', [userId, revision]);
    return rows[0] ? { revision: Number(rows[0].revision), body: String(rows[0].body), savedAt: String(rows[0].saved_at) } : null;
  }

  /**
   * Inside a locked transaction: writes `content` as the next revision (one above the current and
   * every kept one), validated, `updatedAt` now; points the user at it; prunes versions beyond
   * `historyLimit` earlier ones. Returns the written memory.
   * @throws MemagentError for an invalid memory (the caller's transaction rolls back).
   */
  private async commit(client: PoolClient, userId: string, current: Current, content: Memory): Promise<Memory> {
    const { rows } = await client.query('SELECT coalesce(max(revision), 0) AS top FROM memagent_versions WHERE user_id = $1', [userId]);
    const revision = Math.max(current.revision, Number(rows[0]?.top ?? 0)) + 1;
    const now = this.now().toISOString();
    const after = checkForWrite(userId, { ...content, revision, updatedAt: now });
    await client.query(
      `INSERT INTO memagent_users (user_id, current_revision) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET current_revision = EXCLUDED.current_revision`,
      [userId, revision],
    );
    await client.query('INSERT INTO memagent_versions (user_id, revision, body, saved_at) VALUES ($1, $2, $3, $4)', [userId, revision, serialize(after), now]);
    await client.query(
      `DELETE FROM memagent_versions WHERE user_id = $1 AND revision IN (
         SELECT revision FROM memagent_versions WHERE user_id = $1 ORDER BY revision DESC OFFSET $2)`,
      [userId, this.historyLimit + 1],
    );
    return cloneMemory(after);
  }

  /** Validates a stored version with the memory schema. @throws MemoryFileError naming the user and revision. */
  private parse(userId: string, row: Row): Memory {
    return parseMemory(`${this.location}, user ${userId} revision ${row.revision}`, Buffer.from(row.body), userId, MAX_MEMORY_BYTES);
  }
}

