// A search skips its catch-up when nothing it reads changed since the last one (archive-index.ts,
// `Marks`). These tests prove the skip is taken and that it never hides what another store (another
// process) wrote in between: a kept session, an archived fact, a memory file change, a newer
// revision only history holds, a forget.
import { mkdtemp, readFile, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { marksOf, unchangedSince, type Marks } from '../src/core/storage/file/archive-index.js';
import { FileArchive } from '../src/core/storage/file/archive.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { openJournal } from '../src/core/storage/file/journals.js';
import { historyDirFor } from '../src/core/storage/file/paths.js';
import { versionNumbers, versionPath } from '../src/core/storage/file/versions.js';
import { forgetEverywhere } from '../src/core/services/forget.js';
import type { Fact, Memory } from '../src/core/schema.js';
import { makeFact } from './helpers/memory.js';

const T0 = new Date('2026-03-01T10:00:00.000Z');
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'memagent-catch-up-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const fact = (id: string, text: string): Fact => makeFact(id, text, T0.toISOString(), { kind: 'preference' });
const adding = (f: Fact) => (m: Memory): Memory => ({ ...m, facts: [...m.facts, f] });
const removing = (id: string) => (m: Memory): Memory => ({ ...m, facts: m.facts.filter((f) => f.id !== id) });

/**
 * A writer store, and the archive of a second store over the same dir (another process), whose
 * clock runs an hour ahead: every file time is settled at once, so its searches may skip their
 * catch-up without the test waiting a second. `loads` counts its reads of the memory: a search
 * that caught up reads it, one that skipped does not.
 */
async function twoStores() {
  const dir = join(await mkdtemp(join(tmp, 'case-')), 'memory');
  const writer = new FileMemoryStore({ dir, now: () => T0 });
  const reader = new FileMemoryStore({ dir });
  const counter = { loads: 0 };
  const searcher = new FileArchive({
    dir,
    journals: reader.journals,
    load: async (userId) => {
      counter.loads++;
      return (await reader.load(userId)).memory;
    },
    withUserLock: (_userId, fn) => fn(),
    now: () => new Date(),
    clock: () => Date.now() + 3_600_000,
  });
  const keep = async (sessionId: string, text: string) => {
    const journal = await openJournal({ dir, userId: 'alice', sessionId, model: 'm', now: T0 });
    journal.append({ type: 'turn', role: 'user', text, at: T0.toISOString() });
    await journal.close();
    await writer.archive.keepSession('alice', journal.path);
  };
  const found = async (query: string) => (await searcher.search('alice', query, { limit: 10 })).map((h) => h.id).sort();
  return { dir, writer, searcher, counter, keep, found };
}

describe('a search after another store wrote', () => {
  it('finds a session kept, a fact archived and a fact saved since the previous search, though searches with nothing new skip their catch-up', async () => {
    const { writer, counter, keep, found } = await twoStores();
    await keep('S1', 'we talked about kayaking');
    await writer.update('alice', adding(fact('f_1', 'Likes kayaking')));
    await writer.update('alice', removing('f_1'));
    expect(await found('kayaking')).toEqual(['S1:0', 'f_1']);
    const afterFirst = counter.loads;
    expect(await found('kayaking')).toEqual(['S1:0', 'f_1']);
    expect(counter.loads).toBe(afterFirst); // nothing changed: the catch-up was skipped

    await keep('S2', 'more kayaking on Sunday');
    expect(await found('kayaking')).toEqual(['S1:0', 'S2:0', 'f_1']);
    await writer.update('alice', adding(fact('f_2', 'Owns a kayak called kayaking')));
    await writer.update('alice', removing('f_2'));
    expect(await found('kayaking')).toEqual(['S1:0', 'S2:0', 'f_1', 'f_2']);
    await writer.update('alice', adding(fact('f_3', 'Wants a kayaking paddle')));
    expect(await found('kayaking')).toEqual(['S1:0', 'S2:0', 'f_1', 'f_2', 'f_3']);

    const caughtUp = counter.loads;
    expect(await found('paddle')).toEqual(['f_3']);
    expect(counter.loads).toBe(caughtUp); // settled again: skipped again
  });

  it('finds a revision only history holds (a writer that died between its commit and its rename)', async () => {
    const { dir, writer, found } = await twoStores();
    await writer.update('alice', adding(fact('f_1', 'Likes kayaking')));
    expect(await found('kayaking')).toEqual(['f_1']);
    expect(await found('kayaking')).toEqual(['f_1']);
    // Revision 2 committed to history by hand, <userId>.json left at revision 1.
    const history = historyDirFor(dir, 'alice');
    const [current] = await versionNumbers(history);
    const memory = JSON.parse(await readFile(versionPath(history, current!), 'utf8')) as Memory;
    const next = { ...memory, revision: current! + 1, facts: [...memory.facts, fact('f_2', 'Paddles a kayaking canoe')] };
    await writeFile(versionPath(history, current! + 1), JSON.stringify(next), { mode: 0o600 });
    expect(await found('kayaking')).toEqual(['f_1', 'f_2']);
  });

  it('finds a fact of a newer memory file copied in by hand (a sync tool), history untouched', async () => {
    const { dir, writer, found } = await twoStores();
    await writer.update('alice', adding(fact('f_1', 'Likes kayaking')));
    expect(await found('kayaking')).toEqual(['f_1']);
    expect(await found('kayaking')).toEqual(['f_1']);
    const file = join(dir, 'alice.json');
    const memory = JSON.parse(await readFile(file, 'utf8')) as Memory;
    const newer = { ...memory, revision: memory.revision + 1, facts: [...memory.facts, fact('f_2', 'Paddles a kayaking canoe')] };
    await writeFile(file, JSON.stringify(newer));
    expect(await found('kayaking')).toEqual(['f_1', 'f_2']);
  });

  it('no longer finds what another store forgot, from a past session or from the archive alone', async () => {
    const { writer, keep, found } = await twoStores();
    await keep('S1', 'I owe Dave money');
    await writer.update('alice', adding(fact('f_1', 'Lends Dave a kayak')));
    await writer.update('alice', adding(fact('f_2', 'Lends Erin a kayak')));
    await writer.update('alice', removing('f_2'));
    expect(await found('lends')).toEqual(['f_1', 'f_2']);
    expect(await found('lends')).toEqual(['f_1', 'f_2']);
    await forgetEverywhere(writer, 'alice', { text: 'Dave' });
    expect(await found('Dave')).toEqual([]);
    expect(await found('lends')).toEqual(['f_2']);
    // Only an archived fact mentions Erin: the memory file and the newest version stay as they were.
    await forgetEverywhere(writer, 'alice', { text: 'Erin' });
    expect(await found('lends')).toEqual([]);
  });
});

describe('marks of watched paths', () => {
  const marks = (ids: string, newest: number, at: number): Marks => ({ at, ids, newest });

  it('say unchanged only for the same identities, taken a settled while after their newest time', () => {
    expect(unchangedSince(marks('a 1 2 3 4', 1_000, 5_000), marks('a 1 2 3 4', 1_000, 9_000))).toBe(true);
    expect(unchangedSince(marks('a 1 2 3 4', 1_000, 1_500), marks('a 1 2 3 4', 1_000, 9_000))).toBe(false);
    expect(unchangedSince(marks('a 1 2 3 4', 1_000, 5_000), marks('a 9 2 3 4', 1_000, 9_000))).toBe(false);
    expect(unchangedSince(marks('a -', -Infinity, 5_000), marks('a 1 2 3 4', 4_000, 9_000))).toBe(false);
  });

  it('tell a file replaced under the same name and size, with its mtime put back, from the one before', async () => {
    const dir = await mkdtemp(join(tmp, 'marks-'));
    const path = join(dir, 'alice.json');
    await writeFile(path, 'one');
    const before = marksOf([path, join(dir, 'missing')], Date.now());
    const { mtime } = await stat(path);
    await writeFile(`${path}.tmp`, 'two');
    await rename(`${path}.tmp`, path);
    await utimes(path, mtime, mtime);
    const after = marksOf([path, join(dir, 'missing')], Date.now());
    expect(before).not.toBeNull();
    expect(after!.ids).not.toBe(before!.ids);
  });

  it('are not taken through a symlink, whose target could change under it', async () => {
    const dir = await mkdtemp(join(tmp, 'marks-'));
    await writeFile(join(dir, 'target'), 'x');
    await symlink(join(dir, 'target'), join(dir, 'link'));
    expect(marksOf([join(dir, 'link')], Date.now())).toBeNull();
  });
});
