/**
 * The memory files on disk: the one module that reads and writes `<dir>/<userId>.json` and its
 * history versions `<dir>/history/<userId>/<revision>.json`. Every write is atomic, under the
 * file's cross-process lock, validated before it is written, and preceded by saving the
 * previous bytes to history (a hard link of the replaced file, or a copy) so `undo` can restore
 * them exactly.
 */
import { mkdirSync, type Stats } from 'node:fs';
import { appendFile, link, lstat, open, readFile, readdir, realpath, rm, stat, utimes, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ZodError } from 'zod';
import { fsyncDir, fsyncFile, writeFileAtomic, removeTempFiles } from './atomic-write.js';
import { assertContained, containedDir, isInside } from './contained-dir.js';
import { MemagentError, MemoryFileError, UsageError } from './errors.js';
import { forgetInJournals, journalDirFor } from './journal.js';
import { withLock, type LockOptions } from './lock.js';
import { SCHEMA_VERSION, emptyMemory, memorySchema, type Decision, type Fact, type Memory, type Source } from './schema.js';
import { normalizeText } from './text-match.js';
import { validateUserId } from './user-id.js';

/** Constructor options of `MemoryStore`. */
export interface MemoryStoreOptions {
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

/** One saved earlier version of a memory file, as listed by `history`. */
export interface HistoryEntry {
  /** The `revision` the file had when this version was current. */
  revision: number;
  path: string;
  /** When the version was saved, i.e. replaced by a newer write (ISO time, the file's mtime). */
  savedAt: string;
  bytes: number;
}

/** One user's line in `listUsers`. For an unreadable file, counts are 0, `updatedAt` is '' and `error` says why. */
export interface UserSummary {
  userId: string;
  /** Active facts. */
  facts: number;
  decisions: number;
  sessionCount: number;
  /** ISO time of the last write ('' when the file is unreadable). */
  updatedAt: string;
  /** Size of the memory file in bytes. */
  bytes: number;
  /** The `MemoryFileError` message when the file cannot be read. */
  error?: string;
}

/** What `update` did. `after` equals `before` when `written` is false. */
export interface UpdateResult {
  before: Memory;
  after: Memory;
  written: boolean;
}

/** What `purge` did. */
export interface PurgeReport {
  /** Items removed from the current file (as they were). */
  removed: Array<Fact | Decision>;
  /** Whether the current file's summary was rewritten. */
  summaryChanged: boolean;
  /** History versions rewritten. */
  historyVersions: number;
  /** Every distinct matching item found in the current file or any history version. */
  matched: Array<Fact | Decision>;
}

/** What to forget everywhere: items by id, or everything mentioning a text. */
export type ForgetTarget = { ids: string[] } | { text: string };

/** What `forgetEverywhere` did: `purge`'s report plus the lines scrubbed outside memory files. */
export interface ForgetEverywhereReport extends PurgeReport {
  /** Journal lines removed (pending and live journals). */
  journalLines: number;
  /** Input-history lines removed. */
  inputHistoryLines: number;
  /** Requested ids found in no version (ids target only). */
  unknownIds: string[];
}

/** What `undo` did: `revision` is the restored revision (`after.revision`). */
export interface UndoResult {
  revision: number;
  before: Memory;
  after: Memory;
}

const DEFAULT_HISTORY_LIMIT = 10;
/** 5 MiB: about 2,000 facts at the schema's caps fit in well under 2 MiB; more means something is wrong. */
const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;
/** History file names are zero-padded so they also sort by name; 10 digits outlast any real use. */
const REVISION_DIGITS = 10;
/** The name of a history version: `<revision>.json`. Other files live beside them (input history). */
const VERSION_NAME = /^(\d+)\.json$/;
/** The REPL's input history, kept beside the history versions (see src/ui/history.ts). */
const INPUT_HISTORY_FILE = 'input-history.jsonl';
/**
 * Texts shorter than this (normalized chars) are not looked for in journals, input history and
 * summaries when forgetting by id: a two-word quote like "yes ok" would take unrelated lines along.
 */
const MIN_TRACE_CHARS = 8;
const FIX_HINT = 'fix it or move it away; memagent will not overwrite it';

/** Pretty JSON, 2-space indent, trailing newline: the one on-disk form of a memory. */
function serialize(memory: Memory): string {
  return `${JSON.stringify(memory, null, 2)}\n`;
}

/** `facts[3].text: Too big…; …` for the first 3 issues. */
function describeIssues(error: ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => {
    const where = issue.path.reduce<string>(
      (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)),
      '',
    );
    return `${where || '(root)'}: ${issue.message}`;
  });
  const more = error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : '';
  return `${shown.join('; ')}${more}`;
}

