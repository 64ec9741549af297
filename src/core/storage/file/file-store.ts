// Over 300 lines: one class whose writes (update, undo, purge, forgetAll) share its validated cache, lock and re-run rules; its codec, paths and versions are already apart.
/**
 * The file implementation of `MemoryStore`: the one module that reads and writes `<dir>/<userId>.json` and its
 * history versions `<dir>/history/<userId>/<revision>.json`. Every write is atomic, under the
 * file's cross-process lock, validated before it is written, and preceded by saving the
 * previous bytes to history (a hard link of the replaced file, or a copy) so `undo` can restore
 * them exactly.
 */
import { mkdirSync, type Stats } from 'node:fs';
import { open, readFile, readdir, rm, stat, utimes, type FileHandle } from 'node:fs/promises';
import { MemagentError, MemoryFileError } from '../../errors.js';
import { emptyMemory, type Decision, type Fact, type Memory } from '../../schema.js';
import { validateUserId } from '../../user-id.js';
import { DEFAULT_HISTORY_VERSIONS, type MemoryStore, type PurgeOptions, type PurgeReport, type UndoResult, type UpdateResult, type UserSummary } from '../store.js';
import { removeTempFiles, writeFileAtomic } from './atomic-write.js';
import { FIX_HINT, checkForWrite, cloneMemory, isNotFound, parseMemory, serialize } from './codec.js';
import { assertContained, containedDir } from './contained-dir.js';
import { FileInputHistoryStore } from './input-history.js';
import { FileJournalStore } from './journals.js';
import { withLock, type LockOptions } from './lock.js';
import { checkedMemoryFile, historyDirFor, journalDirFor, memoryFileFor, userIdOfEntry } from './paths.js';
import { closeLater, listVersions, saveVersion, type HistoryEntry } from './versions.js';

export type { HistoryEntry };

/** Constructor options of `FileMemoryStore`. */
export interface FileMemoryStoreOptions {
  /** The memory dir; created (mode 0o700, with parents) if missing. An existing dir's mode is left alone. */
  dir: string;
  /** Clock for `updatedAt` and for the empty memory of a new user. Default: `() => new Date()`. */
  now?: () => Date;
  /** How many earlier versions of each file `undo` can go back to. Default 10; 0 keeps none. */
  historyLimit?: number;
  /** Files larger than this (bytes) are refused unread. Default 5 MiB. */
  maxFileBytes?: number;
  /** Lock tuning for tests (see `withLock`); production uses the defaults. */
  lock?: LockOptions;
}

/** 5 MiB: about 2,000 facts at the schema's caps fit in well under 2 MiB; more means something is wrong. */
const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;

function without(memory: Memory, match: (item: Fact | Decision) => boolean): Memory {
  return { ...memory, facts: memory.facts.filter((f) => !match(f)), decisions: memory.decisions.filter((d) => !match(d)) };
}

/**
 * The `MemoryStore` over one memory dir (layout in paths.ts). Reads take no lock (writes are
 * atomic renames, so a reader sees a whole old or whole new file); every write (`update`, `undo`,
 * `purge`, `forgetAll`) holds the file's cross-process lock for a few milliseconds. Never reads
 * `process.env`. Construct it only in the composition root (src/cli/compose.ts) and in tests.
 */
export class FileMemoryStore implements MemoryStore {
  /** The memory dir, as given. */
  readonly dir: string;
  readonly journals: FileJournalStore;
  readonly inputHistory: FileInputHistoryStore;
  private readonly now: () => Date;
  private readonly historyLimit: number;
  private readonly maxFileBytes: number;
  private readonly lockOptions: LockOptions;
  /**
   * Per memory file, the last bytes this store validated (read or wrote) and their memory, which
   * is never handed out (callers get copies). Validation is a function of the bytes and the
   * userId, so bytes equal to these need not be validated again: the re-read under the lock after
   * a `load`, or after this store's own previous write, costs a compare instead of a schema pass.
   */
  private readonly validated = new Map<string, { userId: string; bytes: Buffer; memory: Memory }>();
  /** History dirs already checked to stay inside the memory dir (see `contained-dir.ts`). */
  private readonly containedDirs = new Set<string>();

