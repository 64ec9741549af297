/**
 * Journals on disk that are not being written by this process: the pending ones (left by killed
 * sessions or failed extractions), claiming and retiring them, reading, scrubbing and counting.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, rmdir, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import {
  dropTurnsMentioning,
  JournalGoneError,
  JournalSetAsideError,
  parseJournal,
  type JournalContents,
  type SessionHeader,
} from '../../journal/journal.js';
import { CipherError, PLAINTEXT, isAgeFile, type FileCipher } from './age-cipher.js';
import { removeDeadTempFilesIn } from './atomic-write.js';
import { assertContained } from './contained-dir.js';
import { removeStaleLineLock, rewriteLines } from './line-file.js';
import { holdLock, isLockLive, lockHolder, lockOwnerFileOf, reclaimIfHolderDead, removeLockDirIf, lockDirId, type HeldLock, type LockDirId } from './lock.js';
import { processAlive } from './process-alive.js';
import { journalDirFor } from './paths.js';

/**
 * Largest journal read (bytes). A session's journal holds what was typed and answered, redacted:
 * even a day of non-stop maximum-length answers (8,192 tokens ≈ 32 KB each) stays under 16 MB.
 * Anything larger is not a journal memagent wrote, and reading it whole would take the memory of
 * a small machine (V8 strings end at 512 MiB): it is moved aside instead.
 */
export const MAX_JOURNAL_BYTES = 64 * 1024 * 1024;

/** Where unreadable journals of a user are moved: `journal/<userId>/quarantine/` (see paths.ts). */
export const QUARANTINE_DIR = 'quarantine';

/** Bytes read for a journal's header line (the header is a few hundred bytes). */
const HEADER_PROBE_BYTES = 64 * 1024;

/**
 * Journals of `userId` waiting for extraction (left by killed sessions or failed extractions):
 * absolute paths, oldest first (by name, i.e. session start). Journals of sessions still running
 * (live lock) are left out, and so is `except` (a journal path or a session id). [] if none.
 * A snapshot: a journal can be retired or go stale right after.
 * @throws UsageError for an invalid user id.
 */
