/**
 * The one "filter lines, rewrite atomically, carry over the appended tail" algorithm, for files
 * that other processes append to by path without a lock (session journals, the REPL's input
 * history), and the durable append they use.
 *
 * Encrypted (an age file, or a cipher that encrypts): age files cannot be appended to, so an
 * append decrypts the file, adds the line, and replaces the file atomically with a new age file
 * (a crash leaves the whole old file or the whole new one: never a lost or torn line). Every
 * append, and the rewrites and conversions of such a file, take a short exclusive lock beside it
 * (`.<name>.rw-lock`, holding the holder's pid, taken over when that process is gone) and do all
 * their work synchronously while they hold it, so an append never lands between a rewrite's read
 * and its rename.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MemagentError } from '../../errors.js';
import { PLAINTEXT, isAgeFile, type FileCipher } from './age-cipher.js';
import { writeFileAtomic, writeFileAtomicSync } from './atomic-write.js';
import { processAlive } from './process-alive.js';

/** What a line filter keeps of a text: the kept lines (each ending in `\n`) and how many went. */
export interface KeptLines {
  kept: string;
  removed: number;
}

/**
 * How long an encrypted append or rewrite waits for another process's (each holds it for a few
 * milliseconds: a decrypt, an encrypt, two fsyncs) before giving up with an error.
 */
const LINE_LOCK_WAIT_MS = 10_000;
const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** A lock file with no pid in it older than this was left by a holder killed while creating it. */
const EMPTY_LOCK_STALE_MS = 2_000;

/** Test-only seams of `withLineLock`; production passes none. */
export interface LineLockHooks {
  /** Replaces LINE_LOCK_WAIT_MS (ms). */
  waitMs?: number;
  /**
   * Called when this waiter has judged the lock stale, right before it takes it over. Tests use
   * it to let another waiter take the same dead holder's lock over first.
   */
  afterStaleJudged?: () => void;
}

/** Who holds `lock` (its pid; NaN or 0 when it holds none yet) and how old it is (ms), or null when it is gone. */
function lockHolder(lock: string): { holder: number; age: number } | null {
  try {
    return { holder: Number(readFileSync(lock, 'utf8')), age: Date.now() - statSync(lock).mtimeMs };
  } catch {
    return null; // released meanwhile
  }
}

/**
 * Whether a lock held by `holder`, `age` ms old, is left by a holder that is gone. A lock of this
 * very process cannot be held (fn is synchronous): it is left from a crash. One without a pid is
 * a holder killed between creating and writing it, once it is not new.
 */
function isStale({ holder, age }: { holder: number; age: number }): boolean {
  return holder === process.pid || (Number.isInteger(holder) && holder > 0 ? !processAlive(holder) : age > EMPTY_LOCK_STALE_MS);
}

/** A takeover guard is held for a few syscalls: one older than this was left by a waiter killed holding it. */
const TAKEOVER_GUARD_STALE_MS = 2_000;

/**
 * Removes `lock` if it is stale, judged again while holding its takeover guard (`<lock>.takeover`,
 * a dir: mkdir is exclusive). Every takeover goes through the guard, so of two waiters that both
 * judged one dead holder's lock stale, the second sees the first one's fresh lock (a live pid)
 * and leaves it: never two holders. Returns false when another waiter holds the guard (try again
 * later). Never throws for a lock or guard that went meanwhile.
 */
