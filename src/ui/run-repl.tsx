/**
 * The Ink REPL's entry point. Renders the chat app until the user leaves, then — in ordinary
 * code, after the chat UI has unmounted and restored the terminal — runs the exit extraction
 * with a deadline and shows what it changed in memory.
 */
import { render } from 'ink';
import type { ChatSession, InputHistorySource, ExtractionOutcome, ReviewItem } from '../core/index.js';
import { App, type AppExit } from './App.js';
import type { EarlierConversation } from './earlier-transcript.js';
import { ExitReport, SavingMemory } from './ExitReport.js';
import { ReviewPrompt } from './ReviewPrompt.js';
import type { SaveReport } from '../core/index.js';
import { colorFromEnv, createTheme, ThemeContext, type Theme } from './theme.js';

/** Options of `runRepl`. The streams default to the process's own (tests pass fakes). */
export interface ReplOptions {
  /** The user's prompt history. */
  inputHistory: InputHistorySource;
  /** Deadline of the exit extraction (ms); past it the session is kept for next time. */
  exitTimeoutMs: number;
  /** `chat --review`: confirm each proposed change before it is written. */
  review: boolean;
  /** The first line shown: what is remembered, or that this is a new user. */
  memoryLine: string;
  /** The memory as `/memory` prints it. */
  memoryView: () => string;
  /** Aborted when the process was asked to stop (SIGINT/SIGTERM): the REPL leaves as on `/exit`. */
  leave?: AbortSignal;
  /** Ctrl+Z: stop the process until `fg`, then call `resume` (see `App`'s `onSuspend`). */
  onSuspend?: (resume: () => void) => void;
  /** `chat --continue` / `--resume`: the reopened conversation, drawn above the new turns. */
  earlier?: EarlierConversation;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

/** How the REPL ended: how the user left, and whether memory was saved. */
export interface ReplExit {
  reason: 'exit' | 'ctrl-c' | 'ctrl-d' | 'signal';
  /** `skipped`: incognito (nothing is ever saved); `failed`: the journal is kept for the next run. */
  saved: 'ok' | 'failed' | 'skipped';
}

/**
 * Frame cap (per second): a fast stream redraws the live region at most this often. Ink's
 * default too, set explicitly because the anti-flicker design depends on it.
 */
const MAX_FPS = 30;

/**
 * Runs the interactive chat on TTY streams until the user leaves (`/exit`, `exit`, `quit`,
 * Ctrl+D on an empty prompt, Ctrl+C twice), then saves what was learned
 * (`session.finish` within `exitTimeoutMs`) and prints the memory diff.
 * Never rejects for API trouble or a failed save (that is `saved: 'failed'`); rethrows only an
 * unexpected UI crash, after trying to save.
 */
export async function runRepl(session: ChatSession, options: ReplOptions): Promise<ReplExit> {
  const streams = {
    stdin: options.stdin ?? process.stdin,
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
  };
  const theme = createTheme(colorFromEnv(process.env));
  const app = render(
    <ThemeContext.Provider value={theme}>
      <App session={session} inputHistory={options.inputHistory} memoryLine={options.memoryLine} memoryView={options.memoryView} leave={options.leave} onSuspend={options.onSuspend} earlier={options.earlier} />
    </ThemeContext.Provider>,
    // Not `incrementalRendering`: in Ink 6.8 it leaves a stale copy of the live region behind when
    // <Static> output is written (seen in tmux). The live region is small, so full redraws are cheap.
    { ...streams, exitOnCtrlC: false, patchConsole: false, maxFps: MAX_FPS },
  );
  let reason: ReplExit['reason'] = 'exit';
  let crash: unknown = null;
  try {
    const result = (await app.waitUntilExit()) as AppExit | undefined;
    reason = result?.reason ?? 'exit';
  } catch (error) {
    crash = error;
  }
  const saved = await saveAtExit(session, options, streams, theme);
  if (crash) throw crash;
  return { reason, saved };
}

/** Runs the exit extraction under a spinner and shows the report. Never rejects. */
async function saveAtExit(
  session: ChatSession,
  options: ReplOptions,
  streams: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
  theme: Theme,
): Promise<ReplExit['saved']> {
  const view = render(
    <ThemeContext.Provider value={theme}>
      <SavingMemory since={Date.now()} />
    </ThemeContext.Provider>,
    { ...streams, exitOnCtrlC: false, patchConsole: false, maxFps: MAX_FPS },
  );
  const unmounted = view.waitUntilExit();
  // The deadline bounds the model call and the lock wait, not the user: it is paused while the
  // user reviews (`--review`) and restarts, whole, once they have answered.
  const deadline = new AbortController();
  let timer = setTimeout(() => deadline.abort(), options.exitTimeoutMs);
  const review = (items: ReviewItem[]) =>
    new Promise<boolean[]>((resolve) => {
      clearTimeout(timer);
      view.rerender(
        <ThemeContext.Provider value={theme}>
          <ReviewPrompt
            items={items}
            onDone={(accepted) => {
              view.rerender(
                <ThemeContext.Provider value={theme}>
                  <SavingMemory since={Date.now()} />
                </ThemeContext.Provider>,
              );
              timer = setTimeout(() => deadline.abort(), options.exitTimeoutMs);
              resolve(accepted);
            }}
          />
        </ThemeContext.Provider>,
      );
    });
  let report: SaveReport;
  let saved: ReplExit['saved'];
  try {
    const outcome: ExtractionOutcome | null = await session.finish(deadline.signal, options.review ? review : undefined);
    clearTimeout(timer);
    report = outcome ? { kind: 'saved', outcome } : { kind: 'incognito' };
    saved = outcome ? 'ok' : 'skipped';
  } catch (error) {
    clearTimeout(timer);
    const message = deadline.signal.aborted
      ? `timed out after ${Math.round(options.exitTimeoutMs / 1000)} s`
      : error instanceof Error
        ? error.message
        : String(error);
    report = { kind: 'failed', message };
    saved = 'failed';
  }
  view.rerender(
    <ThemeContext.Provider value={theme}>
      <ExitReport report={report} spent={{ usage: session.usage, usd: session.spend.usd }} />
    </ThemeContext.Provider>,
  );
  view.unmount();
  await unmounted;
  return saved;
}
