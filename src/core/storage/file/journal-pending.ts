/**
 * Journals on disk that are not being written by this process: the pending ones (left by killed
 * sessions or failed extractions), claiming and retiring them, reading, scrubbing and counting.
 */
import { readFile, readdir, rm, rmdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { dropTurnsMentioning, parseJournal, type JournalContents, type SessionHeader } from '../../journal/journal.js';
import { assertContained } from './contained-dir.js';
import { rewriteLines } from './line-file.js';
import { holdLock, isLockLive, type HeldLock } from './lock.js';
import { journalDirFor } from './paths.js';

/**
 * Journals of `userId` waiting for extraction (left by killed sessions or failed extractions):
 * absolute paths, oldest first (by name, i.e. session start). Journals of sessions still running
 * (live lock) are left out, and so is `except` (a journal path or a session id). [] if none.
 * A snapshot: a journal can be retired or go stale right after.
 * @throws UsageError for an invalid user id.
 */
export async function listPending(dir: string, userId: string, except?: string): Promise<string[]> {
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
  const out: string[] = [];
  for (const name of names.filter((n) => n.endsWith('.jsonl') && !n.startsWith('.')).sort()) {
    const path = join(jdir, name);
    if (path === skip) continue;
    if ((await isLockLive(path)) && !(await ownerIsGone(path))) continue;
    out.push(path);
  }
  return out;
}

/**
 * True when a journal's lock looks live but the session that holds it is provably gone: the
 * header names this host and a pid that no longer exists (SIGKILL, crash). Its lock dir is then
 * removed so the journal can be claimed at once, instead of waiting LOCK_STALE_MS for the lock's
 * mtime to age. A pid reused by another process only makes us wait for the stale time.
 */
async function ownerIsGone(path: string): Promise<boolean> {
  let header: SessionHeader | null;
  try {
    const text = await readFile(path, 'utf8');
    header = parseJournal(text.slice(0, text.indexOf('\n') + 1 || undefined)).header;
  } catch {
    return false;
  }
  if (!header?.pid || header.host !== hostname() || header.pid === process.pid) return false;
  try {
    process.kill(header.pid, 0);
    return false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') return false;
  }
  await rmdir(`${path}.lock`).catch(() => undefined);
  return true;
}


/**
 * Reads a journal, tolerating a half-written last line (a session killed mid-append) and garbage
 * lines: both are skipped and counted in `damagedLines`. Takes no lock.
 * @throws the fs error if the file cannot be read (ENOENT if it was retired meanwhile).
 */
export async function readJournal(path: string): Promise<JournalContents> {
  return parseJournal(await readFile(path, 'utf8'));
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
  if (!(await isLockLive(path))) await rmdir(`${path}.lock`).catch(() => undefined);
}


/**
 * Removes from every journal of `userId` (pending and live ones) each turn whose text contains
 * `matchText` (case-insensitive), and damaged lines whose raw text does; headers and `cleared`
 * lines stay. Each journal is replaced atomically; a turn appended by a running session while its
 * journal is being rewritten is carried over into the new file, not lost.
 * @returns the number of lines removed.
 * @throws UsageError for an empty `matchText` or an invalid user id.
 */
export async function forgetInJournals(dir: string, userId: string, matchText: string): Promise<number> {
  const needle = matchText.trim().toLowerCase();
  if (!needle) throw new UsageError('the text to forget is empty');
  const jdir = journalDirFor(dir, userId);
  await assertContained(dir, jdir);
  let names: string[];
  try {
    names = await readdir(jdir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let removed = 0;
  for (const name of names.filter((n) => n.endsWith('.jsonl') && !n.startsWith('.'))) {
    removed += await rewriteLines(join(jdir, name), (text) => dropTurnsMentioning(text, needle));
  }
  return removed;
}

/**
 * How many journals `userId` has under `dir` (pending and live).
 * @throws UsageError for an invalid user id.
 */
export async function countJournals(dir: string, userId: string): Promise<number> {
  const names = await readdir(journalDirFor(dir, userId)).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.jsonl') && !n.startsWith('.')).length;
}