/**
 * Text from a file's contents made safe for a one-line error message: V8's JSON errors quote the
 * text around the fault, and a userId is any string, so a hostile file could otherwise put line
 * breaks or terminal escapes on the user's screen. Control, line-separator and bidi characters
 * are shown as `\uXXXX`; the result is cut to `max` characters.
 */
function printable(text: string, max: number): string {
  const shown = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Removes the file `path` now but frees its blocks later: it is opened before it is unlinked, so
 * the unlink only drops the name, and the blocks go when the returned handle is closed. Freeing
 * took 1.5-4 ms per file on the bench machine's disk (ext4 with online discard) against ~0.1 ms
 * for the unlink, and it holds up other file-system calls meanwhile, so `update` closes these
 * handles only after its lock is released. Returns null when `path` was already gone; removes it
 * the ordinary way when it cannot be opened.
 */
async function unlinkNow(path: string): Promise<FileHandle | null> {
  let handle: FileHandle | null = null;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (isNotFound(err)) return null;
  }
  try {
    await rm(path, { force: true });
  } catch (err) {
    await handle?.close().catch(() => undefined);
    throw err;
  }
  return handle;
}

/** Closes handles from `unlinkNow` without waiting: the freeing they start concerns nobody. */
function closeLater(handles: FileHandle[]): void {
  for (const handle of handles) handle.close().catch(() => undefined);
}

/**
 * A deep copy of a memory: nothing in it is shared with `memory`. ~0.1 ms for 560 facts, where
 * `structuredClone` takes ~2-4 ms and a generic recursive copy ~0.7 ms. It spells out the schema's
 * nesting; `NestedFieldsAreCopied` makes a new nested field fail `tsc` until it is copied here.
 */
function cloneMemory(memory: Memory): Memory {
  return {
    ...memory,
    facts: memory.facts.map((f) => ({ ...f, source: { ...f.source } })),
    decisions: memory.decisions.map((d) => ({ ...d, source: { ...d.source } })),
  };
}

/** The keys of `T` whose values are objects or arrays (which a spread shares instead of copying). */
type NestedKeys<T> = { [K in keyof T]-?: NonNullable<T[K]> extends object ? K : never }[keyof T];
type Assert<T extends true> = T;
/** Compile-time check behind `cloneMemory`: exactly these fields hold objects. */
type NestedFieldsAreCopied = Assert<
  [NestedKeys<Memory>, NestedKeys<Fact>, NestedKeys<Decision>, NestedKeys<Source>] extends ['facts' | 'decisions', 'source', 'source', never] ? true : false
>;

/**
 * Reads, validates and updates per-user memory files under one memory dir. Reads take no lock
 * (writes are atomic renames, so a reader sees a whole old or whole new file); every write
 * (`update`, `undo`, `forget`, `forgetAll`) holds the file's cross-process lock for a few
 * milliseconds. Never reads `process.env`.
 */
