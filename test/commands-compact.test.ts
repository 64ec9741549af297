// `memagent compact` as a user runs it: the built CLI as a child process against the in-process
// fake API, whose compaction answers are scripted (`match: 'extract'`, the structured-output call).
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CompactionAnswer } from '../src/core/compaction.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { memorySchema, type Fact, type Memory } from '../src/core/schema.js';
import { startFakeApi } from '../src/fake-api/server.js';
import { apiWorkspace, cliEnv, collect, runCli, startCli, waitFor } from './helpers/cli.js';
import { gate, useFakeApi } from './helpers/fake.js';
import { makeFact } from './helpers/memory.js';

const fake = useFakeApi({ strict: true });

async function workspace() {
  const ws = await apiWorkspace(fake().url);
  return { ...ws, store: new FileMemoryStore({ dir: ws.memoryDir }) };
}

const fact = (id: string, text: string, createdAt: string, extra: Partial<Fact> = {}): Fact => makeFact(id, text, createdAt, extra);

// Handles are numbered by createdAt: handle n is the n-th fact here.
const seedFacts = (): Fact[] => [
  fact('f_a', 'Lives in Lisbon', '2026-03-01T10:00:01.000Z'),
  fact('f_b', 'Lives in Lisbon, Portugal', '2026-03-01T10:00:02.000Z'),
  fact('f_c', 'Works at Acme', '2026-03-01T10:00:03.000Z'),
  fact('f_d', 'Allergic to peanuts', '2026-03-01T10:00:04.000Z', { pinned: true }),
  fact('f_e', 'Learning Rust', '2026-03-01T10:00:05.000Z'),
  fact('f_f', 'Prefers tea', '2026-03-01T10:00:06.000Z', { kind: 'preference' }),
];

async function seed(store: FileMemoryStore) {
  await store.update('alice', (m) => ({ ...m, sessionCount: 2, summary: 'Alice lives in Lisbon.', facts: seedFacts() }));
}

const answer = (a: Partial<CompactionAnswer>): CompactionAnswer => ({ summary: '', merge: [], retract: [], ...a });
const mergeAB = { facts: [1, 2], text: 'Lives in Lisbon, Portugal (merged)', kind: 'fact' as const, confidence: 'high' as const };
const compactionRequests = () => fake().requests.filter((r) => r.path === '/v1/messages' && r.body?.output_config);

/** Every file under `dir` with its bytes (lock dirs and temp files included). */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const p = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, p)] = (await fs.readFile(p)).toString('base64');
  }
  return out;
}

async function load(ws: { memoryDir: string }): Promise<Memory> {
  return memorySchema.parse(JSON.parse(await fs.readFile(path.join(ws.memoryDir, 'alice.json'), 'utf8')));
}

