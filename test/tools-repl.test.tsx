// Memory tools in the Ink REPL, driven like a user: keys into stdin, the screen out of
// ink-testing-library, a real ChatSession over the real SDK against the strict scripted fake.
import { render as renderInk } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { ChatSession } from '../src/core/chat-session.js';
import { openHistory } from '../src/core/storage/file/input-history.js';
import { App } from '../src/ui/App.js';
import { createTheme, ThemeContext } from '../src/ui/theme.js';
import { chatRequests, useFakeApi } from './helpers/fake.js';

import { startTestSession, until } from './helpers/session.js';

const fake = useFakeApi({ strict: true });
const ENTER = '\r';
const strip = (s: string) => s.replace(/\x1b\[[\d;?]*[ -/]*[@-~]/g, '').replace(/\x1b[78]/g, '');

async function renderApp(opts: { review?: boolean; leave?: AbortSignal } = {}) {
  const { dir, store, session } = await startTestSession(fake().url, 'memagent-tools-ui-', { review: opts.review });
  const ui = renderInk(
    <ThemeContext.Provider value={createTheme(false)}>
      <App session={session} inputHistory={{ open: () => openHistory(store.inputHistoryPath('alice')) }} memoryLine="This is a new user" memoryView={() => ''} leave={opts.leave} />
    </ThemeContext.Provider>,
  );
  await until(() => ui.stdin.listenerCount('readable'), (n) => n > 0);
  const screen = () => strip(ui.lastFrame() ?? '');
  const type = (text: string) => ui.stdin.write(text);
  return { store, session, ui, screen, type };
}

const remember = {
  kind: 'tool_use' as const,
  text: 'Noting it.',
  calls: [{ name: 'memory_remember', input: { text: 'Lives in Lyon', kind: 'fact', quote: 'I live in Lyon' } }],
};

describe('memory tools in the REPL', () => {
  it('a SIGTERM while a tool write waits for y/n leaves at once, without saving it', async () => {
    const leave = new AbortController();
    const { store, session, ui, screen, type } = await renderApp({ review: true, leave: leave.signal });
    fake().enqueue(remember, { kind: 'text', text: 'never reached' });
    type('I live in Lyon');
    type(ENTER);
    await until(screen, (s) => s.includes('Save to memory? + Lives in Lyon'));
    leave.abort();
    // The turn ends (recorded as interrupted) instead of waiting for an answer no one will give.
    await until(() => session.transcript.map((t) => `${t.role}${t.interrupted ? ':interrupted' : ''}`).join(' '), (t) => t === 'user assistant:interrupted', 3000);
    expect((await store.load('alice')).exists).toBe(false);
    expect(chatRequests(fake())).toHaveLength(1);
    ui.unmount();
  });

  it('shows one line per tool call with what it saved', async () => {
    const { store, ui, screen, type } = await renderApp();
    fake().enqueue(remember, { kind: 'text', text: 'Saved it.' });
    type('I live in Lyon');
    type(ENTER);
    await until(screen, (s) => s.includes('Saved it.'));
    const fact = (await store.load('alice')).memory.facts[0];
    expect(screen()).toContain(`⚙ memory_remember "Lives in Lyon" → saved ${fact.id}: Lives in Lyon`);
    ui.unmount();
  });

  it('--review asks before a tool write lands: n refuses it, y saves it', async () => {
    const { store, ui, screen, type } = await renderApp({ review: true });
    fake().enqueue(remember, { kind: 'text', text: 'Not saved then.' });
    type('I live in Lyon');
    type(ENTER);
    await until(screen, (s) => s.includes('Save to memory? + Lives in Lyon'));
    type('n');
    await until(screen, (s) => s.includes('Not saved then.'));
    expect(screen()).toContain('⚙ memory_remember "Lives in Lyon" ✗ not saved: the user declined this change');
    expect((await store.load('alice')).exists).toBe(false);

    fake().enqueue(remember, { kind: 'text', text: 'Saved now.' });
    type('please do, I live in Lyon');
    type(ENTER);
    await until(screen, (s) => s.includes('Save to memory? + Lives in Lyon'));
    type('y');
    await until(screen, (s) => s.includes('Saved now.'));
    expect((await store.load('alice')).memory.facts.map((f) => f.text)).toEqual(['Lives in Lyon']);
    expect(chatRequests(fake())).toHaveLength(4);
    ui.unmount();
  });
});
