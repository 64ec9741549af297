// `memagent import`, `search`, `sessions` and `chat --continue/--resume` as a user runs them: the
// built CLI as a child process against the in-process fake API.
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiWorkspace, collect, runCli, startCli, waitFor } from './helpers/cli.js';
import { chatRequests, extractRequests, gate, useFakeApi } from './helpers/fake.js';

const fake = useFakeApi();

const workspace = () => apiWorkspace(fake().url);

type Turn = { role: 'user' | 'assistant'; text: string };
const session = (date: string, ...userTexts: string[]) => ({
  date,
  turns: userTexts.flatMap((text): Turn[] => [
    { role: 'user', text },
    { role: 'assistant', text: 'Noted.' },
  ]),
});

/** Four sessions, written out of date order on purpose. */
const FOUR = [
  session('2025-06-02T10:00:00Z', 'I moved. I live in Porto now.'),
  session('2025-03-01', 'My name is Alice. I live in Lisbon.'),
  session('2025-04-15T09:30:00Z', 'I prefer green tea over coffee.'),
  session('2025-05-20T18:00:00Z', 'I work at the observatory.'),
];

async function writeImport(dir: string, name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, text);
  return file;
}

const memoryOf = async (memoryDir: string, user: string) => JSON.parse(await fs.readFile(path.join(memoryDir, `${user}.json`), 'utf8'));
const transcriptOf = (request: { body: any }): string => request.body.messages[0].content as string;

/** One fact the extraction model proposes, quoting the user. */
const extraction = (text: string, quote: string) => ({
  summary: '',
  add: [{ text, kind: 'fact', confidence: 'high', quote }],
  update: [],
  supersede: [],
  retract: [],
  decisions: [],
});

