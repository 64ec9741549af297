// `memagent forget` and `export` as a user runs them (undo: commands-undo.test.ts): the built CLI as
// a child process; memory built by real chat runs against the in-process fake API.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { containsText, dropSentencesContaining, mentionsWords } from '../src/core/services/forget.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { memorySchema, type Decision, type Fact, type Memory } from '../src/core/schema.js';
import { BIN, apiWorkspace, runCli, waitFor } from './helpers/cli.js';
import { useFakeApi } from './helpers/fake.js';
import { makeFact } from './helpers/memory.js';
import { hasTmux, tmuxServer } from './helpers/tmux.js';

const fake = useFakeApi();


const workspace = (extra: Record<string, string> = {}) => apiWorkspace(fake().url, extra);
type Ws = Awaited<ReturnType<typeof workspace>>;

async function chat(ws: Ws, user: string, input: string) {
  const r = await runCli(['chat', '--user', user], { ...ws, input });
  expect(r.code).toBe(0);
}

async function load(ws: Ws, user = 'alice'): Promise<Memory> {
  return memorySchema.parse(JSON.parse(await fs.readFile(path.join(ws.memoryDir, `${user}.json`), 'utf8')));
}

const fact = (id: string, text: string, at: string): Fact => makeFact(id, text, at);

/**
 * Alice's memory as three sessions leave it (so history holds two versions, the first with a
 * summary mentioning Lisbon), written through the store as extraction would; Bob, who lives in
 * Lisbon too; a pending journal of a killed session mentioning Lisbon; and the REPL's input history
 * as the UI writes it (one JSON string per line), plus a JSON object line and a torn line.
 */
async function aliceWithTraces(ws: Ws) {
  const store = new FileMemoryStore({ dir: ws.memoryDir });
  const at = new Date().toISOString();
  const session = (summary: string, facts: Fact[], decisions: Decision[] = []) => (m: Memory): Memory => ({
    ...m,
    sessionCount: m.sessionCount + 1,
    summary,
    facts: [...m.facts, ...facts],
    decisions: [...m.decisions, ...decisions],
  });
  await store.update('alice', session('The user said: I live in Lisbon.', [fact('f_lisbon', 'I live in Lisbon.', at), fact('f_name', 'My name is Alice.', at)]));
  await store.update('alice', session('The user said: I prefer metric units.', [fact('f_units', 'I prefer metric units.', at)]));
  const postgres: Decision = { id: 'd_db', topic: 'to use Postgres', decision: 'I decided to use Postgres.', date: at, source: { session: 's3', at, quote: 'I decided to use Postgres.' } };
  await store.update('alice', session('The user said: I decided to use Postgres.', [], [postgres]));
  await store.update('bob', session('The user said: I live in Lisbon too.', [fact('f_bob', 'I live in Lisbon too.', at)]));
  const jdir = path.join(ws.memoryDir, 'journal', 'alice');
  await fs.mkdir(jdir, { recursive: true });
  const journal = [
    { type: 'session', sessionId: '20260301T100000Z-aaaaaa', userId: 'alice', startedAt: at, model: 'claude-sonnet-5-5' },
    { type: 'turn', role: 'user', text: 'Reminder: I live in Lisbon, near the river.', at },
    { type: 'turn', role: 'assistant', text: 'You said: "Reminder: I live in Lisbon, near the river."', at },
    { type: 'turn', role: 'user', text: 'What is the weather like?', at },
  ];
  await fs.writeFile(path.join(jdir, '20260301T100000Z-aaaaaa.jsonl'), journal.map((l) => `${JSON.stringify(l)}\n`).join(''));
  const hdir = path.join(ws.memoryDir, 'history', 'alice');
  const entries = ['I live in Lisbon. My name is Alice.', 'I prefer metric units.', '/memory', 'I decided to use Postgres.'];
  await fs.writeFile(
    path.join(hdir, 'input-history.jsonl'),
    `${entries.map((e) => JSON.stringify(e)).join('\n')}\n${JSON.stringify({ text: 'And I live in Lisbon.', at })}\n"I live in Lisb`,
  );
  // Leftovers of killed writers: the store's atomic writes and the REPL's history rewrite.
  await fs.writeFile(path.join(ws.memoryDir, '.alice.json.99999.0123456789ab.tmp'), '{"summary": "I live in Lisbon."');
  await fs.writeFile(path.join(hdir, '.0000000002.json.99999.0123456789ab.tmp'), '{"summary": "I live in Lisbon."');
  await fs.writeFile(path.join(hdir, 'input-history.jsonl.99999.tmp'), '"I live in Lisbon."\n');
}

