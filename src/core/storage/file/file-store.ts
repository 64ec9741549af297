// Over 300 lines: one class whose writes (update, undo, restore, purge, forgetAll) share its validated cache, lock, commit and re-run rules; its codec, paths and versions are already apart.
/**
 * The file implementation of `MemoryStore`: the one module that reads and writes `<dir>/<userId>.json` and its
 * committed revisions `<dir>/history/<userId>/<revision>.json`. Every write is validated first,
 * made under the file's cross-process lock, and committed by hard-linking the new revision's
 * fsynced temp file into history (EEXIST: another writer got there first, so this one lost its
 * lock and re-reads) before renaming it over `<userId>.json` (see versions.ts). The highest
 * committed revision is the truth: a late rename of a writer that lost its lock cannot hide a
 * newer revision.
 */
import { mkdirSync, statSync } from 'node:fs';
import { link, open, readFile, readdir, rm, stat, utimes, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { MemagentError, MemoryFileError } from '../../errors.js';
import { emptyMemory, type Decision, type Fact, type Memory } from '../../schema.js';
import { validateUserId } from '../../user-id.js';
import { matchedItems, sameContent, scrubChanged, scrubber } from '../purge-plan.js';
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
} from '../store.js';
import { PLAINTEXT, type FileCipher } from './age-cipher.js';
import { listTempFiles, removeDeadTempFilesIn, removeTempFiles, writeFileAtomic } from './atomic-write.js';
import { convertLines, convertLocked, encryptionState, userFiles, type ConvertReport, type EncryptionState } from './encryption-state.js';
import { FIX_HINT, checkForWrite, cloneMemory, isNotFound, parseMemory, serialize } from './codec.js';
import { assertContained, containedDir } from './contained-dir.js';
import { FileInputHistoryStore } from './input-history.js';
import { FileJournalStore } from './journals.js';
import { withLock, type LockHandle, type LockOptions } from './lock.js';
import { processAlive } from './process-alive.js';
import { archiveDirFor, checkedMemoryFile, historyDirFor, journalDirFor, memoryFileFor, userIdOfEntry } from './paths.js';
import {
  RevisionConflictError,
  closeLater,
  commitRevision,
  keepCurrent,
  listVersions,
  newerCommitted,
  pruneVersions,
  versionNumbers,
  versionPath,
  type CommitHooks,
  type HistoryEntry,
} from './versions.js';
import { archivedBy } from '../../recall/archive-plan.js';
import type { ArchivedItem } from '../../recall/types.js';
import { FileArchive } from './archive.js';

export type { CommitHooks, HistoryEntry };

/** Constructor options of `FileMemoryStore`. */
export interface FileMemoryStoreOptions {
  /** The memory dir; created (mode 0o700, with parents) if missing. An existing dir's mode is left alone. */
  dir: string;
  /**
   * False for a reader (`show`, `export`) that must not create the dir: a missing dir then reads as
   * empty (no users, empty memories) until a write, which fails with ENOENT. Default true.
   */
  createDir?: boolean;
  /** Clock for `updatedAt` and for the empty memory of a new user. Default: `() => new Date()`. */
  now?: () => Date;
  /** How many earlier versions of each file `undo` can go back to. Default 10; 0 keeps none. */
  historyLimit?: number;
  /** Files larger than this (bytes) are refused unread. Default 5 MiB. */
  maxFileBytes?: number;
  /** Lock tuning for tests (see `withLock`); production uses the defaults. */
  lock?: LockOptions;
  /** Test-only hooks into the commit (see `CommitHooks`); production passes none. */
  hooks?: CommitHooks;
  /**
   * Encryption at rest (see age-cipher.ts): every file holding user text (memory files, versions,
   * journals, input history) is written through `cipher.seal` and read through `cipher.open`.
   * Default `PLAINTEXT` (writes plaintext, refuses age files with one line).
   */
  cipher?: FileCipher;
  /** Kept sessions older than this many days are removed after each kept session (`MEMAGENT_ARCHIVE_DAYS`). Default: keep all. */
  archiveDays?: number;
}

/** 5 MiB: about 2,000 facts at the schema's caps fit in well under 2 MiB; more means something is wrong. */
const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;

/**
 * How many times a write that found its revision committed by someone else (it had lost its
 * lock without `withLock` noticing) takes the lock again, re-reads and re-applies. Each conflict
 * means another writer made progress, so 3 is plenty; then LockError, nothing written.
 */
const MAX_CONFLICT_RETRIES = 3;



/**
 * `text` (an unparseable memory file) without the lines that mention a text of `matched` (as
 * stored, or JSON-escaped) case-insensitively, or that `summary` would rewrite. Pure.
 */