describe('memagent import', () => {
  it('imports sessions in date order, each fact dated by the session it was said in', async () => {
    const ws = await workspace();
    const file = await writeImport(ws.cwd, 'history.json', JSON.stringify({ sessions: FOUR }, null, 2));
    const r = await runCli(['import', '--user', 'alice', file], ws);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Not a terminal: one line per session, then the totals.
    expect(r.stdout.split('\n').filter((l) => /^\[\d\/4\] /.test(l))).toHaveLength(4);
    expect(r.stdout).toMatch(/Imported 4 sessions of 4 for alice: \d+ memory changes?, revision \d+\./);

    // The extraction saw the sessions oldest first, each with its own date.
    expect(extractRequests(fake()).map((q) => /Session date: (\S+)/.exec(transcriptOf(q))?.[1])).toEqual([
      '2025-03-01',
      '2025-04-15',
      '2025-05-20',
      '2025-06-02',
    ]);
    const memory = await memoryOf(ws.memoryDir, 'alice');
    const dateOf = (word: string) => memory.facts.find((f: { text: string }) => f.text.includes(word))?.source.at;
    expect(dateOf('Lisbon')).toBe('2025-03-01T00:00:00.000Z');
    expect(dateOf('green tea')).toBe('2025-04-15T09:30:00.000Z');
    expect(dateOf('observatory')).toBe('2025-05-20T18:00:00.000Z');
    expect(dateOf('Porto')).toBe('2025-06-02T10:00:00.000Z');
    expect(memory.facts.find((f: { text: string }) => f.text.includes('Lisbon')).createdAt).toBe('2025-03-01T00:00:00.000Z');
    // Every session went through a journal, and none is left pending.
    const journals = await fs.readdir(path.join(ws.memoryDir, 'journal', 'alice')).catch(() => []);
    expect(journals.filter((j) => j.endsWith('.jsonl'))).toEqual([]);
  });

  it('reads JSON Lines, one session per line', async () => {
    const ws = await workspace();
    const file = await writeImport(ws.cwd, 'history.jsonl', FOUR.map((s) => JSON.stringify(s)).join('\n'));
    const r = await runCli(['import', '--user', 'alice', file], ws);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Imported 4 sessions of 4/);
    expect(extractRequests(fake())).toHaveLength(4);
  });

  it('refuses a file with errors, naming the lines, and writes nothing', async () => {
    const ws = await workspace();
    const text = [
      '{"sessions": [',
      '  {"date": "2025-03-01", "turns": [{"role": "user", "text": "My name is Alice."}]},',
      '  {"date": "last tuesday", "turns": [',
      '    {"role": "human", "text": "I live in Lisbon."}',
      '  ]}',
      ']}',
    ].join('\n');
    const file = await writeImport(ws.cwd, 'bad.json', text);
    const r = await runCli(['import', '--user', 'alice', file], ws);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      [
        'memagent: bad.json is not a valid import file (2 problems; nothing was imported):',
        '  line 3: sessions[1].date: expected an ISO date or time, like 2026-03-01 or 2026-03-01T14:30:00Z',
        '  line 4: sessions[1].turns[0].role: expected "user" or "assistant"',
        '',
      ].join('\n'),
    );
    expect(fake().requests).toEqual([]);
    await expect(fs.stat(ws.memoryDir)).rejects.toThrow(/ENOENT/);
  });

  it('a missing file is one line and exit 2', async () => {
    const ws = await workspace();
    const r = await runCli(['import', '--user', 'alice', path.join(ws.cwd, 'nope.json')], ws);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^memagent: cannot read .*nope\.json: no such file\n$/);
  });

  it('killed midway, a re-run imports the rest and nothing twice', async () => {
    const ws = await workspace();
    const file = await writeImport(ws.cwd, 'history.json', JSON.stringify({ sessions: FOUR }));
    // The first two sessions are extracted; the third's answer never comes before the kill.
    const never = gate();
    fake().enqueue(
      { match: 'extract', kind: 'json', value: extraction('Lives in Lisbon', 'I live in Lisbon.') },
      { match: 'extract', kind: 'json', value: extraction('Prefers green tea over coffee', 'I prefer green tea over coffee.') },
      { match: 'extract', kind: 'json', value: extraction('Works at the observatory', 'I work at the observatory.'), until: never.promise },
    );
    const child = startCli(['import', '--user', 'alice', file], ws);
    const done = collect(child, '', 20_000);
    await waitFor(() => extractRequests(fake()).length, (n) => n === 3);
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout).toMatch(/\[2\/4\]/);
    never.open();

    fake().reset();
    const again = await runCli(['import', '--user', 'alice', file], ws);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/\[1\/4\] 2025-03-01 .*skipped, already imported/);
    expect(again.stdout).toMatch(/\[2\/4\] 2025-04-15 .*skipped, already imported/);
    expect(again.stdout).toMatch(/Imported 2 sessions of 4 for alice \(2 sessions already imported, skipped\)/);
    // Only the two sessions not merged before the kill were extracted again.
    expect(extractRequests(fake()).map((q) => /Session date: (\S+)/.exec(transcriptOf(q))?.[1])).toEqual(['2025-05-20', '2025-06-02']);

    const memory = await memoryOf(ws.memoryDir, 'alice');
    const texts: string[] = memory.facts.map((f: { text: string }) => f.text);
    expect(new Set(texts).size).toBe(texts.length);
    expect(texts.filter((t) => /observatory/.test(t))).toHaveLength(1);
    expect(memory.sessionCount).toBe(4);
    expect(new Set(memory.appliedSessions).size).toBe(4);
    // Episodic memory holds each session once, with its own date.
    const kept = JSON.parse((await runCli(['sessions', '--user', 'alice', '--json'], ws)).stdout);
    expect(kept.map((s: { startedAt: string }) => s.startedAt.slice(0, 10))).toEqual(['2025-03-01', '2025-04-15', '2025-05-20', '2025-06-02']);
    expect(new Set(kept.map((s: { sessionId: string }) => s.sessionId)).size).toBe(4);

    // A third run changes nothing.
    fake().reset();
    const third = await runCli(['import', '--user', 'alice', file], ws);
    expect(third.stdout).toMatch(/Imported 0 sessions of 4 for alice \(4 sessions already imported, skipped\)/);
    expect(extractRequests(fake())).toEqual([]);
    expect((await memoryOf(ws.memoryDir, 'alice')).revision).toBe(memory.revision);
  });
});

