/**
 * The one "filter lines, rewrite atomically, carry over the appended tail" algorithm, for files
 * that other processes append to by path without a lock (session journals, the REPL's input
 * history), and the durable append they use.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write.js';

/** What a line filter keeps of a text: the kept lines (each ending in `\n`) and how many went. */
export interface KeptLines {
  kept: string;
  removed: number;
}

/**
 * Writes all of `data` at the end of `path` and fsyncs it. Creates the file (0o600) if missing.
 * Opened per append, not kept open: `rewriteLines` replaces the file by rename, and an fd kept
 * open would go on writing into the replaced inode, losing every later line.
 * @throws the fs error (ENOSPC…); the data may then be partly written.
 */
export function appendDurably(path: string, data: Buffer): void {
  const fd = openSync(path, 'a', 0o600);
  try {
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
    // On disk when this returns: the page cache survives a killed process, not a power cut.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Rewrites `path` with what `keep(text)` keeps of it, atomically (mode 0o600), only when
 * `keep` removed something. A line appended by path between the read and the rename went into
 * the old file, which the open handle still reads: it is filtered by `keep` too and appended to
 * the new file, not lost. A missing file is fine (0).
 * @returns how many lines `keep` removed in all.
 * @throws the fs error if the file cannot be read or replaced.
 */
export async function rewriteLines(path: string, keep: (text: string) => KeptLines): Promise<number> {
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
