/**
 * The REPL's input history on disk: a JSON Lines file per user (one JSON string per line, oldest
 * first), bounded, private (0o600 in a 0o700 directory), appended on every submit with secrets
 * redacted (Up in the running REPL still recalls the exact text), rewritten atomically when it
 * has grown, and scrubbed by `forget`.
 */
import { appendFileSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { redactSecrets } from '../../redact.js';
import { HISTORY_LIMIT, HISTORY_MAX_ENTRY_CHARS, type InputHistoryFile, type InputHistoryStore } from '../store.js';
import { PLAINTEXT, type FileCipher } from './age-cipher.js';
import { listTempFiles, writeFileAtomic } from './atomic-write.js';
import { isNotFound } from './codec.js';
import { appendDurably, rewriteLines, withLineLock, type KeptLines } from './line-file.js';
import { inputHistoryFileFor } from './paths.js';
import { processAlive } from './process-alive.js';


/**
 * Reads the history file. A missing or unreadable file is an empty history (history is a
 * convenience: it never stops the REPL); lines that are not JSON strings (a torn write, a hand
 * edit) are skipped. An age file is decrypted with `cipher`; one that cannot be is an empty
 * history too (and appending to it then fails rather than replacing it).
 * @returns at most `HISTORY_LIMIT` entries, oldest first, and the file handle to append to.
 */
export async function openHistory(file: string, cipher: FileCipher = PLAINTEXT): Promise<{ entries: string[]; history: HistoryFile }> {
  let raw = '';
  try {
    raw = cipher.open(file, await readFile(file)).toString('utf8');
  } catch {
    // ENOENT on first use; anything else (EACCES…) also just means no history this time.
  }
  const entries: string[] = [];
  let lines = 0;
  for (const line of raw.split('\n')) {
    if (!line) continue;
    lines++;
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value === 'string' && value) entries.push(value);
    } catch {
      // A partial last line from a crash: skip it.
    }
  }
  return { entries: entries.slice(-HISTORY_LIMIT), history: new HistoryFile(file, lines, cipher) };
}

/** The history file of one user, kept bounded while appending. */
export class HistoryFile implements InputHistoryFile {
  readonly file: string;
  /** Lines on disk as far as this process knows (it compacts when this passes twice the limit). */
  private linesOnDisk: number;
  private modeChecked = false;
  private readonly cipher: FileCipher;

  constructor(file: string, linesOnDisk: number, cipher: FileCipher = PLAINTEXT) {
    this.file = file;
    this.linesOnDisk = linesOnDisk;
    this.cipher = cipher;
  }

  /**
   * Appends one entry, secrets redacted (creating the directory 0o700 and the file 0o600). When
   * the file has grown past twice the limit it is replaced atomically and durably
   * (`writeFileAtomic`) with the newest `HISTORY_LIMIT` entries of `all`. Entries over
   * `HISTORY_MAX_ENTRY_CHARS` are not written. Encrypted: every append replaces the file
   * atomically with an age file (see line-file.ts).
   */
  async append(entry: string, all: readonly string[]): Promise<void> {
    if (!entry || entry.length > HISTORY_MAX_ENTRY_CHARS) return;
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    if (this.linesOnDisk + 1 > HISTORY_LIMIT * 2) {
      const keep = all.filter((e) => e.length <= HISTORY_MAX_ENTRY_CHARS).slice(-HISTORY_LIMIT);
      await writeFileAtomic(this.file, this.cipher.seal(keep.map((e) => `${JSON.stringify(redactSecrets(e).text)}\n`).join('')), { mode: 0o600 });
      this.linesOnDisk = keep.length;
      return;
    }
    const line = `${JSON.stringify(redactSecrets(entry).text)}\n`;
    if (this.cipher.encrypts) {
      appendDurably(this.file, Buffer.from(line), this.cipher);
      this.linesOnDisk++;
      return;
    }
    // Under the line lock, as every append: `encrypt` may be converting this file meanwhile.
    withLineLock(this.file, () => appendFileSync(this.file, line, { mode: 0o600 }));
    if (!this.modeChecked) {
      // appendFile's mode applies only when it creates the file; tighten an older one too.
      await chmod(this.file, 0o600);
      this.modeChecked = true;
    }
    this.linesOnDisk++;
  }
}

/**
 * Removes from the input history `file` every line for which `match(text)` is true, where `text`
 * is the entry for a JSON string line, and the raw line for anything else (a JSON object, a torn
 * line). The file is replaced atomically (mode 0o600); a line a running REPL appends meanwhile is
 * carried over (and filtered). Temp files a killed REPL left beside it that hold a match are
 * removed. Takes no lock: the REPL writes this file without one. A missing file is fine.
 * @returns how many lines were removed.
 * @throws the fs error if the file cannot be read or replaced.
 */
export async function forgetInInputHistory(file: string, match: (text: string) => boolean, cipher: FileCipher = PLAINTEXT): Promise<number> {
  const keep = (text: string): KeptLines => {
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    const kept = lines.filter((line) => {
      let entry = line;
      try {
        const value: unknown = JSON.parse(line);
        if (typeof value === 'string') entry = value;
      } catch {
        // a torn line: judged on its raw text
      }
      return !match(entry);
    });
    return { kept: kept.map((l) => `${l}\n`).join(''), removed: lines.length - kept.length };
  };
  await removeStaleTemps(file, keep, cipher);
  return rewriteLines(file, keep, cipher);
}

/**
 * Temp files of the REPL's rewrites (`writeFileAtomic`'s, and `<file>.<pid>.tmp` of earlier
 * versions) that a killed REPL left may hold forgotten text. A live REPL's temp file is renamed
 * within milliseconds; only one holding forgotten text goes.
 */
async function removeStaleTemps(file: string, keep: (text: string) => KeptLines, cipher: FileCipher): Promise<void> {
  const dir = dirname(file);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  const legacy = names.filter((n) => n.startsWith(`${basename(file)}.`) && n.endsWith('.tmp')).map((n) => join(dir, n));
  for (const path of [...legacy, ...(await listTempFiles(file))]) {
    // A killed writer's temp file is garbage (its rename never happened): removed whatever it holds
    // (an encrypted one cut short cannot even be judged by its text).
    const pid = Number(/\.(\d+)\.[0-9a-f]+\.tmp$/.exec(path)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) {
      await rm(path, { force: true });
      continue;
    }
    const text = await readFile(path).then(
      (bytes) => cipher.open(path, bytes).toString('utf8'),
      () => '',
    ).catch(() => '');
    if (keep(text).removed > 0) await rm(path, { force: true });
  }
}

/** The `InputHistoryStore` of a memory dir (files at `inputHistoryFileFor`). */
export class FileInputHistoryStore implements InputHistoryStore {
  /** `cipher`: how history files are written and read (encrypted or not; see age-cipher.ts). */
  constructor(
    private readonly dir: string,
    private readonly cipher: FileCipher = PLAINTEXT,
  ) {}

  /** The history file of `userId` (checked to stay inside the memory dir by `checkUser`). */
  fileFor(userId: string): string {
    return inputHistoryFileFor(this.dir, userId);
  }

  open(userId: string): Promise<{ entries: string[]; history: HistoryFile }> {
    return openHistory(this.fileFor(userId), this.cipher);
  }

  forget(userId: string, match: (text: string) => boolean): Promise<number> {
    return forgetInInputHistory(this.fileFor(userId), match, this.cipher);
  }

  async exists(userId: string): Promise<boolean> {
    return stat(this.fileFor(userId)).then(
      () => true,
      () => false,
    );
  }
}
