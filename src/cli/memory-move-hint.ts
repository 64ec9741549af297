/**
 * The one-time hint for people who used memagent before memory moved to the user data dir: their
 * facts are still in `./memory` of wherever they ran it, and the default dir is now elsewhere.
 */
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';

/** The marker file (in the memory dir) that says the hint was shown. */
export const MOVE_HINT_MARKER = '.moved-hint-shown';

/**
 * When the memory dir is the default one and `<cwd>/memory` holds memory files (`remembersSomeone`,
 * the store's answer: `compose.ts`'s `remembersSomeone`), returns the one line that says how to
 * move them, with the real paths; `null` when there is nothing to say or the hint was shown before
 * (the marker exists).
 */
export async function moveHint(config: Config, cwd: string, remembersSomeone: (dir: string) => Promise<boolean>): Promise<string | null> {
  if (!config.memoryDirIsDefault) return null;
  const old = path.join(cwd, 'memory');
  if (path.resolve(old) === path.resolve(config.memoryDir)) return null;
  if (existsSync(path.join(config.memoryDir, MOVE_HINT_MARKER))) return null;
  if (!(await remembersSomeone(old))) return null;
  const to = shellQuote(config.memoryDir);
  return (
    `memagent: memory now lives in ${config.memoryDir}, not ./memory; to keep what ./memory remembers, move it: ` +
    `mkdir -p ${to} && mv ./memory/* ${to}/ (or set MEMAGENT_MEMORY_DIR=./memory)`
  );
}

/**
 * Prints `moveHint` on stderr once. The marker goes into the memory dir; a read-only command
 * (`readOnly`) creates no directory, so when the memory dir does not exist yet the hint is shown
 * again next time (until a chat creates the dir or the files are moved). Never throws: a marker
 * that cannot be written only means the hint shows again.
 */
export async function showMoveHintOnce(
  config: Config,
  cwd: string,
  readOnly: boolean,
  remembersSomeone: (dir: string) => Promise<boolean>,
): Promise<void> {
  const hint = await moveHint(config, cwd, remembersSomeone);
  if (hint === null) return;
  process.stderr.write(`${hint}\n`);
  try {
    if (!readOnly) mkdirSync(config.memoryDir, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(config.memoryDir, MOVE_HINT_MARKER), '', { mode: 0o600 });
  } catch {
    // shown again next time
  }
}

/** `s` in single quotes when it holds anything a POSIX shell would split or expand. */
function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}