/** Files under `dir` whose bytes contain `needle` (case-insensitive), relative paths. */
async function grep(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const p = path.join(entry.parentPath, entry.name);
    if ((await fs.readFile(p, 'utf8')).toLowerCase().includes(needle.toLowerCase())) hits.push(path.relative(dir, p));
  }
  return hits.sort();
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out[path.relative(dir, path.join(entry.parentPath, entry.name))] = (await fs.readFile(path.join(entry.parentPath, entry.name))).toString('base64');
  }
  return out;
}

describe('memagent forget', () => {
  it('by id: the fact, its summary sentences, journal turns and input history lines leave no trace', async () => {
    const ws = await workspace();
    await aliceWithTraces(ws);
    expect(await grep(ws.memoryDir, 'lisbon')).toEqual([
      '.alice.json.99999.0123456789ab.tmp',
      'alice.json',
      'bob.json',
      'history/alice/.0000000002.json.99999.0123456789ab.tmp',
      'history/alice/0000000001.json',
      'history/alice/0000000002.json',
      // The current revision is committed in history too (the same file, linked).
      'history/alice/0000000003.json',
      'history/alice/input-history.jsonl',
      'history/alice/input-history.jsonl.99999.tmp',
      'history/bob/0000000001.json',
      'journal/alice/20260301T100000Z-aaaaaa.jsonl',
    ]);
    const r = await runCli(['forget', '--user', 'alice', 'f_lisbon'], ws);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      '- f_lisbon  I live in Lisbon.\nForgot 1 item for alice, and 2 journal lines, 2 input history lines; scrubbed 3 history versions. This cannot be undone.\n',
    );
    expect(await grep(ws.memoryDir, 'lisbon')).toEqual(['bob.json', 'history/bob/0000000001.json']);
    // Only that: the rest of alice's memory, history and journal is still there.
    const after = await load(ws);
    expect(after.facts.map((f) => f.text).sort()).toEqual(['I prefer metric units.', 'My name is Alice.']);
    expect(after.decisions).toHaveLength(1);
    expect(await grep(ws.memoryDir, 'metric units')).toContain('history/alice/input-history.jsonl');
    expect(await grep(ws.memoryDir, 'weather')).toEqual(['journal/alice/20260301T100000Z-aaaaaa.jsonl']);
    // The memory file and every history version still validate.
    const store = new FileMemoryStore({ dir: ws.memoryDir });
    for (const v of await store.history('alice')) memorySchema.parse(JSON.parse(await fs.readFile(v.path, 'utf8')));
  });

  it('--match: facts, decisions, summaries (current and history), journals and input history; other users untouched', async () => {
    const ws = await workspace();
    await aliceWithTraces(ws);
    // Put the word in the current summary too.
    const store = new FileMemoryStore({ dir: ws.memoryDir });
    await store.update('alice', (m) => ({ ...m, summary: 'Alice lives in LISBON. She prefers metric units.' }));
    const r = await runCli(['forget', '--user', 'alice', '--match', 'lisbon', '--yes'], ws);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Forgot 1 item for alice, and summary sentences, 2 journal lines, 2 input history lines; scrubbed 4 history versions\./m);
    expect(await grep(ws.memoryDir, 'lisbon')).toEqual(['bob.json', 'history/bob/0000000001.json']);
    const after = await load(ws);
    expect(after.summary).toBe('She prefers metric units.');
    expect(after.facts).toHaveLength(2);

    // Decisions match on their topic and text; a second run finds nothing: exit 1, one line.
    const d = await runCli(['forget', '--user', 'alice', '--match', 'POSTGRES', '--yes'], ws);
    expect(d.code).toBe(0);
    expect((await load(ws)).decisions).toEqual([]);
    expect(await grep(ws.memoryDir, 'postgres')).toEqual([]);
    const again = await runCli(['forget', '--user', 'alice', '--match', 'lisbon', '--yes'], ws);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toEqual([`memagent: nothing in alice's memory, history, journals or input history mentions "lisbon"`]);
  });

  it('--match a text only past sessions mention (episodic memory): found, deleted, and no trace left', async () => {
    const ws = await workspace();
    await chat(ws, 'alice', 'My name is Alice.\nThe Kyoto trip was lovely.\n');
    expect(await grep(ws.memoryDir, 'kyoto')).toEqual([expect.stringMatching(/^archive\/alice\/sessions\/.*\.jsonl$/)]);
    const r = await runCli(['forget', '--user', 'alice', '--match', 'kyoto', '--yes'], ws);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Forgot 0 items for alice, and 2 past session lines\./m);
    expect(await grep(ws.memoryDir, 'kyoto')).toEqual([]);
    expect((await load(ws)).facts.map((f) => f.text)).toEqual(['My name is Alice.']);
  });

  it('--all --yes removes everything of that user and nothing of others', async () => {
    const ws = await workspace();
    await aliceWithTraces(ws);
    const r = await runCli(['forget', '--user', 'alice', '--all', '--yes'], ws);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Forgot everything about alice (memory file, 2 history versions, 1 journal, input history).\n');
    for (const word of ['alice', 'metric', 'postgres']) expect(await grep(ws.memoryDir, word)).toEqual([]);
    expect(Object.keys(await snapshot(ws.memoryDir)).sort()).toEqual(['bob.json', 'history/bob/0000000001.json']);
    const show = await runCli(['show', '--user', 'alice'], ws);
    expect(show.stdout).toBe('Nothing is remembered about alice yet.\n');
  });

  it('--all without --yes and without a terminal refuses with exit 2 and deletes nothing', async () => {
    const ws = await workspace();
    await aliceWithTraces(ws);
    const before = await snapshot(ws.memoryDir);
    const r = await runCli(['forget', '--user', 'alice', '--all'], { ...ws, input: 'y\n' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/needs --yes .*nothing deleted/);
    expect(await snapshot(ws.memoryDir)).toEqual(before);
  });

  it('usage errors: no mode, two modes, an unknown id', async () => {
    const ws = await workspace();
    await aliceWithTraces(ws);
    // Crash leftovers (temp files) may be cleaned up; nothing else changes.
    const kept = async () => Object.fromEntries(Object.entries(await snapshot(ws.memoryDir)).filter(([p]) => !p.endsWith('.tmp')));
    const before = await kept();
    for (const args of [[], ['f_x', '--all'], ['--match', '  ']]) {
      const r = await runCli(['forget', '--user', 'alice', ...args], ws);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const unknown = await runCli(['forget', '--user', 'alice', 'f_nope'], ws);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no fact or decision with id f_nope/);
    expect(await kept()).toEqual(before);
  });
});