function scrubLines(text: string, matched: ReadonlyArray<Fact | Decision>, summary?: PurgeOptions['summary']): string {
  const needles = new Set<string>();
  for (const item of matched) {
    for (const t of 'text' in item ? [item.text, item.source.quote] : [item.topic, item.decision, item.source.quote]) {
      if (t.trim() === '') continue;
      needles.add(t.toLowerCase());
      needles.add(JSON.stringify(t).slice(1, -1).toLowerCase());
    }
  }
  const lines = text.split('\n');
  const kept = lines.filter((line) => {
    const lower = line.toLowerCase();
    if ([...needles].some((n) => lower.includes(n))) return false;
    return summary === undefined || summary(line, matched) === line;
  });
  return kept.length === lines.length ? text : kept.join('\n');
}

/** What to do about a memory dir path that is not a directory. */
const NOT_A_DIR_HINT = 'memagent keeps memories in a directory: point MEMAGENT_MEMORY_DIR (or --memory-dir) at one, or move the file away';

/**
 * Checks that `dir` is a directory (or missing), creating it (0o700, with parents) when `create`.
 * @throws MemoryFileError for a path that is a file, has a file as a parent, or cannot be created.
 */
function checkMemoryDir(dir: string, create: boolean): void {
  try {
    const info = statSync(dir);
    if (!info.isDirectory()) throw new MemoryFileError(dir, `is a file, not a directory; ${NOT_A_DIR_HINT}`);
    return;
  } catch (err) {
    if (err instanceof MemoryFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new MemoryFileError(dir, `a part of this path is a file, not a directory; ${NOT_A_DIR_HINT}`);
    if (code !== 'ENOENT') throw new MemoryFileError(dir, `cannot be read (${code ?? err}); check its permissions`);
  }
  if (!create) return;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST') throw new MemoryFileError(dir, `a part of this path is a file, not a directory; ${NOT_A_DIR_HINT}`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new MemoryFileError(dir, `cannot be created (${code}); check the permissions of its parent or point MEMAGENT_MEMORY_DIR at a writable place`);
    throw err;
  }
}

/** A memory file whose content is damaged (what `restore` gets out of), as opposed to one that cannot be opened or is from a newer memagent. */
class DamagedMemoryError extends MemoryFileError {}

/** The memory as the truth has it: the current file, or a newer committed revision in history. */
interface Truth {
  memory: Memory;
  exists: boolean;
}

/**
 * The `MemoryStore` over one memory dir (layout in paths.ts). Reads take no lock (writes are
 * atomic renames and links, so a reader sees a whole old or whole new revision); every write
 * (`update`, `undo`, `restore`, `purge`, `forgetAll`) holds the file's cross-process lock for a
 * few milliseconds. Never reads `process.env`. Construct it only in the composition root
 * (src/cli/compose.ts) and in tests.
 */
export class FileMemoryStore implements MemoryStore {
  /** The memory dir, as given. */
  readonly dir: string;
  readonly journals: FileJournalStore;
  readonly inputHistory: FileInputHistoryStore;
  readonly archive: FileArchive;
  private readonly now: () => Date;
  private readonly historyLimit: number;
  private readonly maxFileBytes: number;
  private readonly lockOptions: LockOptions;
  private readonly hooks: CommitHooks | undefined;
  /** How files holding user text are written and read (encrypted or not). */
  readonly cipher: FileCipher;
  /**
   * Per file (memory file or history version), the last bytes this store validated (read or
   * wrote) and their memory, which is never handed out (callers get copies). Validation is a
   * function of the bytes and the userId, so bytes equal to these need not be validated again:
   * the re-read under the lock after a `load`, or after this store's own previous write, costs a
   * compare instead of a schema pass.
   */
  private readonly validated = new Map<string, { userId: string; bytes: Buffer; memory: Memory }>();
  /** Handles of pruned versions (`unlinkNow`), closed when the lock is released (`locked`). */
  private readonly unlinked: FileHandle[] = [];
  /** History dirs already checked to stay inside the memory dir (see `contained-dir.ts`). */
  private readonly containedDirs = new Set<string>();

  /**
   * Creates `dir` (0o700) if missing, unless `createDir` is false.
   * @throws MemoryFileError (one line saying what to do) when `dir` or a parent of it is not a
   *   directory, or `dir` cannot be created (permissions, read-only file system); the fs error otherwise.
   */
  constructor(opts: FileMemoryStoreOptions) {
    this.dir = opts.dir;
    this.now = opts.now ?? (() => new Date());
    this.historyLimit = Math.max(0, opts.historyLimit ?? DEFAULT_HISTORY_VERSIONS);
    this.maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.lockOptions = opts.lock ?? {};
    this.hooks = opts.hooks;
    this.cipher = opts.cipher ?? PLAINTEXT;
    checkMemoryDir(this.dir, opts.createDir !== false);
    this.journals = new FileJournalStore(this.dir, this.cipher);
    this.inputHistory = new FileInputHistoryStore(this.dir, this.cipher);
    this.archive = new FileArchive({
      dir: this.dir,
      journals: this.journals,
      load: async (userId) => (await this.load(userId)).memory,
      withUserLock: (userId, fn) => withLock(memoryFileFor(this.dir, userId), fn, this.lockOptions),
      now: this.now,
      retentionDays: opts.archiveDays,
      cipher: this.cipher,
    });
  }

