/**
 * `memagent import --user <id> <file>`: past conversations (the JSON or JSON Lines format of
 * core/services/import.ts, documented in the README) brought into a user's memory, session by
 * session in date order, each extracted with its own date. The file is read and validated whole
 * before anything is written. Resumable: a re-run after a kill skips what was imported.
 * Progress: a bar on a terminal, else one line per session (stdout).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { importSessions, parseImportFile, type ImportStep, type ImportSummary } from '../../core/chat.js';
import { UsageError, terminalSafe } from '../../core/index.js';
import type { Services } from '../compose.js';
import { requireUser } from '../config.js';

/** Flags of `import`. */
export interface ImportFlags {
  user?: string;
}

/** Cells of the progress bar: fits an 80-column terminal with the counts and the date beside it. */
const BAR_WIDTH = 24;

/**
 * Runs `import`: reads and validates `file` (ImportFileError with the first problems and their
 * line numbers, nothing written), checks the memory and the API key, then imports.
 * @returns the exit code: 0.
 * @throws UsageError (unreadable file, bad user id), ImportFileError, ConfigError (no API key),
 *   MemoryFileError; ApiError, LockError mid-way (the sessions done so far stay done; a re-run
 *   resumes).
 */
export async function runImport(services: Services, file: string, flags: ImportFlags): Promise<number> {
  const userId = requireUser(flags.user);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(error));
    throw new UsageError(`cannot read ${file}: ${why}`);
  }
  const plan = parseImportFile(text, path.basename(file));
  const { config } = services;
  const model = services.model(); // no key: stop before anything is written
  const store = services.store;
  await store.load(userId); // a corrupt memory stops here
  await store.checkUser(userId);
  const progress = progressPrinter(plan.sessions.length, Boolean(process.stdout.isTTY));
  const summary = await importSessions(
    { store, model, extractModel: config.extractModel, now: () => new Date() },
    userId,
    plan,
    progress.step,
  );
  progress.end();
  process.stdout.write(`${summaryLine(summary, userId)}\n`);
  return 0;
}

/** The last line: what the run did. */
function summaryLine(s: ImportSummary, userId: string): string {
  const sessions = (n: number) => `${n} session${n === 1 ? '' : 's'}`;
  const skipped = s.skipped > 0 ? ` (${sessions(s.skipped)} already imported, skipped)` : '';
  const redacted = s.redacted > 0 ? `; ${s.redacted} secret(s) redacted` : '';
  return `Imported ${sessions(s.imported)} of ${s.total} for ${userId}${skipped}: ${s.changes} memory change${s.changes === 1 ? '' : 's'}, revision ${s.revision}${redacted}.`;
}

/** What one session's line says. */
function stepText(step: ImportStep): string {
  const date = step.session.startedAt.slice(0, 10);
  const turns = `${step.session.turns.length} turn${step.session.turns.length === 1 ? '' : 's'}`;
  if (step.status === 'skipped') return `${date} ${turns}: skipped, ${step.reason}`;
  const changes = step.outcome.changes.filter((c) => c.type !== 'summary').length;
  const what = !step.outcome.extracted ? 'no user turn' : changes === 0 ? 'nothing new' : `${changes} change${changes === 1 ? '' : 's'}`;
  return `${date} ${turns}: ${what}`;
}

/** A progress bar redrawn in place on a terminal; one line per session elsewhere (logs, pipes). */
function progressPrinter(total: number, tty: boolean): { step: (step: ImportStep, done: number) => void; end: () => void } {
  const width = String(total).length;
  if (!tty) {
    return {
      step: (step, done) => process.stdout.write(`[${String(done).padStart(width)}/${total}] ${terminalSafe(stepText(step))}\n`),
      end: () => {},
    };
  }
  let drawn = false;
  const draw = (done: number, note: string) => {
    const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
    const columns = process.stdout.columns || 80;
    const line = `${bar} ${String(done).padStart(width)}/${total} ${note}`.slice(0, columns - 1);
    process.stdout.write(`\r\x1b[2K${line}`);
    drawn = true;
  };
  if (total > 0) draw(0, 'extracting…');
  return {
    step: (step, done) => draw(done, terminalSafe(stepText(step))),
    end: () => {
      if (drawn) process.stdout.write('\n');
    },
  };
}
