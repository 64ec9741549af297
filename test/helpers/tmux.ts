// tmux for the tests that drive the REPL or a prompt as a person at a terminal would.
import { execFileSync } from 'node:child_process';

/** Whether tmux is installed (CI installs it; without it those tests are skipped). */
export const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * A tmux client bound to our own server (socket `name`), so no user session is touched; the
 * caller kills the server at the end (`tmux('kill-server')`). Returns stdout of each call.
 */
export function tmuxServer(name: string): (...args: string[]) => string {
  return (...args: string[]) => execFileSync('tmux', ['-L', name, ...args], { encoding: 'utf8' });
}

/** The text of pane `target` (joined wrapped lines, 200 lines of scroll-back). */
export function capturePane(tmux: (...args: string[]) => string, target: string): string {
  return tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', target);
}

/**
 * Polls pane `target` every 50 ms until its text matches `pattern`; returns that text.
 * @throws after `ms` ms, with the last screen in the message.
 */
export async function waitForPane(tmux: (...args: string[]) => string, target: string, pattern: RegExp, ms: number): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const text = capturePane(tmux, target);
    if (pattern.test(text)) return text;
    if (Date.now() > end) throw new Error(`screen never matched ${pattern}:\n${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
