import { hostname } from 'node:os';
import { appendFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemagentError, UsageError } from '../src/core/errors.js';
import {
  claimJournal,
  forgetInJournals,
  journalDirFor,
  listPending,
  openJournal,
  readJournal,
  retire,
} from '../src/core/storage/file/journals.js';
import { isLockLive } from '../src/core/storage/file/lock.js';
import { newSessionId } from '../src/core/journal/journal.js';

const T0 = new Date('2026-11-20T23:21:29.456Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000).toISOString();
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'memagent-journal-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const freshDir = () => mkdtemp(join(tmp, 'case-'));
const open = (dir: string, sessionId: string, userId = 'alice') => openJournal({ dir, userId, sessionId, model: 'claude-test', now: T0 });

describe('newSessionId', () => {
  it('is UTC-stamped, sortable by start time, and unique within a second', () => {
    const id = newSessionId(T0);
    expect(id).toMatch(/^20261120T232129Z-[0-9a-z]{6}$/);
    expect(newSessionId(new Date('2026-11-20T23:21:30Z')) > id).toBe(true);
    expect(new Set(Array.from({ length: 200 }, () => newSessionId(T0))).size).toBe(200);
  });
});

describe('Journal', () => {
  it('round-trips the header, turns and clears; dir 0o700, file 0o600', async () => {
    const dir = await freshDir();
    const journal = await open(dir, 'S1');
    expect(journal.path).toBe(join(dir, 'journal', 'alice', 'S1.jsonl'));
    journal.append({ type: 'turn', role: 'user', text: 'hi, I like tea', at: at(1) });
    journal.append({ type: 'turn', role: 'assistant', text: 'noted', at: at(2), interrupted: true });
    journal.append({ type: 'cleared', at: at(3) });
    journal.append({ type: 'turn', role: 'user', text: 'new topic', at: at(4) });
    const read = await readJournal(journal.path);
    expect(read.header).toEqual({
      type: 'session',
      sessionId: 'S1',
      userId: 'alice',
      startedAt: T0.toISOString(),
      model: 'claude-test',
      pid: process.pid,
      host: hostname(),
    });
    expect(read.turns).toEqual([
      { role: 'user', text: 'hi, I like tea', at: at(1) },
      { role: 'assistant', text: 'noted', at: at(2), interrupted: true },
      { role: 'user', text: 'new topic', at: at(4) },
    ]);
    expect(read.cleared).toEqual([{ at: at(3), beforeTurn: 2 }]);
    expect(read.damagedLines).toBe(0);
    expect((await stat(join(dir, 'journal'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'journal', 'alice'))).mode & 0o777).toBe(0o700);
    expect((await stat(journal.path)).mode & 0o777).toBe(0o600);
    journal.close();
    expect(() => journal.append({ type: 'cleared', at: at(5) })).toThrow(MemagentError);
  });

  it('is on disk, one line per turn, as soon as append returns', async () => {
    const dir = await freshDir();
    const journal = await open(dir, 'S1');
    journal.append({ type: 'turn', role: 'user', text: 'line\nbreak', at: at(1) });
    const lines = (await readFile(journal.path, 'utf8')).split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[1]).text).toBe('line\nbreak');
    journal.close();
  });

  it('refuses an invalid line (a bug) without writing it', async () => {
    const dir = await freshDir();
    const journal = await open(dir, 'S1');
    const before = await readFile(journal.path);
    expect(() => journal.append({ type: 'turn', role: 'user', text: 'x', at: 'yesterday' })).toThrow();
    expect(await readFile(journal.path)).toEqual(before);
    journal.close();
  });

  it('refuses a session id that is already used, and bad ids', async () => {
    const dir = await freshDir();
    const journal = await open(dir, 'S1');
    await expect(open(dir, 'S1')).rejects.toThrow(MemagentError);
    await journal.close();
    await expect(open(dir, 'S1')).rejects.toThrow(/already exists/);
    await expect(open(dir, '../evil')).rejects.toThrow(UsageError);
    await expect(open(dir, 'S2', '../bob')).rejects.toThrow(UsageError);
  });

  it('recreates the journal with its header if it was deleted mid-session', async () => {
    const dir = await freshDir();
    const journal = await open(dir, 'S1');
    await rm(join(dir, 'journal'), { recursive: true });
    journal.append({ type: 'turn', role: 'user', text: 'still here', at: at(1) });
    const read = await readJournal(journal.path);
    expect(read.header?.sessionId).toBe('S1');
    expect(read.turns.map((t) => t.text)).toEqual(['still here']);
    journal.close();
  });
});

