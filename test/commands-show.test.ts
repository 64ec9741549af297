// `memagent show` as a user runs it: the built CLI as a child process. The chat runs that show
// must agree with go to the in-process fake API.
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { memorySchema, type Decision, type Fact } from '../src/core/schema.js';
import { apiWorkspace, runCli } from './helpers/cli.js';
import { systemText, useFakeApi } from './helpers/fake.js';
import { makeFact } from './helpers/memory.js';

const fake = useFakeApi();

async function workspace(extraEnv: Record<string, string> = {}) {
  const ws = await apiWorkspace(fake().url, extraEnv);
  return { ...ws, store: new FileMemoryStore({ dir: ws.memoryDir }) };
}

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

const fact = (id: string, text: string, extra: Partial<Fact> = {}): Fact => makeFact(id, text, extra.updatedAt ?? daysAgo(3), extra);

function decision(id: string, topic: string, text: string): Decision {
  const at = daysAgo(2);
  return { id, topic, decision: text, date: at, source: { session: 's1', at, quote: text } };
}

/** A memory with enough in it that a 100-token budget must leave things out. */
const aliceFacts = (): Fact[] => [
  fact('f_units', 'Prefers metric units', { kind: 'preference' }),
  fact('f_tea', 'Drinks green tea, never coffee', { kind: 'preference', pinned: true }),
  fact('f_home', 'Lives in Lisbon', { createdAt: daysAgo(9) }),
  fact('f_job', 'Works at Acme on the billing service', { kind: 'fact', confidence: 'medium' }),
  fact('f_goal', 'Wants to run a marathon in 2027', { kind: 'goal' }),
  fact('f_old', 'Lives in Porto', { status: 'superseded', supersededBy: 'f_home', validTo: daysAgo(5) }),
];

async function seedAlice(store: FileMemoryStore) {
  await store.update('alice', (m) => ({
    ...m,
    sessionCount: 4,
    summary: 'Alice is a backend engineer in Lisbon who is training for a marathon.',
    facts: aliceFacts(),
    decisions: [decision('d_db', 'database', 'Use Postgres for the billing rewrite')],
  }));
}

const memoryBlock = (text: string): string => {
  const m = /^<memory>\n[\s\S]*?\n<\/memory>$/m.exec(text);
  if (!m) throw new Error(`no memory block in:\n${text}`);
  return m[0];
};