  /** The memory dir. */
  get location(): string {
    return this.dir;
  }

  /** The memory file's path (see `pathFor`). */
  describeLocation(userId: string): Promise<string> {
    return this.pathFor(userId);
  }

  /**
   * The memory file path of `userId`: `<dir>/<userId>.json` (need not exist).
   * @throws UsageError for an invalid id; MemoryFileError if the file is a symlink leaving the
   *   memory dir (or dangling), or not a regular file.
   */
  pathFor(userId: string): Promise<string> {
    return checkedMemoryFile(this.dir, userId);
  }

  /** The REPL's input history file of `userId` (need not exist). @throws UsageError for an invalid id. */
  inputHistoryPath(userId: string): string {
    return this.inputHistory.fileFor(userId);
  }

  /**
   * Reads and validates `userId`'s memory: `<userId>.json`, unless history holds a newer
   * committed revision (a writer that lost its lock renamed an older one over it, or died
   * between commit and rename), which is then read instead: one `stat` in the usual case. A
   * missing file gives `emptyMemory(userId, now())` with `exists: false`. Never writes, takes no lock.
   * @throws MemoryFileError (naming the file) if it is empty, over `maxFileBytes` (checked
   *   before reading), not JSON, from a newer schemaVersion, invalid against the schema (first 3
   *   problems with their paths), or holds another userId; when an intact earlier version is
   *   kept, the message names it and how to restore it. UsageError for an invalid id.
   */
  async load(userId: string): Promise<{ memory: Memory; exists: boolean }> {
    const file = await this.pathFor(userId);
    return this.readTruth(file, userId);
  }

  /**
   * Read-modify-write under the lock: re-reads the memory, calls `fn(current)` (synchronous and
   * pure: do slow work such as model calls before), and if it returns a memory, commits it as a
   * new revision with `updatedAt = now()`. The new revision is one above both the current one and
   * every revision in history (revisions only grow). `fn` returning null writes nothing. Atomic:
   * readers see the old or the new revision. `fn` may be called more than once: when the lock
   * was lost and the section is run again, or when the commit found its revision already taken
   * by a writer that took over the lock meanwhile; each call gets the memory as it is then, and
   * a newer revision is never replaced. `opts.signal` stops waiting for a lock held elsewhere
   * (LockError, nothing written); it never interrupts the write itself.
   * @throws MemoryFileError if the current file is corrupt (nothing written); MemagentError if
   *   `fn` returned an invalid memory or another userId (a bug; nothing written); LockError.
   */
  async update(userId: string, fn: (current: Memory) => Memory | null, opts: { signal?: AbortSignal } = {}): Promise<UpdateResult> {
    const file = await this.pathFor(userId);
    let committed: UpdateResult | null = null;
    return this.locked(file, opts.signal, async (lock) => {
      // This section committed before its lock loss was noticed: running it again would apply fn twice.
      if (committed) return committed;
      const { memory: before } = await this.readTruth(file, userId);
      await this.removeDeadTempFiles(file);
      // fn gets its own copy: whatever it does to it, `before` stays the memory as it was.
      const proposed = fn(cloneMemory(before));
      if (proposed === null) return { before, after: before, written: false };
      // What the write removes from the file is archived in the same locked section (archive-plan.ts).
      const archive = (revision: number, next: Memory) => archivedBy(before, next, { now: new Date(next.updatedAt), revision });
      const after = await this.commit(userId, file, before, proposed, lock, archive);
      committed = { before, after, written: true };
      return committed;
    });
  }

  /**
   * Earlier versions of `userId`'s memory (committed revisions below the current one), newest
   * first; [] if none. With an unreadable current memory, every kept version. Takes no lock.
   * @throws UsageError for an invalid id.
   */
  async history(userId: string): Promise<HistoryEntry[]> {
    const all = await listVersions(historyDirFor(this.dir, userId));
    let current: number;
    try {
      current = (await this.load(userId)).memory.revision;
    } catch (err) {
      if (err instanceof MemoryFileError) return all;
      throw err;
    }
    return all.filter((v) => v.revision < current);
  }

