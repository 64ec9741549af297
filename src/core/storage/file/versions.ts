/**
 * History versions of a memory file: `history/<userId>/<revision>.json`, saved right before each
 * write (a hard link of the replaced file, or a durable copy), pruned to a limit, listed for
 * `undo`. Call the writers under the memory file's lock.
 */
import { type Stats } from 'node:fs';
import { link, lstat, open, readdir, rm, utimes, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { VersionInfo } from '../store.js';
import { fsyncDir, fsyncFile, writeFileAtomic } from './atomic-write.js';
import { isNotFound } from './codec.js';

/** History file names are zero-padded so they also sort by name; 10 digits outlast any real use. */
const REVISION_DIGITS = 10;
/** The name of a history version: `<revision>.json`. Other files live beside them (input history). */
const VERSION_NAME = /^(\d+)\.json$/;

/** One saved version on disk: `VersionInfo` plus its path. */
export interface HistoryEntry extends VersionInfo {
  path: string;
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
 * Saves the current file (`bytes`, revision `revision`, as read through a handle whose stat is
 * `info`) as history version `<revision>.json`, replacing one of that name, and prunes history
 * to `historyLimit` versions in `dir` (the user's history dir, already checked to stay inside
 * the memory dir). Call under the lock, right before the new version replaces `file`.
 * Removed versions are gone by name; their handles (`unlinkNow`) are pushed to `unlinked`.
 * Usually a hard link of `file` (see `linkVersion`): the returned function then makes it durable
 * and must finish before the new version's rename (`writeFileAtomic`'s `beforeRename`).
 * Otherwise a durable copy of `bytes`, and undefined is returned; also with `historyLimit` 0
 * (nothing kept).
 */
export async function saveVersion(
  dir: string,
  file: string,
  revision: number,
  bytes: Buffer,
  info: Stats,
  unlinked: FileHandle[],
  historyLimit: number,
): Promise<(() => Promise<unknown>) | undefined> {
  if (historyLimit === 0) return undefined;
  const version = join(dir, `${String(revision).padStart(REVISION_DIGITS, '0')}.json`);
  const linked = await linkVersion(file, version, info, unlinked);
  if (!linked) await writeFileAtomic(version, bytes, { mode: 0o600 });
  await pruneVersions(dir, unlinked, historyLimit);
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
async function linkVersion(file: string, version: string, info: Stats, unlinked: FileHandle[]): Promise<boolean> {
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
export async function pruneVersions(dir: string, unlinked: FileHandle[], historyLimit: number): Promise<void> {
  const versions: Array<{ revision: number; name: string }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const m = VERSION_NAME.exec(entry.name);
    if (m && entry.isFile()) versions.push({ revision: Number(m[1]), name: entry.name });
  }
  if (versions.length <= historyLimit) return;
  const pruned = versions.sort((a, b) => b.revision - a.revision).slice(historyLimit);
  const results = await Promise.allSettled(pruned.map((v) => unlinkNow(join(dir, v.name))));
  for (const r of results) if (r.status === 'fulfilled' && r.value) unlinked.push(r.value);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * The saved versions in history dir `dir` (regular files named `<revision>.json`), newest
 * (highest revision) first; [] if the dir is missing. Other files there (input history) are not
 * versions. Takes no lock.
 */
export async function listVersions(dir: string): Promise<HistoryEntry[]> {
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
