/**
 * The storage seam: what the rest of memagent needs from wherever memories, session journals and
 * the REPL's input history are kept. No paths: a store names its places only in `describe*`
 * strings meant for people. The file implementation is `storage/file/file-store.ts`; every
 * implementation must pass the contract suite in `test/storage/contract.ts`.
 */
import type { JournalContents, SessionHeader } from '../journal/journal.js';
import type { Decision, Fact, JournalLine, Memory } from '../schema.js';
import type { ArchivedItem, Episode, EpisodeSummary, SearchHit, SearchOptions } from '../recall/types.js';

/** One saved earlier version of a user's memory, as listed by `MemoryStore.history`. */
export interface VersionInfo {
  /** The `revision` the memory had when this version was current. */
  revision: number;
  /** When this revision was written (ISO time). */
  savedAt: string;
  /** Size of the saved version in bytes (its serialized form). */
  bytes: number;
}

/** One user's line in `listUsers`. For an unreadable memory, counts are 0, `updatedAt` is '' and `error` says why. */
export interface UserSummary {
  userId: string;
  /** Active facts. */
  facts: number;
  decisions: number;
  sessionCount: number;
  /** ISO time of the last write ('' when the memory is unreadable). */
  updatedAt: string;
  /** Size of the stored memory in bytes. */
  bytes: number;
  /** The `MemoryFileError` message when the memory cannot be read. */
  error?: string;
}

/**
 * `listUsers`' line for one user: counts from a readable memory, or zeros and the reason (`error`,
 * one line) for one that could not be read. `bytes` is the stored memory's size. Pure; shared by
 * every store so the table means the same everywhere.
 */
export function userSummaryOf(userId: string, bytes: number, read: Memory | Error): UserSummary {
  if (read instanceof Error) return { userId, facts: 0, decisions: 0, sessionCount: 0, updatedAt: '', bytes, error: read.message };
  return {
    userId,
    facts: read.facts.filter((f) => f.status === 'active').length,
    decisions: read.decisions.length,
    sessionCount: read.sessionCount,
    updatedAt: read.updatedAt,
    bytes,
  };
}

/** What `update` did. `after` equals `before` when `written` is false. */
export interface UpdateResult {
  before: Memory;
  after: Memory;
  written: boolean;
}

/**
 * What `undo` did. Undo writes a new revision (`revision`, = `after.revision`, one above every
 * earlier one) whose content is that of `restoredRevision`, the revision before the last write.
 */
export interface UndoResult {
  revision: number;
  /** The revision whose content was restored. */
  restoredRevision: number;
  before: Memory;
  after: Memory;
}

/** What `restore` did: like `UndoResult`; `before` is null when the current memory was unreadable. */
export interface RestoreResult {
  revision: number;
  restoredRevision: number;
  before: Memory | null;
  after: Memory;
  /** Where the unreadable memory was moved aside (a description for people), when it was. */
  movedAside?: string;
}

/** What `purge` did. */
export interface PurgeReport {
  /** Items removed from the current memory (as they were). */
  removed: Array<Fact | Decision>;
  /** Whether the current memory's summary was rewritten. */
  summaryChanged: boolean;
  /** Saved versions rewritten: history versions, and memories moved aside by `restore`. */
  historyVersions: number;
  /** Every distinct matching item found in the current memory or any saved version. */
  matched: Array<Fact | Decision>;
  /** Saved copies that could not be searched (a moved-aside memory this key cannot decrypt), left as they are. */
  unsearched?: string[];
}

/** Options of `purge`: how to rewrite each version's summary given every matched item. */
export interface PurgeOptions {
  summary?: (summary: string, matched: ReadonlyArray<Fact | Decision>) => string;
}

/** A claim on a journal (the liveness mark a running session holds). */
export interface JournalClaim {
  /** True once the claim is known to be lost (taken over after a long sleep). */
  readonly compromised: boolean;
  /** Gives the claim up. Never throws. Idempotent. */
  release(): Promise<void>;
}

/** The journal of one running session. Created by `JournalStore.open`. */
export interface SessionJournal {
  /** The journal's reference for `JournalStore.read/claim/retire` (the file store: its absolute path). */
  readonly path: string;
  readonly header: SessionHeader;
  /** Appends one line, synchronously and durably. @throws after `close`; the storage error if it refuses (the line is not recorded). */
  append(line: JournalLine): void;
  /** Stops recording; the journal stays as pending. Idempotent; never throws. */
  close(): Promise<void>;
  /** Stops recording and hands over the liveness claim without releasing it (the caller must release it). */
  handOver(): JournalClaim;
  /** Closes the journal and deletes it. Idempotent. */
  retire(): Promise<void>;
}