  /**
   * Under the lock, reverts the last write: commits a new revision whose content is that of the
   * revision just before the current one (so undoing an undo reverts the undo).
   * @throws MemagentError, writing nothing, when there is no earlier revision, it is no longer
   *   kept, it is damaged, or it holds the same facts, decisions and summary as the current one
   *   (what a forget leaves, as it scrubs every version, and a restore of an unreadable file); MemoryFileError if the current memory is
   *   corrupt (the message names what `restore` can bring back); LockError.
   */
  async undo(userId: string): Promise<UndoResult> {
    const file = await this.pathFor(userId);
    let committed: UndoResult | null = null;
    return this.locked(file, undefined, async (lock) => {
      if (committed) return committed;
      const { memory: before, exists } = await this.readTruth(file, userId);
      const last = before.revision;
      const dir = historyDirFor(this.dir, userId);
      await assertContained(this.dir, dir);
      if (!exists || last <= 1) throw new MemagentError(`nothing to undo for ${userId}: ${exists ? `revision ${last} is its first` : 'nothing is remembered yet'}`);
      const path = versionPath(dir, last - 1);
      const bytes = await readFile(path).catch((err: unknown) => {
        if (isNotFound(err)) {
          throw new MemagentError(`cannot undo ${userId}'s last write (revision ${last}): revision ${last - 1} is no longer kept (${this.historyLimit} earlier versions are); nothing was changed`);
        }
        throw err;
      });
      let earlier: Memory;
      try {
        earlier = this.parseCached(path, bytes, userId);
      } catch (err) {
        throw new MemagentError(`cannot undo ${userId}'s last write: ${(err as Error).message}`);
      }
      if (sameContent(earlier, before)) {
        throw new MemagentError(
          `nothing to undo for ${userId}: revision ${last - 1} holds the same facts, decisions and summary as revision ${last}, so going back would change nothing (what a forget leaves, since it scrubs every kept version and cannot be undone, or a restore out of an unreadable file); nothing was changed`,
        );
      }
      const after = await this.commit(userId, file, before, earlier, lock);
      committed = { revision: after.revision, restoredRevision: last - 1, before, after };
      return committed;
    });
  }

  /**
   * Under the lock, commits a new revision with the content of kept version `opts.revision`, or
   * by default of the newest intact version below the current revision (with an unreadable
   * current memory: the newest intact version). An unreadable current memory is first linked
   * aside as `<userId>.json.corrupt-<time>` and never written to; the commit then replaces the
   * name, not those bytes.
   * @throws MemagentError, writing nothing, when the version is not kept, is damaged or is the
   *   current one, or nothing intact is kept; MemoryFileError for a memory file memagent cannot
   *   read at all (permissions) or from a newer memagent; LockError.
   */
  async restore(userId: string, opts: { revision?: number } = {}): Promise<RestoreResult> {
    const file = await this.pathFor(userId);
    let committed: RestoreResult | null = null;
    return this.locked(file, undefined, async (lock) => {
      if (committed) return committed;
      const dir = historyDirFor(this.dir, userId);
      await assertContained(this.dir, dir);
      let before: Memory | null = null;
      let corrupt: MemoryFileError | null = null;
      try {
        const truth = await this.readTruth(file, userId);
        if (truth.exists) before = truth.memory;
      } catch (err) {
        if (!(err instanceof DamagedMemoryError)) throw err;
        corrupt = err;
      }
      const current = before?.revision ?? 0;
      const versions = await listVersions(dir);
      let chosen: { revision: number; memory: Memory } | null = null;
      if (opts.revision !== undefined) {
        const wanted = opts.revision;
        const entry = versions.find((v) => v.revision === wanted);
        if (!entry) throw new MemagentError(`revision ${wanted} of ${userId}'s memory is not kept (kept: ${versions.map((v) => v.revision).join(', ') || 'none'}); nothing was changed`);
        if (!corrupt && wanted === current) throw new MemagentError(`revision ${wanted} is ${userId}'s current memory already; nothing was changed`);
        try {
          chosen = { revision: wanted, memory: this.parseCached(entry.path, await readFile(entry.path), userId) };
        } catch (err) {
          throw new MemagentError(`cannot restore revision ${wanted}: ${(err as Error).message}`);
        }
      } else {
        chosen = await this.newestIntact(userId, versions.filter((v) => corrupt !== null || v.revision < current));
        if (!chosen) throw new MemagentError(`no intact earlier version of ${userId}'s memory is kept; nothing was changed`);
      }
      let movedAside: string | undefined;
      if (corrupt) movedAside = await this.moveAside(file);
      const after = await this.commit(userId, file, before ?? emptyMemory(userId, this.now()), chosen.memory, lock);
      committed = { revision: after.revision, restoredRevision: chosen.revision, before, after, ...(movedAside ? { movedAside } : {}) };
      return committed;
    });
  }

