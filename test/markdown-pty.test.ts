// The built REPL draws Markdown (issue 15 loads marked only after the prompt is on screen, or on
// the first answer that needs it): an answer sent the moment the prompt appears, and one sent
// later, are both drawn formatted. Under tmux (a pty), against the fake API in this process.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApi } from '../src/fake-api/server.js';
import type { FakeApi } from '../src/fake-api/types.js';
import { capturePane, hasTmux, tmuxServer, waitForPane } from './helpers/tmux.js';

const BIN = fileURLToPath(new URL('../bin/memagent.js', import.meta.url));
const SOCKET = `memagent-md-test-${process.pid}`;
const tmux = tmuxServer(SOCKET);

let fake: FakeApi;
let dir: string;
beforeAll(async () => {
  fake = await startFakeApi();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'memagent-md-pty-'));
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

describe.skipIf(!hasTmux)('Markdown in the built REPL', () => {
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
});