export class MemoryStore {
  /** The memory dir, as given. */
  readonly dir: string;
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
  constructor(opts: MemoryStoreOptions) {
    this.dir = opts.dir;
    this.now = opts.now ?? (() => new Date());
    this.historyLimit = Math.max(0, opts.historyLimit ?? DEFAULT_HISTORY_LIMIT);
    this.maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.lockOptions = opts.lock ?? {};
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /**
   * The memory file path of `userId`: `<dir>/<userId>.json` (need not exist).
   * @throws UsageError for an invalid id; MemoryFileError if the file is a symlink leaving the
   *   memory dir (or dangling), or not a regular file.
   */
  async pathFor(userId: string): Promise<string> {
    const file = join(this.dir, `${validateUserId(userId)}.json`);
    let info;
    try {
      info = await lstat(file);
    } catch (err) {
      if (isNotFound(err)) return file;
      throw err;
    }
    if (info.isSymbolicLink()) {
      // Compare real paths: the memory dir itself may legitimately be a symlink.
      const realDir = await realpath(this.dir);
      let target: string;
      try {
        target = await realpath(file);
      } catch {
        throw new MemoryFileError(file, 'is a symlink to nothing; refusing');
      }
      if (!isInside(realDir, target)) throw new MemoryFileError(file, `is a symlink that leaves the memory dir (to ${printable(target, 200)}); refusing`);
      info = await stat(target);
    }
    if (!info.isFile()) throw new MemoryFileError(file, 'is not a regular file; refusing');
    return file;
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
          const after = this.checkForWrite(userId, { ...proposed, revision: before.revision + 1, updatedAt: this.now().toISOString() });
          const bytes = Buffer.from(serialize(after));
          const syncHistory = oldBytes !== null && info !== null ? await this.saveHistory(userId, file, before.revision, oldBytes, info, unlinked) : undefined;
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
  async history(userId: string): Promise<HistoryEntry[]> {
    const dir = this.historyDir(validateUserId(userId));
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    const entries: HistoryEntry[] = [];
    for (const name of names) {
      // Other files may live here (the REPL's input history): only `<digits>.json` are versions.
      const m = VERSION_NAME.exec(name);
      if (!m) continue;
      const path = join(dir, name);
      try {
        const info = await lstat(path);
        if (info.isFile()) entries.push({ revision: Number(m[1]), path, savedAt: info.mtime.toISOString(), bytes: info.size });
      } catch (err) {
        if (!isNotFound(err)) throw err; // pruned meanwhile by another writer
      }
    }
    return entries.sort((a, b) => b.revision - a.revision);
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
        if (!newest) throw new MemagentError(`nothing to undo for ${userId}: no earlier version is saved in ${this.historyDir(userId)}`);
        const bytes = await readFile(newest.path);
        const after = this.parse(newest.path, bytes, userId);
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
  async purge(
    userId: string,
    match: (item: Fact | Decision) => boolean,
    options: { summary?: (summary: string, matched: ReadonlyArray<Fact | Decision>) => string } = {},
  ): Promise<PurgeReport> {
    const file = await this.pathFor(userId);
    return withLock(
      file,
      async (lock) => {
        const { memory, bytes } = await this.read(file, userId);
        const versions: Array<{ entry: HistoryEntry; memory: Memory }> = [];
        for (const entry of await this.history(userId)) {
          try {
            versions.push({ entry, memory: this.parse(entry.path, await readFile(entry.path), userId) });
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
          const kept = this.without(m, match);
          return options.summary ? { ...kept, summary: options.summary(kept.summary, matched) } : kept;
        };
        const changed = (a: Memory, b: Memory): boolean =>
          a.facts.length !== b.facts.length || a.decisions.length !== b.decisions.length || a.summary !== b.summary;
        const report: PurgeReport = { removed: [], summaryChanged: false, historyVersions: 0, matched };
        await removeTempFiles(file);
        if (bytes !== null) {
          const kept = scrub(memory);
          if (changed(memory, kept)) {
            const after = this.checkForWrite(userId, { ...kept, revision: memory.revision + 1, updatedAt: this.now().toISOString() });
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
   * Forgets, so that no trace is left under the memory dir, what the user wants gone:
   * - `{ text }`: every fact and decision whose text, topic, decision or source quote contains it
   *   (`containsText`), and in every version's summary, journal turn and input-history line, the
   *   sentences/lines that contain it;
   * - `{ ids }`: those facts and decisions, then the summary sentences, journal turns and
   *   input-history lines containing their text or source quote (the user's own words; texts
   *   under 8 normalized chars are not searched for).
   * Memory file and history versions go through `purge` (under the lock), journals through
   * `forgetInJournals`, input history through `forgetInInputHistory`. Not undoable. Idempotent.
   * @throws UsageError for an empty text or an invalid id; MemoryFileError if the current file is
   *   corrupt (nothing written); LockError.
   */
  async forgetEverywhere(userId: string, target: ForgetTarget): Promise<ForgetEverywhereReport> {
    let report: PurgeReport;
    let traces: string[];
    let unknownIds: string[] = [];
    if ('text' in target) {
      const text = target.text.trim();
      if (normalizeText(text) === '') throw new UsageError('the text to forget is empty (give some letters or digits)');
      report = await this.purge(userId, (item) => itemTexts(item).some((t) => containsText(t, text)), {
        summary: (summary) => dropSentencesContaining(summary, [text]),
      });
      traces = [text];
    } else {
      const wanted = new Set(target.ids);
      report = await this.purge(userId, (item) => wanted.has(item.id), {
        summary: (summary, matched) => dropSentencesContaining(summary, traceTexts(matched)),
      });
      const found = new Set(report.matched.map((item) => item.id));
      unknownIds = target.ids.filter((id) => !found.has(id));
      traces = traceTexts(report.matched);
    }
    let journalLines = 0;
    for (const t of traces) journalLines += await forgetInJournals(this.dir, userId, t);
    const inputHistoryLines = await this.forgetInInputHistory(userId, (entry) => traces.some((t) => containsText(entry, t)));
    return { ...report, journalLines, inputHistoryLines, unknownIds };
  }

  /**
   * The REPL's input history of `userId`: `<dir>/history/<userId>/input-history.jsonl`, one JSON
   * string (or, from other writers, one JSON value) per line. Need not exist.
   * @throws UsageError for an invalid id.
   */
  inputHistoryPath(userId: string): string {
    return join(this.historyDir(validateUserId(userId)), INPUT_HISTORY_FILE);
  }

  /**
   * Removes from `userId`'s input history every line for which `match(text)` is true, where `text`
   * is the entry for a JSON string line, and the raw line for anything else (a JSON object, a torn
   * line). The file is replaced atomically (mode 0o600); a line a running REPL appends meanwhile is
   * carried over (and filtered). Temp files a killed REPL left beside it are removed. Takes no
   * lock: the REPL writes this file without one. A missing file is fine.
   * @returns how many lines were removed.
   * @throws UsageError for an invalid id; the fs error if the file cannot be read or replaced.
   */
  async forgetInInputHistory(userId: string, match: (text: string) => boolean): Promise<number> {
    const file = this.inputHistoryPath(userId);
    const keep = (text: string): { kept: string; removed: number } => {
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      const kept = lines.filter((line) => {
        let entry = line;
        try {
          const value: unknown = JSON.parse(line);
          if (typeof value === 'string') entry = value;
        } catch {
          // a torn line: judged on its raw text
        }
        return !match(entry);
      });
      return { kept: kept.map((l) => `${l}\n`).join(''), removed: lines.length - kept.length };
    };
    await this.removeStaleInputHistoryTemps(file, keep);
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      if (isNotFound(err)) return 0;
      throw err;
    }
    try {
      const original = await handle.readFile();
      const { kept, removed } = keep(original.toString('utf8'));
      if (removed === 0) return 0;
      await writeFileAtomic(file, kept, { mode: 0o600 });
      // The REPL appends by path: an entry that landed between our read and the rename went into
      // the old file, which this handle still reads. Carry it over.
      const { size } = await handle.stat();
      if (size <= original.length) return removed;
      const tail = Buffer.alloc(size - original.length);
      await handle.read(tail, 0, tail.length, original.length);
      const rest = keep(tail.toString('utf8'));
      if (rest.kept) await appendFile(file, rest.kept, { mode: 0o600 });
      return removed + rest.removed;
    } finally {
      await handle.close();
    }
  }

  /** The REPL rewrites its history via `<file>.<pid>.tmp`: a killed REPL's leftover may hold forgotten text. */
  private async removeStaleInputHistoryTemps(file: string, keep: (text: string) => { removed: number }): Promise<void> {
    const dir = dirname(file);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    for (const name of names.filter((n) => n.startsWith(`${INPUT_HISTORY_FILE}.`) && n.endsWith('.tmp'))) {
      const path = join(dir, name);
      const text = await readFile(path, 'utf8').catch(() => '');
      // A live REPL's temp file is renamed within milliseconds; only one holding forgotten text goes.
      if (keep(text).removed > 0) await rm(path, { force: true });
    }
  }

  /**
   * Deletes everything memagent keeps about `userId`, under the lock: the memory file, its
   * history dir, its journal dir (including journals of sessions still running), and leftover
   * temp files; the lock dir goes when the lock is released. Idempotent.
   * @throws UsageError for an invalid id; LockError.
   */
  async forgetAll(userId: string): Promise<void> {
    const file = join(this.dir, `${validateUserId(userId)}.json`);
    await withLock(
      file,
      async () => {
        // rm on the path removes a symlink itself, never what it points to.
        await rm(file, { force: true });
        await removeTempFiles(file);
        await rm(this.historyDir(userId), { recursive: true, force: true });
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
      // Dot files are temp files of writers; `*.json.lock` are lock dirs (no `.json` ending).
      if (name.startsWith('.') || !name.endsWith('.json')) continue;
      const userId = name.slice(0, -'.json'.length);
      try {
        validateUserId(userId);
      } catch {
        continue;
      }
      let bytes = 0;
      try {
        bytes = (await stat(join(this.dir, name))).size;
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

  private historyDir(userId: string): string {
    return join(this.dir, 'history', userId);
  }

  /** `historyDir`, created 0o700 and checked (once per store) to stay inside the memory dir. */
  private async containedHistoryDir(userId: string): Promise<string> {
    const dir = this.historyDir(userId);
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
  async assertDirsContained(userId: string): Promise<void> {
    const id = validateUserId(userId);
    await assertContained(this.dir, journalDirFor(this.dir, id));
    await assertContained(this.dir, this.historyDir(id));
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
      const memory = this.parse(file, bytes, userId);
      this.validated.set(file, { userId, bytes, memory });
      return { memory: cloneMemory(memory), bytes, info };
    } finally {
      await handle.close();
    }
  }

  /** Validates the bytes of a memory file (current or history version) for `userId`. */
  private parse(file: string, bytes: Buffer, userId: string): Memory {
    if (bytes.length > this.maxFileBytes) throw new MemoryFileError(file, `is ${bytes.length} bytes, over the ${this.maxFileBytes}-byte limit; ${FIX_HINT}`);
    const text = bytes.toString('utf8');
    if (text.trim() === '') throw new MemoryFileError(file, `is empty; ${FIX_HINT}`);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new MemoryFileError(file, `is not valid JSON (${printable((err as Error).message, 200)}); ${FIX_HINT}`);
    }
    const version = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
    if (typeof version === 'number' && version > SCHEMA_VERSION) {
      throw new MemoryFileError(file, `was written by a newer memagent (schemaVersion ${version}); upgrade memagent`);
    }
    const result = memorySchema.safeParse(raw);
    if (!result.success) throw new MemoryFileError(file, `does not match the memory schema: ${describeIssues(result.error)}; ${FIX_HINT}`);
    if (result.data.userId !== userId) {
      throw new MemoryFileError(file, `holds the memory of user "${printable(result.data.userId, 80)}", not "${userId}"; ${FIX_HINT}`);
    }
    return result.data;
  }

  /** The last line of defence against a bug writing a file we would then refuse to read. */
  private checkForWrite(userId: string, candidate: Memory): Memory {
    const result = memorySchema.safeParse(candidate);
    if (!result.success) {
      throw new MemagentError(`refusing to write an invalid memory for ${userId} (a memagent bug: ${describeIssues(result.error)}); nothing was written`);
    }
    if (result.data.userId !== userId) {
      throw new MemagentError(`refusing to write user "${result.data.userId}" into ${userId}'s memory file (a memagent bug); nothing was written`);
    }
    return result.data;
  }

  private without(memory: Memory, match: (item: Fact | Decision) => boolean): Memory {
    return { ...memory, facts: memory.facts.filter((f) => !match(f)), decisions: memory.decisions.filter((d) => !match(d)) };
  }

  /**
   * Saves the current file (`bytes`, revision `revision`, as read through a handle whose stat is
   * `info`) as history version `<revision>.json`, replacing one of that name, and prunes history
   * to `historyLimit` versions. Call under the lock, right before the new version replaces `file`.
   * Removed versions are gone by name; their handles (`unlinkNow`) are pushed to `unlinked`.
   * Usually a hard link of `file` (see `linkVersion`): the returned function then makes it durable
   * and must finish before the new version's rename (`writeFileAtomic`'s `beforeRename`).
   * Otherwise a durable copy of `bytes`, and undefined is returned; also with `historyLimit` 0
   * (nothing kept).
   */
  private async saveHistory(
    userId: string,
    file: string,
    revision: number,
    bytes: Buffer,
    info: Stats,
    unlinked: FileHandle[],
  ): Promise<(() => Promise<unknown>) | undefined> {
    if (this.historyLimit === 0) return undefined;
    const dir = await this.containedHistoryDir(userId);
    const version = join(dir, `${String(revision).padStart(REVISION_DIGITS, '0')}.json`);
    const linked = await this.linkVersion(file, version, info, unlinked);
    if (!linked) await writeFileAtomic(version, bytes, { mode: 0o600 });
    await this.pruneHistory(dir, unlinked);
    if (!linked) return undefined;
    // The version's name and link count (and its data, if whoever wrote the file did not sync it).
    // A version older than all those kept was pruned at once: nothing of it to make durable.
    return () => Promise.all([fsyncDir(dir), fsyncFile(version).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)))]);
  }

  /**
   * Hard-links `file` as history version `version` instead of copying it: no second write, no
   * second pair of fsyncs. Safe because memagent never changes a memory file in place: every write
   * renames a fresh temp file over it, so once the new version lands, this inode is reachable only
   * from history and holds exactly the bytes that were read. Taken only for a private (0600),
   * singly linked regular file, and checked to be the same unchanged inode that was read (`info`:
   * device, inode, size, mtime), which only a writer ignoring the lock could break. The link's
   * mtime is set to now, so `savedAt` still says when the version was replaced. A version of the
   * same name is replaced. Returns false, leaving no link behind, when the caller must copy
   * instead: the conditions do not hold, or the file system refuses (EXDEV, EPERM, no hard links).
   */
  private async linkVersion(file: string, version: string, info: Stats, unlinked: FileHandle[]): Promise<boolean> {
    if (!info.isFile() || info.nlink !== 1 || (info.mode & 0o777) !== 0o600) return false;
    try {
      await link(file, version);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return false;
      // A version of this revision is there already (the file went back to an earlier revision,
      // e.g. restored from a backup) and is being replaced. Were we to stop between the two
      // calls, only that version is gone; the file that replaces it is still the current one.
      try {
        const replaced = await unlinkNow(version);
        if (replaced) unlinked.push(replaced);
        await link(file, version);
      } catch {
        return false;
      }
    }
    try {
      const now = await lstat(version);
      if (now.dev !== info.dev || now.ino !== info.ino || now.size !== info.size || now.mtimeMs !== info.mtimeMs) {
        throw new Error('replaced or changed since it was read');
      }
      const at = new Date();
      await utimes(version, at, at);
      return true;
    } catch {
      await rm(version, { force: true });
      return false;
    }
  }

  /**
   * Removes the oldest versions beyond `historyLimit`: the same versions `history` lists (regular
   * files named `<revision>.json`), told apart by the directory listing's entry types, which costs
   * one call where `history` stats every version. Their handles (`unlinkNow`) go to `unlinked`.
   */
  private async pruneHistory(dir: string, unlinked: FileHandle[]): Promise<void> {
    const versions: Array<{ revision: number; name: string }> = [];
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const m = VERSION_NAME.exec(entry.name);
      if (m && entry.isFile()) versions.push({ revision: Number(m[1]), name: entry.name });
    }
    if (versions.length <= this.historyLimit) return;
    const pruned = versions.sort((a, b) => b.revision - a.revision).slice(this.historyLimit);
    const results = await Promise.allSettled(pruned.map((v) => unlinkNow(join(dir, v.name))));
    for (const r of results) if (r.status === 'fulfilled' && r.value) unlinked.push(r.value);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
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

/**
 * Whether `haystack` mentions `text`: `text` is a substring of it after `normalizeText` on both
 * (case, punctuation and apostrophes ignored), or a case-insensitive raw substring. Deliberately
 * generous: forgetting a little too much is fixable, a leftover trace is not. Pure; an empty
 * `text` matches nothing.
 */
export function containsText(haystack: string, text: string): boolean {
  const needle = normalizeText(text);
  const raw = text.trim().toLowerCase();
  return (needle !== '' && normalizeText(haystack).includes(needle)) || (raw !== '' && haystack.toLowerCase().includes(raw));
}

/**
 * `summary` without its sentences (split after `.`, `!` or `?` and whitespace) that contain any of
 * `texts` (`containsText`), the rest joined by one space. Returns `summary` itself when nothing is
 * dropped. Pure.
 */
export function dropSentencesContaining(summary: string, texts: readonly string[]): string {
  const sentences = summary.split(/(?<=[.!?])\s+/u);
  const kept = sentences.filter((s) => !texts.some((t) => containsText(s, t)));
  return kept.length === sentences.length ? summary : kept.join(' ').trim();
}

/** Every text an item carries, for forgetting by text. */
function itemTexts(item: Fact | Decision): string[] {
  return 'text' in item ? [item.text, item.source.quote] : [item.topic, item.decision, item.source.quote];
}

/** The stored text and the user's words of forgotten items, to look for elsewhere. */
function traceTexts(items: ReadonlyArray<Fact | Decision>): string[] {
  const texts = items.flatMap((item) => ('text' in item ? [item.text, item.source.quote] : [item.decision, item.source.quote]));
  // Without end punctuation: the quote "I live in Lisbon." must also find "I live in Lisbon, near…".
  const bare = texts.map((t) => t.trim().replace(/[\s.!?,;:…]+$/u, ''));
  return [...new Set(bare)].filter((t) => normalizeText(t).length >= MIN_TRACE_CHARS);
}
