// The REPL in a real terminal: the built CLI under tmux (a pty), against the fake API in this
// process. Checks what only a terminal shows: bracketed paste from the terminal, Esc, the screen
// left clean (no stale live region), the terminal restored after exit, Markdown drawn formatted.
// Skipped without tmux.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApi } from '../src/fake-api/server.js';
import type { FakeApi } from '../src/fake-api/types.js';
import { capturePane, hasTmux, tmuxServer, waitForPane } from './helpers/tmux.js';

const BIN = fileURLToPath(new URL('../bin/memagent.js', import.meta.url));
/** Our own tmux server (socket), so no user session is touched; killed at the end. */
const SOCKET = `memagent-ui-test-${process.pid}`;
const tmux = tmuxServer(SOCKET);
const screen = (target = 'repl') => capturePane(tmux, target);

const waitScreen = (pattern: RegExp, ms = 10_000, target = 'repl'): Promise<string> => waitForPane(tmux, target, pattern, ms);

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

  // marked loads in the bundle only after the prompt is drawn, or on the first answer that needs it.
  it('draws the first answer formatted even when it is asked for the moment the prompt appears, and the next one too', async () => {
    const env = [`ANTHROPIC_API_KEY=test-key`, `ANTHROPIC_BASE_URL=${fake.url}`, `MEMAGENT_MEMORY_DIR=${path.join(dir, 'memory')}`, 'TERM=xterm-256color'].join(' ');
    const script = `cd ${dir} && env -u CI -u CONTINUOUS_INTEGRATION ${env} ${process.execPath} ${BIN} chat --user alice --incognito; echo "EXIT=$?"; sleep 60`;
    tmux('new-session', '-d', '-s', 'md', '-x', '80', '-y', '40', script);
    await waitForPane(tmux, 'md', /Send a message/, 10_000);
    tmux('send-keys', '-t', 'md', '-l', 'markdown');
    tmux('send-keys', '-t', 'md', 'Enter');
    const first = await waitForPane(tmux, 'md', /Read more at/, 10_000);
    expect(first).toContain('• First item');
    expect(first).toContain('Here is some bold text, some italic text and inline code.');
    expect(first).toMatch(/╭─+╮/);
    expect(first).not.toContain('**');
    expect(first).not.toContain('# Markdown sample');
    tmux('send-keys', '-t', 'md', '-l', 'markdown');
    tmux('send-keys', '-t', 'md', 'Enter');
    await waitForPane(tmux, 'md', /Read more at[\s\S]*Read more at/, 10_000);
    const second = capturePane(tmux, 'md');
    expect(second.match(/• Second item with emphasis/g)).toHaveLength(2);
    tmux('send-keys', '-t', 'md', 'C-d');
    await waitForPane(tmux, 'md', /EXIT=0/, 15_000);
  });

  /** The pid of the pane shell's only child (the CLI), once it is running. */
  async function cliPid(target: string): Promise<number> {
    const shell = tmux('display', '-p', '-t', target, '#{pane_pid}').trim();
    const end = Date.now() + 10_000;
    for (;;) {
      try {
        const pids = execFileSync('pgrep', ['-P', shell], { encoding: 'utf8' }).trim().split('\n');
        if (pids.length === 1) return Number(pids[0]);
      } catch {
        // No child yet.
      }
      if (Date.now() > end) throw new Error(`no CLI process under the pane shell ${shell}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The pane's terminal settings, read from outside (the REPL owns the pane). */
  const sttyOf = (target: string) => {
    const tty = tmux('display', '-p', '-t', target, '#{pane_tty}').trim();
    return execFileSync('sh', ['-c', `stty -a < ${tty}`], { encoding: 'utf8' });
  };

  it.each([
    ['SIGTERM', 143, true],
    ['SIGINT', 130, true],
    ['SIGHUP', 129, false],
  ] as const)('%s at the idle prompt after an answered turn: exits %i, memory saved: %s, terminal given back', async (signal, code, saves) => {
    const user = signal.toLowerCase();
    const target = `sig-${user}`;
    const memoryDir = path.join(dir, `memory-${user}`);
    const env = [`ANTHROPIC_API_KEY=test-key`, `ANTHROPIC_BASE_URL=${fake.url}`, `MEMAGENT_MEMORY_DIR=${memoryDir}`, 'TERM=xterm-256color'].join(' ');
    const script =
      `cd ${dir} && env -u CI -u CONTINUOUS_INTEGRATION ${env} ${process.execPath} ${BIN} chat --user ${user}; echo "EXIT=$?"; ` +
      `stty -a | tr ' ;' '\\n\\n' | grep -E -x -- '-?(icanon|echo)'; sleep 60`;
    tmux('new-session', '-d', '-s', target, '-x', '80', '-y', '30', script);
    await waitScreen(/This is a new user/, 10_000, target);
    const pid = await cliPid(target);

    tmux('send-keys', '-t', target, '-l', 'I live in Termville.');
    tmux('send-keys', '-t', target, 'Enter');
    // Idle at the prompt again (during the turn the prompt line says "answering…" instead).
    await waitScreen(/You said: "I live in Termville\."[\s\S]*Send a message/, 10_000, target);
    // While the REPL runs the terminal is raw, without echo, the cursor hidden: what must be undone.
    expect(sttyOf(target)).toMatch(/(^|\s)-icanon(\s|$)/);
    expect(sttyOf(target)).toMatch(/(^|\s)-echo(\s|$)/);
    expect(tmux('display', '-p', '-t', target, '#{cursor_flag}').trim()).toBe('0');

    process.kill(pid, signal);
    const end = await waitScreen(/EXIT=\d+(?=[\s\S]*^-?icanon$)(?=[\s\S]*^-?echo$)/m, 20_000, target);
    expect(end).toContain(`EXIT=${code}`);
    // Canonical mode, echo on and a visible cursor: the shell is usable again.
    expect(end).toMatch(/^icanon$/m);
    expect(end).toMatch(/^echo$/m);
    expect(tmux('display', '-p', '-t', target, '#{cursor_flag}').trim()).toBe('1');

    if (saves) {
      // Left as on /exit: the prompt and status line are gone, the saved change is shown.
      expect(end).not.toMatch(/Send a message/);
      expect(end).toMatch(/Termville/);
      expect(end.slice(end.lastIndexOf('You said'))).toMatch(/\+ .*Termville/);
      const file = JSON.parse(await fs.readFile(path.join(memoryDir, `${user}.json`), 'utf8'));
      expect(file.facts.map((f: { text: string }) => f.text)).toContain('I live in Termville.');
      // Saved, so no journal is left for the next run.
      const journals = await fs.readdir(path.join(memoryDir, 'journal', user)).catch(() => [] as string[]);
      expect(journals.filter((n) => n.endsWith('.jsonl'))).toEqual([]);
    } else {
      // The terminal is gone as far as the CLI knows: nothing saved now, the turn kept for the next run.
      await expect(fs.stat(path.join(memoryDir, `${user}.json`))).rejects.toMatchObject({ code: 'ENOENT' });
      const journals = (await fs.readdir(path.join(memoryDir, 'journal', user))).filter((n) => n.endsWith('.jsonl'));
      expect(journals).toHaveLength(1);
      expect(await fs.readFile(path.join(memoryDir, 'journal', user, journals[0]), 'utf8')).toContain('I live in Termville.');
    }
  });
});
