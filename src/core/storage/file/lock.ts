// Just over 300 lines: most of it is the measured account of proper-lockfile 4.1.2 that the code depends on.
/**
 * Cross-process locking of memory files: the only module that imports `proper-lockfile`.
 *
 * What proper-lockfile 4.1.2 really does (read in node_modules/proper-lockfile/lib/lockfile.js):
 * - The lock is a directory `<file>.lock`, taken with `mkdir` (atomic: EEXIST means held).
 *   With `realpath: true` (its default) it first calls `fs.realpath(file)`, which fails with
 *   ENOENT for a file that does not exist yet; with `realpath: false` it uses
 *   `path.resolve(file)`, so a first write can be locked. The parent directory must exist.
 * - Right after `mkdir` it sets the lock's mtime (the first time in a process to the next whole
 *   second + 5 ms, to probe the file system's mtime precision), then refreshes the mtime every
 *   `update` ms (default stale/2, clamped to [1000, stale/2]) with an unref'd timer.
 * - `stale` is clamped to >= 2000 ms. A waiter finding the directory calls it stale when its
 *   mtime is older than `stale` ms, removes it (`rmdir`) and `mkdir`s its own: this is how the
 *   lock of a SIGKILLed holder is reclaimed. The reclaim is rmdir-then-mkdir, not atomic: two
 *   waiters reclaiming the same stale lock in the same instant can both succeed (see doubts in
 *   `withLock`).
 * - Its own retries go through `retry` 0.12, on ANY error, with timers nobody can cancel. We
 *   call it with `retries: 0` and wait between tries ourselves (`acquire`, same backoff), so an
 *   exit deadline can stop the wait. Like it, we retry any error: a missing parent directory or
 *   EACCES would be retried for the whole budget before failing; hence the parent check below.
 * - When a refresh finds the mtime changed (someone else took it) or the directory gone, or
 *   cannot refresh for longer than `stale`, the lock is "compromised": `onCompromised(err)` runs
 *   from a timer, and its default throws (crashing the process). Releasing a compromised lock
 *   rejects with ERELEASED.
 * - Held locks are removed synchronously on process exit (signal-exit 3.0.7 'exit' hook). On a
 *   fatal signal it only re-raises the signal when the app has no handler of its own, so the
 *   CLI's SIGINT/SIGTERM handlers keep control. After SIGKILL the directory stays until a waiter
 *   finds it stale. Its refresh timer is unref'd: a held lock does not keep the process alive.
 * - It is not re-entrant: locking a file this process already holds waits like any other waiter
 *   (and times out).
 *
 * proper-lockfile (with graceful-fs, which patches `fs` when loaded) is imported on first use,
 * so commands that only read (`show`) never load it.
 */
