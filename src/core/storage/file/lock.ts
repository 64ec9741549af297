// About 500 lines, one outside thing: the measured account of proper-lockfile 4.1.2 the code depends on, and the owner records (issue 10) that let a dead holder's lock be taken over.
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
 *
 * What we add (issue 10, item 11): its staleness is judged by the lock's mtime alone, so a lock
 * whose mtime lies in the future (the holder died, then the clock stepped back) is never stale.
 * Right after taking a lock we write who holds it to a sidecar file `<file>.lock.owner` (beside
 * the lock directory, never inside it: proper-lockfile removes the directory with rmdir, which
 * fails on a non-empty one): `{ pid, host, lockIno }`. A waiter that finds the lock taken reclaims
 * it at once, whatever its mtime, when the holder is provably dead: same host, not us,
 * `process.kill(pid, 0)` fails with ESRCH, and the lock directory is still the one the owner
 * wrote about (same inode). Without an owner record (a holder of an older memagent, or a kill
 * between mkdir and the owner write) a waiter still reclaims a lock whose mtime has not moved for
 * `stale` ms of its own monotonic clock: a live holder moves it every `update` ms, wherever its
 * clock is. A reused pid only makes us fall back to those waits.
 */
import fs, { constants, readFileSync, statSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { access, readFile, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { OperationOptions } from 'retry';
import { LockError } from '../../errors.js';
import { processAlive } from './process-alive.js';

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

/** The sidecar naming a lock's holder: beside the lock directory, never inside it. */
export function lockOwnerFileOf(target: string): string {
  return `${target}.lock.owner`;
}

/** Who holds a lock, as written to its sidecar right after taking it. */
interface LockOwner {
  pid: number;
  host: string;
  /** The inode of the lock directory this record is about (a later holder's directory differs). */
  lockIno: number;
}

function parseOwner(text: string): LockOwner | null {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isInteger(o.pid) && typeof o.host === 'string' && typeof o.lockIno === 'number') return o as LockOwner;
  } catch {
    // half-written or foreign: not a record we can trust
  }
  return null;
}

/** Owner sidecars this process wrote and still holds, removed when the process exits. */
const ownedSidecars = new Map<string, number>();
let exitHookInstalled = false;

// proper-lockfile removes held lock dirs on exit (its signal-exit hook runs first, it was
// registered first); we remove our owner records after it, only while they still name us.
function removeOwnSidecarsSync(): void {
  for (const [file, ino] of ownedSidecars) {
    try {
      const owner = parseOwner(readFileSync(file, 'utf8'));
      if (owner?.pid === process.pid && owner.lockIno === ino) unlinkSync(file);
    } catch {
      // already gone
    }
  }
}

/** Records this process as the holder of `target`'s lock (just taken). Best effort: never throws. */
async function writeOwner(target: string): Promise<number | null> {
  let lockIno: number;
  try {
    lockIno = (await stat(lockDirOf(target))).ino;
  } catch {
    return null;
  }
  try {
    const owner: LockOwner = { pid: process.pid, host: hostname(), lockIno };
    // One small write: a reader sees the whole record, an empty file or the previous one (which
    // names another inode), never a wrong holder.
    try {
      await writeFile(lockOwnerFileOf(target), JSON.stringify(owner), { mode: 0o600 });
    } catch (err) {
      // Disk full: no record (waiters fall back to the mtime), and no empty file left behind.
      await unlink(lockOwnerFileOf(target)).catch(() => undefined);
      throw err;
    }
    ownedSidecars.set(lockOwnerFileOf(target), lockIno);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', removeOwnSidecarsSync);
    }
    return lockIno;
  } catch {
    return null;
  }
}

/** Removes `target`'s owner record if it is still ours (`lockIno`), before the lock is released. */
async function removeOwner(target: string, lockIno: number | null): Promise<void> {
  const file = lockOwnerFileOf(target);
  ownedSidecars.delete(file);
  if (lockIno === null) return;
  try {
    const owner = parseOwner(await readFile(file, 'utf8'));
    if (owner?.pid === process.pid && owner.lockIno === lockIno) await unlink(file);
  } catch {
    // gone already
  }
}

/**
 * What the owner record says of the holder of `target`'s lock: `dead` when it names this host
 * and a pid other than ours that `kill(pid, 0)` says does not exist (ESRCH), about the lock
 * directory that is there now (same inode), and the record is still there, unchanged, after that
 * check (a live holder removes its record before its lock dir, so a record that outlives its
 * holder's check is the dead holder's, not that of a release racing us with a reused inode);
 * `alive` when the record is about the lock dir there now and its holder is not provably dead;
 * `unknown` without a usable record (none, half-written, about an earlier lock dir). `text` is
 * the record as read, for the removal.
 */
