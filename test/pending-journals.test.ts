// Pending journals that are odd, hostile or raced (issue 10, items 8, 9 and 13), as a user meets
// them: the built CLI (`chat` in pipe mode, `compact`) against the in-process fake API, on real
// journal files.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiWorkspace, collect, runCli, startCli, waitFor } from './helpers/cli.js';
import { extractRequests, gate, useFakeApi } from './helpers/fake.js';

const fake = useFakeApi();

const workspace = () => apiWorkspace(fake().url, { MEMAGENT_MAX_RETRIES: '0' });

/** Writes a pending journal of `owner` (as its header says) into `user`'s journal dir, left by a session on another host. */
async function pendingJournal(memoryDir: string, user: string, sessionId: string, said: string[], owner = user): Promise<string> {
  const dir = path.join(memoryDir, 'journal', user);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const at = '2026-02-01T10:00:00.000Z';
  const lines = [
    { type: 'session', sessionId, userId: owner, startedAt: at, model: 'claude-sonnet-5-5', pid: 999_999_999, host: 'elsewhere' },
    ...said.map((text) => ({ type: 'turn', role: 'user', text, at })),
  ];
  const file = path.join(dir, `${sessionId}.jsonl`);
  await fs.writeFile(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''), { mode: 0o600 });
  return file;
}

const factsOf = async (memoryDir: string, user: string): Promise<string> =>
  JSON.parse(await fs.readFile(path.join(memoryDir, `${user}.json`), 'utf8'))
    .facts.map((f: { text: string }) => f.text)
    .join('\n');

const transcripts = () => extractRequests(fake()).map((r) => r.body.messages[0].content as string).join('\n');

/** A compaction answer that changes nothing (the fake's default answers extraction only). */
const noCompaction = { match: 'extract' as const, kind: 'json' as const, value: { summary: '', merge: [], retract: [] } };

describe('a pending journal that cannot be read does not block the ones after it', () => {
  it('a directory named like a journal is moved aside, reported once with its path, and the later session is saved; compact exits 0', async () => {
    const ws = await workspace();
    const jdir = path.join(ws.memoryDir, 'journal', 'quin');
    await fs.mkdir(path.join(jdir, '20260101T000000Z-aaaaaa.jsonl'), { recursive: true });
    await pendingJournal(ws.memoryDir, 'quin', '20260201T100000Z-bbbbbb', ['I live in Afterdir.']);

    fake().enqueue({ match: 'extract', kind: 'json', value: { summary: '', add: [{ text: 'Lives in Afterdir', kind: 'fact', confidence: 'high', quote: 'I live in Afterdir.' }], update: [], supersede: [], retract: [], decisions: [] } }, noCompaction);
    const r = await runCli(['compact', '--user', 'quin'], ws);
    expect(r.code, r.stderr).toBe(0);
    const moved = path.join(jdir, 'quarantine', '20260101T000000Z-aaaaaa.jsonl');
    expect(r.stderr).toContain(`is a directory, not a journal file; moved aside to ${moved}`);
    expect((await fs.stat(moved)).isDirectory()).toBe(true);
    expect(await factsOf(ws.memoryDir, 'quin')).toMatch(/Afterdir/);

    // Reported once: the next run does not see it again.
    const again = await runCli(['chat', '--user', 'quin'], { ...ws, input: '' });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('moved aside');
  });

  it('a 600 MB journal is moved aside without being read, and the later session is saved', async () => {
    const ws = await workspace();
    const jdir = path.join(ws.memoryDir, 'journal', 'huge');
    await fs.mkdir(jdir, { recursive: true });
    const big = path.join(jdir, '20260101T000000Z-aaaaaa.jsonl');
    await fs.writeFile(big, '');
    await fs.truncate(big, 600 * 1024 * 1024); // sparse: costs no disk
    await pendingJournal(ws.memoryDir, 'huge', '20260201T100000Z-bbbbbb', ['I live in Bigtown.']);

    const r = await runCli(['chat', '--user', 'huge'], { ...ws, input: '' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/20260101T000000Z-aaaaaa\.jsonl is 600 MB, larger than a journal can be .*; moved aside to .*quarantine/);
    expect(r.stderr).toMatch(/saved 1 earlier session/);
    expect(await factsOf(ws.memoryDir, 'huge')).toMatch(/Bigtown/);
    expect((await fs.stat(path.join(jdir, 'quarantine', '20260101T000000Z-aaaaaa.jsonl'))).size).toBe(600 * 1024 * 1024);
  });
});

describe('compact racing a chat over the same pending journals', () => {
  it('a journal the chat saved meanwhile is not an error: compact exits 0, the chat reports no failure, each session saved once', async () => {
    const ws = await workspace();
    await pendingJournal(ws.memoryDir, 'race', '20260201T100000Z-aaaaaa', ['I live in Firstly.']);
    await pendingJournal(ws.memoryDir, 'race', '20260201T100001Z-bbbbbb', ['I live in Secondly.']);
    const held = gate();
    const add = (place: string) => ({
      match: 'extract' as const,
      kind: 'json' as const,
      value: { summary: '', add: [{ text: `Lives in ${place}`, kind: 'fact', confidence: 'high', quote: `I live in ${place}.` }], update: [], supersede: [], retract: [], decisions: [] },
    });
    // compact's extraction of the first journal is held until the chat has saved the second one.
    fake().enqueue({ ...add('Firstly'), until: held.promise }, add('Secondly'), noCompaction);

    const compact = collect(startCli(['compact', '--user', 'race'], ws), '', 20_000);
    await waitFor(() => extractRequests(fake()).length, (n) => n === 1);
    const chat = await runCli(['chat', '--user', 'race'], { ...ws, input: '' });
    expect(chat.code, chat.stderr).toBe(0);
    expect(chat.stderr).toMatch(/saved 1 earlier session/);
    expect(chat.stderr).not.toMatch(/could not save/);
    held.open();
    const r = await compact;

    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/unexpected error|ENOENT/);
    const facts = await factsOf(ws.memoryDir, 'race');
    expect(facts.match(/Firstly/g)).toHaveLength(1);
    expect(facts.match(/Secondly/g)).toHaveLength(1);
    expect(extractRequests(fake())).toHaveLength(3); // two extractions and the compaction: nothing twice
  });
});

