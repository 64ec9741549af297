/**
 * Session journals on disk: every turn is appended to `<memory dir>/journal/<userId>/<sessionId>.jsonl`
 * (JSON Lines, one `JournalLine` per line, a `session` header first) and is on disk before the
 * chat goes on, so a killed terminal loses nothing the user typed. A journal stays until its
 * extraction has been merged into memory (`retire`); leftovers are found by `listPending`.
 *
 * While a session runs, its journal is marked live by a lock (`<journal>.lock`, refreshed in the
 * background, stale 10 s after the process dies), so other terminals of the same user neither
 * extract nor delete a journal that is still being written.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { MemagentError, UsageError } from '../../errors.js';
import type { SessionHeader } from '../../journal/journal.js';
import { journalLineSchema, type JournalLine } from '../../schema.js';
import type { SessionJournal } from '../store.js';
import { fsyncDir } from './atomic-write.js';
import { containedDir } from './contained-dir.js';
import { PLAINTEXT, type FileCipher } from './age-cipher.js';
import { appendDurably } from './line-file.js';
import { holdLock, type HeldLock } from './lock.js';
import { journalDirFor } from './paths.js';



/** Options of `openJournal`. `now` is the session's start time (the header's `startedAt`). */
export interface OpenJournalOptions {
  dir: string;
  userId: string;
  sessionId: string;
  model: string;
  now: Date;
  /** How the journal is written (encrypted or not; see age-cipher.ts). Default plaintext. */
  cipher?: FileCipher;
}

const SESSION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Errors by which a disk refuses a write, as opposed to bugs: reported in one line. */
const DISK_REFUSALS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO']);




function lineOf(line: JournalLine): string {
  return `${JSON.stringify(journalLineSchema.parse(line))}\n`;
}

/** An open session journal. Created by `openJournal`; one per running session. */
export class Journal implements SessionJournal {
  /** Absolute path of the journal file. */
  readonly path: string;
  readonly header: SessionHeader;
  private lock: HeldLock;
  private closed = false;
  private released: Promise<void> = Promise.resolve();
  // Set when an append failed midway: the next append first ends the partial line.
  private partial = false;
  private readonly cipher: FileCipher;

  /** @internal use `openJournal`. */
  constructor(path: string, header: SessionHeader, lock: HeldLock, cipher: FileCipher = PLAINTEXT) {
    this.path = path;
    this.header = header;
    this.lock = lock;
    this.cipher = cipher;
  }

  /**
   * Appends one line, synchronously and durably (written and fsynced when this returns). If the
   * journal was deleted meanwhile (`forgetAll`), it is recreated with its header first. With
   * encryption on, the journal is replaced atomically by an age file holding the new line too
   * (see line-file.ts): a crash leaves the old journal or the new one, whole.
   * @throws MemagentError after `close`; ZodError for an invalid line (a bug); the fs error if the
   *   disk refuses (ENOSPC…): the line is then not recorded (a part of it may be, ended by the
   *   next append so it reads as one damaged line), and later appends still work.
   */
  append(line: JournalLine): void {
    if (this.closed) throw new MemagentError(`journal ${this.path} is closed; cannot record more turns`);
    let text = lineOf(line);
    if (!existsSync(this.path)) {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      text = lineOf(this.header) + text;
      this.partial = false;
    }
    if (this.partial) text = `\n${text}`;
    try {
      appendDurably(this.path, Buffer.from(text), this.cipher);
      this.partial = false;
    } catch (err) {
      this.partial = true;
      throw err;
    }
    if (this.lock.compromised) this.relock();
  }

  /**
   * Stops recording: the journal stays on disk as pending (for extraction now or at the next
   * start) and stops being marked live. Idempotent; never throws. The returned promise settles
   * once the liveness lock is released; callers that need not wait may ignore it.
   */
  close(): Promise<void> {
    if (this.closed) return this.released;
    this.closed = true;
    this.released = this.lock.release().catch(() => undefined);
    return this.released;
  }

  /**
   * Stops recording and hands over the liveness lock without releasing it, so the caller can
   * extract and retire this journal with no window in which another terminal sees it as
   * abandoned and extracts it too. The caller must `release()` the returned lock.
   */
  handOver(): HeldLock {
    this.closed = true;
    return this.lock;
  }

  /** Closes the journal and deletes it (after its extraction was merged). Idempotent. */
  async retire(): Promise<void> {
    await this.close();
    await rm(this.path, { force: true });
  }

  // The liveness lock was lost (e.g. the machine slept past the stale time): take it back, so
  // other terminals stop treating this journal as abandoned. Best effort, in the background.
  private relock(): void {
    const lost = this.lock;
    void holdLock(this.path)
      .then((fresh) => {
        if (!fresh) return;
        if (this.closed || this.lock !== lost) return void fresh.release();
        this.lock = fresh;
      })
      .catch(() => undefined);
  }
}

/**
 * Starts the journal of a new session: creates `<dir>/journal/<userId>/` (0o700) and the file
 * (0o600) with its `session` header, fsynced, and marks it live.
 * @throws UsageError for an invalid user or session id; MemagentError if a journal for this
 *   session id already exists or is live, or the disk refuses the header (full, read-only: one
 *   line, nothing left behind); LockError / fs errors if the dir cannot be written.
 */
export async function openJournal(opts: OpenJournalOptions): Promise<Journal> {
  const dir = journalDirFor(opts.dir, opts.userId);
  if (!SESSION_ID_PATTERN.test(opts.sessionId) || opts.sessionId.includes('..')) {
    throw new UsageError(`invalid session id ${JSON.stringify(opts.sessionId)}: use 1-100 letters, digits, '.', '_' or '-'`);
  }
  await containedDir(opts.dir, dir);
  const path = resolve(dir, `${opts.sessionId}.jsonl`);
  // Live before the file exists, so no other terminal ever sees it as abandoned.
  const lock = await holdLock(path);
  if (!lock) throw new MemagentError(`session ${opts.sessionId} is already running in another memagent`);
  const header: SessionHeader = {
    type: 'session',
    sessionId: opts.sessionId,
    userId: opts.userId,
    startedAt: opts.now.toISOString(),
    model: opts.model,
    pid: process.pid,
    host: hostname(),
  };
  try {
    // 'wx': a session id names one session; never append to someone else's journal.
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, (opts.cipher ?? PLAINTEXT).seal(lineOf(header)));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // The new directory entry must survive a power cut too, or the whole journal vanishes.
    await fsyncDir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') await rm(path, { force: true }).catch(() => undefined);
    await lock.release();
    if (code === 'EEXIST') throw new MemagentError(`a journal for session ${opts.sessionId} already exists (${path})`);
    if (code && DISK_REFUSALS.has(code)) {
      throw new MemagentError(`cannot start this session's journal ${path} (${(err as Error).message}); free some space, or chat with --incognito to keep nothing`);
    }
    throw err;
  }
  return new Journal(path, header, lock, opts.cipher);
}

