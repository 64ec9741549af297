/**
 * Process signals during a chat: SIGINT/SIGTERM save within the exit deadline (exit 130/143),
 * SIGHUP (terminal closed) leaves the journal for next time (exit 129). The only place besides
 * `main.ts` that ends the process (through `exit.ts`).
 */
import { describeChanges, type ChatSession } from '../core/index.js';
import { exitNow, exitWhenDrained } from './exit.js';

/** Exit codes for signals: 128 + the signal number, as shells report them. */
export const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * After the exit deadline, how long an aborted save may take to unwind (release its locks, print
 * its line) before a signalled process ends anyway. The deadline aborts the model call and the
 * lock wait; this bounds whatever else could still hang (a stalled disk), 1 s being ample for the
 * few milliseconds the unwinding takes.
 */
const EXIT_GRACE_MS = 1000;

/**
 * SIGINT/SIGTERM: restore the terminal, save within the deadline (or leave the journal), exit
 * 130/143; a second signal meanwhile exits at once, leaving the journal. SIGHUP: the terminal is
 * gone; leave the journal for the next run, exit 129.
 * @param replLeave in the REPL: called instead for SIGINT/SIGTERM with the exit code; the REPL
 *   then leaves and saves as on /exit (its own deadline), and the command returns that code.
 *   The fallback exit after the deadline still applies.
 * @returns a function that removes the handlers.
 */
export function installSignalHandlers(session: ChatSession, exitTimeoutMs: number, replLeave?: (code: number) => void): () => void {
  let exiting = false;
  const kept = 'this session is kept and will be saved next time';
  const handler = (signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP') => {
    const code = SIGNAL_EXIT[signal];
    if (exiting) {
      // Asked twice: the user will not wait for the save. The journal stays for the next run.
      restoreTerminal();
      if (signal !== 'SIGHUP') process.stderr.write(`memagent: ${signal} again, not waiting for the save; ${kept}\n`);
      exitNow(code);
    }
    exiting = true;
    if (signal !== 'SIGHUP' && replLeave) {
      setTimeout(() => {
        restoreTerminal();
        process.stderr.write(`memagent: could not save within ${Math.round(exitTimeoutMs / 1000)} s; ${kept}\n`);
        exitNow(code);
      }, exitTimeoutMs + EXIT_GRACE_MS).unref();
      replLeave(code);
      return;
    }
    restoreTerminal();
    if (signal === 'SIGHUP') {
      session.abandon();
      exitNow(code);
    }
    process.stderr.write(`\nmemagent: ${signal}, saving memory (up to ${Math.round(exitTimeoutMs / 1000)} s)…\n`);
    setTimeout(() => {
      process.stderr.write(`memagent: could not save within ${Math.round(exitTimeoutMs / 1000)} s; ${kept}\n`);
      exitNow(code);
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
      .finally(() => exitWhenDrained(code));
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
export function restoreTerminal(): void {
  try {
    if (process.stdin.isTTY && process.stdin.isRaw) process.stdin.setRawMode(false);
    if (process.stdout.isTTY) process.stdout.write('\x1b[?25h\x1b[?2004l');
  } catch {
    // The terminal may already be gone (SIGHUP): nothing to restore.
  }
}

/**
 * Ctrl+Z in the REPL (raw mode turns it into a key, not a signal): stops the process as the
 * shell's job control expects (SIGTSTP, the default action) and calls `resume` when `fg` or `bg`
 * sends SIGCONT. The caller restores the terminal before and takes it back in `resume`.
 */
export function suspendToShell(resume: () => void): void {
  // With raw mode off stdin is paused and signal listeners do not hold the event loop: without
  // this timer the process would simply end once it runs again, before SIGCONT is delivered.
  const keepAlive = setInterval(() => {}, 1 << 30);
  process.once('SIGCONT', () => {
    clearInterval(keepAlive);
    resume();
  });
  process.kill(process.pid, 'SIGTSTP');
}