  /** Creates `dir` (0o700) if missing. Throws the fs error if it cannot. */
  constructor(opts: FileMemoryStoreOptions) {
    this.dir = opts.dir;
    this.now = opts.now ?? (() => new Date());
    this.historyLimit = Math.max(0, opts.historyLimit ?? DEFAULT_HISTORY_VERSIONS);
    this.maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.lockOptions = opts.lock ?? {};
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.journals = new FileJournalStore(this.dir);
    this.inputHistory = new FileInputHistoryStore(this.dir);
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
   * Reads and validates `userId`'s memory. A missing file gives `emptyMemory(userId, now())`
   * with `exists: false`. Never writes, takes no lock.
   * @throws MemoryFileError (naming the file) if it is empty, over `maxFileBytes` (checked
   *   before reading), not JSON, from a newer schemaVersion, invalid against the schema (first 3
   *   problems with their paths), or holds another userId; UsageError for an invalid id.
   */
  async load(userId: string): Promise<{ memory: Memory; exists: boolean }> {
    const file = await this.pathFor(userId);
    const { memory, bytes } = await this.read(file, userId);
    return { memory, exists: bytes !== null };
  }

  /**
   * Read-modify-write under the lock: re-reads the file, calls `fn(current)` (synchronous and
   * pure: do slow work such as model calls before), and if it returns a memory, writes it with
   * `revision = before.revision + 1` and `updatedAt = now()`, after saving the previous bytes to
   * history. `fn` returning null writes nothing. Atomic: the file is the old or the new version.
   * `fn` may be called more than once if the lock is lost and the section re-run; each call gets
   * the file as it is then. `opts.signal` stops waiting for a lock held elsewhere (LockError,
   * nothing written); it never interrupts the write itself.
   * @throws MemoryFileError if the current file is corrupt (nothing written); MemagentError if
   *   `fn` returned an invalid memory or another userId (a bug; nothing written); LockError.
   */
  async update(userId: string, fn: (current: Memory) => Memory | null, opts: { signal?: AbortSignal } = {}): Promise<UpdateResult> {
    const file = await this.pathFor(userId);
    let committed: { bytes: Buffer; result: UpdateResult } | null = null;
    // Removed history versions, closed once the lock is released (see `unlinkNow`).
    const unlinked: FileHandle[] = [];
    try {
      return await withLock(
        file,
        async (lock) => {
          if (committed && (await this.stillStands(userId, file, committed.bytes))) return committed.result;
          const { memory: before, bytes: oldBytes, info } = await this.read(file, userId);
          await removeTempFiles(file);
          // fn gets its own copy: whatever it does to it, `before` stays the file as it was.
          const proposed = fn(cloneMemory(before));
          if (proposed === null) return { before, after: before, written: false };
          const after = checkForWrite(userId, { ...proposed, revision: before.revision + 1, updatedAt: this.now().toISOString() });
          const bytes = Buffer.from(serialize(after));
          const syncHistory =
            oldBytes !== null && info !== null && this.historyLimit > 0
              ? await saveVersion(await this.containedHistoryDir(userId), file, before.revision, oldBytes, info, unlinked, this.historyLimit)
              : undefined;
          lock.assertHeld();
          await writeFileAtomic(file, bytes, { mode: 0o600, beforeRename: syncHistory });
          this.validated.set(file, { userId, bytes, memory: cloneMemory(after) });
          committed = { bytes, result: { before, after, written: true } };
          return committed.result;
        },
        { ...this.lockOptions, signal: opts.signal ?? this.lockOptions.signal },
      );
    } finally {
      closeLater(unlinked);
    }
  }

  /**
   * Saved earlier versions of `userId`'s file, newest (highest revision) first; [] if none.
   * Takes no lock. @throws UsageError for an invalid id.
   */
  history(userId: string): Promise<HistoryEntry[]> {
    return listVersions(historyDirFor(this.dir, userId));
  }

  /**
   * Under the lock, restores the newest history version byte-identically (the file as it was
   * before its last write) and removes that version from history, so a second undo goes back one
   * more step. The restored revision is lower than the current one.
   * @throws MemagentError if there is nothing to undo; MemoryFileError if the current file or the
   *   saved version is corrupt (nothing written); LockError.
   */
  async undo(userId: string): Promise<UndoResult> {
    const file = await this.pathFor(userId);
    let committed: { bytes: Buffer; result: UndoResult } | null = null;
    return withLock(
      file,
      async (lock) => {
        if (committed && (await this.stillStands(userId, file, committed.bytes))) return committed.result;
        const { memory: before } = await this.read(file, userId);
        const [newest] = await this.history(userId);
        if (!newest) throw new MemagentError(`nothing to undo for ${userId}: no earlier version is saved in ${historyDirFor(this.dir, userId)}`);
        const bytes = await readFile(newest.path);
        const after = parseMemory(newest.path, bytes, userId, this.maxFileBytes);
        lock.assertHeld();
        await writeFileAtomic(file, bytes, { mode: 0o600 });
        // Removed only after the restore landed: a crash in between leaves a harmless duplicate.
        await rm(newest.path, { force: true });
        committed = { bytes, result: { revision: after.revision, before, after } };
        return committed.result;
      },
      this.lockOptions,
    );
  }

  /**
   * Hard-deletes, under the lock, every fact and decision for which `match(item)` is true: from
   * the memory file (a normal write: revision + 1, but the pre-forget version is NOT saved to
   * history) and from every history version (each rewritten atomically, its mtime kept). History
   * versions that do not parse are left as they are. Journals are not touched (see
   * `forgetInJournals`). Idempotent. Same as `purge(userId, match)`.
   * @returns how many items were removed from the current file (0 also when only history had them).
   * @throws MemoryFileError if the current file is corrupt (nothing written); LockError.
   */
  async forget(userId: string, match: (item: Fact | Decision) => boolean): Promise<number> {
    return (await this.purge(userId, match)).removed.length;
  }

  /**
   * `forget` with a summary rewrite and a report. Under the lock: finds every item matching
   * `match` in the current file and in every history version, then rewrites each version (the
   * current file as a normal write with revision + 1 and no history copy; history versions in
   * place, their mtime kept) without those items and with `summary(version.summary, matched)`,
   * where `matched` is every matching item of every version (so a summary in an old version is
   * scrubbed of an item only a newer version still had). Versions left unchanged are not
   * rewritten; unparseable history versions are left as they are. Leftover temp files of killed
   * writers (the current file's and history's), which may hold the old text, are removed.
   * Idempotent when `summary` is.
   * @returns what was removed and rewritten.
   * @throws MemoryFileError if the current file is corrupt (nothing written); LockError.
   */
  async purge(userId: string, match: (item: Fact | Decision) => boolean, options: PurgeOptions = {}): Promise<PurgeReport> {
    const file = await this.pathFor(userId);
    return withLock(
      file,
      async (lock) => {
        const { memory, bytes } = await this.read(file, userId);
        const versions: Array<{ entry: HistoryEntry; memory: Memory }> = [];
        for (const entry of await this.history(userId)) {
          try {
            versions.push({ entry, memory: parseMemory(entry.path, await readFile(entry.path), userId, this.maxFileBytes) });
          } catch {
            // unreadable or pruned meanwhile: left as it is
          }
        }
        const matched: Array<Fact | Decision> = [];
        const seen = new Set<string>();
        for (const m of [memory, ...versions.map((v) => v.memory)]) {
          for (const item of [...m.facts, ...m.decisions]) {
            const key = JSON.stringify(item);
            if (!seen.has(key) && match(item)) {
              seen.add(key);
              matched.push(item);
            }
          }
        }
        const scrub = (m: Memory): Memory => {
          const kept = without(m, match);
          return options.summary ? { ...kept, summary: options.summary(kept.summary, matched) } : kept;
        };
        const changed = (a: Memory, b: Memory): boolean =>
          a.facts.length !== b.facts.length || a.decisions.length !== b.decisions.length || a.summary !== b.summary;
        const report: PurgeReport = { removed: [], summaryChanged: false, historyVersions: 0, matched };
        await removeTempFiles(file);
        if (bytes !== null) {
          const kept = scrub(memory);
          if (changed(memory, kept)) {
            const after = checkForWrite(userId, { ...kept, revision: memory.revision + 1, updatedAt: this.now().toISOString() });
            lock.assertHeld();
            await writeFileAtomic(file, serialize(after), { mode: 0o600 });
            report.removed = [...memory.facts, ...memory.decisions].filter(match);
            report.summaryChanged = kept.summary !== memory.summary;
          }
        }
        for (const { entry, memory: old } of versions) {
          await removeTempFiles(entry.path);
          const scrubbed = scrub(old);
          if (!changed(old, scrubbed)) continue;
          const info = await stat(entry.path);
          await writeFileAtomic(entry.path, serialize(scrubbed), { mode: 0o600 });
          // Keep `savedAt` (the mtime) meaningful: it says when the version was replaced.
          await utimes(entry.path, info.atime, info.mtime);
          report.historyVersions++;
        }
        return report;
      },
      this.lockOptions,
    );
  }

  /**
   * Deletes everything memagent keeps about `userId`, under the lock: the memory file, its
   * history dir (with the input history), its journal dir (including journals of sessions still running), and leftover
   * temp files; the lock dir goes when the lock is released. Idempotent.
   * @throws UsageError for an invalid id; LockError.
   */
  async forgetAll(userId: string): Promise<void> {
    const file = memoryFileFor(this.dir, userId);
    await withLock(
      file,
      async () => {
        // rm on the path removes a symlink itself, never what it points to.
        await rm(file, { force: true });
        await removeTempFiles(file);
        await rm(historyDirFor(this.dir, userId), { recursive: true, force: true });
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
    for (const name of (await readdir(this.dir)).sort()) {
      const userId = userIdOfEntry(name);
      if (userId === null) continue;
      let bytes = 0;
      try {
        bytes = (await stat(memoryFileFor(this.dir, userId))).size;
        const { memory } = await this.load(userId);
        out.push({
          userId,
          facts: memory.facts.filter((f) => f.status === 'active').length,
          decisions: memory.decisions.length,
          sessionCount: memory.sessionCount,
          updatedAt: memory.updatedAt,
          bytes,
        });
      } catch (err) {
        if (isNotFound(err)) continue; // deleted meanwhile
        out.push({ userId, facts: 0, decisions: 0, sessionCount: 0, updatedAt: '', bytes, error: (err as Error).message });
      }
    }
    return out;
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

  /**
   * Checks, before a session writes anything, that `userId`'s journal and history directories
   * (existing or not yet) stay inside the memory dir after resolving symlinks.
   * @throws MemoryFileError naming the path that leads outside; UsageError for an invalid id.
   */
  async checkUser(userId: string): Promise<void> {
    const id = validateUserId(userId);
    await assertContained(this.dir, journalDirFor(this.dir, id));
    await assertContained(this.dir, historyDirFor(this.dir, id));
  }

  /** Same as `checkUser` (the name tests of the file store use). */
  assertDirsContained(userId: string): Promise<void> {
    return this.checkUser(userId);
  }

  /**
   * The file's memory (a copy the caller owns), raw bytes and the open handle's stat (both null
   * when missing). Checks the size on the open handle before reading. Bytes equal to the last ones
   * this store validated for the file are not validated again (see `validated`).
   */
  private async read(file: string, userId: string): Promise<{ memory: Memory; bytes: Buffer | null; info: Stats | null }> {
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      if (isNotFound(err)) return { memory: emptyMemory(userId, this.now()), bytes: null, info: null };
      throw new MemoryFileError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? err}); check its permissions`);
    }
    try {
      const info = await handle.stat();
      if (info.size > this.maxFileBytes) {
        throw new MemoryFileError(file, `is ${info.size} bytes, over the ${this.maxFileBytes}-byte limit; ${FIX_HINT}`);
      }
      const bytes = await handle.readFile();
      const known = this.validated.get(file);
      if (known !== undefined && known.userId === userId && known.bytes.equals(bytes)) return { memory: cloneMemory(known.memory), bytes, info };
      const memory = parseMemory(file, bytes, userId, this.maxFileBytes);
      this.validated.set(file, { userId, bytes, memory });
      return { memory: cloneMemory(memory), bytes, info };
    } finally {
      await handle.close();
    }
  }

  /**
   * After a lost lock, whether the write of the previous run (`bytes`) landed and still counts:
   * it is the current file, or a later writer saw it (and so saved it to history before
   * replacing it). Then re-running the section would apply its change twice.
   */
  private async stillStands(userId: string, file: string, bytes: Buffer): Promise<boolean> {
    const current = await readFile(file).catch(() => null);
    if (current?.equals(bytes)) return true;
    for (const entry of await this.history(userId)) {
      const saved = await readFile(entry.path).catch(() => null);
      if (saved?.equals(bytes)) return true;
    }
    return false;
  }
}
