/**
 * Committed revisions of a memory file: `history/<userId>/<revision>.json`. A revision is
 * committed by `link(2)`ing its complete, fsynced temp file to that name: link fails with EEXIST
 * when the name exists, atomically, so of two writers that both think they write revision N
 * (one of them paused past its lock's stale time) exactly one commits and the other learns it
 * lost. Only then is a second temp file with the same bytes renamed over `<userId>.json`. The
 * history dir therefore holds the current revision too (a file of its own, never the inode of
 * `<userId>.json`, which a `cp` may rewrite in place), and the highest committed
 * revision is the truth even when a stale writer's late rename put an older one in
 * `<userId>.json` (see `newerCommitted`). Call the writers under the memory file's lock (the
 * link keeps them safe when that lock was lost).
 */
import { readdirSync, type Dirent } from 'node:fs';
import { link, lstat, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LockError, MemoryFileError } from '../../errors.js';
import type { VersionInfo } from '../store.js';
import { fsyncDir, writeSyncedTemp } from './atomic-write.js';
import { isNotFound } from './codec.js';

/** History file names are zero-padded so they also sort by name; 10 digits outlast any real use. */
const REVISION_DIGITS = 10;
/** The name of a history version: `<revision>.json`. Other files live beside them (input history). */
const VERSION_NAME = /^(\d+)\.json$/;
/** link(2) errors by which a file system says it has no hard links (FAT, some FUSE and network mounts) or the history dir is on another one. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/** One saved version on disk: `VersionInfo` plus its path. */
export interface HistoryEntry extends VersionInfo {
  path: string;
}

/** Test-only hooks of the commit; production passes none (one property check per write). */
export interface CommitHooks {
  /**
   * Called once the new revision's temp file is written and fsynced, right before the commit
   * (the link), and awaited. Tests use it to pause a writer there (a real one: SIGSTOP) while
   * its lock goes stale and another writer commits.
   */
  afterTempFile?: () => void | Promise<void>;
}

/**
 * Another writer committed the revision this one was about to commit: this writer lost its
 * lock (it was paused past the stale time). Nothing of this write landed; re-read and re-apply.
 */
export class RevisionConflictError extends LockError {
  readonly revision: number;
  constructor(file: string, revision: number) {
    super(`lost the lock on ${file} before committing revision ${revision} (another memagent took it over and wrote); nothing was written, try again`);
    this.revision = revision;
    // Callers tell a lost lock (retry later, keep the journal) by this name.
    this.name = 'LockError';
  }
}

/** `<dir>/<revision>.json`, zero-padded. */
export function versionPath(dir: string, revision: number): string {
  return join(dir, `${String(revision).padStart(REVISION_DIGITS, '0')}.json`);
}

/**
 * Commits `bytes` as revision `revision` of `file`, whose committed revisions live in `historyDir`
 * (created, and checked to stay inside the memory dir, by the caller):
 * 1. writes two temp files with `bytes` next to `file` (`.<name>.<pid>.<random>.tmp`, O_EXCL,
 *    mode 0o600), fsynced side by side (the waits overlap);
 * 2. links the first as `historyDir/<revision>.json`: the commit point. EEXIST means another
 *    writer committed that revision first (ENOENT, that a writer holding the lock removed the
 *    temp file): the temp files are removed and `RevisionConflictError` thrown;
 * 3. removes the first's temp name and renames the second over `file`, then fsyncs both
 *    directories. `file` and the committed version are two files, not one linked twice: a
 *    backup copied back over `file` in place (`cp` truncates and writes the same inode) must
 *    not rewrite the committed revision too, or the newer one it is compared with is gone.
 * A crash before 2 leaves nothing; after 2, revision `revision` is committed even if `file`
 * still holds an older one (readers take the highest committed revision). Never replaces a
 * committed revision. @throws RevisionConflictError; MemoryFileError when the file system has
 * no hard links; the fs error otherwise (after 2, the commit stands).
 */
export async function commitRevision(file: string, historyDir: string, revision: number, bytes: Uint8Array, hooks?: CommitHooks): Promise<void> {
  const target = versionPath(historyDir, revision);
  // The data is on disk before its name is: a power cut must never commit a partial file.
  const written = await Promise.allSettled([writeSyncedTemp(file, bytes, 0o600), writeSyncedTemp(file, bytes, 0o600)]);
  const temps = written.flatMap((r) => (r.status === 'fulfilled' ? [r.value.tmp] : []));
  const failed = written.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(temps.map((t) => rm(t, { force: true }).catch(() => undefined)));
    throw failed.reason;
  }
  const [tmp, current] = temps;
  try {
    await hooks?.afterTempFile?.();
    try {
      await link(tmp, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      // EEXIST: someone committed this revision. ENOENT: our temp file was removed by a writer
      // holding the lock (a forget cleans temp files). Either way this writer lost its lock.
      if (code === 'EEXIST' || code === 'ENOENT') throw new RevisionConflictError(file, revision);
      if (NO_HARD_LINKS.has(code)) {
        throw new MemoryFileError(historyDir, `cannot hard-link into it (${code}): memagent commits each revision with a hard link so a writer that lost its lock can never replace a newer one; keep the memory dir on a local POSIX file system`);
      }
      throw err;
    }
  } catch (err) {
    await Promise.all(temps.map((t) => rm(t, { force: true }).catch(() => undefined)));
    throw err;
  }
  await rm(tmp, { force: true });
  await rename(current, file);
  await Promise.all([fsyncDir(dirname(file)), fsyncDir(historyDir)]);
}

