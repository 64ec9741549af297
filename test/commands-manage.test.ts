// `memagent forget`, `undo`, `export` and `show --history` as a user runs them: the built CLI as
// a child process; memory built by real chat runs against the in-process fake API.
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { containsText, dropSentencesContaining } from '../src/core/services/forget.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { memorySchema, type Decision, type Fact, type Memory } from '../src/core/schema.js';
import { apiWorkspace, runCli } from './helpers/cli.js';
import { useFakeApi } from './helpers/fake.js';
import { makeFact } from './helpers/memory.js';

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
      'history/alice/input-history.jsonl',
      'history/alice/input-history.jsonl.99999.tmp',
      'journal/alice/20260301T100000Z-aaaaaa.jsonl',
    ]);
    const r = await runCli(['forget', '--user', 'alice', 'f_lisbon'], ws);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      '- f_lisbon  I live in Lisbon.\nForgot 1 item for alice, and 2 journal lines, 2 input history lines; scrubbed 2 history versions. This cannot be undone.\n',
    );
    expect(await grep(ws.memoryDir, 'lisbon')).toEqual(['bob.json']);
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
    const r = await runCli(['forget', '--user', 'alice', '--match', 'lisbon'], ws);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Forgot 1 item for alice, and summary sentences, 2 journal lines, 2 input history lines; scrubbed 3 history versions\./m);
    expect(await grep(ws.memoryDir, 'lisbon')).toEqual(['bob.json']);
    const after = await load(ws);
    expect(after.summary).toBe('She prefers metric units.');
    expect(after.facts).toHaveLength(2);

    // Decisions match on their topic and text; a second run finds nothing: exit 1, one line.
    const d = await runCli(['forget', '--user', 'alice', '--match', 'POSTGRES'], ws);
    expect(d.code).toBe(0);
    expect((await load(ws)).decisions).toEqual([]);
    expect(await grep(ws.memoryDir, 'postgres')).toEqual([]);
    const again = await runCli(['forget', '--user', 'alice', '--match', 'lisbon'], ws);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toEqual([`memagent: nothing in alice's memory, history, journals or input history mentions "lisbon"`]);
  });

  it('--all --yes removes everything of that user and nothing of others', async () => {
    const ws = await workspace();
    await aliceWithTraces(ws);
    const r = await runCli(['forget', '--user', 'alice', '--all', '--yes'], ws);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Forgot everything about alice (memory file, 2 history versions, 1 journal, input history).\n');
    for (const word of ['alice', 'metric', 'postgres']) expect(await grep(ws.memoryDir, word)).toEqual([]);
    expect(Object.keys(await snapshot(ws.memoryDir))).toEqual(['bob.json']);
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

describe('the text matching forget uses', () => {
  it('containsText ignores case and punctuation, and matches raw substrings too', () => {
    expect(containsText('I live in LISBON, Portugal.', 'lisbon')).toBe(true);
    expect(containsText("I don't eat meat", 'dont eat')).toBe(true);
    expect(containsText('C++ and Rust', 'c++')).toBe(true);
    expect(containsText('anything', '  ')).toBe(false);
    expect(containsText('Lives in Porto', 'Lisbon')).toBe(false);
  });

  it('dropSentencesContaining drops only the sentences that mention the text', () => {
    expect(dropSentencesContaining('Alice lives in Lisbon. She likes tea! Lisbon is sunny?', ['lisbon'])).toBe('She likes tea!');
    expect(dropSentencesContaining('The user said: I live in Lisbon.', ['I live in Lisbon'])).toBe('');
    const untouched = 'Alice  likes tea.\nShe runs.';
    expect(dropSentencesContaining(untouched, ['coffee'])).toBe(untouched);
  });
});

describe('memagent undo and show --history', () => {
  it('undo restores the previous bytes; twice in a row goes back twice; then there is nothing to undo', async () => {
    const ws = await workspace();
    const file = path.join(ws.memoryDir, 'alice.json');
    const store = new FileMemoryStore({ dir: ws.memoryDir });
    const at = new Date().toISOString();
    const add = (f: Fact) => (m: Memory): Memory => ({ ...m, facts: [...m.facts, f] });
    await store.update('alice', add(fact('f_1', 'I live in Lisbon.', at)));
    const v1 = await fs.readFile(file);
    await store.update('alice', add(fact('f_2', 'I prefer metric units.', at)));
    const v2 = await fs.readFile(file);
    await store.update('alice', add(fact('f_3', 'I live in Porto.', at)));

    const history = await runCli(['show', '--user', 'alice', '--history'], ws);
    expect(history.code).toBe(0);
    expect(history.stdout.split('\n').slice(0, 4)).toEqual([
      "alice's memory is at revision 3; undo can restore (newest first):",
      expect.stringMatching(/^revision\s+replaced\s+size$/),
      expect.stringMatching(/^2\s+just now\s+\d/),
      expect.stringMatching(/^1\s+just now\s+\d/),
    ]);

    const first = await runCli(['undo', '--user', 'alice'], ws);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe("Restored alice's memory to revision 2 (it was revision 3); 1 earlier version left (memagent show --user alice --history).\n");
    expect(await fs.readFile(file)).toEqual(v2);
    const second = await runCli(['undo', '--user', 'alice'], ws);
    expect(second.stdout).toMatch(/revision 1 .*no earlier version is left/);
    expect(await fs.readFile(file)).toEqual(v1);

    const third = await runCli(['undo', '--user', 'alice'], ws);
    expect(third.code).toBe(1);
    expect(third.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^memagent: nothing to undo for alice/)]);
    expect(await fs.readFile(file)).toEqual(v1);
    expect((await runCli(['show', '--user', 'alice', '--history'], ws)).stdout).toBe("No earlier versions of alice's memory.\n");
  });

  it('MEMAGENT_HISTORY_VERSIONS sets how many versions undo keeps; a bad value is one line, exit 2', async () => {
    const ws = await workspace({ MEMAGENT_HISTORY_VERSIONS: '2' });
    for (const town of ['Aveiro', 'Braga', 'Coimbra', 'Faro']) {
      const r = await runCli(['chat', '--user', 'carol'], { ...ws, input: `I live in ${town}.\n` });
      expect(r.code, r.stderr).toBe(0);
    }
    const history = await runCli(['show', '--user', 'carol', '--history'], ws);
    expect(history.stdout.split('\n').filter((l) => /^\d+\s/.test(l)).map((l) => l.split(/\s+/)[0])).toEqual(['3', '2']);
    const bad = await runCli(['show', '--user', 'carol'], { ...ws, env: { ...ws.env, MEMAGENT_HISTORY_VERSIONS: 'ten' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('memagent: MEMAGENT_HISTORY_VERSIONS must be a whole number');
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
