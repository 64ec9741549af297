// The REPL's keys in a real terminal (tmux, the built CLI): Ctrl+Z under a job-control shell
// (the terminal goes back to the shell, `fg` brings the chat back with the draft intact), the
// `/` menu, a message queued while an answer streams, Ctrl+R and Ctrl+L (issue 14, "Keys users expect").
import { afterAll, describe, expect, it } from 'vitest';
import { apiWorkspace, BIN } from './helpers/cli.js';
import { chatRequests, useFakeApi } from './helpers/fake.js';

/** The text the user typed in a request's last message (its last text block). */
function lastText(body: any): string {
  const m = body.messages[body.messages.length - 1];
  if (typeof m.content === 'string') return m.content;
  return m.content.filter((b: { type: string }) => b.type === 'text').at(-1).text;
}
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

  it('typing / shows the menu, Enter during an answer queues, Ctrl+R finds an old message, Ctrl+L clears the screen', async () => {
    const ws = await apiWorkspace(fake().url);
    const env = `ANTHROPIC_API_KEY=test-key ANTHROPIC_BASE_URL=${fake().url} MEMAGENT_MEMORY_DIR=${ws.memoryDir} TERM=xterm-256color`;
    tmux('new-session', '-d', '-s', 'k', '-x', '100', '-y', '30', `cd ${ws.cwd} && env -u CI ${env} ${process.execPath} ${BIN} chat --user kim; sleep 60`);
    const pane = (re: RegExp, ms = 10_000) => waitForPane(tmux, 'k', re, ms);
    const typeK = (text: string) => tmux('send-keys', '-t', 'k', '-l', text);
    const keyK = (name: string) => tmux('send-keys', '-t', 'k', name);
    await pane(/This is a new user/, 15_000);
    typeK('/');
    await pane(/\/pin <id> +always keep a fact in memory/);
    keyK('BSpace');
    typeK('the tea question');
    keyK('Enter');
    await pane(/You said: "the tea question"/);
    fake().enqueue({ kind: 'text', text: 'slow '.repeat(400), chunkSize: 5, chunkDelayMs: 10 });
    typeK('tell me a long story');
    keyK('Enter');
    await pane(/slow slow/);
    typeK('and then this');
    keyK('Enter');
    await pane(/queued: and then this/);
    await pane(/You said: "and then this"/, 20_000);
    keyK('C-r');
    typeK('tea');
    await pane(/search history: tea/);
    await pane(/› the tea question/);
    keyK('Escape');
    keyK('C-l');
    // The screen is cleared: the earlier answers are gone, the prompt is drawn at the top.
    const cleared = await pane(/^› /m);
    await new Promise((r) => setTimeout(r, 300));
    expect(capturePane(tmux, 'k')).not.toMatch(/slow slow|You said/);
    expect(cleared).toBeTruthy();
    expect(chatRequests(fake()).map((r) => lastText(r.body))).toEqual(['the tea question', 'tell me a long story', 'and then this']);
  });

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