async function holderState(target: string): Promise<{ state: 'dead' | 'alive' | 'unknown'; text?: string; dir?: LockDirId }> {
  const file = lockOwnerFileOf(target);
  let text: string;
  let dir: LockDirId;
  try {
    text = await readFile(file, 'utf8');
    dir = await lockDirId(lockDirOf(target));
  } catch {
    return { state: 'unknown' };
  }
  const ino = Number(dir.ino);
  const owner = parseOwner(text);
  if (!owner || owner.lockIno !== ino) return { state: 'unknown' };
  if (owner.host !== hostname() || owner.pid === process.pid || processAlive(owner.pid)) return { state: 'alive' };
  const again = await readFile(file, 'utf8').catch(() => null);
  return again === text ? { state: 'dead', text, dir } : { state: 'unknown' };
}

/**
 * What the owner record of `filePath`'s lock says of its holder (see `holderState`): `alive`,
 * `dead` (provably: this host, pid gone) or `unknown` (no usable record). Never throws.
 */
export async function lockHolder(filePath: string): Promise<'dead' | 'alive' | 'unknown'> {
  return (await holderState(resolve(filePath))).state;
}

/** Test-only hooks of a reclaim; production passes none. */
export interface ReclaimHooks {
  /** Awaited once the holder is judged dead, right before its lock dir is removed (tests let another waiter reclaim and lock here). */
  beforeRemove?: () => void | Promise<void>;
}

/**
 * Which lock dir this is: its inode and its mtime in ns. The inode alone does not do: a dir
 * removed and made again at once often gets the same inode back, but the new one's mtime is its
 * creation time (ns) or the time proper-lockfile stamps on it, never the dead holder's last refresh.
 */
export interface LockDirId {
  ino: bigint;
  mtimeNs: bigint;
}

/** `LockDirId` of the directory at `path`. @throws the fs error (ENOENT…). */
export async function lockDirId(path: string): Promise<LockDirId> {
  const info = await stat(path, { bigint: true });
  return { ino: info.ino, mtimeNs: info.mtimeNs };
}

/**
 * Removes the lock dir of `target` only if it is still the one whose holder was judged gone
 * (`id`): it is first renamed to a name of its own (atomic: of two waiters only one gets
 * it, and no new lock dir can be made under that name while it is checked), then its inode is
 * compared. The dead holder's is removed; a live one (another waiter reclaimed it and made its
 * own meanwhile) is put back, unless a third one has taken the name meanwhile, in which case
 * the moved one is removed and its holder finds its lock lost (its refresh and `assertHeld`
 * check the inode). Resolves true if it removed the dead holder's dir, false if the dir was gone
 * or not the dead holder's. Never throws.
 * A kill between the rename and the removal leaves an empty `<lock>.reclaim-*` dir, harmless.
 */