describe('memagent compact', () => {
  it('--dry-run prints the diff and writes nothing (every file byte-identical)', async () => {
    const ws = await workspace();
    await seed(ws.store);
    const before = await snapshot(ws.memoryDir);
    fake().enqueue({ match: 'extract', kind: 'json', value: answer({ summary: 'Alice, in Lisbon.', merge: [mergeAB], retract: [{ fact: 3, reason: 'left Acme' }] }) });
    const r = await runCli(['compact', '--user', 'alice', '--dry-run'], ws);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\+ f_\w+ {2}Lives in Lisbon, Portugal \(merged\) {2}\(merges 2 facts\)$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^- f_a {2}Lives in Lisbon {2}\(merged into f_\w+\)$/),
      expect.stringMatching(/^- f_b {2}Lives in Lisbon, Portugal {2}\(merged into f_\w+\)$/),
      '- f_c  Works at Acme  (retracted: left Acme)',
      '~ summary',
      '    - Alice lives in Lisbon.',
      '    + Alice, in Lisbon.',
      '= 3 facts kept',
      'Dry run, nothing written: would merge 2 facts into 1, retract 1, keep 3, rewrite the summary.',
    ]);
    expect(await snapshot(ws.memoryDir)).toEqual(before);
    // The model saw every active fact by handle, the pinned one marked.
    expect(JSON.stringify(compactionRequests()[0].body)).toContain('4. [fact, pinned] Allergic to peanuts');
  });

  it('a real run merges, prints the diff, and undo restores the file byte for byte', async () => {
    const ws = await workspace();
    await seed(ws.store);
    const file = path.join(ws.memoryDir, 'alice.json');
    const before = await fs.readFile(file);
    fake().enqueue({ match: 'extract', kind: 'json', value: answer({ merge: [mergeAB] }) });
    const r = await runCli(['compact', '--user', 'alice'], ws);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Compacted alice's memory: merged 2 facts into 1, retracted 0, kept 4 \(revision 2; memagent undo --user alice reverts\)\.$/m);
    const after = await load(ws);
    expect(after.revision).toBe(2);
    const merged = after.facts.find((f) => f.text === 'Lives in Lisbon, Portugal (merged)');
    expect(merged?.status).toBe('active');
    expect(after.facts.filter((f) => f.supersededBy === merged?.id).map((f) => f.id)).toEqual(['f_a', 'f_b']);

    const undo = await runCli(['undo', '--user', 'alice'], ws);
    expect(undo.code).toBe(0);
    expect(await fs.readFile(file)).toEqual(before);
  });

  it('refuses to remove more than a third of active facts without --yes: exit 2, one line, nothing written', async () => {
    const ws = await workspace();
    await seed(ws.store);
    const before = await snapshot(ws.memoryDir);
    const big = answer({ merge: [mergeAB], retract: [{ fact: 3, reason: 'stale' }, { fact: 5, reason: 'stale' }] });
    fake().enqueue({ match: 'extract', kind: 'json', value: big });
    const r = await runCli(['compact', '--user', 'alice'], ws);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      'memagent: compaction would remove 3 of 6 active facts (more than a third); review it with --dry-run, then add --yes to apply; nothing compacted',
    ]);
    expect(await snapshot(ws.memoryDir)).toEqual(before);

    // The dry run shows it and says --yes is needed; --yes applies it.
    fake().enqueue({ match: 'extract', kind: 'json', value: big });
    const dry = await runCli(['compact', '--user', 'alice', '--dry-run'], ws);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/Applying needs --yes: it removes 3 of 6 active facts/);
    fake().enqueue({ match: 'extract', kind: 'json', value: big });
    const yes = await runCli(['compact', '--user', 'alice', '--yes'], ws);
    expect(yes.code).toBe(0);
    expect((await load(ws)).facts.filter((f) => f.status === 'active')).toHaveLength(3);
  });

  it('never compacts a pinned fact away, even when the model asks', async () => {
    const ws = await workspace();
    await seed(ws.store);
    const pinnedBefore = (await load(ws)).facts.find((f) => f.id === 'f_d');
    fake().enqueue({
      match: 'extract',
      kind: 'json',
      value: answer({ merge: [{ ...mergeAB, facts: [4, 5], text: 'Allergic; learning Rust' }], retract: [{ fact: 4, reason: 'old' }, { fact: 6, reason: 'gave up tea' }] }),
    });
    const r = await runCli(['compact', '--user', 'alice'], ws);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^! skipped a merge into "Allergic; learning Rust": pinned fact f_d$/m);
    expect(r.stdout).toMatch(/^! skipped a retraction: pinned fact f_d$/m);
    const after = await load(ws);
    expect(after.facts.find((f) => f.id === 'f_d')).toEqual(pinnedBefore);
    expect(after.facts.find((f) => f.id === 'f_e')?.status).toBe('active');
    expect(after.facts.find((f) => f.id === 'f_f')?.status).toBe('retracted');
  });

  it('saves pending journals before compacting (and a dry run only mentions them)', async () => {
    const ws = await workspace();
    await seed(ws.store);
    const dir = path.join(ws.memoryDir, 'journal', 'alice');
    await fs.mkdir(dir, { recursive: true });
    const at = new Date().toISOString();
    const lines = [
      { type: 'session', sessionId: '20260301T100000Z-aaaaaa', userId: 'alice', startedAt: at, model: 'claude-sonnet-5-5' },
      { type: 'turn', role: 'user', text: 'I like green tea.', at },
    ];
    await fs.writeFile(path.join(dir, '20260301T100000Z-aaaaaa.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    fake().enqueue({ match: 'extract', kind: 'json', value: answer({}) });
    const dry = await runCli(['compact', '--user', 'alice', '--dry-run'], ws);
    expect(dry.stderr).toMatch(/1 pending session not included in this dry run/);
    expect(dry.stdout).toMatch(/the model proposes no change/);

    // The journal's extraction goes first (the fake's default extractor), then the compaction.
    fake().enqueue(
      { match: 'extract', kind: 'json', value: { summary: '', add: [{ text: 'Likes green tea', kind: 'preference', confidence: 'high', quote: 'I like green tea' }], update: [], supersede: [], retract: [], decisions: [] } },
      { match: 'extract', kind: 'json', value: answer({}) },
    );
    const r = await runCli(['compact', '--user', 'alice'], ws);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/saved 1 pending session first/);
    expect(JSON.stringify(compactionRequests().at(-1)!.body)).toContain('Likes green tea');
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('against a concurrent chat: the chat merges new facts while the model plans, and they survive', async () => {
    // Not strict: the chat's turn and extraction get the fake's default answers.
    const lenient = await startFakeApi();
    const ws = await workspace();
    ws.env.ANTHROPIC_BASE_URL = lenient.url;
    const requests = () => lenient.requests.filter((q) => q.body?.output_config);
    await seed(ws.store);
    // The compaction's answer is held until the chat has written, however slow the machine.
    const chatWrote = gate();
    lenient.enqueue({ match: 'extract', kind: 'json', value: answer({ summary: 'Compacted summary.', merge: [mergeAB] }), until: chatWrote.promise });
    const compact = startCli(['compact', '--user', 'alice'], ws);
    const done = collect(compact, '', 20_000);
    await waitFor(() => requests().length, (n) => n === 1);
    // The fake's default extractor answers the chat's extraction: "I like …" adds a fact.
    const chat = await runCli(['chat', '--user', 'alice'], { ...ws, input: 'I like sailing on weekends.\n' });
    expect(chat.code).toBe(0);
    const mid = await load(ws);
    expect(mid.revision).toBe(2);
    chatWrote.open();
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^! the summary was rewritten by another session meanwhile; kept that one$/m);
    expect(r.stdout).toMatch(/Compacted alice's memory: merged 2 facts into 1.*\(revision 3;/);
    const after = await load(ws);
    expect(after.facts.find((f) => f.text === 'I like sailing on weekends.')?.status).toBe('active');
    expect(after.facts.find((f) => f.text === 'Lives in Lisbon, Portugal (merged)')?.status).toBe('active');
    expect(after.summary).toBe(mid.summary);
    expect(after.sessionCount).toBe(3);
    expect(requests()).toHaveLength(2); // one compaction, one chat extraction: no re-plan was needed
    await lenient.close();
  });

  it('when a planned fact changes during the model call, it plans again on the newer file', async () => {
    const ws = await workspace();
    await seed(ws.store);
    const changed = gate();
    fake().enqueue(
      { match: 'extract', kind: 'json', value: answer({ merge: [mergeAB] }), until: changed.promise },
      { match: 'extract', kind: 'json', value: answer({ retract: [{ fact: 3, reason: 'left Acme' }] }) },
    );
    const done = collect(startCli(['compact', '--user', 'alice'], ws), '', 20_000);
    await waitFor(() => compactionRequests().length, (n) => n === 1);
    await ws.store.update('alice', (m) => ({
      ...m,
      facts: m.facts.map((f) => (f.id === 'f_b' ? { ...f, text: 'Moved to Porto', updatedAt: new Date().toISOString() } : f)),
    }));
    changed.open();
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/changed the memory while the model was planning; planned again/);
    expect(compactionRequests()).toHaveLength(2);
    const after = await load(ws);
    expect(after.facts.find((f) => f.id === 'f_b')).toMatchObject({ status: 'active', text: 'Moved to Porto' });
    expect(after.facts.find((f) => f.id === 'f_a')?.status).toBe('active');
    expect(after.facts.find((f) => f.id === 'f_c')?.status).toBe('retracted');
  });

  it('nothing remembered: says so without calling the model; no API key: one line, exit 1', async () => {
    const ws = await workspace();
    const r = await runCli(['compact', '--user', 'nobody'], ws);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/nothing to compact/);
    expect(fake().requests).toHaveLength(0);
    const nokey = await runCli(['compact', '--user', 'alice'], { cwd: ws.cwd, env: cliEnv({ MEMAGENT_MEMORY_DIR: ws.memoryDir }) });
    expect(nokey.code).toBe(1);
    expect(nokey.stderr.trim().split('\n')).toHaveLength(1);
  });
});
