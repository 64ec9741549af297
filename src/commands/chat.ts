/**
 * `memagent chat --user <id>`: recovers pending journals, starts a session, and hands it to the
 * Ink REPL (stdin and stdout are TTYs) or to pipe mode (anything else: Ink is never mounted).
 * Owns process-level signals: SIGINT/SIGTERM save within the exit deadline (exit 130/143),
 * SIGHUP (terminal closed) leaves the journal for next time (exit 129).
 */
import { UsageError } from '../core/errors.js';
import { ChatSession, DEFAULT_MAX_TOKENS } from '../core/chat-session.js';
import { extractPending, type ExtractionOutcome } from '../core/extraction.js';
import { MemoryStore } from '../core/memory-store.js';
import { lazyModelClient, type ModelClient } from '../core/model-client.js';
import { renderMemorySummaryLine } from '../core/render.js';
import { requireApiKey, requireUser, type Config } from '../config.js';
import { describeChanges } from '../core/describe-changes.js';
import { formatMemoryView } from './show.js';

/** Flags of `chat`. */
export interface ChatFlags {
  user?: string;
  incognito?: boolean;
  review?: boolean;
}

/** Delay (ms) before compiling the SDK in the REPL: after Ink's first frame (~30 fps budget), well before a typed message. */
const PRELOAD_AFTER_MS = 150;

/** Exit codes for signals: 128 + the signal number, as shells report them. */
const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * After the exit deadline, how long an aborted save may take to unwind (release its locks, print
 * its line) before a signalled process ends anyway. The deadline aborts the model call and the
 * lock wait; this bounds whatever else could still hang (a stalled disk), 1 s being ample for the
 * few milliseconds the unwinding takes.
 */
const EXIT_GRACE_MS = 1000;

/**
 * Runs a chat. Resolves with the exit code.
 * @throws UsageError, ConfigError, MemoryFileError (before anything is written).
 */
export async function runChat(config: Config, flags: ChatFlags): Promise<number> {
  const userId = requireUser(flags.user);
  const apiKey = requireApiKey(config);
  const store = new MemoryStore({ dir: config.memoryDir, historyLimit: config.historyVersions });
  // A corrupt file stops here, before any journal is opened or anything extracted.
  await store.load(userId);
  // The SDK (~1 MB of code to compile) is loaded after the prompt is drawn, not before.
  const model = lazyModelClient(async () => {
    const { createModelClient } = await import('../core/model.js');
    return createModelClient({ apiKey, baseURL: config.baseURL, maxRetries: config.maxRetries, timeoutMs: config.requestTimeoutMs });
  });
  const now = () => new Date();
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  if (flags.review && !interactive) {
    throw new UsageError('--review asks about each change in the terminal; it needs stdin and stdout to be a terminal');
  }

  // Before anything is written: a symlink out of the memory dir is refused in one line, up front.
  await store.assertDirsContained(userId);
  if (!flags.incognito) await recoverPending(store, model, config, userId);

  const session = await ChatSession.start(store, model, {
    userId,
    model: config.model,
    extractModel: config.extractModel,
    memoryBudgetTokens: config.memoryBudgetTokens,
    maxTokens: DEFAULT_MAX_TOKENS,
    incognito: Boolean(flags.incognito),
    now,
  });

  // In the REPL, SIGINT/SIGTERM leave as /exit does (the live region goes, the save shows its
  // spinner and the diff), then the command exits with the signal's code.
  const leave = new AbortController();
  let signalled: number | null = null;
  const replLeave = interactive
    ? (code: number) => {
        signalled = code;
        leave.abort();
      }
    : undefined;
  const stopSignals = installSignalHandlers(session, config.exitTimeoutMs, replLeave);
  try {
    if (interactive) {
      // Ink reads CI / CONTINUOUS_INTEGRATION once, when it is imported, and then draws no live
      // region at all (no prompt, no streaming). Here a person is at a real terminal, whatever
      // their shell exports, so those variables must not switch the REPL off.
      delete process.env.CI;
      delete process.env.CONTINUOUS_INTEGRATION;
      const { runRepl } = await import('../ui/run-repl.js');
      const repl = runRepl(session, {
        // Checked to stay inside the memory dir by assertDirsContained above.
        historyPath: store.inputHistoryPath(userId),
        exitTimeoutMs: config.exitTimeoutMs,
        review: Boolean(flags.review),
        memoryLine: `${renderMemorySummaryLine(session.memory)}`,
        memoryView: () => formatMemoryView(session.memory, { budgetTokens: config.memoryBudgetTokens, now: now() }),
        leave: leave.signal,
      });
      // Compile the SDK once the first frame is on screen, while the user types (Ink flushes its
      // first frame on a timer, so a preload started at once would delay it).
      const preload = setTimeout(() => model.preload(), PRELOAD_AFTER_MS);
      // A failed save is reported in the REPL and its journal kept for the next run: the chat
      // itself went fine, so exit 0 either way.
      await repl;
      clearTimeout(preload);
      return signalled ?? 0;
    }
    model.preload();
    const { runPipe } = await import('../pipe-chat.js');
    return await runPipe(session, { exitTimeoutMs: config.exitTimeoutMs });
  } finally {
    stopSignals();
  }
}