/**
 * Links the existing `file` (revision `revision`, not yet in history: a file from before
 * link-as-commit, or written with history off) as `historyDir/<revision>.json`, so `undo` can
 * go back to it. A version already there is left alone. Returns whether it is there now.
 */
export async function keepCurrent(file: string, historyDir: string, revision: number): Promise<boolean> {
  try {
    await link(file, versionPath(historyDir, revision));
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EEXIST';
  }
}

/**
 * The revision numbers of the versions in `historyDir` (from the listing's names and entry
 * types: one call), highest first; [] if the dir is missing.
 */
export async function versionNumbers(historyDir: string): Promise<number[]> {
  let entries;
  try {
    entries = await readdir(historyDir, { withFileTypes: true });
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
  return numbersOf(entries);
}

/**
 * `versionNumbers`, synchronously: for the archive's check that nothing changed before a search
 * (archive.ts), which must cost microseconds, not a round trip through the thread pool.
 */
export function versionNumbersSync(historyDir: string): number[] {
  let entries;
  try {
    entries = readdirSync(historyDir, { withFileTypes: true });
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
  return numbersOf(entries);
}

/** The revision numbers of the version files among `entries`, highest first. */
function numbersOf(entries: Dirent[]): number[] {
  const out: number[] = [];
  for (const entry of entries) {
    const m = VERSION_NAME.exec(entry.name);
    if (m && entry.isFile()) out.push(Number(m[1]));
  }
  return out.sort((a, b) => b - a);
}

/**
 * The highest committed revision above `revision` (the revision `<userId>.json` holds), or null
 * when there is none, which is the usual case. Costs one `readdir` of the history dir (the kept
 * versions and the input history: a few dozen names). Compared against the highest committed
 * revision, not just `<revision + 1>.json`: revisions between may have been pruned (a history
 * limit of 0, many writes while a writer was paused, a backup older than the kept history
 * copied back over `<userId>.json`), and pruning always keeps the newest one. There is one when a
 * writer that lost its lock renamed its older revision over a newer one, a writer died between
 * its commit (link) and its rename, or an older file was copied back by hand: then that
 * revision is the truth.
 */
export async function newerCommitted(historyDir: string, revision: number): Promise<number | null> {
  const [highest] = await versionNumbers(historyDir);
  return highest !== undefined && highest > revision ? highest : null;
}

/**
 * Removes the oldest versions so that `keep` (≥ 1) remain: the newest committed revision is
 * never removed. Removed versions are gone by name; their handles (`unlinkNow`) go to `unlinked`.
 * `numbers` is the listing (`versionNumbers`) if the caller has it.
 */
export async function pruneVersions(historyDir: string, unlinked: FileHandle[], keep: number, numbers?: number[]): Promise<void> {
  const all = numbers ?? (await versionNumbers(historyDir));
  const pruned = all.slice(Math.max(1, keep));
  if (pruned.length === 0) return;
  const results = await Promise.allSettled(pruned.map((n) => unlinkNow(versionPath(historyDir, n))));
  for (const r of results) if (r.status === 'fulfilled' && r.value) unlinked.push(r.value);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Removes the file `path` now but frees its blocks later: it is opened before it is unlinked, so
 * the unlink only drops the name, and the blocks go when the returned handle is closed. Freeing
 * took 1.5-4 ms per file on the bench machine's disk (ext4 with online discard) against ~0.1 ms
 * for the unlink, and it holds up other file-system calls meanwhile, so `update` closes these
 * handles only after its lock is released. Returns null when `path` was already gone; removes it
 * the ordinary way when it cannot be opened.
 */
export async function unlinkNow(path: string): Promise<FileHandle | null> {
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
export function closeLater(handles: FileHandle[]): void {
  for (const handle of handles) handle.close().catch(() => undefined);
}

/**
 * The versions in history dir `dir` (regular files named `<revision>.json`), newest (highest
 * revision) first; [] if the dir is missing. `savedAt` is the file's mtime: when that revision
 * was written. Other files there (input history) are not versions. Takes no lock.
 */
export async function listVersions(dir: string): Promise<HistoryEntry[]> {
  const entries: HistoryEntry[] = [];
  for (const revision of await versionNumbers(dir)) {
    const path = versionPath(dir, revision);
    try {
      const info = await lstat(path);
      if (info.isFile()) entries.push({ revision, path, savedAt: info.mtime.toISOString(), bytes: info.size });
    } catch (err) {
      if (!isNotFound(err)) throw err; // pruned meanwhile by another writer
    }
  }
  return entries;
}