describe('memagent forget --match asks first and matches whole words (issue 10)', () => {
  /** Carol: facts and traces where a short or partial word is inside other words. */
  async function carol(ws: Ws) {
    const store = new FileMemoryStore({ dir: ws.memoryDir });
    const at = new Date().toISOString();
    await store.update('carol', (m) => ({
      ...m,
      sessionCount: 1,
      summary: 'Carol drinks tea. She likes steak and Mozart.',
      facts: [fact('f_tea', 'I drink tea every morning.', at), fact('f_steak', 'I like steak.', at), fact('f_art', 'I love Mozart.', at)],
    }));
    const hdir = path.join(ws.memoryDir, 'history', 'carol');
    await fs.mkdir(hdir, { recursive: true });
    await fs.writeFile(path.join(hdir, 'input-history.jsonl'), ['I drink tea every morning.', 'Steak tonight?', 'Mozart, always.'].map((e) => JSON.stringify(e)).join('\n') + '\n');
  }

  it('without --yes and without a terminal: one line saying what would go and to add --yes; nothing deleted', async () => {
    const ws = await workspace();
    await carol(ws);
    const before = await snapshot(ws.memoryDir);
    const r = await runCli(['forget', '--user', 'carol', '--match', 'tea'], { ...ws, input: 'y\n' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      'memagent: forget --match "tea" would delete 1 item, 1 summary sentence, 1 input history line for carol, and needs --yes when there is no terminal to ask; nothing deleted',
    ]);
    expect(await snapshot(ws.memoryDir)).toEqual(before);
  });

  it('a match under 3 characters is refused without --yes, before anything is read or deleted', async () => {
    const ws = await workspace();
    await carol(ws);
    const before = await snapshot(ws.memoryDir);
    for (const short of ['e', 'ea', ' t! ']) {
      const r = await runCli(['forget', '--user', 'carol', '--match', short], ws);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/is shorter than 3 characters and would match too much; add --yes to forget it anyway; nothing deleted/);
    }
    expect(await snapshot(ws.memoryDir)).toEqual(before);
  });

  it('matches whole words: "tea" leaves steak, "art" leaves Mozart; --substring reaches inside words', async () => {
    const ws = await workspace();
    await carol(ws);
    const tea = await runCli(['forget', '--user', 'carol', '--match', 'tea', '--yes'], ws);
    expect(tea.code).toBe(0);
    expect(tea.stdout.split('\n')[0]).toBe('- f_tea  I drink tea every morning.');
    let m = await load(ws, 'carol');
    expect(m.facts.map((f) => f.id)).toEqual(['f_steak', 'f_art']);
    expect(m.summary).toBe('She likes steak and Mozart.');
    expect(await grep(ws.memoryDir, 'steak')).toContain('history/carol/input-history.jsonl');

    const art = await runCli(['forget', '--user', 'carol', '--match', 'art', '--yes'], ws);
    expect(art.code).toBe(1);
    expect(art.stderr).toBe(`memagent: nothing in carol's memory, history, journals or input history mentions "art"\n`);
    expect((await load(ws, 'carol')).facts).toHaveLength(2);

    const inside = await runCli(['forget', '--user', 'carol', '--match', 'art', '--substring', '--yes'], ws);
    expect(inside.code).toBe(0);
    m = await load(ws, 'carol');
    expect(m.facts.map((f) => f.id)).toEqual(['f_steak']);
    expect(await grep(ws.memoryDir, 'mozart')).toEqual([]);
  });
});