describe('memagent show', () => {
  it('without --user: a table of users; a corrupt file is a row marked unreadable, not a crash', async () => {
    const ws = await workspace();
    await seedAlice(ws.store);
    await fs.writeFile(path.join(ws.memoryDir, 'bob.json'), '{"schemaVersion": 1, "facts": [');
    const r = await runCli(['show'], ws);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^user\s+facts\s+decisions\s+sessions\s+last seen\s+size$/);
    expect(lines[1]).toMatch(/^alice\s+5\s+1\s+4\s+just now\s+\d+(\.\d)? K?B$/);
    expect(lines[2]).toMatch(/^bob\s+\?\s+\?\s+\?\s+unreadable\s+31 B$/);
    expect(r.stdout).toMatch(/^bob: .*bob\.json: is not valid JSON/m);

    const json = await runCli(['show', '--json'], ws);
    expect(JSON.parse(json.stdout).map((u: { userId: string; error?: string }) => [u.userId, Boolean(u.error)])).toEqual([
      ['alice', false],
      ['bob', true],
    ]);
  });

  it('an empty memory dir says so; --all or --history without --user is a usage error', async () => {
    const ws = await workspace();
    const r = await runCli(['show'], ws);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/No one is remembered yet/);
    const bad = await runCli(['show', '--history'], ws);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual(['memagent: --history needs --user <id>']);
  });

  it.each([
    ['the default budget', {}],
    ['a 100-token budget', { MEMAGENT_MEMORY_BUDGET: '100' }],
  ])('--user prints the memory block exactly as the chat system prompt has it (%s)', async (_, extraEnv) => {
    const ws = await workspace(extraEnv);
    await seedAlice(ws.store);
    const chat = await runCli(['chat', '--user', 'alice', '--incognito'], { ...ws, input: 'hello\n' });
    expect(chat.code).toBe(0);
    const [req] = fake().requests.filter((q) => q.path === '/v1/messages');
    const block = memoryBlock(systemText(req.body));

    const r = await runCli(['show', '--user', 'alice'], ws);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`\n${block}\n`);
    expect(memoryBlock(r.stdout)).toBe(block);
    // Ids are listed below the block, never inside it.
    expect(block).not.toMatch(/f_units/);
    expect(r.stdout).toMatch(/^ {4}f_units {2}Prefers metric units .*\(3d ago, "Prefers metric units"\)$/m);
    expect(r.stdout).toMatch(/^ {4}f_tea {2}Drinks green tea, never coffee \[pinned\]/m);
    expect(r.stdout).toMatch(/^ {4}d_db {2}\d{4}-\d\d-\d\d {2}database: Use Postgres for the billing rewrite$/m);
  });

  it('over budget: the block and show both say how many items were omitted, and which facts are not in the prompt', async () => {
    const ws = await workspace({ MEMAGENT_MEMORY_BUDGET: '100' });
    await seedAlice(ws.store);
    const r = await runCli(['show', '--user', 'alice'], ws);
    expect(r.code).toBe(0);
    const omitted = Number(/\((\d+) more items? omitted to fit the budget\)/.exec(memoryBlock(r.stdout))?.[1]);
    expect(omitted).toBeGreaterThan(0);
    expect(r.stdout).toMatch(new RegExp(`What the model sees \\(\\d+ of 100 tokens; ${omitted} items? omitted to fit\\):`));
    const notInPrompt = r.stdout.split('\n').filter((l) => l.includes('not in prompt'));
    expect(notInPrompt.length).toBeGreaterThan(0);
    for (const line of notInPrompt) {
      const text = /^ {4}f_\w+ {2}(.*?) \[/.exec(line)?.[1];
      expect(text).toBeTruthy();
      expect(memoryBlock(r.stdout)).not.toContain(text);
    }
  });

  it('--all adds superseded facts; without it they are not listed', async () => {
    const ws = await workspace();
    await seedAlice(ws.store);
    const plain = await runCli(['show', '--user', 'alice'], ws);
    expect(plain.stdout).not.toContain('Lives in Porto');
    const all = await runCli(['show', '--user', 'alice', '--all'], ws);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^ {4}f_old {2}Lives in Porto \[superseded by f_home\]/m);
  });

  it('--json prints the file, which validates against the memory schema', async () => {
    const ws = await workspace();
    await seedAlice(ws.store);
    const r = await runCli(['show', '--user', 'alice', '--json'], ws);
    expect(r.code).toBe(0);
    const parsed = memorySchema.parse(JSON.parse(r.stdout));
    expect(parsed).toEqual(JSON.parse(await fs.readFile(path.join(ws.memoryDir, 'alice.json'), 'utf8')));
  });

  it('lists pending journals, even for a user with no memory file yet', async () => {
    const ws = await workspace();
    await seedAlice(ws.store);
    for (const [user, id] of [['alice', '20260301T100000Z-aaaaaa'], ['alice', '20260302T100000Z-bbbbbb'], ['carol', '20260301T100000Z-cccccc']]) {
      const dir = path.join(ws.memoryDir, 'journal', user);
      await fs.mkdir(dir, { recursive: true });
      const at = new Date().toISOString();
      const lines = [
        { type: 'session', sessionId: id, userId: user, startedAt: at, model: 'claude-sonnet-5-5' },
        { type: 'turn', role: 'user', text: 'I live in Oslo.', at },
      ];
      await fs.writeFile(path.join(dir, `${id}.jsonl`), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    }
    const alice = await runCli(['show', '--user', 'alice'], ws);
    expect(alice.stdout).toMatch(/^Pending: 2 session journals not yet extracted/m);
    const carol = await runCli(['show', '--user', 'carol'], ws);
    expect(carol.code).toBe(0);
    expect(carol.stdout).toMatch(/^Pending: 1 session journal not yet extracted/m);
  });

  it('a corrupt file of the user asked for is one line and exit 1', async () => {
    const ws = await workspace();
    await fs.mkdir(ws.memoryDir, { recursive: true });
    await fs.writeFile(path.join(ws.memoryDir, 'bob.json'), '[]');
    const r = await runCli(['show', '--user', 'bob'], ws);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/bob\.json: does not match the memory schema/);
  });
});

