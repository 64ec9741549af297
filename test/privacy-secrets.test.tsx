// Issue 3: secrets never reach disk unredacted (journal, input history, memory), and an incognito
// session writes nothing: no journal, no input history, no /remember.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { render as renderInk } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { ChatSession } from '../src/core/chat-session.js';
import { UsageError } from '../src/core/errors.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { openHistory } from '../src/core/storage/file/input-history.js';
import { createModelClient } from '../src/core/model.js';
import { App } from '../src/ui/App.js';
import { createTheme, ThemeContext } from '../src/ui/theme.js';
import { apiWorkspace, runCli, waitFor } from './helpers/cli.js';
import { useFakeApi } from './helpers/fake.js';

const fake = useFakeApi();

const CARD = '4111 1111 1111 1111';
const KEY = 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345';
const SECRET_LINE = `My card is ${CARD} and my key is ${KEY}, I live in Vault City.`;
const ENTER = '\r';
const UP = '\x1b[A';
const strip = (s: string) => s.replace(/\x1b\[[\d;?]*[ -/]*[@-~]/g, '');

/** Every file under `dir`, recursively, as text (missing dir: none). */
async function allText(dir: string): Promise<string> {
  const names = await fs.readdir(dir, { recursive: true }).catch(() => [] as string[]);
  let text = '';
  for (const name of names) {
    const p = path.join(dir, name);
    if ((await fs.stat(p)).isFile()) text += `\n${p}\n${await fs.readFile(p, 'utf8')}`;
  }
  return text;
}

async function renderApp(incognito: boolean) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'memagent-secrets-'));
  const store = new FileMemoryStore({ dir });
  const model = createModelClient({ apiKey: 'test-key', baseURL: fake().url, maxRetries: 0 });
  const session = await ChatSession.start(store, model, {
    userId: 'alice',
    model: 'claude-sonnet-5-5',
    extractModel: 'claude-haiku-5-5',
    memoryBudgetTokens: 2000,
    maxTokens: 1024,
    incognito,
    now: () => new Date(),
  });
  const historyPath = store.inputHistoryPath('alice');
  const ui = renderInk(
    <ThemeContext.Provider value={createTheme(false)}>
      <App session={session} inputHistory={{ open: () => openHistory(historyPath) }} memoryLine="This is a new user" memoryView={() => 'Nothing remembered yet.'} />
    </ThemeContext.Provider>,
  );
  await waitFor(() => ui.stdin.listenerCount('readable'), (n) => n > 0);
  const screen = () => strip(ui.lastFrame() ?? '');
  const waitScreen = (text: string) => waitFor(screen, (f) => f.includes(text), 10_000);
  const press = (...keys: string[]) => keys.forEach((k) => ui.stdin.write(k));
  return { dir, store, session, historyPath, ui, screen, waitScreen, press };
}

describe('secrets typed in the REPL', () => {
  it('are redacted in the journal and the input history on disk; Up still recalls the exact line', async () => {
    const app = await renderApp(false);
    app.press(SECRET_LINE, ENTER);
    await app.waitScreen('You said');
    await waitFor(() => fs.readFile(app.historyPath, 'utf8').catch(() => ''), (t) => t.includes('Vault City'), 10_000);
    const onDisk = await allText(app.dir);
    expect(onDisk).toContain('Vault City'); // the journal and the history were written ...
    expect(onDisk).toContain('[redacted:card-number]');
    expect(onDisk).toContain('[redacted:api-key]');
    expect(onDisk).not.toContain(CARD); // ... without the secrets
    expect(onDisk).not.toContain('abcdefghijklmnopqrstuvwxyz012345');
    // The running REPL still has the exact text (it is only in this process's memory).
    app.press(UP);
    await app.waitScreen(`key is ${KEY}`);
    app.ui.unmount();
    app.session.abandon();
  });
});

describe('an incognito REPL session', () => {
  it('writes no journal and no input history, and /remember saves nothing', async () => {
    const app = await renderApp(true);
    app.press('I keep bees in my garden.', ENTER);
    await app.waitScreen('You said');
    app.press('/remember I keep bees', ENTER);
    await app.waitScreen('Incognito: nothing is saved from this session');
    // Another line after /remember: had history been written, both would be on disk by now.
    app.press('still there?', ENTER);
    await waitFor(() => app.screen(), (s) => (s.match(/You said/g) ?? []).length >= 2, 10_000);
    expect(await fs.readdir(app.dir)).toEqual([]);
    await expect(app.session.remember('I keep bees')).rejects.toBeInstanceOf(UsageError);
    expect(await fs.readdir(app.dir)).toEqual([]);
    // Up still walks this session's lines.
    app.press(UP);
    await app.waitScreen('› still there?');
    app.ui.unmount();
    app.session.abandon();
  });
});

describe('secrets typed in pipe mode', () => {
  it('a journal kept after a failed save holds them redacted, and the next run saves no secret', async () => {
    const ws = await apiWorkspace(fake().url, { MEMAGENT_MAX_RETRIES: '0' });
    fake().enqueue({ match: 'extract', kind: 'error', status: 500, type: 'api_error', message: 'boom' });
    const first = await runCli(['chat', '--user', 'vault'], { ...ws, input: `${SECRET_LINE}\n` });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/will be saved next time/);
    const kept = await allText(path.join(ws.memoryDir, 'journal'));
    expect(kept).toContain('Vault City');
    expect(kept).not.toContain(CARD);
    expect(kept).not.toContain('abcdefghijklmnopqrstuvwxyz012345');

    // The next run extracts the kept journal (the fake's default extractor: "I live in …").
    const second = await runCli(['chat', '--user', 'vault'], { ...ws, input: 'hello\n' });
    expect(second.stderr).toMatch(/saved 1 earlier session/);
    const everything = await allText(ws.memoryDir);
    expect(everything).toMatch(/Vault City/);
    expect(everything).not.toContain(CARD);
    expect(everything).not.toContain('abcdefghijklmnopqrstuvwxyz012345');
  });
});
