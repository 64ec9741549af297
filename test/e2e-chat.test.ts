// End to end: the built bin/memagent.js as a child process, in pipe mode, against the fake API.
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiWorkspace, cliEnv, runCli, startCli, waitFor } from './helpers/cli.js';
import { chatRequests, extractRequests, systemText, useFakeApi } from './helpers/fake.js';

const fake = useFakeApi();

const workspace = () => apiWorkspace(fake().url);

describe('memagent chat in pipe mode', () => {
  it('remembers across two sessions: the second system prompt holds what the first taught', async () => {
    const ws = await workspace();
    const first = await runCli(['chat', '--user', 'alice'], {
      ...ws,
      input: 'Hi! My name is Alice. I live in Lisbon.\nI prefer metric units.\n',
    });
    expect(first.stderr).not.toMatch(/\x1b\[/);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('You said');
    expect(first.stdout).not.toMatch(/\x1b\[/); // plain text, no escape codes
    expect(first.stderr).toMatch(/Memory saved: \+\d+ added/);

    const file = JSON.parse(await fs.readFile(path.join(ws.memoryDir, 'alice.json'), 'utf8'));
    expect(file.revision).toBe(1);
    expect(file.sessionCount).toBe(1);
    const texts = file.facts.map((f: { text: string }) => f.text).join('\n');
    expect(texts).toMatch(/Lisbon/);
    expect(texts).toMatch(/metric/);
    for (const f of file.facts) expect(f.source.quote.length).toBeGreaterThan(0);
    // The journal is retired once merged.
    const journals = await fs.readdir(path.join(ws.memoryDir, 'journal', 'alice')).catch(() => []);
    expect(journals.filter((j) => j.endsWith('.jsonl'))).toEqual([]);

    fake().reset();
    const second = await runCli(['chat', '--user', 'alice'], { ...ws, input: 'What do you know about me?\n' });
    expect(second.code).toBe(0);
    const [req] = chatRequests(fake());
    expect(systemText(req.body)).toMatch(/<memory>[\s\S]*Lisbon[\s\S]*<\/memory>/);
    expect(second.stdout).toMatch(/Lisbon/);
    // Prompt caching is requested for the stable prefix.
    expect(req.body.cache_control).toEqual({ type: 'ephemeral' });
  });

  it('is multi-turn: the second turn sends the first exchange back', async () => {
    const ws = await workspace();
    const r = await runCli(['chat', '--user', 'bob'], { ...ws, input: 'first message\nsecond message\n' });
    expect(r.code).toBe(0);
    const reqs = chatRequests(fake());
    expect(reqs).toHaveLength(2);
    expect(reqs[1].body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('recovers the turns of a SIGKILLed session at the next run', async () => {
    const ws = await workspace();
    const child = startCli(['chat', '--user', 'carol'], ws);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stdin!.write('My name is Carol. I work at the observatory.\n');
    await waitFor(() => out, (o) => o.includes('You said'));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    const dir = path.join(ws.memoryDir, 'journal', 'carol');
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.jsonl'))).toHaveLength(1);
    await expect(fs.stat(path.join(ws.memoryDir, 'carol.json'))).rejects.toThrow();

    fake().reset();
    const next = await runCli(['chat', '--user', 'carol'], { ...ws, input: 'hello again\n' });
    expect(next.code).toBe(0);
    expect(next.stderr).toMatch(/saved 1 earlier session/);
    const file = JSON.parse(await fs.readFile(path.join(ws.memoryDir, 'carol.json'), 'utf8'));
    expect(file.facts.map((f: { text: string }) => f.text).join('\n')).toMatch(/observatory/);
    // The recovered facts were in memory before the new session's first turn.
    expect(systemText(chatRequests(fake())[0].body)).toMatch(/observatory/);
  });

  it('a garbage extraction changes nothing and loses nothing', async () => {
    const ws = await workspace();
    await runCli(['chat', '--user', 'dan'], { ...ws, input: 'I live in Porto.\n' });
    const before = await fs.readFile(path.join(ws.memoryDir, 'dan.json'), 'utf8');

    fake().reset();
    fake().enqueue({ match: 'extract', kind: 'raw', text: '{"summary": "oops", "add": [{"text": ' });
    const r = await runCli(['chat', '--user', 'dan'], { ...ws, input: 'I love green tea.\n' });
    expect(r.code).toBe(1); // not saved now: a script can tell
    expect(r.stderr).toMatch(/could not save memory now .*will be saved next time/);
    expect(await fs.readFile(path.join(ws.memoryDir, 'dan.json'), 'utf8')).toBe(before);
    const journals = (await fs.readdir(path.join(ws.memoryDir, 'journal', 'dan'))).filter((f) => f.endsWith('.jsonl'));
    expect(journals).toHaveLength(1);

    // Next run: the kept journal is extracted first.
    fake().reset();
    const again = await runCli(['chat', '--user', 'dan'], { ...ws, input: 'bye now\n' });
    expect(again.stderr).toMatch(/saved 1 earlier session/);
    const file = JSON.parse(await fs.readFile(path.join(ws.memoryDir, 'dan.json'), 'utf8'));
    expect(file.facts.map((f: { text: string }) => f.text).join('\n')).toMatch(/green tea/);
  });

  it('--incognito reads memory but journals and saves nothing', async () => {
    const ws = await workspace();
    await runCli(['chat', '--user', 'fay'], { ...ws, input: 'I live in Oslo.\n' });
    const before = await fs.readFile(path.join(ws.memoryDir, 'fay.json'), 'utf8');
    fake().reset();
    const r = await runCli(['chat', '--user', 'fay', '--incognito'], { ...ws, input: 'I love secret plans.\n' });
    expect(r.code).toBe(0);
    expect(systemText(chatRequests(fake())[0].body)).toMatch(/Oslo/);
    expect(extractRequests(fake())).toHaveLength(0);
    expect(await fs.readFile(path.join(ws.memoryDir, 'fay.json'), 'utf8')).toBe(before);
    const journals = await fs.readdir(path.join(ws.memoryDir, 'journal', 'fay')).catch(() => [] as string[]);
    expect(journals.filter((j) => j.endsWith('.jsonl'))).toEqual([]);
  });

  it('exit words end the session like end of input', async () => {
    const ws = await workspace();
    const r = await runCli(['chat', '--user', 'erin'], { ...ws, input: 'hello\n/exit\nnever sent\n' });
    expect(r.code).toBe(0);
    expect(chatRequests(fake())).toHaveLength(1);
    expect(extractRequests(fake())).toHaveLength(1);
  });
});

describe('errors a user can cause are one line and an exit code', () => {
  it('missing API key: names ANTHROPIC_API_KEY and .env.example, exit 1', async () => {
    const ws = await workspace();
    const r = await runCli(['chat', '--user', 'alice'], { cwd: ws.cwd, env: cliEnv({ MEMAGENT_MEMORY_DIR: ws.memoryDir }), input: 'hi\n' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/ANTHROPIC_API_KEY/);
    expect(r.stderr).toMatch(/\.env\.example/);
  });

  it.each(['../x', 'a/b', '', 'x'.repeat(300), 'con'])('bad user id %j: exit 2, nothing written', async (id) => {
    const ws = await workspace();
    const r = await runCli(['chat', '--user', id], { ...ws, input: 'hi\n' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    await expect(fs.readdir(ws.cwd)).resolves.not.toContain('x');
    expect(fake().requests).toHaveLength(0);
  });

  it('--review without a terminal is a usage error (it has no one to ask)', async () => {
    const ws = await workspace();
    const r = await runCli(['chat', '--user', 'alice', '--review'], { ...ws, input: 'hi\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--review .*terminal/);
    expect(fake().requests).toHaveLength(0);
  });

  it('a corrupt memory file is reported, never overwritten, and chat refuses that user', async () => {
    const ws = await workspace();
    await fs.mkdir(ws.memoryDir, { recursive: true });
    const file = path.join(ws.memoryDir, 'alice.json');
    await fs.writeFile(file, '{"schemaVersion": 1, "facts": [');
    const r = await runCli(['chat', '--user', 'alice'], { ...ws, input: 'hi\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('alice.json');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(await fs.readFile(file, 'utf8')).toBe('{"schemaVersion": 1, "facts": [');
    expect(fake().requests).toHaveLength(0);
  });

  it('401 from the API is one clear line naming ANTHROPIC_API_KEY', async () => {
    const ws = await workspace();
    fake().enqueue({ kind: 'error', status: 401, type: 'authentication_error', message: 'invalid x-api-key' });
    const r = await runCli(['chat', '--user', 'alice'], { ...ws, input: 'hi\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ANTHROPIC_API_KEY/);
    expect(r.stderr).not.toContain('test-key');
  });
});