describe('what a user typed, shown back (issue 10)', () => {
  it('escape sequences typed in a chat are shown as text by show, export md and the save lines, and kept exactly by export json', async () => {
    const ws = await workspace();
    const typed = 'I like \u001b]0;PWNED\u0007red \u001b[2Jwine.';
    const chat = await runCli(['chat', '--user', 'eve'], { ...ws, input: `${typed}\n` });
    expect(chat.code).toBe(0);
    const raw = /[\u001b\u0007\u009b]/u;
    expect(chat.stderr).toContain('+ I like \\x1b]0;PWNED\\x07red \\x1b[2Jwine.');
    expect(chat.stderr).not.toMatch(raw);
    const show = await runCli(['show', '--user', 'eve'], ws);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^ {4}f_\w+ {2}I like \\x1b\]0;PWNED\\x07red \\x1b\[2Jwine\. {2}\(just now, "I like \\x1b/m);
    expect(show.stdout).not.toMatch(raw);
    const md = await runCli(['export', '--user', 'eve', '--format', 'md'], ws);
    expect(md.stdout).toContain('I like \\x1b]0;PWNED\\x07red \\x1b[2Jwine.');
    expect(md.stdout).not.toMatch(raw);
    const json = await runCli(['export', '--user', 'eve'], ws);
    expect(json.stdout).not.toMatch(raw);
    expect(memorySchema.parse(JSON.parse(json.stdout)).facts.map((f) => f.text)).toEqual([typed]);
  });

  it('pipe mode lists each proposed item that was not kept, with its quote and why (issue 16)', async () => {
    const ws = await workspace();
    fake().enqueue({
      kind: 'json',
      match: 'extract',
      value: {
        summary: '',
        add: [
          { text: 'Allergic to shellfish', kind: 'constraint', confidence: 'high', quote: "I'm allergic to shellfish" },
          { text: 'Lives in Zürich', kind: 'fact', confidence: 'high', quote: 'I live in Zürich' },
        ],
        update: [],
        supersede: [],
        retract: [],
        decisions: [],
      },
    });
    const chat = await runCli(['chat', '--user', 'zed'], { ...ws, input: "I'm allergic to shellfish!\n" });
    expect(chat.code).toBe(0);
    const lines = chat.stderr.split('\n');
    const saved = lines.findIndex((l) => l.startsWith('Memory saved:'));
    expect(lines.slice(saved - 2, saved)).toEqual(['+ Allergic to shellfish', "not kept: 'Lives in Zürich' — quote not found in your words"]);
  });

  it('a piped session longer than one extraction call keeps what was said at its start and at its end', async () => {
    const ws = await workspace();
    const input = ['My name is Earlybird.', ...Array.from({ length: 12 }, () => 'long 2000'), 'I like latefruit.', ''].join('\n');
    const chat = await runCli(['chat', '--user', 'l'], { ...ws, input, timeoutMs: 60_000 });
    expect(chat.code).toBe(0);
    expect(chat.stderr).toMatch(/^\+ My name is Earlybird\.$/m);
    expect(chat.stderr).toMatch(/^\+ I like latefruit\.$/m);
    const show = await runCli(['show', '--user', 'l'], ws);
    expect(show.stdout).toMatch(/^- \[\d{4}-\d{2}-\d{2}\] \[fact\] (\(uncertain\) )?My name is Earlybird\.$/m);
    expect(show.stdout).toMatch(/^- \[\d{4}-\d{2}-\d{2}\] \[preference\] (\(uncertain\) )?I like latefruit\.$/m);
    expect(show.stdout).not.toMatch(/^Pending/m);
  });
});
