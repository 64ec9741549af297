/**
 * Where the file store keeps things under its memory dir, and the symlink checks that keep them
 * there. The only place that spells these names:
 *   `<dir>/<userId>.json`                              a user's memory (the newest committed revision)
 *   `<dir>/<userId>.json.corrupt-<time>`               an unreadable memory moved aside by `restore`
 *   `<dir>/history/<userId>/<revision>.json`           its committed revisions, the current one included (see versions.ts)
 *   `<dir>/history/<userId>/input-history.jsonl`       the REPL's input history
 *   `<dir>/journal/<userId>/<sessionId>.jsonl`         session journals (see journals.ts)
 *   `<dir>/archive/<userId>/`                          archival and episodic memory, the search index (see archive.ts)
 */
import { lstat, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MemoryFileError } from '../../errors.js';
import { validateUserId } from '../../user-id.js';
import { isNotFound, printable } from './codec.js';
import { isInside } from './contained-dir.js';

/** The REPL's input history file name, kept beside the history versions. */
export const INPUT_HISTORY_FILE = 'input-history.jsonl';

/** `<dir>/<userId>.json` (need not exist). @throws UsageError for an invalid id. */
export function memoryFileFor(dir: string, userId: string): string {
  return join(dir, `${validateUserId(userId)}.json`);
}

/** The user id a memory dir entry names, or null when it is not a memory file (temp files, lock dirs, other files). */
export function userIdOfEntry(name: string): string | null {
  // Dot files are temp files of writers; `*.json.lock` are lock dirs (no `.json` ending).
  if (name.startsWith('.') || !name.endsWith('.json')) return null;
  const userId = name.slice(0, -'.json'.length);
  try {
    return validateUserId(userId);
  } catch {
    return null;
  }
}

/** `<dir>/history/<userId>`. @throws UsageError for an invalid id. */
export function historyDirFor(dir: string, userId: string): string {
  return join(dir, 'history', validateUserId(userId));
}

/** `<dir>/journal/<userId>`. @throws UsageError for an invalid id. */
export function journalDirFor(dir: string, userId: string): string {
  return join(dir, 'journal', validateUserId(userId));
}

/** `<dir>/archive/<userId>` (layout inside it: archive.ts). @throws UsageError for an invalid id. */
export function archiveDirFor(dir: string, userId: string): string {
  return join(dir, 'archive', validateUserId(userId));
}

/** `<dir>/history/<userId>/input-history.jsonl`. @throws UsageError for an invalid id. */
export function inputHistoryFileFor(dir: string, userId: string): string {
  return join(historyDirFor(dir, userId), INPUT_HISTORY_FILE);
}

/**
 * The memory file path of `userId` (`memoryFileFor`), checked: it need not exist, but if it does
 * it must be a regular file, or a symlink to one inside the memory dir.
 * @throws UsageError for an invalid id; MemoryFileError if the file is a symlink leaving the
 *   memory dir (or dangling), or not a regular file.
 */
export async function checkedMemoryFile(dir: string, userId: string): Promise<string> {
  const file = memoryFileFor(dir, userId);
  let info;
  try {
    info = await lstat(file);
  } catch (err) {
    if (isNotFound(err)) return file;
    throw err;
  }
  if (info.isSymbolicLink()) {
    // Compare real paths: the memory dir itself may legitimately be a symlink.
    const realDir = await realpath(dir);
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
