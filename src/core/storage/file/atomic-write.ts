/**
 * Atomic file replacement: readers (and a crash at any moment) see either the whole old file or
 * the whole new one, never a mix or a truncated file. The only way memagent writes a memory file,
 * a history version, or a rewritten journal (history versions are also hard links of replaced
 * memory files: see versions.ts), and the REPL's input history.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Options of `writeFileAtomic`. `mode` is the final permission bits of the file (default 0o600). */
export interface WriteAtomicOptions {
  mode?: number;
  /**
   * Work that must be done (typically made durable) before the new content becomes visible:
   * started once the temp file is created, it runs while the temp file is written and fsynced,
   * and the rename waits for it. If it rejects, nothing is renamed, the temp file is removed and
   * its error is thrown. Running it alongside overlaps two waits for the disk instead of adding them.
   */
  beforeRename?: () => Promise<unknown>;
}

/**
 * Unique temp name next to `path`: same directory, so the rename cannot cross file systems (a
 * cross-device rename is a copy and not atomic); dot-prefixed so listings of the directory skip
 * it; pid + random so concurrent writers never share one.
 */
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Errors by which a platform says it cannot fsync a directory (Windows, some network FS). */
const DIR_FSYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'EACCES']);

/**
 * Writes `data` to a new temp file next to `path` (`tempPathFor`: O_EXCL, so never a planted
 * symlink or someone else's file), with permission bits exactly `mode`, and fsyncs it: its data
 * is on disk before any name other than the temp one can point at it. `alongside`, if given, is
 * started once the file is created (see `WriteAtomicOptions.beforeRename`) and returned unawaited.
 * Returns the temp path; on error the temp file is removed and the error thrown. The caller
 * renames or links it, and removes it if that fails.
 */
export async function writeSyncedTemp(
  path: string,
  data: string | Uint8Array,
  mode: number,
  alongside?: () => Promise<unknown>,
): Promise<{ tmp: string; started: Promise<unknown> | undefined }> {
  const tmp = tempPathFor(path);
  let handle: FileHandle | undefined;
  let started: Promise<unknown> | undefined;
  try {
    // 'wx' (O_EXCL): never follow a planted symlink or reuse a file at the temp name.
    handle = await open(tmp, 'wx', mode);
    started = alongside?.();
    // Awaited by the caller; until then a rejection must not count as unhandled (the write may fail first).
    started?.catch(() => undefined);
    // open's mode is masked by the umask; chmod makes the final bits exactly `mode`.
    await handle.chmod(mode);
    await handle.writeFile(data);
    // Data must reach the disk before a rename or link does: otherwise a power cut can leave the
    // new name pointing at an empty or partial file (ext4/xfs delayed allocation).
    await handle.sync();
    await handle.close();
    handle = undefined;
    return { tmp, started };
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await started?.catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * Replaces `path` with `data` atomically and durably: writes a unique temp file in the same
 * directory (`.<name>.<pid>.<random>.tmp`), fsyncs it, renames it over `path`, fsyncs the
 * directory. On any error the temp file is removed and the error rethrown; `path` is then
 * untouched. If `path` is a symlink, the link itself is replaced by a regular file.
 * `opts.beforeRename`, if given, has settled before this returns or throws.
 * The directory must exist. Not a lock: concurrent writers each land whole, last rename wins.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: WriteAtomicOptions = {}): Promise<void> {
  const { tmp, started } = await writeSyncedTemp(path, data, opts.mode ?? 0o600, opts.beforeRename);
  try {
    await started;
    // rename(2) replaces the target in one step: the atomicity this module exists for.
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dirname(path));
}

/**
 * `writeFileAtomic`, synchronously (for a journal append, which is synchronous by contract): a
 * temp file (O_EXCL, mode exactly `mode`) written and fsynced, renamed over `path`, the
 * directory fsynced. On error the temp file is removed and the error thrown; `path` is untouched.
 */
export function writeFileAtomicSync(path: string, data: Uint8Array, mode = 0o600): void {
  const tmp = tempPathFor(path);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', mode);
    fchmodSync(fd, mode);
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  let dirFd: number | undefined;
  try {
    dirFd = openSync(dirname(path), 'r');
    fsyncSync(dirFd);
  } catch (err) {
    if (!DIR_FSYNC_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    if (dirFd !== undefined) closeSync(dirFd);
  }
}

/**
 * Removes temp files left next to `path` by writers that were killed mid-write
 * (`.<name>.<pid>.<random>.tmp`). Returns how many were removed. Call only while holding
 * `path`'s lock: a live writer's temp file would otherwise be pulled from under it (its rename
 * then fails and it reports the error; nothing is corrupted).
 */
export async function removeTempFiles(path: string): Promise<number> {
  const stray = await listTempFiles(path);
  await Promise.all(stray.map((p) => rm(p, { force: true })));
  return stray.length;
}

/**
 * Paths of the temp files `writeFileAtomic` makes for `path` that are there now (a live writer's
 * or a killed one's); [] when the directory is missing. Takes no lock.
 */
export async function listTempFiles(path: string): Promise<string[]> {
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => n.startsWith(prefix) && /^\d+\.[0-9a-f]+\.tmp$/.test(n.slice(prefix.length))).map((n) => join(dirname(path), n));
}

/**
 * Removes, in directory `dir`, the temp files (`writeFileAtomic`'s `.<name>.<pid>.<random>.tmp`)
 * of writers that are gone (no process with that pid here): a write killed before its rename,
 * whose file still holds what it held before, so the temp file is garbage that may hold user
 * text. A live writer's temp file is left alone. Returns how many were removed; a missing dir is 0.
 */
export async function removeDeadTempFilesIn(dir: string, alive: (pid: number) => boolean): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  const dead = names.filter((n) => {
    const m = /^\..+\.(\d+)\.[0-9a-f]+\.tmp$/.exec(n);
    return m !== null && !alive(Number(m[1]));
  });
  await Promise.all(dead.map((n) => rm(join(dir, n), { force: true })));
  return dead.length;
}

/**
 * fsyncs the regular file `path`, making its content and metadata (e.g. a new link count)
 * durable. Opens it read-only: fsync(2) flushes a file through any of its descriptors.
 * @throws the fs error (e.g. ENOENT, EIO).
 */
export async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * fsyncs directory `dir`, making a rename or a newly created file in it durable. Silently does
 * nothing where the platform cannot fsync a directory (Windows, some network file systems).
 * @throws the fs error for anything else (e.g. EIO, ENOENT).
 */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    if (!DIR_FSYNC_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