/** Session journals: every turn kept before the chat goes on, until its extraction is merged. */
export interface JournalStore {
  /**
   * Starts the journal of a new session, header written durably, marked live.
   * @throws UsageError for an invalid user or session id; MemagentError if that session's journal exists or is live.
   */
  open(opts: { userId: string; sessionId: string; model: string; now: Date }): Promise<SessionJournal>;
  /** References of journals waiting for extraction, oldest first; live ones and `except` (a reference or session id) left out. */
  listPending(userId: string, except?: string): Promise<string[]>;
  /**
   * Reads a journal, skipping (and counting) damaged lines; `sessionId` is the one the store
   * keeps it under (the header's may be damaged). @throws JournalGoneError if it is gone;
   * JournalSetAsideError (journal/journal.ts) for one it will not read: unreadable (moved aside),
   * or a symlink or another user's journal (left in place).
   */
  read(ref: string): Promise<JournalContents & { sessionId: string }>;
  /** Marks a pending journal as handled by this process; null if it is live elsewhere. */
  claim(ref: string): Promise<JournalClaim | null>;
  /** Deletes a journal whose extraction was merged. Idempotent. */
  retire(ref: string): Promise<void>;
  /**
   * Removes from every journal of `userId` (quarantined ones too) each turn containing `text`
   * (case-insensitive), or for which `text` returns true if it is a function; returns the lines
   * removed. What could not be searched (a quarantined directory or oversized file) is left and
   * its path pushed to `unsearched`.
   */
  forget(userId: string, text: string | ((text: string) => boolean), unsearched?: string[]): Promise<number>;
  /** How many journals `userId` has (pending and live). */
  count(userId: string): Promise<number>;
}

/** The REPL's input history of one user, as the prompt uses it. */
export interface InputHistoryFile {
  /**
   * Appends one entry (secrets redacted); when the history has grown past twice its bound it is
   * rewritten atomically with the newest entries of `all`.
   */
  append(entry: string, all: readonly string[]): Promise<void>;
}

/** Earlier versions of each memory kept for `undo` unless configured otherwise: ten steps back is plenty for fixing a bad session or compaction. */
export const DEFAULT_HISTORY_VERSIONS = 10;

/** Input-history entries kept per user: enough for weeks of use, small enough to load instantly. */
export const HISTORY_LIMIT = 500;
/** Input-history entries longer than this (UTF-16 units) stay in memory only: a 1 MB paste should not bloat every start-up. */
export const HISTORY_MAX_ENTRY_CHARS = 16_384;

/** One user's input history, as the REPL's prompt loads it (bound to the user by the caller). */
export interface InputHistorySource {
  /** Reads the history (missing or unreadable: empty) and returns a handle to append to. Never throws for a missing file. */
  open(): Promise<{ entries: string[]; history: InputHistoryFile }>;
}

/** The REPL's input history: what the user typed, per user. */
export interface InputHistoryStore {
  /** Reads the history (missing or unreadable: empty), at most the bound, oldest first, and a handle to append to. */
  open(userId: string): Promise<{ entries: string[]; history: InputHistoryFile }>;
  /** Removes every entry for which `match(text)` is true; returns how many. Takes no lock. */
  forget(userId: string, match: (text: string) => boolean): Promise<number>;
  /** Whether anything is kept for `userId`. */
  exists(userId: string): Promise<boolean>;
}

/**
 * Archival and episodic memory of every user (see recall/types.ts): what left the memory file by
 * a cap, every finished session, and one search over them and the memory file. Writes to the
 * archive happen inside `MemoryStore.update` (items a write removes from the file are archived
 * in the same locked section, before the new revision is committed) and in `keepSession`; a
 * save's cost does not grow with the archive. Only `forget`/`forgetAll` delete from it.
 */
export interface ArchiveStore {
  /**
   * Moves a merged journal into episodic memory (the session's transcript, as journaled) and
   * makes it searchable; incognito sessions have no journal, so keep nothing. Idempotent: a
   * session already kept is not kept twice (the journal is then just retired). Replaces
   * `JournalStore.retire` after an extraction.
   * @throws the storage error; the journal is then left pending.
   */
  keepSession(userId: string, journalRef: string): Promise<void>;
  /** Every archived item (last state per id), oldest archived first; [] when none. Corrupt records are skipped and counted in `skipped`. */
  items(userId: string): Promise<{ items: ArchivedItem[]; skipped: number }>;
  /** The sessions of episodic memory, oldest first. */
  sessions(userId: string): Promise<EpisodeSummary[]>;
  /** One kept session; null if it is not kept (or was removed by retention or forget). */
  readSession(userId: string, sessionId: string): Promise<Episode | null>;
  /**
   * BM25 search over the memory file's facts and decisions, archived items and kept sessions'
   * turns; best first, at most `opts.limit`. An empty archive or a query with no word returns [].
   * Takes no lock; a missing or corrupt index is rebuilt from the archive (the source of truth).
   */
  search(userId: string, query: string, opts: SearchOptions): Promise<SearchHit[]>;
  /**
   * Retention: removes kept sessions that started before `before` (the facts learned from them
   * stay). Returns how many were removed. Idempotent.
   */
  prune(userId: string, before: Date): Promise<number>;
  /**
   * Hard-deletes from archival and episodic memory (and the search index): archived items for
   * which `matchItem` is true, and session turns for which `matchTurn(text)` is true. Returns how
   * many items and turns were removed, and (optional) where the archive could not be searched
   * (a damaged or undecryptable segment or session, left as it is). Under the user's lock.
   */
  forget(
    userId: string,
    matchItem: (item: Fact | Decision) => boolean,
    matchTurn: (text: string) => boolean,
  ): Promise<{ items: number; turns: number; unsearched?: string[] }>;
  /**
   * Optional (`memagent migrate`): stores archived items copied from another store as they are
   * (`archivedAt`, `revision` kept); an id already archived is replaced by the given state.
   * Idempotent. Under the user's lock. A store without it cannot be migrated to when the source
   * has archived items (migrate says so).
   */
  importItems?(userId: string, items: readonly ArchivedItem[]): Promise<void>;
}