  /**
   * Hard-deletes, under the lock, every fact and decision for which `match(item)` is true: from
   * the memory (a new revision) and from every kept version (each rewritten atomically, its mtime
   * kept). Versions that do not parse are left as they are. Journals are not touched (see
   * `forgetInJournals`). Idempotent. Same as `purge(userId, match)`.
   * @returns how many items were removed from the current memory (0 also when only history had them).
   * @throws MemoryFileError if the current file is corrupt (nothing written); LockError.
   */
  async forget(userId: string, match: (item: Fact | Decision) => boolean): Promise<number> {
    return (await this.purge(userId, match)).removed.length;
  }

  /**
   * `forget` with a summary rewrite and a report. Under the lock: finds every item matching
   * `match` in the current memory and in every kept version, then rewrites each (the current
   * memory as a new revision; kept versions in place, their mtime kept) without those items and
   * with `summary(version.summary, matched)`, where `matched` is every matching item of every
   * version (so a summary in an old version is scrubbed of an item only a newer version still
   * had). Versions left unchanged are not rewritten; unparseable versions are left as they are.
   * Memories moved aside by `restore` (`<userId>.json.corrupt-*`) are scrubbed too: rewritten
   * like a version when they parse, else as plain text (every line mentioning a matched item's
   * text or quote, or that `summary` would rewrite, dropped); counted in `historyVersions`. One
   * this store's key cannot decrypt is left as it is and listed in `unsearched` (set only then).
   * Temp files next to the memory file (a killed or paused writer's, which may hold the old text)
   * are removed. Idempotent when `summary` is. Since every kept version is scrubbed, a forget
   * cannot be undone.
   * @returns what was removed and rewritten.
   * @throws MemoryFileError if the current file is corrupt (nothing written); LockError.
   */
  async purge(userId: string, match: (item: Fact | Decision) => boolean, options: PurgeOptions = {}): Promise<PurgeReport> {
    const file = await this.pathFor(userId);
    let committed: PurgeReport | null = null;
    return this.locked(file, undefined, async (lock) => {
      if (committed) return committed;
      const { memory, exists } = await this.readTruth(file, userId);
      const versions: Array<{ entry: HistoryEntry; memory: Memory }> = [];
      for (const entry of await listVersions(historyDirFor(this.dir, userId))) {
        try {
          versions.push({ entry, memory: this.parseCached(entry.path, await readFile(entry.path), userId) });
        } catch {
          // unreadable or pruned meanwhile: left as it is
        }
      }
      // Memories moved aside by `restore` are kept copies too: a forget must reach them.
      const asides = await this.asideFiles(file);
      const asideMemories: Array<{ path: string; memory: Memory }> = [];
      const asideTexts: Array<{ path: string; text: string }> = [];
      const unsearched: string[] = [];
      for (const path of asides) {
        const bytes = await readFile(path).catch((err: unknown) => (isNotFound(err) ? null : Promise.reject(err)));
        if (bytes === null) continue;
        let plain: Buffer;
        try {
          plain = this.cipher.open(path, bytes);
        } catch {
          // An age file that cannot be decrypted here: nothing in it can be searched or scrubbed,
          // so it is reported, never counted as clean.
          unsearched.push(path);
          continue;
        }
        try {
          asideMemories.push({ path, memory: parseMemory(path, plain, userId, this.maxFileBytes) });
        } catch {
          asideTexts.push({ path, text: plain.toString('utf8') });
        }
      }
      const matched = matchedItems([memory, ...versions.map((v) => v.memory), ...asideMemories.map((a) => a.memory)], match);
      const scrub = scrubber(match, matched, options);
      const changed = scrubChanged;
      const report: PurgeReport = { removed: [], summaryChanged: false, historyVersions: 0, matched };
      if (unsearched.length > 0) report.unsearched = unsearched;
      await removeTempFiles(file);
      if (exists) {
        const kept = scrub(memory);
        if (changed(memory, kept)) {
          // The current revision stays in history until it is scrubbed below, like every other version.
          await this.commit(userId, file, memory, kept, lock);
          report.removed = [...memory.facts, ...memory.decisions].filter(match);
          report.summaryChanged = kept.summary !== memory.summary;
        }
      }
      for (const { entry, memory: old } of versions) {
        await removeTempFiles(entry.path);
        const scrubbed = scrub(old);
        if (!changed(old, scrubbed)) continue;
        if (await this.rewriteKeepingTime(entry.path, serialize(scrubbed))) report.historyVersions++;
      }
      for (const { path, memory: old } of asideMemories) {
        const scrubbed = scrub(old);
        if (changed(old, scrubbed) && (await this.rewriteKeepingTime(path, serialize(scrubbed)))) report.historyVersions++;
      }
      // A moved-aside file that does not parse: scrubbed as plain text, every line mentioning a
      // matched item (or that the summary rewrite would cut) dropped. It was unreadable already.
      for (const { path, text } of asideTexts) {
        const kept = scrubLines(text, matched, options.summary);
        if (kept !== text && (await this.rewriteKeepingTime(path, kept))) report.historyVersions++;
      }
      committed = report;
      return report;
    });
  }