describe('journals that must not be absorbed', () => {
  it('a journal file that is a symlink to outside the memory dir is never read or sent to the model; reported, left in place', async () => {
    const ws = await workspace();
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'memagent-outside-'));
    const target = await pendingJournal(outside, 'sym', '20260101T000000Z-aaaaaa', ['I live in Secretville.']);
    const jdir = path.join(ws.memoryDir, 'journal', 'sym');
    await fs.mkdir(jdir, { recursive: true });
    const link = path.join(jdir, '20260101T000000Z-aaaaaa.jsonl');
    await fs.symlink(target, link);

    const r = await runCli(['chat', '--user', 'sym'], { ...ws, input: 'I live in Hereford.\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${link} is a symlink, not a journal memagent wrote; not read, left in place`);
    expect(transcripts()).not.toContain('Secretville');
    expect(await factsOf(ws.memoryDir, 'sym')).not.toMatch(/Secretville/);
    expect(await factsOf(ws.memoryDir, 'sym')).toMatch(/Hereford/);
    expect((await fs.lstat(link)).isSymbolicLink()).toBe(true);
    expect(await fs.readFile(target, 'utf8')).toContain('Secretville');
  });

  it('a journal whose header names another user is not merged into this user; reported, left in place', async () => {
    const ws = await workspace();
    const foreign = await pendingJournal(ws.memoryDir, 'bob', '20260101T000000Z-aaaaaa', ['I live in Aliceland.'], 'alice');

    const r = await runCli(['chat', '--user', 'bob'], { ...ws, input: 'I live in Bobton.\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${foreign} is a journal of another user (its header names "alice"), not of bob; not read, left in place`);
    expect(transcripts()).not.toContain('Aliceland');
    const facts = await factsOf(ws.memoryDir, 'bob');
    expect(facts).toMatch(/Bobton/);
    expect(facts).not.toMatch(/Aliceland/);
    expect(await fs.readFile(foreign, 'utf8')).toContain('Aliceland');
  });
});
