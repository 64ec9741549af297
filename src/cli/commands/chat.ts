/**
 * `memagent chat --user <id>`: recovers pending journals, starts a session, and hands it to the
 * Ink REPL (stdin and stdout are TTYs) or to pipe mode (anything else: Ink is never mounted).
 * Signals are handled by `../signals.ts` while the session runs.
 */
import { ChatSession, DEFAULT_MAX_TOKENS, extractPending, restoreConversation } from '../../core/chat.js';
import { UsageError, renderMemorySummaryLine, type EpisodeSummary, type ExtractionOutcome, type ModelClient, type MemoryStore } from '../../core/index.js';
import type { Services } from '../compose.js';
import { requireUser, type Config } from '../config.js';
import { resolveResume, resumedLine, type ResumeFlags } from '../resume.js';
import { installSignalHandlers, suspendToShell } from '../signals.js';
import { formatMemoryView } from './show.js';

/** Flags of `chat` (`continue`/`resume`: reopen an earlier conversation, see ../resume.ts). */
export interface ChatFlags extends ResumeFlags {
  user?: string;
  incognito?: boolean;
  review?: boolean;
  /** A one-shot prompt (`memagent "question"`): answer it, save, exit. Piped stdin is added as context. */
  prompt?: string;
}

/** Delay (ms) before compiling the SDK in the REPL: after Ink's first frame (~30 fps budget), well before a typed message. */
const PRELOAD_AFTER_MS = 150;


/**
 * Runs a chat. Resolves with the exit code: 0; 1 when the session's memory could not be saved at
 * the end (the journal is kept for the next run) or, in pipe mode, a turn failed at the API;
 * 129/130/143 after a signal.
 * @throws UsageError, ConfigError, MemoryFileError (before anything is written).
 */
export async function runChat(services: Services, flags: ChatFlags): Promise<number> {
  const { config } = services;
  const userId = requireUser(flags.user);
  // The SDK (~1 MB of code to compile) is loaded after the prompt is drawn, not before.
  const model = services.model();
  // A corrupt file stops here, before any journal is opened or anything extracted. A database
  // that is down does not: the chat goes on without memory, journaled here, saved next run.
  const { store, unavailable } = await services.chatStore(userId);
  if (unavailable) {
    process.stderr.write(`memagent: memory unavailable (${unavailable}); chatting without it, this session is kept on this machine and saved by the next run\n`);
  }
  const now = () => new Date();
  const interactive = flags.prompt === undefined && Boolean(process.stdin.isTTY && process.stdout.isTTY);
  if (flags.prompt === undefined && process.stdin.isTTY && !process.stdout.isTTY) {
    // `memagent chat | tee log` from a keyboard: the answers go to the pipe, so no REPL can be drawn.
    process.stderr.write('memagent: line mode, because stdout is not a terminal (piped or redirected): type a message and Enter; Ctrl+D saves and quits\n');
  }
  if (flags.review && flags.prompt !== undefined) {
    throw new UsageError('--review asks about each change in the interactive chat; it does not go with a one-shot prompt');
  }
  // Read before the session starts (and before pending journals are extracted): a one-shot's piped context.
  const oneShot = flags.prompt === undefined ? undefined : await import('../one-shot.js');
  const context = oneShot ? await oneShot.readPipedStdin() : null;
  if (flags.review && !interactive) {
    throw new UsageError('--review asks about each change in the terminal; it needs stdin and stdout to be a terminal');
  }

  // Before anything is written: a symlink out of the memory dir is refused in one line, up front.
  await store.checkUser(userId);
  if (!flags.incognito && !unavailable) await recoverPending(store, model, config, userId);
  // After the recovery, so a session killed last time is kept and can be continued.
  const pick = interactive
    ? async (sessions: EpisodeSummary[]) => {
        // Ink reads these once, when imported (see below).
        delete process.env.CI;
        delete process.env.CONTINUOUS_INTEGRATION;
        return (await import('../../ui/SessionPicker.js')).pickSession(sessions);
      }
    : null;
  const resumed = await resolveResume(store, userId, flags, pick);

  const session = await ChatSession.start(store, model, {
    userId,
    model: config.model,
    extractModel: config.extractModel,
    memoryBudgetTokens: config.memoryBudgetTokens,
    recallBudgetTokens: config.recallBudgetTokens,
    maxTokens: DEFAULT_MAX_TOKENS,
    incognito: Boolean(flags.incognito),
    review: Boolean(flags.review),
    now,
  });

  if (resumed) {
    restoreConversation(session, resumed);
    if (!interactive) process.stderr.write(`memagent: ${resumedLine(resumed)}\n`);
  }

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
      const { runRepl } = await import('../../ui/run-repl.js');
      const repl = runRepl(session, {
        // Checked to stay inside the memory dir by checkUser above.
        inputHistory: services.inputHistory(userId),
        exitTimeoutMs: config.exitTimeoutMs,
        review: Boolean(flags.review),
        memoryLine: unavailable ? 'memory unavailable (database down): this session is saved by the next run' : `${renderMemorySummaryLine(session.memory)}`,
        memoryView: () => formatMemoryView(session.memory, { budgetTokens: config.memoryBudgetTokens, now: now() }),
        leave: leave.signal,
        onSuspend: suspendToShell,
        earlier: resumed ? { title: resumedLine(resumed), turns: resumed.turns } : undefined,
      });
      // Compile the SDK once the first frame is on screen, while the user types (Ink flushes its
      // first frame on a timer, so a preload started at once would delay it).
      const preload = setTimeout(() => {
        model.preload();
        session.warmRecall();
      }, PRELOAD_AFTER_MS);
      // A failed save is reported in the REPL and its journal kept for the next run; the exit
      // code says so too (1), as in pipe mode, so a script can tell. A signal's code wins.
      const { saved } = await repl;
      clearTimeout(preload);
      return signalled ?? (saved === 'failed' ? 1 : 0);
    }
    model.preload();
    if (oneShot && flags.prompt !== undefined) {
      return await oneShot.runOneShot(session, oneShot.oneShotPrompt(flags.prompt, context), { exitTimeoutMs: config.exitTimeoutMs });
    }
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
      undefined,
      (problem) => process.stderr.write(`memagent: an earlier session's journal ${problem.message}\n`),
    );
    onDone(outcomes);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`memagent: could not save an earlier session yet (${message}); will retry next time\n`);
  }
}
