// The REPL in a real terminal: the built CLI under tmux (a pty), against the fake API in this
// process. Checks what only a terminal shows: bracketed paste from the terminal, Esc, the screen
// left clean (no stale live region), and the terminal restored after exit. Skipped without tmux.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApi } from '../src/fake-api/server.js';
import type { FakeApi } from '../src/fake-api/types.js';

const BIN = fileURLToPath(new URL('../bin/memagent.js', import.meta.url));
const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
/** Our own tmux server (socket), so no user session is touched; killed at the end. */
const SOCKET = `memagent-ui-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', 'repl');

async function waitScreen(pattern: RegExp, ms = 10_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const text = screen();
    if (pattern.test(text)) return text;
    if (Date.now() > end) throw new Error(`screen never matched ${pattern}:\n${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let fake: FakeApi;
let dir: string;
beforeAll(async () => {
  fake = await startFakeApi();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'memagent-pty-'));
});
afterAll(async () => {
  if (hasTmux) {
    try {
      tmux('kill-server');
    } catch {
      // Already gone.
    }
  }
  await fake.close();
});

describe.skipIf(!hasTmux)('the REPL in a terminal', () => {
  it('pastes as one message, stops on Esc, exits with the diff and gives the terminal back', async () => {
    const env = [
      `ANTHROPIC_API_KEY=test-key`,
      `ANTHROPIC_BASE_URL=${fake.url}`,
      `MEMAGENT_MEMORY_DIR=${path.join(dir, 'memory')}`,
      'TERM=xterm-256color',
    ].join(' ');
    // Without CI variables: under them Ink draws no live region (its CI mode), as a user would not have.
    const script = `cd ${dir} && env -u CI -u CONTINUOUS_INTEGRATION ${env} ${process.execPath} ${BIN} chat --user alice; echo "EXIT=$?"; stty -a | tr ' ;' '\\n\\n' | grep -x -- '-*icanon'; sleep 60`;
    tmux('new-session', '-d', '-s', 'repl', '-x', '80', '-y', '30', script);
    await waitScreen(/This is a new user/);

    await fs.writeFile(path.join(dir, 'paste.txt'), 'alpha line\nbeta line\ngamma line');
    tmux('load-buffer', '-b', 'p', path.join(dir, 'paste.txt'));
    tmux('paste-buffer', '-p', '-b', 'p', '-t', 'repl');
    await waitScreen(/… gamma line/);
    tmux('send-keys', '-t', 'repl', 'Enter');
    await waitScreen(/You said: "alpha line/);
    const chats = fake.requests.filter((r) => !r.body.output_config);
    expect(chats).toHaveLength(1);
    expect(chats[0].body.messages.at(-1).content).toBe('alpha line\nbeta line\ngamma line');

    fake.enqueue({ kind: 'text', text: 'tick '.repeat(400), chunkSize: 5, chunkDelayMs: 10 });
    tmux('send-keys', '-t', 'repl', '-l', 'count slowly');
    tmux('send-keys', '-t', 'repl', 'Enter');
    await waitScreen(/tick tick tick/);
    tmux('send-keys', '-t', 'repl', 'Escape');
    await waitScreen(/⎯ interrupted/);

    tmux('send-keys', '-t', 'repl', '-l', 'I prefer metric units.');
    tmux('send-keys', '-t', 'repl', 'Enter');
    await waitScreen(/You said: "I prefer metric units\."/);
    tmux('send-keys', '-t', 'repl', '-l', '/exit');
    tmux('send-keys', '-t', 'repl', 'Enter');
    const end = await waitScreen(/EXIT=0[\s\S]*icanon/);
    expect(end).toContain('+ I prefer metric units.');
    // Nothing of the live region is left behind: no prompt, no status line, no spinner.
    expect(end).not.toContain('Send a message');
    expect(end).not.toContain('Esc to stop');
    expect(end).not.toContain('Saving memory');
    // Canonical mode (raw mode off) and a visible cursor.
    expect(end).toMatch(/^icanon$/m);
    expect(tmux('display', '-p', '-t', 'repl', '#{cursor_flag}').trim()).toBe('1');
  });
});