export async function listPending(dir: string, userId: string, except?: string, cipher: FileCipher = PLAINTEXT): Promise<string[]> {
  const jdir = resolve(journalDirFor(dir, userId));
  await assertContained(dir, jdir);
  let names: string[];
  try {
    names = await readdir(jdir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const skip = except === undefined ? null : except.endsWith('.jsonl') ? resolve(except) : join(jdir, `${except}.jsonl`);
  await removeOrphanLocks(jdir, names);
  const out: string[] = [];
  for (const name of names.filter((n) => n.endsWith('.jsonl') && !n.startsWith('.')).sort()) {
    const path = join(jdir, name);
    if (path === skip) continue;
    if ((await isLockLive(path)) && !(await ownerIsGone(path, cipher))) continue;
    out.push(path);
  }
  return out;
}

/**
 * True when a journal's lock looks live but whoever holds it is provably gone: the lock's owner
 * record says so (see lock.ts), or, without a record, the header names this host and a pid that
 * no longer exists (SIGKILL, crash). Its lock dir is then removed so the journal can be claimed
 * at once, whatever the lock's mtime says. A pid reused by another process only makes us wait
 * for the stale time.
 */
async function ownerIsGone(path: string, cipher: FileCipher): Promise<boolean> {
  // The lock's owner record names whoever holds it now (the session, or a process extracting
  // the journal): its word is final. The journal's header names only the session that wrote it.
  const holder = await lockHolder(path);
  if (holder === 'alive') return false;
  if (holder === 'dead') return reclaimIfHolderDead(path);
  const header = await readHeader(path, cipher);
  if (!header?.pid || header.host !== hostname() || header.pid === process.pid) return false;
  // The lock dir judged, before the judgement: only that one may be removed (not a claim made since).
  const ino = await lockDirNow(path);
  if (ino === null || processAlive(header.pid)) return false;
  return removeLockDirIf(path, ino);
}


/**
 * The header of the journal at `path` from its first line, reading at most HEADER_PROBE_BYTES of
 * a regular file (never a whole 600 MB file, never a FIFO or through a symlink); null when there
 * is none or it cannot be read. An encrypted journal is read whole (up to MAX_JOURNAL_BYTES) and
 * decrypted: age has no way to read its start alone.
 */
async function readHeader(path: string, cipher: FileCipher): Promise<SessionHeader | null> {
  try {
    if (!(await lstat(path)).isFile()) return null;
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const buf = Buffer.alloc(HEADER_PROBE_BYTES);
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      let text = buf.subarray(0, bytesRead).toString('utf8');
      if (isAgeFile(buf.subarray(0, bytesRead))) {
        if ((await handle.stat()).size > MAX_JOURNAL_BYTES) return null;
        // The positional read above left the file position at 0: this reads the whole file.
        text = cipher.open(path, await handle.readFile()).toString('utf8');
      }
      const end = text.indexOf('\n');
      return end < 0 ? null : parseJournal(text.slice(0, end + 1)).header;
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}

/**
 * Lock dirs of journals that are gone (`<id>.jsonl.lock` without `<id>.jsonl`: a kill between
 * `retire`'s unlink and rmdir) and owner records without their lock dir are removed, once no
 * live process holds them. A session that is starting holds its lock before its file exists
 * (live: kept). Never throws.
 */
async function removeOrphanLocks(jdir: string, names: string[]): Promise<void> {
  const present = new Set(names);
  for (const name of names) {
    if (name.endsWith('.jsonl.lock') && !present.has(name.slice(0, -'.lock'.length))) {
      const journal = join(jdir, name.slice(0, -'.lock'.length));
      const ino = await lockDirNow(journal);
      if (ino === null) continue;
      if ((await isLockLive(journal)) && !(await reclaimIfHolderDead(journal))) continue;
      await removeLockDirIf(journal, ino);
    } else if (name.endsWith('.jsonl.lock.owner') && !present.has(name.slice(0, -'.owner'.length))) {
      await unlink(join(jdir, name)).catch(() => undefined);
    }
  }
}

/**
 * Moves an unreadable journal to `<its dir>/quarantine/` (a numbered name if taken), where no
 * listing looks, and says so: it must not block the journals after it, and is kept for a person
 * to look at.
 */
async function quarantine(path: string, problem: string): Promise<never> {
  const qdir = join(dirname(path), QUARANTINE_DIR);
  let movedTo: string | null = null;
  try {
    await mkdir(qdir, { recursive: true, mode: 0o700 });
    for (let n = 0; movedTo === null; n++) {
      const target = join(qdir, n === 0 ? basename(path) : `${basename(path)}.${n}`);
      // Not over an earlier quarantined one: lstat first (a rename would replace a file).
      const taken = await lstat(target).then(() => true, () => false);
      if (taken) continue;
      await rename(path, target);
      movedTo = target;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new JournalGoneError(path);
    throw new JournalSetAsideError(path, `${problem}, and could not be moved aside (${(err as NodeJS.ErrnoException).code ?? err})`, null);
  }
  throw new JournalSetAsideError(path, problem, movedTo);
}

/** Which dir `<journal>.lock` is now (see `LockDirId`), or null when there is none. */
async function lockDirNow(journal: string): Promise<LockDirId | null> {
  return lockDirId(`${journal}.lock`).catch(() => null);
}

function gone(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Reads a journal, tolerating a half-written last line (a session killed mid-append) and garbage
 * lines: both are skipped and counted in `damagedLines`. Takes no lock. What it will not read:
 * - a symlink (memagent never makes one; it may lead anywhere): refused, left in place;
 * - a journal whose header names a user other than `userId` (when given): refused, left in place,
 *   so nothing of another user is ever merged into this one's memory;
 * - something that is not a regular file (a directory, a FIFO), larger than MAX_JOURNAL_BYTES, or
 *   unreadable (EACCES…), or an age file that fails authentication (damaged or tampered with):
 *   moved to `quarantine/` beside it;
 * - an age file encrypted to another identity, or with no identity configured: refused, left in
 *   place (the message says which identity to configure).
 * @throws JournalGoneError if it is not there (retired meanwhile); JournalSetAsideError for the
 *   cases above; another fs error (EIO, EMFILE…) as it is.
 */
export async function readJournal(path: string, userId?: string, cipher: FileCipher = PLAINTEXT): Promise<JournalContents> {
  let info;
  try {
    info = await lstat(path);
  } catch (err) {
    if (gone(err)) throw new JournalGoneError(path);
    throw err;
  }
  if (info.isSymbolicLink()) throw new JournalSetAsideError(path, 'is a symlink, not a journal memagent wrote', null);
  if (!info.isFile()) return quarantine(path, info.isDirectory() ? 'is a directory, not a journal file' : 'is not a regular file');
  if (info.size > MAX_JOURNAL_BYTES) {
    return quarantine(path, `is ${Math.round(info.size / 2 ** 20)} MB, larger than a journal can be (${MAX_JOURNAL_BYTES / 2 ** 20} MB)`);
  }
  let bytes: Buffer;
  try {
    // O_NOFOLLOW: a symlink swapped in after the lstat is refused too.
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (gone(err)) throw new JournalGoneError(path);
    if (code === 'ELOOP') throw new JournalSetAsideError(path, 'is a symlink, not a journal memagent wrote', null);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EISDIR') return quarantine(path, `cannot be read (${code})`);
    throw err;
  }
  let text: string;
  try {
    text = cipher.open(path, bytes).toString('utf8');
  } catch (err) {
    if (!(err instanceof CipherError)) throw err;
    const problem = err.message.slice(path.length + 2);
    if (err.failure === 'damaged') return quarantine(path, problem.slice(0, problem.indexOf(' (a damaged')) || problem);
    throw new JournalSetAsideError(path, problem, null);
  }
  const contents = parseJournal(text);
  if (userId !== undefined && contents.header && contents.header.userId !== userId) {
    throw new JournalSetAsideError(path, `is a journal of another user (its header names ${JSON.stringify(contents.header.userId.slice(0, 100))}), not of ${userId}`, null);
  }
  return contents;
}

/**
 * Marks a pending journal as being handled by this process (the same live lock a running session
 * holds), so that another terminal starting at the same moment does not extract it too. Resolves
 * with null if it is live elsewhere. Release the claim after `retire` (or to give it back).
 */
export async function claimJournal(path: string): Promise<HeldLock | null> {
  return holdLock(path);
}

/**
 * Deletes a journal whose extraction has been merged, and its lock dir if it was left by a dead
 * session (a live one is left to its holder). Idempotent: a missing journal is fine.
 */
export async function retire(path: string): Promise<void> {
  await rm(path, { force: true });
  // Temp files of killed appends (encrypted journals are rewritten per line) of this journal or another.
  await removeDeadTempFilesIn(dirname(path), processAlive).catch(() => undefined);
  removeStaleLineLock(path);
  if (!(await isLockLive(path))) {
    await unlink(lockOwnerFileOf(path)).catch(() => undefined);
    await rmdir(`${path}.lock`).catch(() => undefined);
  }
}


/**
 * Removes from every journal of `userId` (pending and live ones, and those moved to
 * `quarantine/` because they could not be read) each turn whose text contains `matchText`
 * (case-insensitive; or for which `matchText` returns true when it is a function, e.g. a
 * whole-word test), and damaged lines whose raw text does; headers and `cleared` lines stay.
 * Each journal is replaced atomically; a turn appended by a running session while its journal
 * is being rewritten is carried over into the new file, not lost. A quarantined entry that
 * cannot be searched (a directory, over MAX_JOURNAL_BYTES, unreadable) is left as it is and its
 * path pushed to `unsearched`, so the caller can name it instead of claiming it clean.
 * @returns the number of lines removed.
 * @throws UsageError for an empty `matchText` or an invalid user id.
 */
export async function forgetInJournals(
  dir: string,
  userId: string,
  matchText: string | ((text: string) => boolean),
  unsearched: string[] = [],
  cipher: FileCipher = PLAINTEXT,
): Promise<number> {
  const needle = typeof matchText === 'string' ? matchText.trim().toLowerCase() : matchText;
  if (!needle) throw new UsageError('the text to forget is empty');
  const jdir = journalDirFor(dir, userId);
  await assertContained(dir, jdir);
  const scrub = (text: string) => dropTurnsMentioning(text, needle);
  let removed = 0;
  // A killed encrypted append leaves a temp file holding the journal as it was going to be.
  await removeDeadTempFilesIn(jdir, processAlive);
  await removeDeadTempFilesIn(join(jdir, QUARANTINE_DIR), processAlive);
  for (const name of (await namesIn(jdir)).filter((n) => n.endsWith('.jsonl') && !n.startsWith('.'))) {
    // Only journals memagent wrote: not a directory named like one, not through a symlink.
    const info = await lstat(join(jdir, name)).catch(() => null);
    if (!info?.isFile()) continue;
    removed += await rewriteLines(join(jdir, name), scrub, cipher);
  }
  const qdir = join(jdir, QUARANTINE_DIR);
  for (const name of (await namesIn(qdir)).filter((n) => !n.startsWith('.'))) {
    const path = join(qdir, name);
    const info = await lstat(path).catch(() => null);
    // A symlink holds no text of its own (memagent never follows one); gone meanwhile is fine.
    if (info === null || info.isSymbolicLink()) continue;
    if (!info.isFile() || info.size > MAX_JOURNAL_BYTES) {
      unsearched.push(path);
      continue;
    }
    try {
      removed += await rewriteLines(path, scrub, cipher);
    } catch (err) {
      // A quarantined age file that cannot be decrypted (damaged, another identity) cannot be searched.
      if (err instanceof CipherError) {
        unsearched.push(path);
        continue;
      }
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EISDIR') throw err;
      unsearched.push(path);
    }
  }
  return removed;
}

/** The names in `dir`; [] when it is missing. */
async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * How many journals `userId` has under `dir` (pending and live).
 * @throws UsageError for an invalid user id.
 */
export async function countJournals(dir: string, userId: string): Promise<number> {
  const names = await readdir(journalDirFor(dir, userId)).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.jsonl') && !n.startsWith('.')).length;
}