describe('memagent search and sessions', () => {
  it('search prints one dated line per hit, and --json the hits', async () => {
    const ws = await workspace();
    const file = await writeImport(ws.cwd, 'history.json', JSON.stringify({ sessions: FOUR }));
    expect((await runCli(['import', '--user', 'alice', file], ws)).code).toBe(0);

    const r = await runCli(['search', '--user', 'alice', 'observatory'], ws);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^- \[2025-05-20\] (you said: )?I work at the observatory\. · \S+$/);
    // A fact a later session superseded comes back dated and marked until when it held.
    const moved = await runCli(['search', '--user', 'alice', 'Lisbon'], ws);
    expect(moved.stdout).toMatch(/^- \[2025-03-01\] until 2025-06-02: I live in Lisbon\. · f_\w+$/m);

    const json = await runCli(['search', '--user', 'alice', 'observatory', '--json', '--limit', '3'], ws);
    const hits = JSON.parse(json.stdout);
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.length).toBeLessThanOrEqual(3);
    expect(hits[0]).toMatchObject({ date: expect.stringMatching(/^2025-05-20/), text: expect.stringMatching(/observatory/) });
  });

  it('search on an empty archive says so in one line and creates nothing', async () => {
    const ws = await workspace();
    const r = await runCli(['search', '--user', 'nobody', 'anything'], ws);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Nothing is remembered about nobody yet: nothing to search.\n');
    await expect(fs.stat(ws.memoryDir)).rejects.toThrow(/ENOENT/);
    const json = await runCli(['search', '--user', 'nobody', 'anything', '--json'], ws);
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  it('search refuses a limit out of range', async () => {
    const ws = await workspace();
    const r = await runCli(['search', '--user', 'alice', 'tea', '--limit', '0'], ws);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('memagent: --limit must be a whole number from 1 to 50, not "0"\n');
  });

  it('sessions lists kept conversations: date, turns, first line; --json too', async () => {
    const ws = await workspace();
    const file = await writeImport(ws.cwd, 'history.json', JSON.stringify({ sessions: FOUR.slice(0, 2) }));
    expect((await runCli(['import', '--user', 'alice', file], ws)).code).toBe(0);
    expect((await runCli(['chat', '--user', 'alice'], { ...ws, input: 'hello there\nsecond line\n' })).code).toBe(0);

    const r = await runCli(['sessions', '--user', 'alice'], ws);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^2025-03-01 00:00 +1 turn +imp-\S+ +My name is Alice\. I live in Lisbon\.$/);
    expect(lines[1]).toMatch(/^2025-06-02 10:00 +1 turn +imp-\S+ +I moved\. I live in Porto now\.$/);
    expect(lines[2]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d +2 turns +\S+ +hello there$/);
    expect(lines[3]).toMatch(/^3 sessions; reopen one with memagent chat --user alice --resume <id>/);

    const json = JSON.parse((await runCli(['sessions', '--user', 'alice', '--json'], ws)).stdout);
    expect(json.map((s: { turns: number; firstLine: string }) => [s.turns, s.firstLine])).toEqual([
      [1, 'My name is Alice. I live in Lisbon.'],
      [1, 'I moved. I live in Porto now.'],
      [2, 'hello there'],
    ]);
  });

  it('sessions of a user with none kept says so', async () => {
    const ws = await workspace();
    const r = await runCli(['sessions', '--user', 'nobody'], ws);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('No conversations of nobody are kept yet (incognito sessions never are).\n');
  });
});

describe('memagent chat --continue / --resume', () => {
  it('--continue sends the last conversation back to the model before the new message', async () => {
    const ws = await workspace();
    expect((await runCli(['chat', '--user', 'alice'], { ...ws, input: 'My name is Alice.\nI like green tea.\n' })).code).toBe(0);
    fake().reset();

    const r = await runCli(['chat', '--user', 'alice', '--continue'], { ...ws, input: 'What did I tell you?\n' });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^memagent: continuing the conversation of \d{4}-\d\d-\d\d \d\d:\d\d \(2 turns, session \S+\)$/m);
    const [request] = chatRequests(fake());
    const messages = request.body.messages.map((m: { role: string; content: unknown }) => [m.role, typeof m.content === 'string' ? m.content : JSON.stringify(m.content)]);
    expect(messages.map((m: string[]) => m[0])).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(messages[0][1]).toContain('My name is Alice.');
    expect(messages[2][1]).toContain('I like green tea.');
    expect(messages[4][1]).toContain('What did I tell you?');

    // The continued conversation is a new session of its own.
    const sessions = JSON.parse((await runCli(['sessions', '--user', 'alice', '--json'], ws)).stdout);
    expect(sessions).toHaveLength(2);
    expect(sessions[1].firstLine).toBe('What did I tell you?');
  });

  it('--resume <id> reopens that conversation (a unique start of the id is enough)', async () => {
    const ws = await workspace();
    await runCli(['chat', '--user', 'alice'], { ...ws, input: 'first conversation\n' });
    await runCli(['chat', '--user', 'alice'], { ...ws, input: 'second conversation\n' });
    const [first] = JSON.parse((await runCli(['sessions', '--user', 'alice', '--json'], ws)).stdout);
    fake().reset();
    const r = await runCli(['chat', '--user', 'alice', '--resume', first.sessionId.slice(0, -3)], { ...ws, input: 'back again\n' });
    expect(r.code).toBe(0);
    const [request] = chatRequests(fake());
    expect(request.body.messages[0].content).toContain('first conversation');
    expect(JSON.stringify(request.body.messages)).not.toContain('second conversation');
  });

  it('says so in one line when there is nothing to continue, or no such session, and needs an id without a terminal', async () => {
    const ws = await workspace();
    const none = await runCli(['chat', '--user', 'alice', '--continue'], { ...ws, input: 'hi\n' });
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('memagent: no earlier conversation of alice is kept yet, so there is nothing to continue\n');
    expect(chatRequests(fake())).toEqual([]);

    await runCli(['chat', '--user', 'alice'], { ...ws, input: 'hello\n' });
    fake().reset();
    const unknown = await runCli(['chat', '--user', 'alice', '--resume', 'zzz'], { ...ws, input: 'hi\n' });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('memagent: no kept conversation of alice has the id "zzz" (memagent sessions --user alice)\n');
    const noId = await runCli(['chat', '--user', 'alice', '--resume'], { ...ws, input: 'hi\n' });
    expect(noId.code).toBe(2);
    expect(noId.stderr).toMatch(/--resume without a session id shows a list to pick from, which needs a terminal/);
    expect(chatRequests(fake())).toEqual([]);
  });
});
