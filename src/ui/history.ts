/**
 * Prompt history per user: a JSON Lines file (one JSON string per line, oldest first), bounded,
 * private (mode 0o600 in a 0o700 directory), appended on every submit, with secrets redacted on
 * disk (Up in the running REPL still recalls the exact text). Also the pure navigation over it
 * (Up/Down) that keeps the unsent draft.
 */
import { appendFile, chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { redactSecrets } from '../core/redact.js';

/** Entries kept: enough for weeks of use, small enough to load instantly. */
export const HISTORY_LIMIT = 500;
/** Entries longer than this (UTF-16 units) stay in memory only: a 1 MB paste should not bloat every start-up. */
export const HISTORY_MAX_ENTRY_CHARS = 16_384;

/**
 * Reads the history file. A missing or unreadable file is an empty history (history is a
 * convenience: it never stops the REPL); lines that are not JSON strings (a torn write, a hand
 * edit) are skipped.
 * @returns at most `HISTORY_LIMIT` entries, oldest first, and the file handle to append to.
 */
export async function openHistory(file: string): Promise<{ entries: string[]; history: HistoryFile }> {
  let raw = '';
  try {
    raw = await readFile(file, 'utf8');
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
  return { entries: entries.slice(-HISTORY_LIMIT), history: new HistoryFile(file, lines) };
}

/** The history file of one user, kept bounded while appending. */
export class HistoryFile {
  readonly file: string;
  /** Lines on disk as far as this process knows (it compacts when this passes twice the limit). */
  private linesOnDisk: number;
  private modeChecked = false;

  constructor(file: string, linesOnDisk: number) {
    this.file = file;
    this.linesOnDisk = linesOnDisk;
  }

  /**
   * Appends one entry, secrets redacted (creating the directory 0o700 and the file 0o600). When the file has grown
   * past twice the limit it is rewritten (temp file + rename) with the newest `HISTORY_LIMIT`
   * entries of `all`. Entries over `HISTORY_MAX_ENTRY_CHARS` are not written.
   */
  async append(entry: string, all: readonly string[]): Promise<void> {
    if (!entry || entry.length > HISTORY_MAX_ENTRY_CHARS) return;
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    if (this.linesOnDisk + 1 > HISTORY_LIMIT * 2) {
      const keep = all.filter((e) => e.length <= HISTORY_MAX_ENTRY_CHARS).slice(-HISTORY_LIMIT);
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, keep.map((e) => `${JSON.stringify(redactSecrets(e).text)}\n`).join(''), { mode: 0o600 });
      await rename(tmp, this.file);
      this.linesOnDisk = keep.length;
      return;
    }
    await appendFile(this.file, `${JSON.stringify(redactSecrets(entry).text)}\n`, { mode: 0o600 });
    if (!this.modeChecked) {
      // appendFile's mode applies only when it creates the file; tighten an older one too.
      await chmod(this.file, 0o600);
      this.modeChecked = true;
    }
    this.linesOnDisk++;
  }
}

/** Where Up/Down is in the history: `index === entries.length` means the draft (not in history). */
export interface HistoryCursor {
  readonly index: number;
  /** What was typed before the first Up, restored by Down past the newest entry. */
  readonly draft: string;
}

/** Adds a submitted entry: skips an immediate duplicate, bounds the list. Returns a new array. */
export function pushEntry(entries: readonly string[], entry: string): string[] {
  if (!entry.trim() || entries[entries.length - 1] === entry) return [...entries];
  return [...entries, entry].slice(-HISTORY_LIMIT);
}

/**
 * One step back (Up) or forward (Down) from `cursor`, with `current` the text now in the prompt.
 * @returns the new cursor and the text to show, or null when there is nowhere to go.
 */
export function stepHistory(
  entries: readonly string[],
  cursor: HistoryCursor,
  current: string,
  direction: -1 | 1,
): { cursor: HistoryCursor; text: string } | null {
  const index = cursor.index + direction;
  if (index < 0 || index > entries.length) return null;
  const draft = cursor.index === entries.length ? current : cursor.draft;
  const text = index === entries.length ? draft : entries[index];
  return { cursor: { index, draft }, text };
}