  /**
   * Deletes everything memagent keeps about `userId`, under the lock: its archive dir (archival
   * and episodic memory, the search index), its history dir (versions and input history), the memory file, memories moved aside by `restore`, its journal dir
   * (including journals of sessions still running), and leftover temp files; the lock dir goes
   * when the lock is released. History goes first, so a kill midway leaves the memory visible
   * (run it again) rather than old versions without one. Idempotent.
   * @throws UsageError for an invalid id; LockError.
   */
  async forgetAll(userId: string): Promise<void> {
    const file = memoryFileFor(this.dir, userId);
    await withLock(
      file,
      async () => {
        await rm(archiveDirFor(this.dir, userId), { recursive: true, force: true });
        this.archive.dropIndex(userId);
        await rm(historyDirFor(this.dir, userId), { recursive: true, force: true });
        // rm on the path removes a symlink itself, never what it points to.
        await rm(file, { force: true });
        await removeTempFiles(file);
        const aside = `${basename(file)}.corrupt-`;
        for (const name of await readdir(this.dir)) if (name.startsWith(aside)) await rm(join(this.dir, name), { force: true });
        await rm(journalDirFor(this.dir, userId), { recursive: true, force: true });
      },
      this.lockOptions,
    );
  }

  /**
   * Every user with a memory file in the dir, sorted by id, for `memagent show`. Corrupt files are
   * listed with `error` set instead of throwing. Takes no lock, never writes.
   */
  async listUsers(): Promise<UserSummary[]> {
    const out: UserSummary[] = [];
    const names = await readdir(this.dir).catch((err: unknown) => (isNotFound(err) ? [] : Promise.reject(err)));
    for (const name of names.sort()) {
      const userId = userIdOfEntry(name);
      if (userId === null) continue;
      let bytes = 0;
      try {
        bytes = (await stat(memoryFileFor(this.dir, userId))).size;
        out.push(userSummaryOf(userId, bytes, (await this.load(userId)).memory));
      } catch (err) {
        if (isNotFound(err)) continue; // deleted meanwhile
        out.push(userSummaryOf(userId, bytes, err as Error));
      }
    }
    return out;
  }

  /**
   * Every user id with anything in the memory dir: a memory file (readable or not), a history dir
   * or a journal dir. Sorted. Takes no lock, never writes.
   */
  async userIdsOnDisk(): Promise<string[]> {
    const ids = new Set<string>();
    const list = (d: string) => readdir(d).catch((err: unknown) => (isNotFound(err) ? [] : Promise.reject(err)));
    for (const name of await list(this.dir)) {
      const id = userIdOfEntry(name);
      if (id !== null) ids.add(id);
    }
    for (const sub of ['history', 'journal', 'archive']) {
      for (const name of await list(join(this.dir, sub))) {
        try {
          ids.add(validateUserId(name));
        } catch {
          // not a user's dir
        }
      }
    }
    return [...ids].sort();
  }

  /**
   * How many of `userId`'s files holding user text (memory file, versions, moved-aside memories,
   * journals, input history) are age files and how many plaintext: both non-zero is a mixed
   * state (an `encrypt` or `decrypt` not finished, or encryption turned on after the fact), which
   * reads fine and `show` reports. Takes no lock, never writes.
   * @throws UsageError for an invalid id.
   */
  async encryptionState(userId: string): Promise<EncryptionState> {
    const files = await userFiles(this.dir, validateUserId(userId));
    return encryptionState([...files.locked, ...files.lines]);
  }

  /**
   * Converts every file of `userId` holding user text to age files (`encrypt`, to this store's
   * cipher's recipient) or back to plaintext, in place: each file replaced atomically (its mtime
   * kept), under the memory file's lock (journals and the input history under their line locks,
   * as their appends take), temp files left by killed writers removed first. Resumable and
   * idempotent: files already in the wanted form are counted in `already`. A file that cannot be
   * decrypted (another identity, damaged) is left as it is and listed in `failed`.
   * @throws MemagentError when this store has no identity (nothing to encrypt to or decrypt
   *   with); UsageError for an invalid id; LockError.
   */
  async convertEncryption(userId: string, encrypt: boolean): Promise<ConvertReport> {
    if (!this.cipher.encrypts) throw new MemagentError(`no age identity is configured, so nothing can be ${encrypt ? 'encrypted' : 'decrypted'}: run \`memagent keygen\` or set MEMAGENT_IDENTITY_FILE`);
    const file = await this.pathFor(userId);
    const report: ConvertReport = { converted: 0, already: 0, failed: [] };
    await withLock(
      file,
      async () => {
        await this.removeDeadTempFiles(file);
        await removeDeadTempFilesIn(journalDirFor(this.dir, userId), processAlive);
        const files = await userFiles(this.dir, userId);
        await convertLocked(files.locked, this.cipher, encrypt, report);
        convertLines(files.lines, this.cipher, encrypt, report);
      },
      this.lockOptions,
    );
    return report;
  }