describe.skipIf(!hasTmux)('memagent forget --match in a terminal', () => {
  const SOCKET = `memagent-forget-test-${process.pid}`;
  const tmux = tmuxServer(SOCKET);
  afterAll(() => {
    try {
      tmux('kill-server');
    } catch {
      // Never started, or already gone.
    }
  });

  /** Runs `forget` in a tmux pane, answers `answer` once the question shows, and returns the screen and exit code. */
  async function forgetInTerminal(ws: Ws, args: string[], answer: string): Promise<{ screen: string; code: number }> {
    const name = `f${Math.random().toString(36).slice(2, 8)}`;
    const done = path.join(ws.cwd, `${name}.code`);
    const env = Object.entries(ws.env).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
    const command = `env -i ${env} TERM=xterm ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${args.map((a) => JSON.stringify(a)).join(' ')}; echo $? > ${JSON.stringify(done)}; sleep 60`;
    tmux('new-session', '-d', '-s', name, '-x', '160', '-y', '40', '-c', ws.cwd, 'sh', '-c', command);
    const screen = () => tmux('capture-pane', '-p', '-J', '-t', name);
    const asked = await waitFor(screen, (s) => s.includes('[y/N]'), 20_000);
    tmux('send-keys', '-t', name, answer, 'Enter');
    const code = Number((await waitFor(() => fs.readFile(done, 'utf8').catch(() => ''), (s) => s.trim() !== '', 20_000)).trim());
    const final = screen();
    tmux('kill-session', '-t', name);
    return { screen: `${asked}\n${final}`, code };
  }

  it('shows what will be deleted and deletes only after a yes', async () => {
    const ws = await workspace();
    await aliceWithTraces(ws);
    const before = await snapshot(ws.memoryDir);
    const no = await forgetInTerminal(ws, ['forget', '--user', 'alice', '--match', 'lisbon'], 'n');
    expect(no.code).toBe(1);
    expect(no.screen).toContain('forget --match "lisbon" (whole words) will delete for alice:');
    expect(no.screen).toMatch(/- f_lisbon {2}I live in Lisbon\./);
    // The user's turn and the assistant's echo of it, in the killed session's journal.
    expect(no.screen).toMatch(/- 2 lines of 1 session not yet saved to memory/);
    // The entries the REPL reads (the legacy object line is scrubbed too, but not counted here).
    expect(no.screen).toMatch(/- 1 line of your input history/);
    expect(no.screen).toMatch(/and the same in 2 saved versions/);
    expect(no.screen).toContain('memagent: not confirmed; nothing deleted');
    expect(Object.fromEntries(Object.entries(await snapshot(ws.memoryDir)).filter(([p]) => !p.endsWith('.tmp')))).toEqual(
      Object.fromEntries(Object.entries(before).filter(([p]) => !p.endsWith('.tmp'))),
    );

    const yes = await forgetInTerminal(ws, ['forget', '--user', 'alice', '--match', 'lisbon'], 'y');
    expect(yes.code).toBe(0);
    expect(yes.screen).toMatch(/Forgot 1 item for alice/);
    expect(await grep(ws.memoryDir, 'lisbon')).toEqual(['bob.json', 'history/bob/0000000001.json']);
  });
});

