// The Ink REPL driven like a user: keys into stdin, text out of a fake terminal, a real
// ChatSession over the real SDK against the fake Messages API, and a real MemoryStore in a temp dir.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { render as renderInk } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { openHistory } from '../src/core/storage/file/input-history.js';
import { App } from '../src/ui/App.js';
import { runRepl, type ReplExit } from '../src/ui/run-repl.js';
import { createTheme, ThemeContext } from '../src/ui/theme.js';
import { chatRequests, useFakeApi } from './helpers/fake.js';
import { startTestSession, until } from './helpers/session.js';

const ESC = '\x1b';
const UP = '\x1b[A';
const DOWN = '\x1b[B';
const ENTER = '\r';

const fake = useFakeApi();

const strip = (s: string) => s.replace(/\x1b\[[\d;?]*[ -/]*[@-~]/g, '').replace(/\x1b[78]/g, '');

async function newSession(opts: { incognito?: boolean } = {}) {
  const { dir, store, session } = await startTestSession(fake().url, 'memagent-ui-', { incognito: opts.incognito ?? false }, { maxRetries: 2 });
  // Where the CLI puts it, so the store's forget scrubs the same file.
  return { dir, store, session, historyPath: store.inputHistoryPath('alice') };
}

const lastUserContent = (body: any): string => {
  const m = body.messages[body.messages.length - 1];
  return typeof m.content === 'string' ? m.content : m.content.map((b: { text: string }) => b.text).join('');
};

/** Matches the prompt line holding `text` (not its echo in the transcript): the status line follows it. */
const promptHolds = (text: string) => new RegExp(`› ${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} *\n(?:[^\n]*\n)?alice · `);

/** Renders the App (ink-testing-library: every frame is the whole screen) and waits until it reads keys. */
async function renderApp(opts: { historyPath?: string; color?: boolean } = {}) {
  const s = await newSession();
  const historyPath = opts.historyPath ?? s.historyPath;
  const ui = renderInk(
    <ThemeContext.Provider value={createTheme(opts.color ?? true)}>
      <App session={s.session} inputHistory={{ open: () => openHistory(historyPath) }} memoryLine="This is a new user" memoryView={() => 'Nothing remembered yet.'} />
    </ThemeContext.Provider>,
  );
  await until(() => ui.stdin.listenerCount('readable'), (n) => n > 0);
  const screen = () => strip(ui.lastFrame() ?? '');
  const waitScreen = (pattern: string | RegExp, ms?: number) =>
    until(screen, (f) => (typeof pattern === 'string' ? f.includes(pattern) : pattern.test(f)), ms);
  const press = (...keys: string[]) => {
    for (const k of keys) ui.stdin.write(k);
  };
  return { ...s, ui, screen, waitScreen, press, historyPath };
}

/** A TTY-like stream pair for `runRepl`: stdout records everything written, stdin takes keys like a terminal. */
class FakeTerminal extends EventEmitter {
  isTTY = true;
  out = '';
  constructor(
    public columns = 80,
    public rows = 30,
  ) {
    super();
  }
  write = (chunk: string | Uint8Array, cb?: unknown): boolean => {
    this.out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (typeof cb === 'function') cb();
    return true;
  };
  resize(columns: number, rows = this.rows) {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

class FakeKeyboard extends EventEmitter {
  isTTY = true;
  isRaw = false;
  private data: string | null = null;
  write(data: string) {
    this.data = data;
    this.emit('readable');
  }
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setRawMode(on: boolean) {
    this.isRaw = on;
  }
  setEncoding() {}
  ref() {}
  unref() {}
  resume() {}
  pause() {}
}

/** Starts `runRepl` on a fake terminal and waits until it reads keys. */
async function startRepl(opts: { incognito?: boolean; review?: boolean; columns?: number; rows?: number; exitTimeoutMs?: number } = {}) {
  const s = await newSession({ incognito: opts.incognito });
  const stdout = new FakeTerminal(opts.columns, opts.rows);
  const stderr = new FakeTerminal();
  const stdin = new FakeKeyboard();
  const done: Promise<ReplExit> = runRepl(s.session, {
    inputHistory: { open: () => openHistory(s.historyPath) },
    exitTimeoutMs: opts.exitTimeoutMs ?? 8000,
    review: opts.review ?? false,
    memoryLine: 'This is a new user',
    memoryView: () => 'Nothing remembered yet.',
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
  });
  await until(() => stdin.listenerCount('readable'), (n) => n > 0);
  const text = () => strip(stdout.out);
  const waitText = (pattern: string | RegExp, ms?: number) =>
    until(text, (t) => (typeof pattern === 'string' ? t.includes(pattern) : pattern.test(t)), ms);
  const press = (...keys: string[]) => {
    for (const k of keys) stdin.write(k);
  };
  return { ...s, stdout, stdin, done, text, waitText, press };
}

describe('chat', () => {
  it('shows the memory line, sends a typed message and streams the answer', async () => {
    const app = await renderApp();
    await app.waitScreen('This is a new user');
    fake().enqueue({ kind: 'text', text: 'Hello **Alice**, nice to meet you.\n\n- one\n- two', chunkDelayMs: 5 });
    app.press('hi there', ENTER);
    await app.waitScreen('nice to meet you');
    await app.waitScreen('• two');
    expect(app.screen()).toContain('› hi there');
    expect(chatRequests(fake())).toHaveLength(1);
    expect(lastUserContent(chatRequests(fake())[0].body)).toBe('hi there');
    await app.waitScreen('1 turn');
    app.ui.unmount();
  });

  it('renders Markdown: headings, emphasis, lists, a framed code block, links as text', async () => {
    const app = await renderApp();
    app.press('show me markdown', ENTER);
    await app.waitScreen('Read more at');
    const screen = app.screen();
    expect(screen).toContain('Markdown sample');
    expect(screen).not.toContain('# Markdown sample');
    expect(screen).toContain('bold text');
    expect(screen).not.toContain('**bold text**');
    expect(screen).toContain('• First item');
    expect(screen).toMatch(/╭─+╮/);
    expect(screen).toMatch(/│ function greet\(name: string\): string \{\s+│/);
    expect(screen).toMatch(/╰─+╯/);
    expect(screen).toContain('the Anthropic docs (https://docs.anthropic.com)');
    app.ui.unmount();
  });

  it('shows the Markdown source as plain text when colour is off (NO_COLOR)', async () => {
    const app = await renderApp({ color: false });
    app.press('markdown please', ENTER);
    await app.waitScreen('Read more at');
    expect(app.screen()).toContain('# Markdown sample');
    expect(app.screen()).toContain('```ts');
    expect(app.ui.lastFrame()).not.toMatch(/\x1b\[3\dm/);
    app.ui.unmount();
  });

  it('keeps the REPL going after an API failure, with retry notices and the message back on Up', async () => {
    const app = await renderApp();
    const boom = { kind: 'error' as const, status: 500, type: 'api_error' as const, message: 'Internal server error' };
    fake().enqueue(boom, boom, boom);
    app.press('will this fail', ENTER);
    await app.waitScreen('retrying (attempt 1)');
    await app.waitScreen(/✗ the API failed \(500/);
    expect(app.screen()).toContain('retrying (attempt 2)');
    app.press(UP);
    await app.waitScreen(promptHolds('will this fail'));
    fake().enqueue({ kind: 'text', text: 'Second time lucky.' });
    app.press(ENTER);
    await app.waitScreen('Second time lucky.');
    app.ui.unmount();
  });

  it('a stream cut mid-answer: the partial text stays, one ✗ line says it broke off, and the next message is answered', async () => {
    const app = await renderApp();
    fake().enqueue({ match: 'chat', kind: 'cut', afterText: 'The first half of an answer about rivers', chunkSize: 6 });
    app.press('tell me about rivers', ENTER);
    await app.waitScreen(/✗ the answer broke off/);
    const screen = app.screen();
    expect(screen).toContain('The first half of an answer about rivers');
    const errors = screen.split('\n').filter((l) => l.includes('✗'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/✗ the answer broke off: the connection to the API was lost/);
    // Back at an empty prompt, ready for the next message.
    await app.waitScreen(/› \s*Send a message/);
    app.press('and the second half?', ENTER);
    await app.waitScreen('You said: "and the second half?"');
    expect(app.screen()).toContain('The first half of an answer about rivers');
    // The cut answer went back to the model only as marked, never as if it were whole.
    const messages = chatRequests(fake())[1].body.messages as Array<{ role: string; content: string }>;
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(messages[1].content).toMatch(/^The first half of an answer about rivers[\s\S]*\[interrupted/);
    app.ui.unmount();
  });
});

describe('slash commands', () => {
  it('/help lists every command; an unknown command gets a hint and no model call', async () => {
    const app = await renderApp();
    app.press('/help', ENTER);
    await app.waitScreen('Commands:');
    for (const name of ['/help', '/memory', '/remember [--kind <kind>] <text>', '/forget <id>', '/pin <id>', '/unpin <id>', '/clear', '/model [name]', '/usage', '/exit']) {
      expect(app.screen()).toContain(name);
    }
    app.press('/memroy', ENTER);
    await app.waitScreen('Unknown command /memroy. Did you mean /memory?');
    expect(fake().requests).toHaveLength(0);
    app.ui.unmount();
  });

  it('/remember saves a fact at once and says so; /memory prints the view; /forget removes it', async () => {
    const app = await renderApp();
    app.press('/remember I prefer metric units', ENTER);
    await app.waitScreen('+ remembered: I prefer metric units');
    const file = JSON.parse(await fs.readFile(path.join(app.dir, 'alice.json'), 'utf8'));
    const fact = file.facts.find((f: { text: string }) => f.text === 'I prefer metric units');
    expect(fact).toBeTruthy();
    expect(app.session.systemPrompt).toContain('metric');
    app.press('/memory', ENTER);
    await app.waitScreen('Nothing remembered yet.');
    app.press(`/forget ${fact.id}`, ENTER);
    await app.waitScreen(`- forgot: I prefer metric units (${fact.id})`);
    app.press('/forget f_nope', ENTER);
    await app.waitScreen('Nothing remembered has the id f_nope');
    const after = JSON.parse(await fs.readFile(path.join(app.dir, 'alice.json'), 'utf8'));
    expect(after.facts).toHaveLength(0);
    app.ui.unmount();
  });

  it('/remember --kind stores that kind; /unpin and /pin change the pin at once and say so', async () => {
    const app = await renderApp();
    app.press('/remember --kind preference I like green tea', ENTER);
    await app.waitScreen('+ remembered: I like green tea');
    const read = async () => JSON.parse(await fs.readFile(path.join(app.dir, 'alice.json'), 'utf8')).facts[0];
    const fact = await read();
    expect(fact).toMatchObject({ text: 'I like green tea', kind: 'preference', pinned: true });
    app.press(`/unpin ${fact.id}`, ENTER);
    await app.waitScreen('* unpinned: I like green tea');
    expect((await read()).pinned).toBe(false);
    app.press(`/pin ${fact.id}`, ENTER);
    await app.waitScreen('* pinned: I like green tea');
    expect((await read()).pinned).toBe(true);
    app.press('/pin f_nope', ENTER);
    await app.waitScreen('No remembered fact has the id f_nope');
    app.press('/remember --kind mood happy', ENTER);
    await app.waitScreen('Unknown kind "mood"');
    app.ui.unmount();
  });

  it('/forget also scrubs the prompt history, on disk and in the running REPL', async () => {
    const app = await renderApp();
    app.press('/remember I have a cat called Whiskers', ENTER);
    await app.waitScreen('+ remembered: I have a cat called Whiskers');
    const id = JSON.parse(await fs.readFile(path.join(app.dir, 'alice.json'), 'utf8')).facts[0].id;
    app.press(`/forget ${id}`, ENTER);
    await app.waitScreen(`- forgot: I have a cat called Whiskers (${id})`);
    app.press(UP, UP); // the /forget line, then nothing older
    await app.waitScreen(promptHolds(`/forget ${id}`));
    await new Promise((r) => setTimeout(r, 50));
    expect(app.screen()).toMatch(promptHolds(`/forget ${id}`));
    expect(readSync(app.historyPath)).not.toContain('Whiskers');
    app.ui.unmount();
  });

  it('/model shows and switches; /usage counts tokens; /clear starts a new conversation', async () => {
    const app = await renderApp();
    app.press('/model', ENTER);
    await app.waitScreen('Model: claude-sonnet-5-5 (memory extraction: claude-haiku-5-5)');
    app.press('/model claude-opus-5-1', ENTER);
    await app.waitScreen('Model set to claude-opus-5-1');
    app.press('first', ENTER);
    await app.waitScreen('You said: "first"');
    expect(chatRequests(fake())[0].body.model).toBe('claude-opus-5-1');
    app.press('/usage', ENTER);
    await app.waitScreen('cache write');
    // The first turn's prompt (system prompt + tools, over the cache minimum) is all cache write.
    const count = (label: string) => Number(new RegExp(`${label}\\s+([\\d,]+)`).exec(app.screen())?.[1]?.replace(/,/g, ''));
    expect(count('input') + count('cache write')).toBeGreaterThan(0);
    app.press('/clear', ENTER);
    await app.waitScreen('new conversation · memory kept');
    app.press('second', ENTER);
    await app.waitScreen('You said: "second"');
    expect(chatRequests(fake())[1].body.messages).toHaveLength(1);
    app.ui.unmount();
  });

  it('Tab completes a command name', async () => {
    const app = await renderApp();
    app.press('/rem', '\t');
    await app.waitScreen(promptHolds('/remember'));
    app.press('I like tea', ENTER);
    await app.waitScreen('+ remembered: I like tea');
    app.ui.unmount();
  });
});

describe('input', () => {
  it('walks history with Up/Down, keeps the draft, and persists it per user (0600)', async () => {
    const app = await renderApp();
    app.press('first message', ENTER);
    await app.waitScreen('You said: "first message"');
    app.press('second message', ENTER);
    await app.waitScreen('You said: "second message"');
    app.press('draft');
    app.press(UP);
    await app.waitScreen(promptHolds('second message'));
    app.press(UP);
    await app.waitScreen(promptHolds('first message'));
    app.press(UP); // nothing older: stays
    app.press(DOWN);
    await app.waitScreen(promptHolds('second message'));
    app.press(DOWN);
    await app.waitScreen(promptHolds('draft'));
    const text = await until(
      () => readSync(app.historyPath),
      (t) => t.split('\n').filter(Boolean).length === 2,
    );
    expect(text.split('\n').filter(Boolean).map((l) => JSON.parse(l))).toEqual(['first message', 'second message']);
    expect((await fs.stat(app.historyPath)).mode & 0o777).toBe(0o600);
    app.ui.unmount();

    // A new REPL for the same user starts with that history.
    const again = await renderApp({ historyPath: app.historyPath });
    again.press(UP); // even before the file is read: applied once it is
    await again.waitScreen(promptHolds('second message'));
    again.ui.unmount();
  });

  it('edits the line: cursor keys, Home/End, Ctrl+A/E, Ctrl+W, Alt+Backspace, Ctrl+U, Delete', async () => {
    const app = await renderApp();
    app.press('hello big world');
    app.press('\x17'); // Ctrl+W: "hello big "
    app.press('\x1b\x7f'); // Alt+Backspace: "hello "
    app.press('\x01', 'X'); // Ctrl+A, X: "Xhello "
    app.press('\x05', 'Y'); // Ctrl+E, Y: "Xhello Y"
    app.press('\x1b[D', '\x1b[D', '\x1b[3~'); // Left Left Delete: "Xhello"... removes the space
    app.press('\x1b[H', '\x1b[3~'); // Home Delete: "helloY"
    app.press('\x1b[F', '!'); // End: "helloY!"
    await app.waitScreen(promptHolds('helloY!'));
    app.press('\x15'); // Ctrl+U
    await app.waitScreen(/› \s*Send a message/);
    app.ui.unmount();
  });

  it('a trailing backslash continues the message on a new line', async () => {
    const app = await renderApp();
    app.press('line one\\', ENTER);
    await app.waitScreen(/› line one\s*\n…/);
    app.press('line two', ENTER);
    await app.waitScreen('You said');
    expect(lastUserContent(chatRequests(fake())[0].body)).toBe('line one\nline two');
    app.ui.unmount();
  });

  it('a bracketed paste of many lines is one message, not one per line', async () => {
    const app = await renderApp();
    app.press('\x1b[200~alpha\r\nbeta\r\ngamma\x1b[201~');
    await app.waitScreen(/… gamma/);
    expect(fake().requests).toHaveLength(0);
    app.press(ENTER);
    await app.waitScreen('You said');
    expect(chatRequests(fake())).toHaveLength(1);
    expect(lastUserContent(chatRequests(fake())[0].body)).toBe('alpha\nbeta\ngamma');
    app.ui.unmount();
  });

  it('a 50 KB paste stays fast and is sent whole', async () => {
    const app = await renderApp();
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${String(i).padStart(4, '0')} ${'x'.repeat(40)}`);
    const pasted = lines.join('\n');
    expect(pasted.length).toBeGreaterThan(45_000);
    const started = Date.now();
    // A terminal delivers a big paste in several reads.
    const raw = `\x1b[200~${pasted}\x1b[201~`;
    for (let i = 0; i < raw.length; i += 4096) app.press(raw.slice(i, i + 4096));
    await app.waitScreen('1000 lines · ');
    for (const k of ' edited') app.press(k);
    await app.waitScreen(/x edited/);
    app.press(ENTER);
    await app.waitScreen('(sent in full)');
    await until(() => chatRequests(fake()), (r) => r.length === 1);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(lastUserContent(chatRequests(fake())[0].body)).toBe(`${pasted} edited`);
    app.ui.unmount();
  });
});

describe('interrupting', () => {
  it('Esc stops a streaming answer, keeps what was shown marked as interrupted, and the REPL goes on', async () => {
    const app = await renderApp();
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    fake().enqueue({ kind: 'text', text: words, chunkSize: 10, chunkDelayMs: 10 });
    app.press('tell me a long story', ENTER);
    await app.waitScreen('word5');
    app.press(ESC);
    await app.waitScreen('⎯ interrupted');
    expect(app.screen()).not.toContain('word399');
    // The interrupted answer still counts: its input as reported, its output so far estimated.
    const u = app.session.usage;
    expect(u.inputTokens + u.cacheWriteTokens + u.cacheReadTokens).toBeGreaterThan(0);
    expect(u.outputTokens).toBeGreaterThan(0);
    app.press('and now?', ENTER);
    await app.waitScreen('You said: "and now?"');
    const body = chatRequests(fake())[1].body;
    expect(body.messages[1].content).toMatch(/\[interrupted/);
    app.ui.unmount();
  });

  it('Ctrl+C stops a stream; on a non-empty prompt it clears the line (↑ restores it); on an empty one it asks first', async () => {
    const app = await renderApp();
    fake().enqueue({ kind: 'text', text: 'slow '.repeat(300), chunkSize: 5, chunkDelayMs: 10 });
    app.press('go', ENTER);
    await app.waitScreen('slow slow');
    app.press('\x03');
    await app.waitScreen('⎯ interrupted');
    await app.waitScreen('Stopped. Press Ctrl+C again to exit.');
    app.press('x'); // any other key disarms
    app.press('some text');
    await app.waitScreen(promptHolds('xsome text'));
    app.press('\x03');
    await app.waitScreen(/› \s*Send a message/);
    await app.waitScreen('Cleared (↑ brings it back)');
    app.press(UP);
    await app.waitScreen(promptHolds('xsome text'));
    app.press('\x03', '\x03');
    await app.waitScreen('Press Ctrl+C again to exit');
    app.ui.unmount();
  });
});

describe('runRepl', () => {
  it('/exit saves memory and shows the diff in words', async () => {
    const repl = await startRepl();
    await repl.waitText('This is a new user');
    repl.press('I prefer metric units.', ENTER);
    await repl.waitText('You said');
    const chatOutput = repl.session.usage.outputTokens;
    repl.press('/exit', ENTER);
    const exit = await repl.done;
    expect(exit).toEqual({ reason: 'exit', saved: 'ok' });
    const out = repl.text();
    expect(out).toContain('Memory updated (1 change):');
    // The exit extraction's tokens count too, and the last line says what the session cost.
    expect(repl.session.usage.outputTokens).toBeGreaterThan(chatOutput);
    expect(out).toMatch(/Session: [\d.k]+ tokens in · [\d.k]+ out · \$0\.\d{4}/);
    expect(out).toContain('+ I prefer metric units.');
    expect(out).toContain(`Saved to ${path.join(repl.dir, 'alice.json')}`);
    // The terminal is given back: raw mode off, cursor shown, bracketed paste off.
    expect(repl.stdin.isRaw).toBe(false);
    expect(repl.stdout.out).toContain('\x1b[?2004h');
    expect(repl.stdout.out.lastIndexOf('\x1b[?2004l')).toBeGreaterThan(repl.stdout.out.lastIndexOf('\x1b[?2004h'));
    expect(repl.stdout.out).toContain('\x1b[?25h');
  });

  it('Ctrl+D on an empty prompt exits; nothing said means nothing new to remember', async () => {
    const repl = await startRepl();
    repl.press('\x04');
    expect(await repl.done).toEqual({ reason: 'ctrl-d', saved: 'ok' });
    expect(repl.text()).toContain('Nothing new to remember.');
  });

  it('Ctrl+C twice exits; incognito saves nothing and says so', async () => {
    const repl = await startRepl({ incognito: true });
    // (The hint after the first press is checked in the App tests: here Ink may run in CI mode,
    // which writes no live region until exit.)
    repl.press('\x03', '\x03');
    expect(await repl.done).toEqual({ reason: 'ctrl-c', saved: 'skipped' });
    expect(repl.text()).toContain('Incognito: nothing saved.');
  });

  it('a failed save keeps the session for next time and says so', async () => {
    const repl = await startRepl();
    repl.press('My name is Alice.', ENTER);
    await repl.waitText('You said');
    fake().enqueue({ match: 'extract', kind: 'error', status: 400, type: 'invalid_request_error', message: 'nope' });
    repl.press('quit', ENTER);
    expect(await repl.done).toEqual({ reason: 'exit', saved: 'failed' });
    expect(repl.text().replace(/\s+/g, ' ')).toMatch(/Could not save memory now \(.*nope.*\); this session is kept and will be saved next time\./);
    const journals = await fs.readdir(path.join(repl.dir, 'journal', 'alice'));
    expect(journals.some((j) => j.endsWith('.jsonl'))).toBe(true);
  });

  it('--review asks about each proposed change and writes only what was kept', async () => {
    const repl = await startRepl({ review: true });
    repl.press('I live in Porto. I like green tea. I prefer metric units.', ENTER);
    await repl.waitText('You said');
    repl.press('exit', ENTER);
    await repl.waitText('Keep this?');
    expect(repl.text()).toContain('? + I live in Porto.');
    repl.press('y');
    await repl.waitText('? + I like green tea.');
    repl.press('n');
    await repl.waitText('? + I prefer metric units.');
    repl.press('y');
    await repl.waitText('? ~ summary:');
    repl.press('n');
    expect(await repl.done).toEqual({ reason: 'exit', saved: 'ok' });
    const file = JSON.parse(await fs.readFile(path.join(repl.dir, 'alice.json'), 'utf8'));
    const texts = file.facts.map((f: { text: string }) => f.text);
    expect(texts).toContain('I live in Porto.');
    expect(texts).toContain('I prefer metric units.');
    expect(texts).not.toContain('I like green tea.');
    expect(file.summary).toBe('');
    expect(repl.text()).toContain('+ I prefer metric units.');
  });

  it('--review: answers typed faster than the screen redraws all count', async () => {
    const repl = await startRepl({ review: true });
    repl.press('I live in Porto. I like green tea. I prefer metric units.', ENTER);
    await repl.waitText('You said');
    repl.press('exit', ENTER);
    await repl.waitText('Keep this?');
    repl.press('y', 'n', 'y', 'n');
    expect(await repl.done).toEqual({ reason: 'exit', saved: 'ok' });
    const file = JSON.parse(await fs.readFile(path.join(repl.dir, 'alice.json'), 'utf8'));
    expect(file.facts.map((f: { text: string }) => f.text).sort()).toEqual(['I live in Porto.', 'I prefer metric units.']);
  });

  it('--review: Esc keeps none of the rest, and nothing rejected is written', async () => {
    const repl = await startRepl({ review: true });
    repl.press('I live in Porto.', ENTER);
    await repl.waitText('You said');
    repl.press('exit', ENTER);
    await repl.waitText('Keep this?');
    repl.press('\x1b');
    expect(await repl.done).toEqual({ reason: 'exit', saved: 'ok' });
    // Nothing kept means no fact changed: no revision is written at all (not even the summary).
    await expect(fs.readFile(path.join(repl.dir, 'alice.json'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('keeps the live region small during a long answer (no full-screen redraw) and follows a resize', async () => {
    const repl = await startRepl({ columns: 40, rows: 16 });
    const paragraphs = Array.from({ length: 30 }, (_, i) => `Paragraph ${i} ${'lorem ipsum dolor '.repeat(6)}`.trim());
    const list = Array.from({ length: 40 }, (_, i) => `- item ${i}`);
    fake().enqueue({ kind: 'text', text: [...paragraphs, list.join('\n'), '```\n' + list.join('\n') + '\n```', 'The end.'].join('\n\n'), chunkSize: 20, chunkDelayMs: 1 });
    repl.press('long please', ENTER);
    await repl.waitText('The end.', 15_000);
    await new Promise((r) => setTimeout(r, 100));
    // Ink clears the whole terminal only when the live region outgrows the screen.
    expect(repl.stdout.out).not.toContain('\x1b[2J');
    const widest = Math.max(...repl.text().split('\n').map((l) => l.length));
    expect(widest).toBeLessThanOrEqual(40);
    repl.stdout.resize(120);
    fake().enqueue({ kind: 'text', text: 'wide '.repeat(40).trim() });
    repl.press('wide please', ENTER);
    await repl.waitText(/(wide ){20}/);
    repl.press('\x04');
    await repl.done;
  });

  it('at 200 columns a long answer wraps within 200 columns, and the prompt is drawn', async () => {
    const repl = await startRepl({ columns: 200, rows: 40 });
    await repl.waitText(/› \s*Send a message/);
    const words = Array.from({ length: 120 }, (_, i) => `w${String(i).padStart(3, '0')}`).join(' ');
    fake().enqueue({ kind: 'text', text: `${words}\n\nThe end.`, chunkSize: 20, chunkDelayMs: 1 });
    repl.press('a long line please', ENTER);
    await repl.waitText('The end.');
    // The prompt comes back after the answer (drawn after its last line).
    await repl.waitText(/The end\.[\s\S]*› \s*Send a message/);
    const lines = repl.text().split('\n');
    const widest = Math.max(...lines.map((l) => l.length));
    expect(widest).toBeLessThanOrEqual(200);
    // The answer (~600 columns of words) wraps: every word is shown, over several lines,
    // and the width is used (a line wider than the 120 columns of the other test).
    const answerLines = lines.filter((l) => /w\d{3}/.test(l));
    expect(answerLines.join(' ')).toContain('w000');
    expect(answerLines.join(' ')).toContain('w119');
    expect(new Set(answerLines.map((l) => l.trim())).size).toBeGreaterThanOrEqual(3);
    expect(Math.max(...answerLines.map((l) => l.length))).toBeGreaterThan(120);
    repl.press('\x04');
    expect(await repl.done).toEqual({ reason: 'ctrl-d', saved: 'ok' });
  });
});

function readSync(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

describe('keys and menus people expect (issue 14)', () => {
  it('a message typed while an answer streams is queued, shown as queued, and sent after it in order', async () => {
    const app = await renderApp();
    fake().enqueue({ kind: 'text', text: 'slow '.repeat(200), chunkSize: 5, chunkDelayMs: 10 });
    app.press('go', ENTER);
    await app.waitScreen('slow slow');
    app.press('first after', ENTER);
    app.press('second after', ENTER);
    await app.waitScreen('queued: first after');
    await app.waitScreen('queued: second after');
    expect(chatRequests(fake())).toHaveLength(1);
    await app.waitScreen('You said: "second after"', 15_000);
    const sent = chatRequests(fake()).map((r) => lastUserContent(r.body));
    expect(sent).toEqual(['go', 'first after', 'second after']);
    expect(app.screen()).not.toContain('queued:');
    app.ui.unmount();
  });

  it('stopping the answer puts the queued messages back in the prompt instead of sending them', async () => {
    const app = await renderApp();
    fake().enqueue({ kind: 'text', text: 'slow '.repeat(300), chunkSize: 5, chunkDelayMs: 10 });
    app.press('go', ENTER);
    await app.waitScreen('slow slow');
    app.press('wait for me', ENTER);
    await app.waitScreen('queued: wait for me');
    app.press(ESC);
    await app.waitScreen('⎯ interrupted');
    await app.waitScreen(promptHolds('wait for me'));
    await new Promise((r) => setTimeout(r, 100));
    expect(chatRequests(fake())).toHaveLength(1);
    app.ui.unmount();
  });

  it('after a turn the status line shows what the session cost and how full the context is', async () => {
    const app = await renderApp();
    app.press('hello', ENTER);
    await app.waitScreen('You said: "hello"');
    const status = await app.waitScreen(/alice · claude-sonnet-5-5 · 1 turn · .* · \$0\.\d{4} · context <1%/);
    expect(app.session.spend.usd).toBeGreaterThan(0);
    expect(status).toBeTruthy();
    app.ui.unmount();
  });

  it('Ctrl+D while messages are queued brings them back to the prompt instead of quitting without them', async () => {
    const app = await renderApp();
    fake().enqueue({ kind: 'text', text: 'slow '.repeat(300), chunkSize: 5, chunkDelayMs: 10 });
    app.press('go', ENTER);
    await app.waitScreen('slow slow');
    app.press('do not lose me', ENTER);
    await app.waitScreen('queued: do not lose me');
    app.press('\x04');
    await app.waitScreen('Your queued messages are back in the prompt');
    await app.waitScreen(promptHolds('do not lose me'));
    app.press(ESC);
    app.ui.unmount();
  });

  it('typing / lists the commands with what each does, narrowing as you type', async () => {
    const app = await renderApp();
    app.press('/');
    await app.waitScreen('/remember [--kind <kind>] <text>  remember something now (pinned)');
    expect(app.screen()).toContain('/usage');
    app.press('u');
    const narrowed = await until(app.screen, (s) => !s.includes('/remember'));
    expect(narrowed).toMatch(/\/unpin <id> +let a pinned fact/);
    expect(narrowed).toMatch(/\/usage +tokens and cost/);
    app.press(' ');
    await until(app.screen, (s) => !s.includes('/usage'));
    app.ui.unmount();
  });

  it('Ctrl+R searches the input history: newest match first, Ctrl+R for older, Enter keeps it, Esc restores the draft', async () => {
    const app = await renderApp();
    for (const text of ['I like tea', 'plan the trip', 'tea with milk']) {
      app.press(text, ENTER);
      await app.waitScreen(`You said: "${text}"`);
    }
    app.press('draft');
    app.press('\x12', 'tea');
    await app.waitScreen('search history: tea');
    await app.waitScreen(promptHolds('tea with milk'));
    app.press('\x12');
    await app.waitScreen(promptHolds('I like tea'));
    app.press(ESC);
    await app.waitScreen(promptHolds('draft'));
    expect(app.screen()).not.toContain('search history');
    app.press('\x15', '\x12', 'trip');
    await app.waitScreen(promptHolds('plan the trip'));
    app.press(ENTER);
    await until(app.screen, (s) => !s.includes('search history'));
    expect(app.screen()).toMatch(promptHolds('plan the trip'));
    expect(chatRequests(fake())).toHaveLength(3);
    app.ui.unmount();
  });

  it('Ctrl+L clears the screen and redraws the prompt; /clear clears it too', async () => {
    const repl = await startRepl();
    await repl.waitText('This is a new user');
    repl.press('\x0c');
    await until(() => repl.stdout.out, (o) => o.includes('\x1b[2J\x1b[3J\x1b[H'));
    const after = repl.stdout.out.slice(repl.stdout.out.lastIndexOf('\x1b[2J\x1b[3J\x1b[H'));
    await until(() => strip(repl.stdout.out.slice(repl.stdout.out.lastIndexOf('\x1b[2J'))), (t) => t.includes('Send a message'));
    expect(after.length).toBeGreaterThan(0);
    const clears = () => repl.stdout.out.split('\x1b[2J\x1b[3J\x1b[H').length - 1;
    expect(clears()).toBe(1);
    repl.press('/clear', ENTER);
    await repl.waitText('new conversation · memory kept');
    expect(clears()).toBe(2);
    repl.press('/exit', ENTER);
    await repl.done;
  });
});