  /**
   * Checks, before a session writes anything, that `userId`'s journal, history and archive directories
   * (existing or not yet) stay inside the memory dir after resolving symlinks.
   * @throws MemoryFileError naming the path that leads outside; UsageError for an invalid id.
   */
  async checkUser(userId: string): Promise<void> {
    const id = validateUserId(userId);
    await assertContained(this.dir, journalDirFor(this.dir, id));
    await assertContained(this.dir, historyDirFor(this.dir, id));
    await assertContained(this.dir, archiveDirFor(this.dir, id));
  }

  /** Same as `checkUser` (the name tests of the file store use). */
  assertDirsContained(userId: string): Promise<void> {
    return this.checkUser(userId);
  }

  /**
   * Runs `section` under the lock of `file`; when its commit finds its revision taken
   * (`RevisionConflictError`: the lock was lost without `withLock` noticing), takes the lock
   * again and runs it again, at most MAX_CONFLICT_RETRIES times.
   */
  private async locked<T>(file: string, signal: AbortSignal | undefined, section: (lock: LockHandle) => Promise<T>): Promise<T> {
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await withLock(file, section, { ...this.lockOptions, signal: signal ?? this.lockOptions.signal });
        } catch (err) {
          if (!(err instanceof RevisionConflictError) || attempt >= MAX_CONFLICT_RETRIES) throw err;
        }
      }
    } finally {
      // Pruned versions' blocks are freed only now, with the lock released (see `unlinkNow`).
      closeLater(this.unlinked.splice(0));
    }
  }

  /**
   * Commits `content` as the next revision of `file` (under the lock, `before` being the memory
   * as read in this section): validated, `revision` one above `before` and every kept version,
   * `updatedAt` now. Keeps `before` in history first when it is not there (a file written before
   * link-as-commit), prunes history to `historyLimit` earlier versions after. Sets the archive's
   * segment of the new revision to `archive(revision, after)` just before committing (none by
   * default: only `update` archives). Returns the written memory.
   * @throws MemagentError for an invalid memory; RevisionConflictError; LockError; the fs error.
   */
  private async commit(
    userId: string,
    file: string,
    before: Memory,
    content: Memory,
    lock: LockHandle,
    archive: (revision: number, after: Memory) => ArchivedItem[] = () => [],
  ): Promise<Memory> {
    const dir = await this.containedHistoryDir(userId);
    let numbers = await versionNumbers(dir);
    const revision = Math.max(before.revision, numbers[0] ?? 0) + 1;
    const after = checkForWrite(userId, { ...content, revision, updatedAt: this.now().toISOString() });
    // Encrypted once: the committed version and the memory file get the same bytes.
    const bytes = this.cipher.seal(serialize(after));
    if (this.historyLimit > 0 && before.revision > 0 && !numbers.includes(before.revision) && (await keepCurrent(file, dir, before.revision))) {
      numbers = [...numbers, before.revision].sort((a, b) => b - a);
    }
    lock.assertHeld();
    // Before the commit, so a crash never loses an archived item; for every commit, so a segment
    // a write of this revision left without landing is replaced (or removed) by the one that lands.
    await this.archive.writeSegment(userId, revision, archive(revision, after));
    await commitRevision(file, dir, revision, bytes, this.hooks);
    this.validated.set(file, { userId, bytes, memory: cloneMemory(after) });
    await pruneVersions(dir, this.unlinked, this.historyLimit + 1, [revision, ...numbers]);
    return cloneMemory(after);
  }

  /**
   * The truth about `userId`'s memory: `file`, or the highest committed revision in history
   * when that is newer (see `newerCommitted`). @throws like `load`.
   */
  private async readTruth(file: string, userId: string): Promise<Truth> {
    const current = await this.read(file, userId);
    if (current === null) return { memory: emptyMemory(userId, this.now()), exists: false };
    const dir = historyDirFor(this.dir, userId);
    const newer = await newerCommitted(dir, current.revision);
    if (newer === null) return { memory: current, exists: true };
    await assertContained(this.dir, dir);
    const path = versionPath(dir, newer);
    return { memory: this.parseCached(path, await readFile(path), userId), exists: true };
  }

  /**
   * The memory in `file` (a copy the caller owns), or null when it is missing. Checks the size on
   * the open handle before reading. An unreadable memory's error names the newest intact kept
   * version and how to restore it.
   */
  private async read(file: string, userId: string): Promise<Memory | null> {
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      if (isNotFound(err)) return null;
      throw new MemoryFileError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? err}); check its permissions`);
    }
    try {
      const info = await handle.stat();
      if (info.size > this.maxFileBytes) {
        throw new MemoryFileError(file, `is ${info.size} bytes, over the ${this.maxFileBytes}-byte limit; ${FIX_HINT}`);
      }
      return this.parseCached(file, await handle.readFile(), userId);
    } catch (err) {
      if (err instanceof MemoryFileError && this.isRestorable(err)) throw await this.withRestoreHint(err, userId);
      throw err;
    } finally {
      await handle.close();
    }
  }

  /**
   * `parseMemory` of `bytes` read from `path` (decrypted first when they are an age file), skipped
   * when they equal the last bytes validated for it (see `validated`: compared as on disk, so a
   * re-read of an unchanged encrypted file is not decrypted again). Returns a copy.
   * @throws CipherError (a MemoryFileError) when an age file cannot be decrypted; as `parseMemory`.
   */
  private parseCached(path: string, bytes: Buffer, userId: string): Memory {
    const known = this.validated.get(path);
    if (known !== undefined && known.userId === userId && known.bytes.equals(bytes)) return cloneMemory(known.memory);
    const memory = parseMemory(path, this.cipher.open(path, bytes), userId, this.maxFileBytes);
    this.validated.set(path, { userId, bytes, memory });
    return cloneMemory(memory);
  }

  /** Whether `err` says the memory's content is bad (what `restore` fixes), not that it cannot be opened or is from a newer memagent. */
  private isRestorable(err: MemoryFileError): boolean {
    return err.message.endsWith(FIX_HINT);
  }

  /** `err` with its "fix it or move it away" replaced by the newest intact kept version and the command that restores it, when there is one. */
  private async withRestoreHint(err: MemoryFileError, userId: string): Promise<DamagedMemoryError> {
    const problem = err.message.slice(err.path.length + 2, -FIX_HINT.length);
    const intact = await this.newestIntact(userId, await listVersions(historyDirFor(this.dir, userId)).catch(() => []));
    if (!intact) return new DamagedMemoryError(err.path, `${problem}${FIX_HINT}`);
    return new DamagedMemoryError(
      err.path,
      `${problem}the newest intact version kept is revision ${intact.revision} (written ${intact.savedAt}): \`memagent restore --user ${userId}\` moves this file aside and restores it`,
    );
  }

  /** The newest of `versions` that parses, or null. */
  private async newestIntact(userId: string, versions: HistoryEntry[]): Promise<{ revision: number; savedAt: string; memory: Memory } | null> {
    for (const v of versions) {
      try {
        return { revision: v.revision, savedAt: v.savedAt, memory: this.parseCached(v.path, await readFile(v.path), userId) };
      } catch {
        // damaged too, or pruned meanwhile: try the next one
      }
    }
    return null;
  }

  /** Paths of the memories of `file` moved aside by `restore` (`<file>.corrupt-<time>`), now. */
  private async asideFiles(file: string): Promise<string[]> {
    const prefix = `${basename(file)}.corrupt-`;
    return (await readdir(this.dir)).filter((name) => name.startsWith(prefix)).map((name) => join(this.dir, name));
  }

  /**
   * Replaces `path` atomically with `data`, keeping its mtime (a version's `savedAt`, an aside
   * file's age). Returns false when `path` was gone meanwhile (nothing written).
   */
  private async rewriteKeepingTime(path: string, data: string): Promise<boolean> {
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    await writeFileAtomic(path, this.cipher.seal(data), { mode: 0o600 });
    await utimes(path, info.atime, info.mtime);
    return true;
  }

  /** Links the unreadable memory `file` aside as `<file>.corrupt-<time>` (never overwriting anything); returns that path. */
  private async moveAside(file: string): Promise<string> {
    const stamp = this.now().toISOString().replace(/[:.]/g, '-');
    for (let n = 0; ; n++) {
      const aside = `${file}.corrupt-${stamp}${n ? `-${n}` : ''}`;
      try {
        await link(file, aside);
        return aside;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }

  /**
   * Removes temp files next to `file` left by writers that are gone (the pid in the name is not
   * running here). A paused writer's temp file is left alone: its commit must meet the link check
   * (and fail it), not a missing file.
   */
  private async removeDeadTempFiles(file: string): Promise<void> {
    const prefix = `.${basename(file)}.`;
    const dead = (await listTempFiles(file)).filter((p) => {
      const pid = Number(basename(p).slice(prefix.length).split('.')[0]);
      return !processAlive(pid);
    });
    await Promise.all(dead.map((p) => rm(p, { force: true })));
  }

  /** `historyDirFor`, created 0o700 and checked (once per store) to stay inside the memory dir. */
  private async containedHistoryDir(userId: string): Promise<string> {
    const dir = historyDirFor(this.dir, userId);
    if (!this.containedDirs.has(dir)) {
      await containedDir(this.dir, dir);
      this.containedDirs.add(dir);
    }
    return dir;
  }
}
