// `chat --resume` at a real terminal: the picker, then the earlier conversation drawn above the
// prompt and sent back to the model. The built CLI under tmux (a pty), the fake API in this
// process. Skipped without tmux.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, runCli } from './helpers/cli.js';
import { chatRequests, useFakeApi } from './helpers/fake.js';
import { hasTmux, tmuxServer, waitForPane } from './helpers/tmux.js';

const fake = useFakeApi();
/** Our own tmux server (socket), so no user session is touched; killed at the end. */
const SOCKET = `memagent-resume-test-${process.pid}`;
const tmux = tmuxServer(SOCKET);
const waitScreen = (pattern: RegExp, ms = 15_000) => waitForPane(tmux, 'repl', pattern, ms);

afterAll(() => {
  if (!hasTmux) return;
  try {
    tmux('kill-server');
  } catch {
    // Already gone.
  }
});

describe.skipIf(!hasTmux)('chat --resume in a terminal', () => {
  it('picks a conversation from the list, shows it above the prompt and sends it back to the model', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'memagent-resume-pty-'));
    const memoryDir = path.join(dir, 'memory');
    const env = cliEnv({ ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake().url, MEMAGENT_MEMORY_DIR: memoryDir });
    expect((await runCli(['chat', '--user', 'alice'], { cwd: dir, env, input: 'Sketch the pricing page draft.\n' })).code).toBe(0);
    expect((await runCli(['chat', '--user', 'alice'], { cwd: dir, env, input: 'Something else entirely.\n' })).code).toBe(0);
    fake().reset();

    const vars = Object.entries({ ...env, TERM: 'xterm-256color' }).map(([k, v]) => `${k}='${v}'`).join(' ');
    const script = `cd ${dir} && env -u CI -u CONTINUOUS_INTEGRATION ${vars} ${process.execPath} ${BIN} chat --user alice --resume; echo "EXIT=$?"; sleep 60`;
    tmux('new-session', '-d', '-s', 'repl', '-x', '100', '-y', '30', script);
    const list = await waitScreen(/Resume which conversation\?[\s\S]*2\. .*Sketch the pricing page draft\./);
    expect(list).toMatch(/› 1\. .*Something else entirely\./);
    tmux('send-keys', '-t', 'repl', 'Down', 'Enter');

    const resumed = await waitScreen(/the conversation goes on from here/);
    expect(resumed).toMatch(/── continuing the conversation of .*\(1 turn, session \S+\) ──/);
    expect(resumed).toMatch(/› Sketch the pricing page draft\./);
    expect(resumed).not.toMatch(/Resume which conversation/);

    tmux('send-keys', '-t', 'repl', '-l', 'tell me about the draft');
    tmux('send-keys', '-t', 'repl', 'Enter');
    // The fake echoes the message (automatic recall's block first) and counts the user messages it got.
    await waitScreen(/tell me about the draft"\. \(fake API, 2 turns so far\)/);
    const [request] = chatRequests(fake());
    expect(request.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(request.body.messages[0].content).toBe('Sketch the pricing page draft.');
    expect(JSON.stringify(request.body.messages)).not.toContain('Something else entirely');

    tmux('send-keys', '-t', 'repl', '-l', '/exit');
    tmux('send-keys', '-t', 'repl', 'Enter');
    await waitScreen(/EXIT=0/);
  });
});