/**
 * Per-user memories with versions, plus the journals and input history that belong to them.
 * Reads take no lock and see a whole old or a whole new memory; every write holds the user's
 * cross-process lock briefly, is validated first, and is atomic.
 */
export interface MemoryStore {
  readonly journals: JournalStore;
  readonly inputHistory: InputHistoryStore;
  /** Archival and episodic memory, and search. */
  readonly archive: ArchiveStore;
  /** Where memories live, for people ("No one is remembered yet in …"). */
  readonly location: string;
  /** Where `userId`'s memory lives, for people (messages, `show`). @throws UsageError for an invalid id. */
  describeLocation(userId: string): Promise<string>;
  /**
   * Checks, before a session writes anything, that the user's places are usable and safe.
   * @throws MemoryFileError naming what is wrong; UsageError for an invalid id.
   */
  checkUser(userId: string): Promise<void>;
  /**
   * Reads and validates `userId`'s memory; a new user gets an empty memory with `exists: false`.
   * Never writes, takes no lock. @throws MemoryFileError for a stored memory that is unreadable or invalid; UsageError.
   */
  load(userId: string): Promise<{ memory: Memory; exists: boolean }>;
  /**
   * Read-modify-write under the lock: re-reads, calls `fn(current)` (synchronous, pure; may run
   * more than once if the lock was lost), and if it returns a memory writes it as a new revision
   * with `updatedAt` now. Revisions only grow: the new one is above every revision ever kept.
   * A writer that lost its lock never replaces a newer revision (it re-reads and re-applies `fn`,
   * or fails with LockError having written nothing). `fn` returning null writes nothing.
   * @throws MemoryFileError (current memory corrupt), MemagentError (`fn` returned an invalid memory), LockError; nothing written.
   */
  update(userId: string, fn: (current: Memory) => Memory | null, opts?: { signal?: AbortSignal }): Promise<UpdateResult>;
  /** Saved earlier versions (below the current revision), newest first; [] if none. Takes no lock. */
  history(userId: string): Promise<VersionInfo[]>;
  /**
   * Under the lock, reverts the last write: writes a new revision whose content is that of the
   * revision before the current one. Undoing an undo reverts the undo. Refuses, writing nothing,
   * when that revision is not kept (pruned, or never kept) or holds the same facts, decisions and
   * summary as the current one (a forget scrubs every version, so it cannot be undone).
   * @throws MemagentError saying why there is nothing to undo; MemoryFileError; LockError.
   */
  undo(userId: string): Promise<UndoResult>;
  /**
   * Under the lock, writes a new revision with the content of the kept version `revision` (by
   * default the newest intact one below the current revision). An unreadable current memory is
   * moved aside first, never overwritten; restore is the way out of it.
   * @throws MemagentError when that version is not kept, damaged or already current, or nothing
   *   intact is kept; MemoryFileError for other unreadable states; LockError.
   */
  restore(userId: string, opts?: { revision?: number }): Promise<RestoreResult>;
  /**
   * Under the lock, hard-deletes every item matching `match` from the current memory (a new
   * revision) and from every saved version. Idempotent when `summary` is.
   */
  purge(userId: string, match: (item: Fact | Decision) => boolean, options?: PurgeOptions): Promise<PurgeReport>;
  /** `purge` without summary rewrite; returns how many items left the current memory. */
  forget(userId: string, match: (item: Fact | Decision) => boolean): Promise<number>;
  /** Deletes everything kept about `userId` (memory, versions, journals, input history), under the lock. Idempotent. */
  forgetAll(userId: string): Promise<void>;
  /** Every user with a stored memory, sorted by id; unreadable ones listed with `error`. */
  listUsers(): Promise<UserSummary[]>;
}