describe('the text matching forget uses', () => {
  it('containsText ignores case and punctuation, and matches raw substrings too', () => {
    expect(containsText('I live in LISBON, Portugal.', 'lisbon')).toBe(true);
    expect(containsText("I don't eat meat", 'dont eat')).toBe(true);
    expect(containsText('C++ and Rust', 'c++')).toBe(true);
    expect(containsText('anything', '  ')).toBe(false);
    expect(containsText('Lives in Porto', 'Lisbon')).toBe(false);
  });

  it('mentionsWords finds whole words only, ignoring case and punctuation', () => {
    expect(mentionsWords('I live in LISBON, Portugal.', 'lisbon')).toBe(true);
    expect(mentionsWords('I live in Lisbon', 'in lisbon')).toBe(true);
    expect(mentionsWords("I don't eat meat", 'dont eat')).toBe(true);
    expect(mentionsWords('C++ and Rust', 'c++')).toBe(true);
    expect(mentionsWords('I love Mozart', 'art')).toBe(false);
    expect(mentionsWords('I drink tea', 'e')).toBe(false);
    expect(mentionsWords('Lisbon', 'lisb')).toBe(false);
    expect(mentionsWords('anything', ' , ')).toBe(false);
  });

  it('dropSentencesContaining drops only the sentences that mention the text', () => {
    expect(dropSentencesContaining('Alice lives in Lisbon. She likes tea! Lisbon is sunny?', ['lisbon'])).toBe('She likes tea!');
    expect(dropSentencesContaining('The user said: I live in Lisbon.', ['I live in Lisbon'])).toBe('');
    const untouched = 'Alice  likes tea.\nShe runs.';
    expect(dropSentencesContaining(untouched, ['coffee'])).toBe(untouched);
  });
});

describe('memagent export', () => {
  it('json is the validated file; md has the summary, facts, decisions and history', async () => {
    const ws = await workspace();
    await chat(ws, 'alice', 'I live in Lisbon. I decided to use Postgres.\n');
    await chat(ws, 'alice', 'I live in Porto.\n');
    const json = await runCli(['export', '--user', 'alice'], ws);
    expect(json.code).toBe(0);
    expect(memorySchema.parse(JSON.parse(json.stdout))).toEqual(await load(ws));

    const md = await runCli(['export', '--user', 'alice', '--format', 'md'], ws);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^# What memagent remembers about alice\n/);
    expect(md.stdout).toMatch(/^## Summary\n\nThe user said: I live in Porto\.$/m);
    expect(md.stdout).toMatch(/^- \*\*fact\*\*: I live in Porto\. _\(f_\w+, from "I live in Porto\.", \d{4}-\d\d-\d\d\)_$/m);
    expect(md.stdout).toMatch(/^- \d{4}-\d\d-\d\d \*\*to use Postgres\*\*: I decided to use Postgres\. _\(d_\w+\)_$/m);
    expect(md.stdout).toMatch(/^## History \(superseded or retracted\)\n\n- ~~I live in Lisbon\.~~ \(superseded \d{4}-\d\d-\d\d, f_\w+\)$/m);

    const bad = await runCli(['export', '--user', 'alice', '--format', 'xml'], ws);
    expect(bad.code).toBe(2);
    const nobody = await runCli(['export', '--user', 'nobody'], ws);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toBe('memagent: nothing is remembered about nobody yet\n');
  });
});
