/**
 * Which of a user's files are encrypted, and converting them in place (`memagent encrypt` and
 * `decrypt`): file by file, each replaced atomically with its mtime kept, so a conversion killed
 * midway leaves a mixed state that every reader handles and that running it again finishes.
 */
import { readFileSync } from 'node:fs';
import { lstat, open, readFile, readdir, stat, utimes } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CipherError, isAgeFile, type FileCipher } from './age-cipher.js';
import { writeFileAtomic, writeFileAtomicSync } from './atomic-write.js';
import { isNotFound } from './codec.js';
import { withLineLock } from './line-file.js';
import { archiveDirFor, historyDirFor, inputHistoryFileFor, journalDirFor, memoryFileFor } from './paths.js';

/** A user's files holding user text, by who may write them concurrently. */
export interface UserFiles {
  /**
   * Written under the memory file's lock (or replaced whole, atomically): the memory file, its
   * versions, memories moved aside by `restore`, and the archive's item segments, kept sessions
   * and search index.
   */
  locked: string[];
  /** Appended without that lock (journals, quarantined journals, the input history): converted under each file's line lock. */
  lines: string[];
}

/** How many of a user's files are age files and how many plaintext. */
export interface EncryptionState {
  encrypted: number;
  plaintext: number;
}

/** What a conversion did: files rewritten, files already in the wanted form, files it could not read (left as they are). */
export interface ConvertReport {
  converted: number;
  already: number;
  failed: Array<{ path: string; problem: string }>;
}

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

/** Regular files among `paths` (no symlinks, directories or vanished ones). */
async function regular(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const info = await lstat(p).catch(() => null);
    if (info?.isFile()) out.push(p);
  }
  return out;
}

/**
 * The files of `userId` under memory dir `dir` that hold user text (see `UserFiles`); temp files
 * (dot files), lock files and the archive's `epoch` token are not among them. A snapshot.
 */
export async function userFiles(dir: string, userId: string): Promise<UserFiles> {
  const file = memoryFileFor(dir, userId);
  const hdir = historyDirFor(dir, userId);
  const jdir = journalDirFor(dir, userId);
  const adir = archiveDirFor(dir, userId);
  const aside = `${basename(file)}.corrupt-`;
  const locked = await regular([
    file,
    ...(await names(hdir)).filter((n) => /^\d+\.json$/.test(n)).map((n) => join(hdir, n)),
    ...(await names(dir)).filter((n) => n.startsWith(aside)).map((n) => join(dir, n)),
    ...(await names(join(adir, 'items'))).filter((n) => /^\d+\.jsonl$/.test(n)).map((n) => join(adir, 'items', n)),
    ...(await names(join(adir, 'sessions'))).filter((n) => n.endsWith('.jsonl') && !n.startsWith('.')).map((n) => join(adir, 'sessions', n)),
    join(adir, 'index.json'),
  ]);
  const lines = await regular([
    inputHistoryFileFor(dir, userId),
    ...(await names(jdir)).filter((n) => n.endsWith('.jsonl') && !n.startsWith('.')).map((n) => join(jdir, n)),
    ...(await names(join(jdir, 'quarantine'))).filter((n) => !n.startsWith('.')).map((n) => join(jdir, 'quarantine', n)),
  ]);
  return { locked, lines };
}

/** How many of `paths` start like an age file and how many do not (unreadable ones are not counted). */
export async function encryptionState(paths: string[]): Promise<EncryptionState> {
  const state = { encrypted: 0, plaintext: 0 };
  for (const p of paths) {
    const head = await readHead(p);
    if (head === null) continue;
    if (isAgeFile(head)) state.encrypted++;
    else state.plaintext++;
  }
  return state;
}

/** The first 128 bytes of `path` (enough to tell an age file), or null when it cannot be read. */
async function readHead(path: string): Promise<Buffer | null> {
  let handle;
  try {
    handle = await open(path, 'r');
    const head = Buffer.alloc(128);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead);
  } catch {
    return null;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * The bytes `bytes` (read from `path`) become when converted to encrypted (`encrypt`) or
 * plaintext form, or null when they are in that form already. Pure apart from randomness.
 * @throws CipherError when an age file cannot be decrypted with `cipher`.
 */
function converted(path: string, bytes: Buffer, cipher: FileCipher, encrypt: boolean): Buffer | null {
  if (isAgeFile(bytes) === encrypt) return null;
  const plain = cipher.open(path, bytes);
  return encrypt ? cipher.seal(plain) : plain;
}

function record(report: ConvertReport, path: string, err: unknown): void {
  if (!(err instanceof CipherError) && isNotFound(err)) return; // gone meanwhile: nothing to convert
  const problem = err instanceof CipherError ? err.message.slice(path.length + 2) : ((err as NodeJS.ErrnoException).code ?? String(err));
  report.failed.push({ path, problem });
}

/**
 * Converts each of `paths` (files written only under a lock the caller holds) to encrypted or
 * plaintext form: each replaced atomically, its mtime kept. A file that cannot be decrypted is
 * left as it is and listed in `report.failed`. Idempotent.
 */
export async function convertLocked(paths: string[], cipher: FileCipher, encrypt: boolean, report: ConvertReport): Promise<void> {
  for (const path of paths) {
    try {
      const bytes = await readFile(path);
      const out = converted(path, bytes, cipher, encrypt);
      if (out === null) {
        report.already++;
        continue;
      }
      const info = await stat(path);
      await writeFileAtomic(path, out, { mode: 0o600 });
      await utimes(path, info.atime, info.mtime);
      report.converted++;
    } catch (err) {
      record(report, path, err);
    }
  }
}

/**
 * Converts each of `paths` (files appended to without the memory lock: journals, input history)
 * under its line lock, so no append lands between the read and the rename. As `convertLocked`.
 */
export function convertLines(paths: string[], cipher: FileCipher, encrypt: boolean, report: ConvertReport): void {
  for (const path of paths) {
    try {
      withLineLock(path, () => {
        const bytes = readFileSync(path);
        const out = converted(path, bytes, cipher, encrypt);
        if (out === null) {
          report.already++;
          return;
        }
        writeFileAtomicSync(path, out);
        report.converted++;
      });
    } catch (err) {
      record(report, path, err);
    }
  }
}

/** What a store that keeps files offers about encryption at rest (the file store does). */
export interface AtRestEncryption {
  /** How its files are written and read. */
  readonly cipher: FileCipher;
  /** See `FileMemoryStore.encryptionState`. */
  encryptionState(userId: string): Promise<EncryptionState>;
  /** See `FileMemoryStore.convertEncryption`. */
  convertEncryption(userId: string, encrypt: boolean): Promise<ConvertReport>;
  /** See `FileMemoryStore.userIdsOnDisk`. */
  userIdsOnDisk(): Promise<string[]>;
}

/** `store` as an `AtRestEncryption` when it is one (it keeps files), else null. */
export function atRestEncryption(store: unknown): AtRestEncryption | null {
  const s = store as Partial<AtRestEncryption> | null;
  return s && typeof s.convertEncryption === 'function' && typeof s.encryptionState === 'function' && s.cipher ? (s as AtRestEncryption) : null;
}
