// Issue 5, crashes and signals: the built CLI in pipe mode, stdin kept open, killed by a signal
// after one answered turn; and a journal whose last line was cut by a crash.
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { holdLock } from '../src/core/storage/file/lock.js';
import { apiWorkspace, collect, runCli, startCli, waitFor } from './helpers/cli.js';
import { extractRequests, gate, useFakeApi } from './helpers/fake.js';

const fake = useFakeApi();

const workspace = (extra: Record<string, string> = {}) => apiWorkspace(fake().url, extra);

async function journalsOf(memoryDir: string, user: string): Promise<string[]> {
  const dir = path.join(memoryDir, 'journal', user);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.jsonl')).map((n) => path.join(dir, n));
}

async function journalTurns(file: string): Promise<Array<{ role: string; text: string }>> {
  const lines = (await fs.readFile(file, 'utf8')).split('\n').filter(Boolean);
  return lines.map((l) => JSON.parse(l)).filter((l) => l.type === 'turn');
}

/**
 * Starts a pipe-mode chat, sends two lines and waits until both are answered (stdin stays open),
 * then sends `signal`. Resolves with the process result and how long it took to exit after the signal.
 */
async function chatThenSignal(ws: { cwd: string; env: NodeJS.ProcessEnv }, user: string, signal: NodeJS.Signals) {
  const child = startCli(['chat', '--user', user], ws);
  const done = collect(child, null, 25_000);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stdin!.write('My name is Sig. I live in Signalville.\n');
  await waitFor(() => out, (o) => o.split('You said').length - 1 >= 1, 20_000);
  child.stdin!.write('I prefer quiet exits.\n');
  await waitFor(() => out, (o) => o.split('You said').length - 1 >= 2 && o.endsWith('\n'), 20_000);
  const sentAt = Date.now();
  child.kill(signal);
  const result = await done;
  return { ...result, exitMs: Date.now() - sentAt };
}