describe('readJournal', () => {
  it('tolerates a half-written last line and garbage lines, counting them', async () => {
    const dir = await freshDir();
    const journal = await open(dir, 'S1');
    journal.append({ type: 'turn', role: 'user', text: 'first', at: at(1) });
    await appendFile(journal.path, 'not json at all\n{"type":"turn","role":"robot","text":"x","at":"2026-01-01T00:00:00Z"}\n\n');
    journal.append({ type: 'turn', role: 'assistant', text: 'second', at: at(2) });
    // Killed mid-append: the last line stops halfway.
    await appendFile(journal.path, '{"type":"turn","role":"user","text":"thi');
    const read = await readJournal(journal.path);
    expect(read.turns.map((t) => t.text)).toEqual(['first', 'second']);
    expect(read.damagedLines).toBe(3);
    expect(read.header?.sessionId).toBe('S1');
    journal.close();
  });

  it('reads a journal whose header is damaged', async () => {
    const dir = await freshDir();
    const path = join(dir, 'x.jsonl');
    await writeFile(path, `{"type":"sess\n${JSON.stringify({ type: 'turn', role: 'user', text: 'hello', at: at(1) })}\n`);
    const read = await readJournal(path);
    expect(read.header).toBeNull();
    expect(read.turns).toHaveLength(1);
    expect(read.damagedLines).toBe(1);
  });

  it('a line appended after a failed partial write starts on its own line', async () => {
    const dir = await freshDir();
    const journal = await open(dir, 'S1');
    // What a session killed mid-write leaves, then a journal recovered with another append.
    await appendFile(journal.path, '{"type":"turn","ro');
    (journal as unknown as { partial: boolean }).partial = true;
    journal.append({ type: 'turn', role: 'user', text: 'after', at: at(1) });
    const read = await readJournal(journal.path);
    expect(read.turns.map((t) => t.text)).toEqual(['after']);
    expect(read.damagedLines).toBe(1);
    journal.close();
  });
});

describe('listPending / retire / claimJournal', () => {
  it('lists journals oldest first, without live sessions or the excepted one', async () => {
    const dir = await freshDir();
    const ids = [newSessionId(new Date('2026-01-03T00:00:00Z')), newSessionId(new Date('2026-01-01T00:00:00Z')), newSessionId(new Date('2026-01-02T00:00:00Z'))];
    for (const id of ids) await (await open(dir, id)).close();
    const live = await open(dir, newSessionId(new Date('2026-01-04T00:00:00Z')));
    const jdir = journalDirFor(dir, 'alice');
    await writeFile(join(jdir, '.stray.jsonl.1.ab.tmp'), 'x');
    const sorted = [...ids].sort().map((id) => join(jdir, `${id}.jsonl`));
    expect(await listPending(dir, 'alice')).toEqual(sorted);
    expect(await listPending(dir, 'alice', sorted[1])).toEqual([sorted[0], sorted[2]]);
    expect(await listPending(dir, 'alice', ids[0])).toEqual(sorted.filter((p) => !p.includes(ids[0])));
    expect(await listPending(dir, 'bob')).toEqual([]);
    await live.close();
    expect(await listPending(dir, 'alice')).toHaveLength(4);
  });

  it('a claimed journal is not pending elsewhere; retire deletes it and a dead session lock', async () => {
    const dir = await freshDir();
    await (await open(dir, 'S1')).close();
    const [path] = await listPending(dir, 'alice');
    const claim = await claimJournal(path);
    expect(claim).not.toBeNull();
    expect(await claimJournal(path)).toBeNull();
    expect(await listPending(dir, 'alice')).toEqual([]);
    await retire(path);
    await claim!.release();
    expect(await readdir(journalDirFor(dir, 'alice'))).toEqual([]);
    await retire(path); // idempotent
    // A lock dir left by a killed session (old mtime: stale) is removed with its journal.
    await (await open(dir, 'S2')).close();
    const s2 = join(journalDirFor(dir, 'alice'), 'S2.jsonl');
    await mkdir(`${s2}.lock`);
    const { utimes } = await import('node:fs/promises');
    await utimes(`${s2}.lock`, new Date(0), new Date(0));
    expect(await isLockLive(s2)).toBe(false);
    await retire(s2);
    expect(await readdir(journalDirFor(dir, 'alice'))).toEqual([]);
  });

  it('an orphan lock dir (killed between the unlink and the rmdir of retire) is cleaned; a starting session\'s lock is kept', async () => {
    const dir = await freshDir();
    const jdir = journalDirFor(dir, 'alice');
    await mkdir(jdir, { recursive: true });
    // Killed mid-retire: the journal is gone, its lock dir (no longer refreshed) stays.
    await mkdir(join(jdir, 'GONE.jsonl.lock'));
    const { utimes } = await import('node:fs/promises');
    await utimes(join(jdir, 'GONE.jsonl.lock'), new Date(0), new Date(0));
    // A session starting right now takes its lock before its file exists.
    const starting = await claimJournal(join(jdir, 'STARTING.jsonl'));
    expect(await listPending(dir, 'alice')).toEqual([]);
    expect((await readdir(jdir)).sort()).toEqual(['STARTING.jsonl.lock', 'STARTING.jsonl.lock.owner']);
    await starting!.release();
    expect(await readdir(jdir)).toEqual([]);
  });

  it('Journal.retire deletes its own journal', async () => {
    const dir = await freshDir();
    const journal = await open(dir, 'S1');
    await journal.retire();
    expect(await readdir(journalDirFor(dir, 'alice'))).toEqual([]);
  });
});