import fs, { constants, statSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { OperationOptions } from 'retry';
import { LockError } from '../../errors.js';

/**
 * A lock whose mtime is older than this (ms) is taken to belong to a dead process and is
 * reclaimed. 10 s: long enough that a live holder (refreshing every 5 s) never looks dead, even
 * with an event loop blocked for seconds, and short enough that a crash costs the next writer a few seconds.
 */
export const LOCK_STALE_MS = 10_000;

/**
 * Backoff while the lock is held by someone else: waits of 20 ms × 1.3^n (the first ten each × a
 * random 1–2, to spread 20 waiters apart), capped at 250 ms, 60 retries. Total sleep: 13.35 s
 * without jitter, at most ~13.95 s with it (10 growing waits ≈ 0.85–1.45 s, then 50 × 250 ms).
 * Deliberately longer than LOCK_STALE_MS: a SIGKILLed holder's lock goes stale 10 s after its
 * last refresh, and the first lock a process takes gets an mtime up to 1 s ahead (probe
 * rounding), so a waiter arriving as the holder dies needs up to ~11 s (11.4 s measured in
 * test/lock.test.ts).
 * Live holders keep the lock for milliseconds, so the full wait is only ever spent on a dead one.
 */
export const LOCK_RETRIES: OperationOptions = { retries: 60, factor: 1.3, minTimeout: 20, maxTimeout: 250, randomize: true };

/** How many times a section whose lock was lost is run again before giving up with `LockError`. */
export const LOCK_MAX_ATTEMPTS = 3;

/** Tuning for tests; production uses the defaults above. `staleMs` is clamped to ≥ 2000 by proper-lockfile. */
export interface LockOptions {
  staleMs?: number;
  retries?: OperationOptions;
  maxAttempts?: number;
  /**
   * Stops waiting for a lock held elsewhere when aborted (e.g. the exit deadline): the wait
   * ends at once with `LockError`. A free lock is still taken on the first try after the abort,
   * and a section already running is never interrupted.
   */
  signal?: AbortSignal;
}

/** Passed to a locked section. */
export interface LockHandle {
  /** 1 on the first run of the section, 2+ when it is run again after the lock was lost. */
  readonly attempt: number;
  /**
   * Throws `LockError` if the lock is known to be lost (proper-lockfile reported it compromised,
   * or the lock directory is gone). Call right before the section's commit (the rename), so a
   * section that lost its lock does not write. Synchronous: one `stat`.
   */
  assertHeld(): void;
}

/** A lock held until `release()`, for marking something as in use (a live session's journal). */
export interface HeldLock {
  /** True once proper-lockfile found the lock taken over or gone (e.g. after a long sleep). */
  readonly compromised: boolean;
  /** Removes the lock. Never throws (a lost lock has nothing left to remove). Idempotent. */
  release(): Promise<void>;
}

/**
 * The file system proper-lockfile works through: node's, except that lock directories are made
 * 0o700 rather than 0o777 minus the umask. A lock directory others can write into could be
 * wedged by anyone dropping a file in it: a non-empty directory is never removed, neither on
 * release nor when stale, so every later write of that memory file would fail.
 */
const LOCK_FS = {
  ...fs,
  mkdir: (dir: string, callback: (err: NodeJS.ErrnoException | null) => void) => fs.mkdir(dir, { mode: 0o700 }, callback),
};

let lockfileModule: Promise<typeof import('proper-lockfile')> | undefined;

/** proper-lockfile, loaded once on first use. */
function properLockfile(): Promise<typeof import('proper-lockfile')> {
  lockfileModule ??= import('proper-lockfile').then((m) => m.default ?? m);
  return lockfileModule;
}

function lockDirOf(target: string): string {
  return `${target}.lock`;
}

function codeOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

// Fail fast where proper-lockfile would retry a hopeless mkdir for the whole budget.
async function checkParent(target: string): Promise<void> {
  const dir = dirname(target);
  try {
    await access(dir, constants.W_OK);
  } catch (err) {
    throw new LockError(`cannot lock ${target}: its directory ${dir} is missing or not writable (${codeOf(err) ?? err})`);
  }
}

/** The waits (ms) between tries, computed as the `retry` package does for proper-lockfile. */
function backoff(policy: OperationOptions): number[] {
  if (Array.isArray(policy)) return [...policy].sort((a, b) => a - b);
  const retries = policy.retries ?? 10;
  const factor = policy.factor ?? 2;
  const min = policy.minTimeout ?? 1000;
  const max = policy.maxTimeout ?? Infinity;
  const waits = Array.from({ length: retries }, (_, i) =>
    Math.min(Math.round((policy.randomize ? Math.random() + 1 : 1) * min * factor ** i), max),
  );
  return waits.sort((a, b) => a - b);
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal?.aborted) return done();
    const onAbort = () => {
      clearTimeout(timer);
      done();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      done();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Takes the lock, waiting between tries by `opts.retries` (every error is retried, as
 * proper-lockfile's own retries do). The tries are ours rather than proper-lockfile's so that
 * `opts.signal` can end the wait: its retry timer cannot be cancelled, and an exit deadline must
 * not sit behind a lock a dead process left for LOCK_STALE_MS.
 */
async function acquire(target: string, opts: LockOptions, onCompromised: () => void): Promise<() => Promise<void>> {
  const lockDir = lockDirOf(target);
  const waits = backoff(opts.retries ?? LOCK_RETRIES);
  const lockfile = await properLockfile();
  for (let i = 0; ; i++) {
    try {
      return await lockfile.lock(target, { realpath: false, stale: opts.staleMs ?? LOCK_STALE_MS, retries: 0, onCompromised, fs: LOCK_FS });
    } catch (err) {
      if (i < waits.length && !opts.signal?.aborted) {
        await pause(waits[i], opts.signal);
        if (!opts.signal?.aborted) continue;
      }
      const what = opts.signal?.aborted ? 'stopped waiting at the deadline, nothing was written' : 'try again';
      if (codeOf(err) === 'ELOCKED') throw new LockError(`memory file is locked by another memagent (${lockDir}); ${what}`);
      throw new LockError(`cannot lock ${target}: ${(err as Error).message}`);
    }
  }
}

/**
 * Runs `fn` while holding the cross-process lock of `filePath` (a directory `<filePath>.lock`;
 * `filePath` itself need not exist, its directory must). Resolves with `fn`'s result, and always
 * releases the lock, also when `fn` throws (its error is rethrown).
 *
 * Waits up to ~13.4 s (LOCK_RETRIES) for another holder, or until `opts.signal` aborts; then
 * throws `LockError` ("memory file is locked by another memagent (…); try again"). A lock left
 * by a killed process is reclaimed once stale (LOCK_STALE_MS). If the lock is lost while `fn` runs (proper-lockfile reports it
 * compromised, or the lock directory vanished), `fn`'s result or error is discarded and the
 * whole section is run again with a fresh lock, at most LOCK_MAX_ATTEMPTS times, then
 * `LockError`. A section is therefore never reported done on a lock it lost; but it may have
 * committed before the loss was noticed, so a section must be safe to run again (check
 * `handle.attempt`, see MemoryStore). Keep `fn` short: no network calls under the lock.
 *
 * Not re-entrant: calling `withLock` on the same file inside `fn` waits for itself and times out.
 * Doubt: two waiters reclaiming one stale lock at the same instant can both hold it (proper-
 * lockfile's reclaim is rmdir-then-mkdir); `assertHeld` only notices once the other one has
 * released (directory gone) or proper-lockfile's next refresh sees a foreign mtime.
 */
export async function withLock<T>(filePath: string, fn: (lock: LockHandle) => Promise<T> | T, opts: LockOptions = {}): Promise<T> {
  const target = resolve(filePath);
  const lockDir = lockDirOf(target);
  const maxAttempts = opts.maxAttempts ?? LOCK_MAX_ATTEMPTS;
  await checkParent(target);
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let compromised = false;
    // The default throws from a timer and kills the process; we record the loss instead and let
    // the section's commit check (assertHeld) and the retry below deal with it.
    const release = await acquire(target, opts, () => {
      compromised = true;
    });
    const lost = (): boolean => {
      if (compromised) return true;
      try {
        statSync(lockDir);
        return false;
      } catch {
        return true;
      }
    };
    const handle: LockHandle = {
      attempt,
      assertHeld() {
        if (lost()) throw new LockError(`lost the lock on ${target} (${lockDir}) before writing; nothing was written`);
      },
    };
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await fn(handle) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const wasLost = lost();
    // A compromised lock rejects with ERELEASED: nothing of ours is left to remove.
    await release().catch(() => undefined);
    if (wasLost) continue;
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }
  throw new LockError(`lost the lock on ${target} ${maxAttempts} times in a row (another process took it over); try again`);
}

/**
 * Takes the lock of `filePath` without waiting and holds it (refreshed in the background) until
 * `release()`. Resolves with null if another live process holds it. Used as a liveness marker:
 * while held, `isLockLive` says true; if this process dies, the lock goes stale after
 * LOCK_STALE_MS. A lost lock only sets `compromised` (never throws). Throws `LockError` if the
 * directory of `filePath` is missing or not writable.
 */
export async function holdLock(filePath: string, opts: Pick<LockOptions, 'staleMs'> = {}): Promise<HeldLock | null> {
  const target = resolve(filePath);
  await checkParent(target);
  let compromised = false;
  let release: () => Promise<void>;
  try {
    const lockfile = await properLockfile();
    release = await lockfile.lock(target, {
      realpath: false,
      stale: opts.staleMs ?? LOCK_STALE_MS,
      retries: 0,
      fs: LOCK_FS,
      onCompromised: () => {
        compromised = true;
      },
    });
  } catch (err) {
    if (codeOf(err) === 'ELOCKED') return null;
    throw new LockError(`cannot lock ${target}: ${(err as Error).message}`);
  }
  let released = false;
  return {
    get compromised() {
      return compromised;
    },
    async release() {
      if (released) return;
      released = true;
      await release().catch(() => undefined);
    },
  };
}

/**
 * True if some process (this one included) holds `filePath`'s lock and keeps it fresh: the lock
 * directory exists and its mtime is younger than `staleMs` (default LOCK_STALE_MS). Never throws
 * for a missing lock or file. A snapshot: the answer may be stale by the time it is used.
 */
export async function isLockLive(filePath: string, opts: Pick<LockOptions, 'staleMs'> = {}): Promise<boolean> {
  try {
    // No lock directory: nobody holds it (proper-lockfile's check says the same, after loading it).
    await stat(lockDirOf(resolve(filePath)));
  } catch {
    return false;
  }
  const lockfile = await properLockfile();
  return lockfile.check(resolve(filePath), { realpath: false, stale: opts.staleMs ?? LOCK_STALE_MS, fs: LOCK_FS });
}