describe('signals during a pipe-mode chat (stdin still open, after answered turns)', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s saves the session (extraction runs) and exits %i', async (signal, code) => {
    const ws = await workspace();
    const r = await chatThenSignal(ws, 'sigsave', signal);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toContain(signal);
    expect(extractRequests(fake())).toHaveLength(1);
    const file = JSON.parse(await fs.readFile(path.join(ws.memoryDir, 'sigsave.json'), 'utf8'));
    const texts = file.facts.map((f: { text: string }) => f.text).join('\n');
    expect(texts).toMatch(/Signalville/);
    expect(texts).toMatch(/quiet exits/);
    // Saved, so the journal is retired.
    expect(await journalsOf(ws.memoryDir, 'sigsave')).toEqual([]);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s with a hanging extraction exits %i within MEMAGENT_EXIT_TIMEOUT_MS and keeps the journal',
    async (signal, code) => {
      const ws = await workspace({ MEMAGENT_EXIT_TIMEOUT_MS: '1500' });
      fake().enqueue({ match: 'extract', kind: 'hang' }, { match: 'extract', kind: 'hang' }, { match: 'extract', kind: 'hang' });
      const r = await chatThenSignal(ws, 'sighang', signal);
      expect(r.code, r.stderr).toBe(code);
      // The bound plus process teardown; far below the 60 s request timeout the hang would cost.
      expect(r.exitMs).toBeLessThan(1500 + 6000); // the lock's retry budget alone is ~13 s
      expect(r.stderr).toMatch(/will be saved next time/);
      await expect(fs.stat(path.join(ws.memoryDir, 'sighang.json'))).rejects.toMatchObject({ code: 'ENOENT' });
      const [journal, ...more] = await journalsOf(ws.memoryDir, 'sighang');
      expect(more).toEqual([]);
      expect((await journalTurns(journal)).map((t) => t.role)).toEqual(['user', 'assistant', 'user', 'assistant']);

      // The next run picks the journal up.
      fake().reset();
      const next = await runCli(['chat', '--user', 'sighang'], { ...ws, input: 'hello again\n' });
      expect(next.code, next.stderr).toBe(0);
      expect(next.stderr).toMatch(/saved 1 earlier session/);
      const file = JSON.parse(await fs.readFile(path.join(ws.memoryDir, 'sighang.json'), 'utf8'));
      expect(file.facts.map((f: { text: string }) => f.text).join('\n')).toMatch(/Signalville/);
    },
  );

  it('SIGHUP leaves every completed turn in the journal for the next run and exits 129 at once', async () => {
    const ws = await workspace();
    const r = await chatThenSignal(ws, 'sighup', 'SIGHUP');
    expect(r.code, r.stderr).toBe(129);
    expect(extractRequests(fake())).toHaveLength(0);
    expect(r.exitMs).toBeLessThan(5000); // no save is attempted (the exit deadline is 10 s)
    const [journal, ...more] = await journalsOf(ws.memoryDir, 'sighup');
    expect(more).toEqual([]);
    const turns = await journalTurns(journal);
    expect(turns.map((t) => t.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(turns[2].text).toBe('I prefer quiet exits.');
    // Its liveness lock went with the process: the next run recovers it without waiting for staleness.
    await expect(fs.stat(`${journal}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
    fake().reset();
    const next = await runCli(['chat', '--user', 'sighup'], { ...ws, input: 'hi\n' });
    expect(next.stderr).toMatch(/saved 1 earlier session/);
  });
});

describe('a signal while the save at end of input is running', () => {
  it('SIGTERM waits for that save instead of cutting it off, then exits 143', async () => {
    const ws = await workspace();
    // A slow extraction: the save is still running when the signal arrives.
    const signalled = gate();
    fake().enqueue({ match: 'extract', kind: 'json', until: signalled.promise, value: {
      summary: '', update: [], supersede: [], retract: [], decisions: [],
      add: [{ text: 'Lives in Slowtown', kind: 'fact', confidence: 'high', quote: 'I live in Slowtown' }],
    } });
    const child = startCli(['chat', '--user', 'slowsave'], ws);
    const done = collect(child, null, 20_000);
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdin!.end('I live in Slowtown.\n');
    await waitFor(() => err, (e) => e.includes('saving memory'), 20_000);
    await waitFor(() => extractRequests(fake()).length, (n) => n === 1, 20_000);
    child.kill('SIGTERM');
    await waitFor(() => err, (e) => e.includes('SIGTERM, saving memory'), 20_000);
    signalled.open();
    const r = await done;
    expect(r.code, r.stderr).toBe(143);
    const file = JSON.parse(await fs.readFile(path.join(ws.memoryDir, 'slowsave.json'), 'utf8'));
    expect(file.facts.map((f: { text: string }) => f.text)).toEqual(['Lives in Slowtown']);
    expect(file.revision).toBe(1);
    expect(await journalsOf(ws.memoryDir, 'slowsave')).toEqual([]);
  });

  it('a second SIGINT exits at once without waiting, and the journal is kept', async () => {
    // A long exit deadline, so "at once" is far from "waited for the save".
    const ws = await workspace({ MEMAGENT_EXIT_TIMEOUT_MS: '60000' });
    fake().enqueue({ match: 'extract', kind: 'hang' });
    const child = startCli(['chat', '--user', 'twice'], ws);
    const done = collect(child, null, 20_000);
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdin!.end('I live in Twiceton.\n');
    await waitFor(() => extractRequests(fake()).length, (n) => n === 1, 20_000);
    child.kill('SIGINT');
    await waitFor(() => err, (e) => e.includes('SIGINT, saving memory'), 20_000);
    const second = Date.now();
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).toBe(130);
    expect(Date.now() - second).toBeLessThan(10_000);
    expect(r.stderr).toMatch(/will be saved next time/);
    expect(await journalsOf(ws.memoryDir, 'twice')).toHaveLength(1);
  });
});

describe('the exit deadline bounds every wait of the save, not only the model call', () => {
  // Another live process holds the memory file's lock (it refreshes it: never stale), so the
  // save would wait the lock's whole retry budget (~13 s) before giving up.
  async function holdMemoryLock(memoryDir: string, user: string) {
    await fs.mkdir(memoryDir, { recursive: true, mode: 0o700 });
    const held = await holdLock(path.join(memoryDir, `${user}.json`));
    expect(held).not.toBeNull();
    return held!;
  }

  it('SIGTERM while the memory file is locked elsewhere: exit 143 within the bound, journal kept', async () => {
    const ws = await workspace({ MEMAGENT_EXIT_TIMEOUT_MS: '1500' });
    const held = await holdMemoryLock(ws.memoryDir, 'locked');
    try {
      const r = await chatThenSignal(ws, 'locked', 'SIGTERM');
      expect(r.code, r.stderr).toBe(143);
      expect(r.exitMs).toBeLessThan(1500 + 6000); // the lock's retry budget alone is ~13 s
      expect(r.stderr).toMatch(/will be saved next time/);
      expect(await journalsOf(ws.memoryDir, 'locked')).toHaveLength(1);
      await expect(fs.stat(path.join(ws.memoryDir, 'locked.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await held.release();
    }
  });

  it('end of input while the memory file is locked elsewhere: exits within the bound, journal kept', async () => {
    const ws = await workspace({ MEMAGENT_EXIT_TIMEOUT_MS: '1500' });
    const held = await holdMemoryLock(ws.memoryDir, 'lockeof');
    try {
      const started = Date.now();
      const r = await runCli(['chat', '--user', 'lockeof'], { ...ws, input: 'I live in Lockton.\n' });
      expect(r.code, r.stderr).toBe(0);
      expect(Date.now() - started).toBeLessThan(1500 + 8000); // the lock's retry budget alone is ~13 s
      expect(r.stderr).toMatch(/will be saved next time/);
      expect(await journalsOf(ws.memoryDir, 'lockeof')).toHaveLength(1);
    } finally {
      await held.release();
    }
  });
});

describe('a journal whose last line was cut by a crash', () => {
  it('is recovered end to end: every complete turn is extracted, the half line is skipped', async () => {
    const ws = await workspace();
    const dir = path.join(ws.memoryDir, 'journal', 'crashy');
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const at = '2026-02-01T10:00:00.000Z';
    const lines = [
      { type: 'session', sessionId: '20260201T100000Z-abc123', userId: 'crashy', startedAt: at, model: 'claude-sonnet-5-5', pid: 999_999_999, host: 'elsewhere' },
      { type: 'turn', role: 'user', text: 'I live in Halfway.', at },
      { type: 'turn', role: 'assistant', text: 'Noted.', at },
      { type: 'turn', role: 'user', text: 'I prefer whole lines.', at },
    ].map((l) => JSON.stringify(l));
    const journal = path.join(dir, '20260201T100000Z-abc123.jsonl');
    // Killed mid-append: the last line stops in the middle of its text.
    await fs.writeFile(journal, `${lines.join('\n')}\n{"type":"turn","role":"user","text":"I like trunc`, { mode: 0o600 });

    const r = await runCli(['chat', '--user', 'crashy'], { ...ws, input: 'bye\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/saved 1 earlier session/);
    const [first] = extractRequests(fake());
    const transcript = first.body.messages[0].content as string;
    expect(transcript).toContain('[user] I live in Halfway.');
    expect(transcript).toContain('[user] I prefer whole lines.');
    expect(transcript).not.toContain('trunc');
    const file = JSON.parse(await fs.readFile(path.join(ws.memoryDir, 'crashy.json'), 'utf8'));
    const texts = file.facts.map((f: { text: string }) => f.text).join('\n');
    expect(texts).toMatch(/Halfway/);
    expect(texts).toMatch(/whole lines/);
    expect(await journalsOf(ws.memoryDir, 'crashy')).toEqual([]);
  });
});
