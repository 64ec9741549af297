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