export async function removeLockDirIf(target: string, id: LockDirId): Promise<boolean> {
  const lockDir = lockDirOf(resolve(target));
  const aside = `${lockDir}.reclaim-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(lockDir, aside);
  } catch {
    return false; // gone: released, or reclaimed by another waiter first
  }
  let moved: LockDirId;
  try {
    moved = await lockDirId(aside);
  } catch {
    // vanished under its private name: nothing left to decide
    return false;
  }
  if (moved.ino === id.ino && moved.mtimeNs === id.mtimeNs) {
    await rmdir(aside).catch(() => undefined);
    return true;
  }
  // A live lock: give it back, never over a lock dir made in the instant it was away.
  const taken = await stat(lockDir).then(() => true, () => false);
  if (taken) await rmdir(aside).catch(() => undefined);
  else await rename(aside, lockDir).catch(() => rmdir(aside).catch(() => undefined));
  return false;
}

/**
 * Removes a lock left by a dead holder (see `holderState`), record first, so it can be taken at
 * once whatever its mtime. Only that holder's lock dir is removed (`removeLockDirIf`): a waiter
 * that reclaimed it first and locked meanwhile keeps its lock. Resolves true if it removed one.
 * Never throws.
 */
export async function reclaimIfHolderDead(filePath: string, hooks?: ReclaimHooks): Promise<boolean> {
  const target = resolve(filePath);
  const { state, text, dir } = await holderState(target);
  if (state !== 'dead' || dir === undefined) return false;
  await hooks?.beforeRemove?.();
  const file = lockOwnerFileOf(target);
  if ((await readFile(file, 'utf8').catch(() => null)) === text) await unlink(file).catch(() => undefined);
  return removeLockDirIf(target, dir);
}

/**
 * Watches a taken lock across a waiter's tries: the lock dir's identity once its mtime has not moved
 * for `staleMs` of this process's monotonic clock, i.e. nobody refreshes it (a live holder moves
 * it every `update` ms, at most staleMs / 2), whatever the wall clock says about that mtime; else null.
 */
function unrefreshedWatch(target: string, staleMs: number): () => Promise<LockDirId | null> {
  let seen: (LockDirId & { at: number }) | null = null;
  return async () => {
    let id: LockDirId;
    try {
      id = await lockDirId(lockDirOf(target));
    } catch {
      seen = null;
      return null;
    }
    const now = performance.now();
    if (!seen || seen.mtimeNs !== id.mtimeNs || seen.ino !== id.ino) {
      seen = { ...id, at: now };
      return null;
    }
    return now - seen.at > staleMs ? id : null;
  };
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
async function acquire(target: string, opts: LockOptions, onCompromised: () => void): Promise<{ release: () => Promise<void>; ino: number | null }> {
  const lockDir = lockDirOf(target);
  const waits = backoff(opts.retries ?? LOCK_RETRIES);
  const staleMs = opts.staleMs ?? LOCK_STALE_MS;
  const lockfile = await properLockfile();
  const unrefreshed = unrefreshedWatch(target, staleMs);
  for (let i = 0; ; i++) {
    try {
      const release = await lockfile.lock(target, { realpath: false, stale: staleMs, retries: 0, onCompromised, fs: LOCK_FS });
      const ino = await writeOwner(target);
      return { release: withOwner(target, release, ino), ino };
    } catch (err) {
      // A dead holder's lock is taken over now, not when (if ever) its mtime ages past `stale`.
      if (codeOf(err) === 'ELOCKED' && i < waits.length && !opts.signal?.aborted) {
        if (await reclaimIfHolderDead(target)) continue;
        const unrefreshedDir = await unrefreshed();
        if (unrefreshedDir !== null) {
          // Only that unrefreshed dir: a waiter that reclaimed it first keeps its new lock.
          await removeLockDirIf(target, unrefreshedDir);
          continue;
        }
      }
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

/** `release`, preceded by removing our owner record (before the lock goes, so never a later holder's). */
function withOwner(target: string, release: () => Promise<void>, lockIno: number | null): () => Promise<void> {
  return async () => {
    await removeOwner(target, lockIno);
    await release();
  };
}

/**
 * Runs `fn` while holding the cross-process lock of `filePath` (a directory `<filePath>.lock`;
 * `filePath` itself need not exist, its directory must). Resolves with `fn`'s result, and always
 * releases the lock, also when `fn` throws (its error is rethrown).
 *
 * Waits up to ~13.4 s (LOCK_RETRIES) for another holder, or until `opts.signal` aborts; then
 * throws `LockError` ("memory file is locked by another memagent (…); try again"). A lock left
 * by a killed process is reclaimed at once when its owner record shows the holder is dead (same
 * host, pid gone), else once stale (LOCK_STALE_MS by its mtime, or unrefreshed for that long). If the lock is lost while `fn` runs (proper-lockfile reports it
 * compromised, or the lock directory vanished), `fn`'s result or error is discarded and the
 * whole section is run again with a fresh lock, at most LOCK_MAX_ATTEMPTS times, then
 * `LockError`. A section is therefore never reported done on a lock it lost; but it may have
 * committed before the loss was noticed, so a section must be safe to run again (check
 * `handle.attempt`, see MemoryStore). Keep `fn` short: no network calls under the lock.
 *
 * Not re-entrant: calling `withLock` on the same file inside `fn` waits for itself and times out.
 * Our own reclaims (a dead owner, an unrefreshed lock) remove only the dir they judged
 * (`removeLockDirIf`). Doubt: proper-lockfile's own stale reclaim (by mtime, inside `lock`) is
 * rmdir-then-mkdir, so two waiters reclaiming one stale lock at the same instant can both go on;
 * `assertHeld` compares the lock dir's inode with the one taken, so the one whose dir was
 * replaced stops before its commit (unless the new dir reused the inode; then proper-lockfile's
 * next refresh sees a foreign mtime).
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
    const { release, ino } = await acquire(target, opts, () => {
      compromised = true;
    });
    // Lost when the lock dir is gone or is another one (same name, another inode: a waiter
    // took it over and made its own).
    const lost = (): boolean => {
      if (compromised) return true;
      try {
        const now = statSync(lockDir).ino;
        return ino !== null && now !== ino;
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
 * `release()`. Resolves with null if another live process holds it (a lock whose recorded holder
 * is provably dead is taken over, see `reclaimIfHolderDead`). Used as a liveness marker:
 * while held, `isLockLive` says true; if this process dies, the lock goes stale after
 * LOCK_STALE_MS. A lost lock only sets `compromised` (never throws). Throws `LockError` if the
 * directory of `filePath` is missing or not writable.
 */
export async function holdLock(filePath: string, opts: Pick<LockOptions, 'staleMs'> = {}): Promise<HeldLock | null> {
  const target = resolve(filePath);
  await checkParent(target);
  let compromised = false;
  let release: () => Promise<void>;
  const lockfile = await properLockfile();
  const take = () =>
    lockfile.lock(target, {
      realpath: false,
      stale: opts.staleMs ?? LOCK_STALE_MS,
      retries: 0,
      fs: LOCK_FS,
      onCompromised: () => {
        compromised = true;
      },
    });
  try {
    try {
      release = await take();
    } catch (err) {
      // Held by a process that is provably gone (whatever the lock's mtime): take it over.
      if (codeOf(err) !== 'ELOCKED' || !(await reclaimIfHolderDead(target))) throw err;
      release = await take();
    }
  } catch (err) {
    if (codeOf(err) === 'ELOCKED') return null;
    throw new LockError(`cannot lock ${target}: ${(err as Error).message}`);
  }
  release = withOwner(target, release, await writeOwner(target));
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
