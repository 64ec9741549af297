// Ctrl+Z in the REPL under a real job-control shell (bash in tmux): the terminal goes back to the
// shell, `fg` brings the chat back with the draft intact (issue 14, "Keys users expect").
import { afterAll, describe, expect, it } from 'vitest';
import { apiWorkspace, BIN } from './helpers/cli.js';
import { useFakeApi } from './helpers/fake.js';
import { capturePane, hasTmux, tmuxServer, waitForPane } from './helpers/tmux.js';

const fake = useFakeApi();

describe.skipIf(!hasTmux)('Ctrl+Z in the REPL', () => {
  const tmux = tmuxServer(`memagent-suspend-${process.pid}`);
  afterAll(() => {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
  });
  const type = (text: string) => tmux('send-keys', '-t', 'z', '-l', text);
  const key = (name: string) => tmux('send-keys', '-t', 'z', name);

  it('suspends to the shell like any program, and fg brings back the chat with what was typed', async () => {
    const ws = await apiWorkspace(fake().url);
    tmux('new-session', '-d', '-s', 'z', '-x', '100', '-y', '30', 'bash --norc --noprofile');
    const env = `ANTHROPIC_API_KEY=test-key ANTHROPIC_BASE_URL=${fake().url} MEMAGENT_MEMORY_DIR=${ws.memoryDir} TERM=xterm-256color`;
    type(`cd ${ws.cwd} && env -u CI ${env} ${process.execPath} ${BIN} chat --user zed`);
    key('Enter');
    await waitForPane(tmux, 'z', /This is a new user/, 15_000);
    type('half a thought');
    await waitForPane(tmux, 'z', /› half a thought/, 5_000);
    key('C-z');
    await waitForPane(tmux, 'z', /Stopped/, 5_000);
    type('echo "shell is back"');
    key('Enter');
    await waitForPane(tmux, 'z', /^shell is back$/m, 5_000);
    type('fg');
    key('Enter');
    type(' and more');
    await waitForPane(tmux, 'z', /› half a thought and more/, 5_000);
    key('Enter');
    await waitForPane(tmux, 'z', /You said: "half a thought and more"/, 10_000);
    type('/exit');
    key('Enter');
    await waitForPane(tmux, 'z', /Memory updated|Nothing new to remember/, 15_000);
    type('echo "EXIT=$?"');
    key('Enter');
    const end = await waitForPane(tmux, 'z', /^EXIT=\d+$/m, 15_000);
    expect(end).toContain('EXIT=0');
    expect(capturePane(tmux, 'z')).not.toMatch(/unexpected error/);
  });
});