/** Extracts journals left by killed sessions or failed extractions, oldest first; failures are reported, not fatal. */
async function recoverPending(
  store: MemoryStore,
  model: ModelClient,
  config: Config,
  userId: string,
): Promise<void> {
  const onDone = (outcomes: ExtractionOutcome[]) => {
    const changed = outcomes.reduce((n, o) => n + o.changes.length, 0);
    if (outcomes.length > 0) {
      process.stderr.write(
        `memagent: saved ${outcomes.length} earlier session${outcomes.length === 1 ? '' : 's'} that had not been saved (${changed} change${changed === 1 ? '' : 's'})\n`,
      );
    }
  };
  try {
    const outcomes = await extractPending(
      { store, model, extractModel: config.extractModel, now: () => new Date(), signal: AbortSignal.timeout(config.exitTimeoutMs * 3) },
      userId,
    );
    onDone(outcomes);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`memagent: could not save an earlier session yet (${message}); will retry next time\n`);
  }
}

/**
 * SIGINT/SIGTERM: restore the terminal, save within the deadline (or leave the journal), exit
 * 130/143; a second signal meanwhile exits at once, leaving the journal. SIGHUP: the terminal is
 * gone; leave the journal for the next run, exit 129.
 * @param replLeave in the REPL: called instead for SIGINT/SIGTERM with the exit code; the REPL
 *   then leaves and saves as on /exit (its own deadline), and the command returns that code.
 *   The fallback exit after the deadline still applies.
 * @returns a function that removes the handlers.
 */
function installSignalHandlers(session: ChatSession, exitTimeoutMs: number, replLeave?: (code: number) => void): () => void {
  let exiting = false;
  const kept = 'this session is kept and will be saved next time';
  const handler = (signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP') => {
    const code = SIGNAL_EXIT[signal];
    if (exiting) {
      // Asked twice: the user will not wait for the save. The journal stays for the next run.
      restoreTerminal();
      if (signal !== 'SIGHUP') process.stderr.write(`memagent: ${signal} again, not waiting for the save; ${kept}\n`);
      process.exit(code);
    }
    exiting = true;
    if (signal !== 'SIGHUP' && replLeave) {
      setTimeout(() => {
        restoreTerminal();
        process.stderr.write(`memagent: could not save within ${Math.round(exitTimeoutMs / 1000)} s; ${kept}\n`);
        process.exit(code);
      }, exitTimeoutMs + EXIT_GRACE_MS).unref();
      replLeave(code);
      return;
    }
    restoreTerminal();
    if (signal === 'SIGHUP') {
      session.abandon();
      process.exit(code);
    }
    process.stderr.write(`\nmemagent: ${signal}, saving memory (up to ${Math.round(exitTimeoutMs / 1000)} s)…\n`);
    setTimeout(() => {
      process.stderr.write(`memagent: could not save within ${Math.round(exitTimeoutMs / 1000)} s; ${kept}\n`);
      process.exit(code);
    }, exitTimeoutMs + EXIT_GRACE_MS);
    session
      .finish(AbortSignal.timeout(exitTimeoutMs))
      .then((outcome) => {
        if (outcome) process.stderr.write(`${describeChanges(outcome).join('\n')}\n`);
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        process.stderr.write(`memagent: could not save now (${message}); ${kept}\n`);
      })
      .finally(() => process.exit(code));
  };
  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  const onHup = () => handler('SIGHUP');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
  };
}

/** Raw mode off, cursor shown, bracketed paste off: whatever state Ink left the terminal in. */
function restoreTerminal(): void {
  try {
    if (process.stdin.isTTY && process.stdin.isRaw) process.stdin.setRawMode(false);
    if (process.stdout.isTTY) process.stdout.write('\x1b[?25h\x1b[?2004l');
  } catch {
    // The terminal may already be gone (SIGHUP): nothing to restore.
  }
}