function takeOverIfStale(lock: string): boolean {
  const guard = `${lock}.takeover`;
  try {
    mkdirSync(guard, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    try {
      if (Date.now() - statSync(guard).mtimeMs > TAKEOVER_GUARD_STALE_MS) rmdirSync(guard);
    } catch {
      // gone meanwhile
    }
    return false;
  }
  try {
    const seen = lockHolder(lock);
    if (seen !== null && isStale(seen)) rmSync(lock, { force: true });
    return true;
  } finally {
    rmSync(guard, { recursive: true, force: true });
  }
}

/**
 * Runs `fn` (synchronous) holding the exclusive lock of line file `path`. A lock whose holder
 * process is gone (killed mid-append) is taken over, by one waiter only (see `takeOverIfStale`).
 * @throws MemagentError after LINE_LOCK_WAIT_MS of a live holder; what `fn` throws.
 */
export function withLineLock<T>(path: string, fn: () => T, hooks?: LineLockHooks): T {
  const lock = join(dirname(path), `.${basename(path)}.rw-lock`);
  const waitMs = hooks?.waitMs ?? LINE_LOCK_WAIT_MS;
  const deadline = Date.now() + waitMs;
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if (fd !== undefined) {
        // Created but the pid could not be written (a full disk): not a lock anyone can judge.
        closeSync(fd);
        rmSync(lock, { force: true });
        throw err;
      }
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const seen = lockHolder(lock);
    if (seen === null) continue;
    if (isStale(seen)) {
      hooks?.afterStaleJudged?.();
      if (takeOverIfStale(lock)) continue;
    } else if (Date.now() > deadline) {
      throw new MemagentError(`${path} is being rewritten by process ${Number.isNaN(seen.holder) ? '?' : seen.holder} for over ${waitMs / 1000} s; try again`);
    }
    Atomics.wait(sleeper, 0, 0, 2);
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/**
 * Removes the line lock of `path` when its holder is gone (killed mid-append), e.g. once the
 * journal itself is retired; through the takeover guard, so never a lock a waiter just took.
 * Never throws.
 */
export function removeStaleLineLock(path: string): void {
  const lock = join(dirname(path), `.${basename(path)}.rw-lock`);
  try {
    const seen = lockHolder(lock);
    // Only a dead other process's: this process's own may be held by a caller up the stack.
    if (seen !== null && Number.isInteger(seen.holder) && seen.holder > 0 && seen.holder !== process.pid && !processAlive(seen.holder)) takeOverIfStale(lock);
  } catch {
    // no lock, or gone meanwhile
  }
}

/** The plaintext of line file `path` (decrypted when it is an age file); '' when missing. Synchronous. */
function readLinesSync(path: string, cipher: FileCipher): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw err;
  }
  return cipher.open(path, bytes);
}

/**
 * Writes all of `data` at the end of `path` and makes it durable. Creates the file (0o600) if
 * missing. With a cipher that encrypts (or when `path` is an age file), the file is replaced
 * atomically by an age file of its text plus `data`, under the line lock (see above).
 * Plaintext: opened per append, not kept open: `rewriteLines` replaces the file by rename, and
 * an fd kept open would go on writing into the replaced inode, losing every later line.
 * @throws the fs error (ENOSPC…): plaintext, the data may then be partly written; encrypted,
 *   nothing changed. CipherError when the existing file cannot be decrypted (nothing changed).
 */
export function appendDurably(path: string, data: Buffer, cipher: FileCipher = PLAINTEXT): void {
  // Plaintext appends take the line lock too: `memagent encrypt` may be converting this very
  // file in another process, and an append between its read and its rename would be lost.
  withLineLock(path, () => {
    if (cipher.encrypts || fileIsAge(path)) {
      const text = readLinesSync(path, cipher);
      writeFileAtomicSync(path, cipher.seal(Buffer.concat([text, data])));
      return;
    }
    const fd = openSync(path, 'a', 0o600);
    try {
      for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
      // On disk when this returns: the page cache survives a killed process, not a power cut.
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
}

/** Whether `path` starts like an age file (false when missing or unreadable). */
function fileIsAge(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(64);
    return isAgeFile(head.subarray(0, readSync(fd, head, 0, head.length, 0)));
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/**
 * Rewrites `path` with what `keep(text)` keeps of it, atomically (mode 0o600), only when
 * `keep` removed something. Plaintext: a line appended by path between the read and the rename
 * went into the old file, which the open handle still reads: it is filtered by `keep` too and
 * appended to the new file, not lost. Encrypted (see above): done under the line lock, so no
 * append comes between; the result is sealed with `cipher` (a plaintext file is encrypted when
 * the cipher encrypts). A missing file is fine (0).
 * @returns how many lines `keep` removed in all.
 * @throws the fs error if the file cannot be read or replaced; CipherError if it cannot be decrypted.
 */
export async function rewriteLines(path: string, keep: (text: string) => KeptLines, cipher: FileCipher = PLAINTEXT): Promise<number> {
  if (cipher.encrypts || fileIsAge(path)) {
    if (!existsSync(path)) return 0;
    return withLineLock(path, () => {
      const { kept, removed } = keep(readLinesSync(path, cipher).toString('utf8'));
      if (removed > 0) writeFileAtomicSync(path, cipher.seal(kept));
      return removed;
    });
  }
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  try {
    const original = await handle.readFile();
    const { kept, removed } = keep(original.toString('utf8'));
    if (removed === 0) return 0;
    await writeFileAtomic(path, kept, { mode: 0o600 });
    const { size } = await handle.stat();
    if (size <= original.length) return removed;
    const tail = Buffer.alloc(size - original.length);
    await handle.read(tail, 0, tail.length, original.length);
    const rest = keep(tail.toString('utf8'));
    if (rest.kept) appendDurably(path, Buffer.from(rest.kept));
    return removed + rest.removed;
  } finally {
    await handle.close();
  }
}