describe('forgetInJournals', () => {
  it('removes matching turns (case-insensitive) from every journal, live ones too, keeping headers', async () => {
    const dir = await freshDir();
    const old = await open(dir, 'S1');
    old.append({ type: 'turn', role: 'user', text: 'My address is 12 Rue de Paris', at: at(1) });
    old.append({ type: 'turn', role: 'assistant', text: 'ok', at: at(2) });
    old.close();
    const live = await open(dir, 'S2');
    live.append({ type: 'turn', role: 'user', text: 'PARIS again', at: at(3) });
    await appendFile(live.path, 'garbage mentioning paris\n');
    expect(await forgetInJournals(dir, 'alice', 'rue de paris')).toBe(1);
    expect(await forgetInJournals(dir, 'alice', 'Paris')).toBe(2);
    for (const path of [old.path, live.path]) {
      const text = await readFile(path, 'utf8');
      expect(text.toLowerCase()).not.toContain('paris');
      expect((await readJournal(path)).header).not.toBeNull();
      expect((await stat(path)).mode & 0o777).toBe(0o600);
    }
    expect((await readJournal(old.path)).turns.map((t) => t.text)).toEqual(['ok']);
    // The live session keeps appending to the rewritten file.
    live.append({ type: 'turn', role: 'user', text: 'after forget', at: at(4) });
    expect((await readJournal(live.path)).turns.map((t) => t.text)).toEqual(['after forget']);
    live.close();
    expect(await forgetInJournals(dir, 'bob', 'x')).toBe(0);
    await expect(forgetInJournals(dir, 'alice', '  ')).rejects.toThrow(UsageError);
  });

  it('does not lose a turn appended while a journal is being rewritten', async () => {
    const dir = await freshDir();
    const journal = await open(dir, 'S1');
    for (let i = 0; i < 200; i++) journal.append({ type: 'turn', role: 'user', text: `secret ${i}`, at: at(i) });
    journal.append({ type: 'turn', role: 'user', text: 'keep me', at: at(300) });
    // Append synchronously at every await point of the rewrite.
    let n = 0;
    const appender = setInterval(() => journal.append({ type: 'turn', role: 'user', text: `typed ${n++}`, at: at(400) }), 0);
    await forgetInJournals(dir, 'alice', 'secret');
    clearInterval(appender);
    const texts = (await readJournal(journal.path)).turns.map((t) => t.text);
    expect(texts.filter((t) => t.startsWith('secret'))).toEqual([]);
    expect(texts).toContain('keep me');
    expect(texts.filter((t) => t.startsWith('typed')).sort()).toEqual(Array.from({ length: n }, (_, i) => `typed ${i}`).sort());
    journal.close();
  });
});

describe('recall lines in a journal', () => {
  it('a recall line written after its user turn (the turn is on disk first) and one written before it both name that turn', async () => {
    const { parseJournal } = await import('../src/core/journal/journal.js');
    const at = '2026-12-02T10:00:00.000Z';
    const turn = (role: 'user' | 'assistant', text: string) => JSON.stringify({ type: 'turn', role, text, at });
    const recall = (follows?: boolean) => JSON.stringify({ type: 'recall', at, ids: ['f_1'], tokens: 12, ...(follows ? { follows } : {}) });
    const after = parseJournal([turn('user', 'hi'), turn('assistant', 'hello'), turn('user', 'tea?'), recall(true), turn('assistant', 'green')].join('\n'));
    const before = parseJournal([turn('user', 'hi'), turn('assistant', 'hello'), recall(), turn('user', 'tea?'), turn('assistant', 'green')].join('\n'));
    expect(after.recalls?.map((r) => r.beforeTurn)).toEqual([2]);
    expect(before.recalls?.map((r) => r.beforeTurn)).toEqual([2]);
    expect(after.turns[2].text).toBe('tea?');
  });
});
