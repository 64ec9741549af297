import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemagentError, MemoryFileError, UsageError } from '../../src/core/errors.js';
import { openJournal } from '../../src/core/storage/file/journals.js';
import { FileMemoryStore } from '../../src/core/storage/file/file-store.js';
import type { FileArchive } from '../../src/core/storage/file/archive.js';
import { RevisionConflictError } from '../../src/core/storage/file/versions.js';
import { SCHEMA_VERSION, emptyMemory, type Decision, type Fact, type Memory } from '../../src/core/schema.js';
import { serialize as serializeMemory } from '../../src/core/storage/file/codec.js';
import { makeFact } from '../helpers/memory.js';
import { archiveStoreContract, memoryStoreContract, type ContractBacking } from './contract.js';
import { forgetEverywhere, previewForget } from '../../src/core/services/forget.js';
import { PLAINTEXT, ageCipher, parseIdentity, type FileCipher } from '../../src/core/storage/file/age-cipher.js';
import { generateIdentityFile } from '../../src/core/storage/file/age-identity.js';

const T0 = new Date('2026-03-01T10:00:00.000Z');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'memagent-store-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A store in a fresh dir with a clock that ticks one second per call. */
async function freshStore(opts: { historyLimit?: number; maxFileBytes?: number } = {}) {
  const dir = join(await mkdtemp(join(tmp, 'case-')), 'memory');
  let tick = 0;
  const store = new FileMemoryStore({ dir, now: () => new Date(T0.getTime() + 1000 * tick++), ...opts });
  return { dir, store };
}

// The storage contract, against the file store over a fresh temp memory dir.
async function fileBacking(cipher: FileCipher = PLAINTEXT): Promise<ContractBacking> {
  const dir = join(await mkdtemp(join(tmpdir(), 'memagent-contract-')), 'memory');
  return {
    open: () => new FileMemoryStore({ dir, cipher }),
    cleanup: () => rm(dirname(dir), { recursive: true, force: true }),
    pausedWriter: () => {
      let reached!: () => void;
      let resume!: () => void;
      const atCommit = new Promise<void>((r) => (reached = r));
      const resumed = new Promise<void>((r) => (resume = r));
      let first = true;
      const store = new FileMemoryStore({
        dir,
        cipher,
        hooks: {
          afterTempFile: () => {
            if (!first) return undefined;
            first = false;
            reached();
            return resumed;
          },
        },
      });
      // What a stale takeover does to the holder: its lock directory is gone.
      const takeOverLock = (userId: string) => rm(join(dir, `${userId}.json.lock`), { recursive: true, force: true });
      return { store, reached: atCommit, resume, takeOverLock };
    },
  };
}
memoryStoreContract('file store', () => fileBacking());
archiveStoreContract('file store', () => fileBacking());

// The same contracts with encryption at rest on: every file the store writes is an age file.
const contractCipher = ageCipher(parseIdentity((await generateIdentityFile(T0)).text));
memoryStoreContract('file store, encrypted', () => fileBacking(contractCipher));
archiveStoreContract('file store, encrypted', () => fileBacking(contractCipher));

const fact = (id: string, text: string, status: Fact['status'] = 'active'): Fact =>
  makeFact(id, text, T0.toISOString(), { kind: 'preference', status });

function decision(id: string, topic: string, text: string): Decision {
  const t = T0.toISOString();
  return { id, topic, decision: text, date: t, source: { session: 's1', at: t, quote: text } };
}

const addFact = (f: Fact) => (m: Memory): Memory => ({ ...m, facts: [...m.facts, f] });

async function expectFileError(promise: Promise<unknown>, path: string, pattern: RegExp): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MemoryFileError);
  expect((err as MemoryFileError).path).toBe(path);
  expect((err as Error).message).toContain(path);
  expect((err as Error).message).toMatch(pattern);
  expect((err as Error).message).not.toContain('\n');
}

describe('MemoryStore.load', () => {
  it('gives an empty memory for a missing file and never writes', async () => {
    const { dir, store } = await freshStore();
    const { memory, exists } = await store.load('alice');
    expect(exists).toBe(false);
    expect(memory).toEqual(emptyMemory('alice', T0));
    expect(await readdir(dir)).toEqual([]);
  });

  it('creates the memory dir with mode 0o700', async () => {
    const { dir } = await freshStore();
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it('refuses invalid user ids before touching the disk', async () => {
    const { store } = await freshStore();
    await expect(store.load('../x')).rejects.toThrow(UsageError);
    await expect(store.pathFor('con')).rejects.toThrow(UsageError);
  });

  const corrupt: Array<[string, string | Buffer, RegExp]> = [
    ['empty', '', /is empty/],
    ['whitespace only', '  \n', /is empty/],
    ['not JSON', '{"schemaVersion": 1, ', /is not valid JSON/],
    ['a JSON array', '[]', /does not match the memory schema: \(root\)/],
    ['newer schemaVersion', JSON.stringify({ ...emptyMemory('alice', T0), schemaVersion: SCHEMA_VERSION + 1 }), /newer memagent \(schemaVersion 2\); upgrade memagent/],
    [
      'schema-invalid',
      JSON.stringify({ ...emptyMemory('alice', T0), revision: -1, facts: [{ ...fact('f_1', 'x'), kind: 'mood', text: '' }] }),
      /does not match the memory schema: .*revision.*facts\[0\]\.(text|kind).*facts\[0\]\.(text|kind)/,
    ],
    ['another user', JSON.stringify(emptyMemory('bob', T0)), /holds the memory of user "bob", not "alice"/],
  ];
  it.each(corrupt)('refuses a file that is %s with MemoryFileError naming it; bytes untouched', async (_name, content, pattern) => {
    const { dir, store } = await freshStore();
    const file = join(dir, 'alice.json');
    await writeFile(file, content);
    await expectFileError(store.load('alice'), file, pattern);
    // update and undo refuse too, and write nothing.
    await expectFileError(store.update('alice', addFact(fact('f_1', 'tea'))), file, pattern);
    await expectFileError(store.undo('alice'), file, pattern);
    expect(await readFile(file)).toEqual(Buffer.from(content));
    expect((await readdir(dir)).sort()).toEqual(['alice.json']);
  });

  it('names only the first 3 schema problems', async () => {
    const { dir, store } = await freshStore();
    const file = join(dir, 'alice.json');
    const bad = { ...emptyMemory('alice', T0), facts: [1, 2, 3, 4, 5] };
    await writeFile(file, JSON.stringify(bad));
    await expectFileError(store.load('alice'), file, /facts\[0\].*facts\[1\].*facts\[2\].*\(\+2 more\)/);
  });

  it('refuses a file over maxFileBytes without reading it', async () => {
    const { dir, store } = await freshStore({ maxFileBytes: 1000 });
    const file = join(dir, 'alice.json');
    await writeFile(file, `${JSON.stringify(emptyMemory('alice', T0))}${' '.repeat(2000)}`);
    await expectFileError(store.load('alice'), file, /over the 1000-byte limit/);
  });

  it('refuses an unreadable file with MemoryFileError', async () => {
    if (process.getuid?.() === 0) return; // root reads anything
    const { dir, store } = await freshStore();
    const file = join(dir, 'alice.json');
    await writeFile(file, JSON.stringify(emptyMemory('alice', T0)));
    await chmod(file, 0o000);
    await expectFileError(store.load('alice'), file, /cannot be read/);
  });

  it('refuses a symlink that leaves the memory dir, and one to nothing', async () => {
    const { dir, store } = await freshStore();
    const outside = join(dir, '..', 'outside.json');
    await writeFile(outside, JSON.stringify(emptyMemory('alice', T0)));
    const file = join(dir, 'alice.json');
    await symlink(outside, file);
    await expectFileError(store.load('alice'), file, /is a symlink that leaves the memory dir/);
    await expectFileError(store.update('alice', addFact(fact('f_1', 'tea'))), file, /leaves the memory dir/);
    await symlink(join(dir, 'nothing.json'), join(dir, 'bob.json'));
    await expectFileError(store.load('bob'), join(dir, 'bob.json'), /symlink to nothing/);
    expect(await readFile(outside, 'utf8')).toBe(JSON.stringify(emptyMemory('alice', T0)));
  });

  it('accepts a memory dir that is itself a symlink', async () => {
    const { dir, store } = await freshStore();
    await store.update('alice', addFact(fact('f_1', 'tea')));
    const link = join(dir, '..', 'link');
    await symlink(dir, link);
    const viaLink = new FileMemoryStore({ dir: link });
    expect((await viaLink.load('alice')).memory.facts).toHaveLength(1);
  });
});

describe('MemoryStore.update', () => {
  it('bumps revision by exactly one, stamps updatedAt, writes pretty JSON with mode 0o600', async () => {
    const { dir, store } = await freshStore();
    const first = await store.update('alice', addFact(fact('f_1', 'likes tea')));
    expect(first.written).toBe(true);
    expect(first.before.revision).toBe(0);
    expect(first.after.revision).toBe(1);
    const second = await store.update('alice', (m) => ({ ...m, revision: 999, sessionCount: m.sessionCount + 1 }));
    expect(second.after.revision).toBe(2);
    expect(second.after.updatedAt).not.toBe(first.after.updatedAt);
    const file = join(dir, 'alice.json');
    const text = await readFile(file, 'utf8');
    expect(text).toBe(`${JSON.stringify(second.after, null, 2)}\n`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await store.load('alice')).memory).toEqual(second.after);
  });

  it('writes nothing when fn returns null', async () => {
    const { dir, store } = await freshStore();
    const result = await store.update('alice', () => null);
    expect(result.written).toBe(false);
    expect(result.after).toBe(result.before);
    expect(await readdir(dir)).toEqual([]);
  });

  it('gives fn a copy: mutating it does not change `before`', async () => {
    const { store } = await freshStore();
    await store.update('alice', addFact(fact('f_1', 'tea')));
    const result = await store.update('alice', (m) => {
      m.facts.push(fact('f_2', 'coffee'));
      return m;
    });
    expect(result.before.facts).toHaveLength(1);
    expect(result.after.facts).toHaveLength(2);
  });

  it('refuses to write an invalid memory or another user (a bug), writing nothing', async () => {
    const { dir, store } = await freshStore();
    await store.update('alice', addFact(fact('f_1', 'tea')));
    const before = await readFile(join(dir, 'alice.json'));
    await expect(store.update('alice', addFact({ ...fact('f_2', ''), text: '' }))).rejects.toThrow(/refusing to write an invalid memory/);
    await expect(store.update('alice', (m) => ({ ...m, userId: 'bob' }))).rejects.toThrow(MemagentError);
    expect(await readFile(join(dir, 'alice.json'))).toEqual(before);
    expect(await store.history('alice')).toHaveLength(0);
  });

  it('keeps the previous bytes in history (0o700 dir, 0o600 files), capped at historyLimit', async () => {
    const { dir, store } = await freshStore({ historyLimit: 3 });
    const file = join(dir, 'alice.json');
    const versions: Buffer[] = [];
    for (let i = 1; i <= 6; i++) {
      await store.update('alice', addFact(fact(`f_${i}`, `fact ${i}`)));
      versions.push(await readFile(file));
    }
    const history = await store.history('alice');
    expect(history.map((h) => h.revision)).toEqual([5, 4, 3]);
    expect(history[0].path).toBe(join(dir, 'history', 'alice', '0000000005.json'));
    expect(await readFile(history[0].path)).toEqual(versions[4]);
    expect(history[0].bytes).toBe(versions[4].length);
    expect(Number.isNaN(Date.parse(history[0].savedAt))).toBe(false);
    expect((await stat(join(dir, 'history'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'history', 'alice'))).mode & 0o777).toBe(0o700);
    expect((await stat(history[0].path)).mode & 0o777).toBe(0o600);
  });

  it('keeps no history with historyLimit 0', async () => {
    const { store } = await freshStore({ historyLimit: 0 });
    await store.update('alice', addFact(fact('f_1', 'a')));
    await store.update('alice', addFact(fact('f_2', 'b')));
    expect(await store.history('alice')).toEqual([]);
  });

  it('removes temp files left by killed writers', async () => {
    const { dir, store } = await freshStore();
    await store.update('alice', addFact(fact('f_1', 'a')));
    await writeFile(join(dir, '.alice.json.4242.deadbeef.tmp'), '{"half');
    expect((await store.load('alice')).memory.facts).toHaveLength(1);
    await store.update('alice', addFact(fact('f_2', 'b')));
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

describe('MemoryStore.undo', () => {
  it('writes the revision before the last one again as a new revision, one write back per undo', async () => {
    const { dir, store } = await freshStore();
    const file = join(dir, 'alice.json');
    await store.update('alice', addFact(fact('f_1', 'a')));
    await store.update('alice', addFact(fact('f_2', 'b')));
    await store.update('alice', addFact(fact('f_3', 'c')));

    const first = await store.undo('alice');
    expect(first).toMatchObject({ revision: 4, restoredRevision: 2 });
    expect(first.before.revision).toBe(3);
    const onDisk = JSON.parse(await readFile(file, 'utf8')) as Memory;
    expect(onDisk.revision).toBe(4);
    expect(onDisk.facts.map((f) => f.id)).toEqual(['f_1', 'f_2']);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // The undo is itself the last write: undoing it brings f_3 back.
    await store.undo('alice');
    expect((await store.load('alice')).memory.facts.map((f) => f.id)).toEqual(['f_1', 'f_2', 'f_3']);
  });

  it('refuses a damaged earlier version without writing, naming it', async () => {
    const { dir, store } = await freshStore();
    await store.update('alice', addFact(fact('f_1', 'a')));
    await store.update('alice', addFact(fact('f_2', 'b')));
    const [newest] = await store.history('alice');
    await rm(newest.path);
    await writeFile(newest.path, 'garbage');
    const current = await readFile(join(dir, 'alice.json'));
    const err = await store.undo('alice').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MemagentError);
    expect((err as Error).message).toContain(newest.path);
    expect((err as Error).message).toMatch(/not valid JSON/);
    expect(await readFile(join(dir, 'alice.json'))).toEqual(current);
  });

  it('refuses when the version it needs was pruned, saying so', async () => {
    const { store } = await freshStore({ historyLimit: 0 });
    await store.update('alice', addFact(fact('f_1', 'a')));
    await store.update('alice', addFact(fact('f_2', 'b')));
    await expect(store.undo('alice')).rejects.toThrow(/revision 1 is no longer kept/);
    expect((await store.load('alice')).memory.revision).toBe(2);
  });
});

describe('MemoryStore.restore', () => {
  it('moves a corrupt memory aside, never touching its bytes, and restores the newest intact version', async () => {
    const { dir, store } = await freshStore();
    const file = join(dir, 'alice.json');
    await store.update('alice', addFact(fact('f_1', 'a')));
    await store.update('alice', addFact(fact('f_2', 'b')));
    // Corrupted by something outside memagent (a new file at the same name).
    await rm(file);
    await writeFile(file, '{"half');
    const err = await store.load('alice').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MemoryFileError);
    expect((err as Error).message).toMatch(/newest intact version kept is revision 2 .*memagent restore --user alice/);
    await expect(store.undo('alice')).rejects.toThrow(/memagent restore --user alice/);
    const result = await store.restore('alice');
    expect(result).toMatchObject({ restoredRevision: 2, revision: 3, before: null });
    expect(result.movedAside).toMatch(/alice\.json\.corrupt-/);
    expect(await readFile(result.movedAside!, 'utf8')).toBe('{"half');
    expect((await store.load('alice')).memory.facts.map((f) => f.id)).toEqual(['f_1', 'f_2']);
    // The aside file is not a user, and forgetAll removes it.
    expect((await store.listUsers()).map((u) => u.userId)).toEqual(['alice']);
    await store.forgetAll('alice');
    expect((await readdir(dir)).filter((n) => n.startsWith('alice'))).toEqual([]);
  });

  it('with a corrupt memory and nothing intact kept, keeps the "fix it or move it away" advice', async () => {
    const { dir, store } = await freshStore();
    await writeFile(join(dir, 'alice.json'), '{"half');
    await expect(store.load('alice')).rejects.toThrow(/fix it or move it away/);
    await expect(store.restore('alice')).rejects.toThrow(/no intact earlier version/);
    expect(await readFile(join(dir, 'alice.json'), 'utf8')).toBe('{"half');
  });
});

describe('MemoryStore revisions (link-as-commit)', () => {
  it('a newer committed revision wins over an older one renamed over the memory file late', async () => {
    const { dir, store } = await freshStore();
    const file = join(dir, 'alice.json');
    await store.update('alice', addFact(fact('f_1', 'a')));
    const rev1 = await readFile(file);
    await store.update('alice', addFact(fact('f_2', 'b')));
    // What a writer that lost its lock leaves when its rename lands after a newer commit.
    await writeFile(join(dir, '.late.tmp'), rev1);
    await rename(join(dir, '.late.tmp'), file);
    const { memory } = await store.load('alice');
    expect(memory.revision).toBe(2);
    expect(memory.facts.map((f) => f.id)).toEqual(['f_1', 'f_2']);
    // The next write starts from revision 2 and repairs the memory file.
    const next = await store.update('alice', addFact(fact('f_3', 'c')));
    expect(next.before.revision).toBe(2);
    expect(JSON.parse(await readFile(file, 'utf8')).revision).toBe(3);
  });

  it('an old copy of the memory file put back is ignored even when the revisions between were pruned (history 0)', async () => {
    const { dir, store } = await freshStore({ historyLimit: 0 });
    const file = join(dir, 'alice.json');
    await store.update('alice', addFact(fact('f_1', 'apples')));
    const saved = await readFile(file);
    await store.update('alice', addFact(fact('f_2', 'pears')));
    await store.update('alice', addFact(fact('f_3', 'plums')));
    // A backup older than the kept history, copied back by hand in place, as `cp` does (same inode, truncated and rewritten).
    await writeFile(file, saved);
    const { memory } = await store.load('alice');
    expect(memory.revision).toBe(3);
    expect(memory.facts.map((f) => f.text)).toEqual(['apples', 'pears', 'plums']);
    // The next write builds on revision 3, not on the stale copy.
    const next = await store.update('alice', addFact(fact('f_4', 'figs')));
    expect(next.after.revision).toBe(4);
    expect(JSON.parse(await readFile(file, 'utf8')).facts.map((f: Fact) => f.text)).toEqual(['apples', 'pears', 'plums', 'figs']);
  });

  it('a file from before link-as-commit keeps its revision in history at its first write, so undo can go back to it', async () => {
    const { dir, store } = await freshStore();
    const file = join(dir, 'alice.json');
    await writeFile(file, serializeMemory({ ...emptyMemory('alice', T0), revision: 7, facts: [fact('f_1', 'a')] }), { mode: 0o600 });
    await store.update('alice', addFact(fact('f_2', 'b')));
    expect((await store.history('alice')).map((v) => v.revision)).toEqual([7]);
    const undone = await store.undo('alice');
    expect(undone).toMatchObject({ revision: 9, restoredRevision: 7 });
    expect(undone.after.facts.map((f) => f.id)).toEqual(['f_1']);
  });
});

describe('MemoryStore.forget', () => {
  it('hard-deletes matching facts and decisions from the file and every history version', async () => {
    const { dir, store } = await freshStore();
    await store.update('alice', addFact(fact('f_1', 'lives in Paris')));
    await store.update('alice', addFact(fact('f_2', 'likes tea')));
    await store.update('alice', (m) => ({ ...m, decisions: [decision('d_1', 'move', 'moving to Paris'), decision('d_2', 'db', 'use sqlite')] }));
    const removed = await store.forget('alice', (item) => JSON.stringify(item).includes('Paris'));
    expect(removed).toBe(2);
    const { memory } = await store.load('alice');
    expect(memory.revision).toBe(4);
    expect(memory.facts.map((f) => f.id)).toEqual(['f_2']);
    expect(memory.decisions.map((d) => d.id)).toEqual(['d_2']);
    // Nothing of it anywhere on disk.
    const history = await store.history('alice');
    expect(history.map((h) => h.revision)).toEqual([3, 2, 1]);
    for (const h of history) expect(await readFile(h.path, 'utf8')).not.toContain('Paris');
    for (const name of await readdir(join(dir, 'history', 'alice'))) expect(await readFile(join(dir, 'history', 'alice', name), 'utf8')).not.toContain('Paris');
    expect(await readFile(join(dir, 'alice.json'), 'utf8')).not.toContain('Paris');
    // Restoring an older, scrubbed version does not bring it back either.
    await store.restore('alice', { revision: 1 });
    expect(await readFile(join(dir, 'alice.json'), 'utf8')).not.toContain('Paris');
    // Idempotent.
    expect(await store.forget('alice', (item) => JSON.stringify(item).includes('Paris'))).toBe(0);
  });

  it('forget leaves no trace anywhere in the memory dir: moved-aside memories and quarantined journals are scrubbed too', async () => {
    const { dir, store } = await freshStore();
    const file = join(dir, 'alice.json');
    await store.update('alice', addFact(fact('f_1', 'lives in Lisbon')));
    await store.update('alice', addFact(fact('f_2', 'likes tea')));
    // A damaged memory (mentions Lisbon) moved aside by restore, and an intact one put aside by hand.
    await rm(file);
    await writeFile(file, '{"facts": [\n  {"text": "lives in Lisbon", "x": \n  {"text": "likes tea"}');
    const { movedAside } = await store.restore('alice');
    expect(movedAside).toBeDefined();
    const { memory } = await store.load('alice');
    await writeFile(`${file}.corrupt-2026-01-01T00-00-00-000Z`, serializeMemory(memory), { mode: 0o600 });
    // A journal quarantined because it could not be read then (now readable), and one that still cannot be.
    const journal = await openJournal({ dir, userId: 'alice', sessionId: 'S1', model: 'm', now: T0 });
    journal.append({ type: 'turn', role: 'user', text: 'I live in Lisbon.', at: T0.toISOString() });
    journal.append({ type: 'turn', role: 'user', text: 'I like tea.', at: T0.toISOString() });
    await journal.close();
    const quarantine = join(dir, 'journal', 'alice', 'quarantine');
    await mkdir(join(quarantine, 'odd.jsonl'), { recursive: true });
    await rename(join(dir, 'journal', 'alice', 'S1.jsonl'), join(quarantine, 'S1.jsonl'));

    const report = await forgetEverywhere(store, 'alice', { text: 'Lisbon' });

    expect(report.journalLines).toBe(1);
    expect(report.journalsUnsearched).toEqual([join(quarantine, 'odd.jsonl')]);
    const leftovers: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const entry of await readdir(d, { withFileTypes: true })) {
        const path = join(d, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.isFile() && /lisbon/i.test(await readFile(path, 'utf8'))) leftovers.push(path);
      }
    };
    await walk(dir);
    expect(leftovers).toEqual([]);
    // What was not forgotten stays, also in the set-aside copies.
    expect(await readFile(movedAside!, 'utf8')).toContain('likes tea');
    expect(await readFile(join(quarantine, 'S1.jsonl'), 'utf8')).toContain('I like tea.');
  });

  it('forget names a moved-aside memory it cannot decrypt instead of claiming it clean', async () => {
    const { dir, store } = await freshStore();
    const file = join(dir, 'alice.json');
    await store.update('alice', addFact(fact('f_1', 'lives in Lisbon')));
    const aside = `${file}.corrupt-2026-01-01T00-00-00-000Z`;
    // Set aside while the memory was encrypted with a key this store does not have.
    await writeFile(aside, contractCipher.seal(await readFile(file)), { mode: 0o600 });

    const report = await forgetEverywhere(store, 'alice', { text: 'Lisbon' });

    expect(report.removed.map((f) => f.id)).toEqual(['f_1']);
    expect(report.journalsUnsearched).toEqual([aside]);
    expect((await store.purge('alice', () => false)).unsearched).toEqual([aside]);
  });

  it('forgetAll deletes the file, history, journals and lock', async () => {
    const { dir, store } = await freshStore();
    await store.update('alice', addFact(fact('f_1', 'a')));
    await store.update('alice', addFact(fact('f_2', 'b')));
    await store.update('bob', addFact(fact('f_1', 'a')));
    await store.update('bob', addFact(fact('f_2', 'b')));
    const journal = await openJournal({ dir, userId: 'alice', sessionId: 'S1', model: 'm', now: T0 });
    journal.close();
    await store.forgetAll('alice');
    expect((await readdir(dir)).sort()).toEqual(['bob.json', 'history', 'journal']);
    expect(await readdir(join(dir, 'history'))).toEqual(['bob']);
    expect(await readdir(join(dir, 'journal'))).toEqual([]);
    expect((await store.load('alice')).exists).toBe(false);
    await store.forgetAll('alice');
  });
});

describe('MemoryStore.listUsers', () => {
  it('lists every user with counts, and corrupt files with their error', async () => {
    const { dir, store } = await freshStore();
    await store.update('bob', (m) => ({
      ...m,
      sessionCount: 3,
      facts: [fact('f_1', 'a'), fact('f_2', 'b', 'superseded'), fact('f_3', 'c')],
      decisions: [decision('d_1', 't', 'd')],
    }));
    await store.update('alice', addFact(fact('f_1', 'a')));
    await writeFile(join(dir, 'carol.json'), '{oops');
    await writeFile(join(dir, '.bob.json.1.ab.tmp'), 'junk');
    await writeFile(join(dir, 'not a user.json'), '{}');
    await mkdir(join(dir, 'dave.json.lock'));
    const users = await store.listUsers();
    expect(users.map((u) => u.userId)).toEqual(['alice', 'bob', 'carol']);
    const bob = users[1];
    expect(bob).toMatchObject({ facts: 2, decisions: 1, sessionCount: 3 });
    expect(bob.error).toBeUndefined();
    expect(bob.bytes).toBe((await stat(join(dir, 'bob.json'))).size);
    expect(bob.updatedAt).toMatch(/^2026-03-01T/);
    expect(users[2]).toMatchObject({ userId: 'carol', facts: 0, updatedAt: '', bytes: 5 });
    expect(users[2].error).toMatch(/carol\.json: is not valid JSON/);
  });
});

describe('the file archive (archive/<userId>/)', () => {
  const removing = (id: string) => (m: Memory): Memory => ({ ...m, facts: m.facts.filter((f) => f.id !== id) });
  async function keptJournal(dir: string, store: FileMemoryStore, sessionId: string, turns: string[]): Promise<string> {
    const journal = await openJournal({ dir, userId: 'alice', sessionId, model: 'm', now: T0 });
    for (const text of turns) journal.append({ type: 'turn', role: 'user', text, at: T0.toISOString() });
    await journal.close();
    await store.archive.keepSession('alice', journal.path);
    return journal.path;
  }
  /** Every file under `root` whose bytes mention `pattern`. */
  async function filesMentioning(root: string, pattern: RegExp): Promise<string[]> {
    const found: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const entry of await readdir(d, { withFileTypes: true })) {
        const path = join(d, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.isFile() && pattern.test(await readFile(path, 'utf8'))) found.push(path);
      }
    };
    await walk(root);
    return found;
  }

  it('one small segment per write that archived something, 0600 in 0700 dirs; a write that archives nothing adds no file', async () => {
    const { dir, store } = await freshStore();
    await store.update('alice', addFact(fact('f_1', 'Likes tea')));
    await store.update('alice', addFact(fact('f_2', 'Owns a cat')));
    const archiving = await store.update('alice', removing('f_1'));
    await store.update('alice', addFact(fact('f_3', 'Plays chess')));
    const root = join(dir, 'archive', 'alice');
    expect(await readdir(join(root, 'items'))).toEqual(['0000000003.jsonl']);
    for (const d of [join(dir, 'archive'), root, join(root, 'items')]) expect((await stat(d)).mode & 0o777).toBe(0o700);
    expect((await stat(join(root, 'items', '0000000003.jsonl'))).mode & 0o777).toBe(0o600);
    const lines = (await readFile(join(root, 'items', '0000000003.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([{ type: 'fact', item: fact('f_1', 'Likes tea'), archivedAt: archiving.after.updatedAt, revision: 3 }]);
  });

  /** Writes alice's segment for revision 2 as a write that never landed would leave it; returns the items dir. */
  async function writeGhostSegment(dir: string): Promise<string> {
    const items = join(dir, 'archive', 'alice', 'items');
    await mkdir(items, { recursive: true });
    const ghost = { type: 'fact', item: fact('f_ghost', 'Never archived'), archivedAt: T0.toISOString(), revision: 2 };
    await writeFile(join(items, '0000000002.jsonl'), `${JSON.stringify(ghost)}\n`);
    return items;
  }

  it('a segment above the memory\'s revision (a write that never landed) is ignored, and the write that lands at that revision replaces it', async () => {
    const { dir, store } = await freshStore();
    await store.update('alice', addFact(fact('f_1', 'Likes tea')));
    const items = await writeGhostSegment(dir);
    expect((await store.archive.items('alice')).items).toEqual([]);
    expect(await store.archive.search('alice', 'archived', { limit: 5 })).toEqual([]);
    await store.update('alice', addFact(fact('f_2', 'Owns a cat'))); // revision 2, archives nothing
    expect(await readdir(items)).toEqual([]);
    expect((await store.archive.items('alice')).items).toEqual([]);
  });

  it('a writer that lost its lock never replaces or removes the segment of a revision another writer committed', async () => {
    const { dir, store } = await freshStore();
    await store.update('alice', addFact(fact('f_1', 'Likes tea')));
    await store.update('alice', removing('f_1')); // revision 2 committed, its segment holds f_1
    const segment = join(dir, 'archive', 'alice', 'items', '0000000002.jsonl');
    const committed = await readFile(segment, 'utf8');
    // The stale writer resumes and writes its own segment for the revision it had chosen (2).
    const stale = { type: 'fact' as const, item: fact('f_9', 'Stale writer'), archivedAt: T0.toISOString(), revision: 2 };
    const archive = store.archive as FileArchive;
    await expect(archive.writeSegment('alice', 2, [stale])).rejects.toThrow(RevisionConflictError);
    await expect(archive.writeSegment('alice', 2, [])).rejects.toThrow(RevisionConflictError);
    expect(await readFile(segment, 'utf8')).toBe(committed);
    expect((await store.archive.items('alice')).items.map((a) => a.item.id)).toEqual(['f_1']);
    expect((await readdir(dirname(segment))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('a segment left by a write that never landed is replaced by the write that lands at its revision', async () => {
    const { dir, store } = await freshStore();
    await store.update('alice', addFact(fact('f_1', 'Likes tea')));
    const items = await writeGhostSegment(dir);
    await store.update('alice', removing('f_1')); // revision 2 archives f_1
    expect((await store.archive.items('alice')).items.map((a) => a.item.id)).toEqual(['f_1']);
  });

  it('corrupt segment lines are skipped and counted, the rest still read', async () => {
    const { dir, store } = await freshStore();
    await store.update('alice', addFact(fact('f_1', 'Likes tea')));
    await store.update('alice', removing('f_1'));
    const segment = join(dir, 'archive', 'alice', 'items', '0000000002.jsonl');
    await writeFile(segment, `not json\n${await readFile(segment, 'utf8')}{"type":"fact","item":{}}\n`);
    const { items, skipped } = await store.archive.items('alice');
    expect(items.map((a) => a.item.id)).toEqual(['f_1']);
    expect(skipped).toBe(2);
  });

  it('a segment or kept session this store cannot decrypt is skipped and counted: items, search and forget still work, and forget names it', async () => {
    const { dir, store } = await freshStore();
    await store.update('alice', addFact(fact('f_1', 'Likes kayaking')));
    await store.update('alice', addFact(fact('f_2', 'Goes kayaking on Sundays')));
    await store.update('alice', removing('f_1')); // segment 3
    await store.update('alice', removing('f_2')); // segment 4
    await keptJournal(dir, store, 'S1', ['I went kayaking today']);
    await keptJournal(dir, store, 'S2', ['More kayaking tomorrow']);
    // Sealed for another key (or damaged): this plaintext store cannot read them.
    const root = join(dir, 'archive', 'alice');
    const sealedSegment = join(root, 'items', '0000000003.jsonl');
    const sealedSession = join(root, 'sessions', 'S2.jsonl');
    for (const path of [sealedSegment, sealedSession]) await writeFile(path, contractCipher.seal(await readFile(path)));
    const reader = new FileMemoryStore({ dir });

    const { items, skipped } = await reader.archive.items('alice');
    expect(items.map((a) => a.item.id)).toEqual(['f_2']);
    expect(skipped).toBe(1);
    expect((await reader.archive.search('alice', 'kayaking', { limit: 10 })).map((h) => h.id).sort()).toEqual(['S1:0', 'f_2']);

    const report = await forgetEverywhere(reader, 'alice', { text: 'kayaking' });
    expect(report.archivedItems).toBe(1);
    expect(report.sessionLines).toBe(1);
    expect(report.journalsUnsearched.sort()).toEqual([sealedSegment, sealedSession].sort());
    expect(await reader.archive.search('alice', 'kayaking', { limit: 10 })).toEqual([]);
    expect(await filesMentioning(root, /kayaking/)).toEqual([]);
  });

  it('keepSession moves the journal into sessions/ as the same file (0600), never a copy', async () => {
    const { dir, store } = await freshStore();
    const journal = await openJournal({ dir, userId: 'alice', sessionId: 'S1', model: 'm', now: T0 });
    journal.append({ type: 'turn', role: 'user', text: 'I live in Lisbon', at: T0.toISOString() });
    await journal.close();
    const { ino } = await stat(journal.path);
    await store.archive.keepSession('alice', journal.path);
    const kept = join(dir, 'archive', 'alice', 'sessions', 'S1.jsonl');
    expect((await stat(kept)).ino).toBe(ino);
    expect((await stat(kept)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'journal', 'alice'))).toEqual([]);
  });

  it('keepSession refuses a reference that is not one of the user\'s journals, moving nothing', async () => {
    const { dir, store } = await freshStore();
    const journal = await openJournal({ dir, userId: 'bob', sessionId: 'S1', model: 'm', now: T0 });
    await journal.close();
    await expect(store.archive.keepSession('alice', journal.path)).rejects.toThrow(/is not a journal of alice/);
    expect(await store.journals.listPending('bob')).toEqual([journal.path]);
  });

  it('refuses an archive dir that leads outside the memory dir through a symlink', async () => {
    const { dir, store } = await freshStore();
    const outside = await mkdtemp(join(tmp, 'outside-'));
    await mkdir(join(dir, 'archive'), { recursive: true });
    await symlink(outside, join(dir, 'archive', 'alice'));
    await expect(store.checkUser('alice')).rejects.toThrow(/leads outside the memory dir/);
    const journal = await openJournal({ dir, userId: 'alice', sessionId: 'S1', model: 'm', now: T0 });
    await journal.close();
    await expect(store.archive.keepSession('alice', journal.path)).rejects.toThrow(MemoryFileError);
    expect(await readdir(outside)).toEqual([]);
  });

  it('a search skips listing archive dirs unchanged since a settled listing, and still finds what is kept or archived later', async () => {
    const { dir, store } = await freshStore();
    await keptJournal(dir, store, 'S1', ['we talked about kayaking']);
    await store.update('alice', addFact(fact('f_1', 'Likes kayaking')));
    await store.update('alice', removing('f_1'));
    const root = join(dir, 'archive', 'alice');
    const past = new Date(Date.now() - 3_600_000);
    for (const sub of ['items', 'sessions']) await utimes(join(root, sub), past, past);
    const searcher = new FileMemoryStore({ dir });
    const kayaking = async () => (await searcher.archive.search('alice', 'kayaking', { limit: 10 })).map((h) => h.id).sort();
    expect(await kayaking()).toEqual(['S1:0', 'f_1']);
    // A session file slipped in with the directory's time put back is not listed: the skip is real.
    // (Other words than S1's: the search collapses near-duplicate hits.)
    const s1 = await readFile(join(root, 'sessions', 'S1.jsonl'), 'utf8');
    await writeFile(join(root, 'sessions', 'S9.jsonl'), s1.replace('we talked about kayaking', 'a slipped-in note on kayaking'), { mode: 0o600 });
    await utimes(join(root, 'sessions'), past, past);
    expect(await kayaking()).toEqual(['S1:0', 'f_1']);
    // What the store writes changes the directories' times, so it is found.
    await keptJournal(dir, store, 'S2', ['more kayaking']);
    await store.update('alice', addFact(fact('f_2', 'Owns a kayak called kayaking')));
    await store.update('alice', removing('f_2'));
    expect(await kayaking()).toEqual(['S1:0', 'S2:0', 'S9:0', 'f_1', 'f_2']);
  });

  it('the search index is persisted, and a missing, corrupt or other-version index.json is rebuilt from the archive', async () => {
    const { dir, store } = await freshStore();
    for (let i = 0; i < 6; i++) await keptJournal(dir, store, `S${i}`, [`session ${i} was about kayaking`]);
    expect(await store.archive.search('alice', 'kayaking', { limit: 10 })).toHaveLength(6);
    const index = join(dir, 'archive', 'alice', 'index.json');
    expect((await stat(index)).mode & 0o777).toBe(0o600);
    const search = () => new FileMemoryStore({ dir }).archive.search('alice', 'kayaking', { limit: 10 });
    expect(await search()).toHaveLength(6);
    for (const damage of ['{"format":1', 'garbage\n{}', `${JSON.stringify({ format: 99 })}\n{}`]) {
      await writeFile(index, damage);
      expect(await search()).toHaveLength(6);
    }
    await rm(index);
    expect(await search()).toHaveLength(6);
  });

  it('a store that loaded the index before a forget never uses or writes back the forgotten text', async () => {
    const { dir, store } = await freshStore();
    await keptJournal(dir, store, 'S1', ['I owe Dave money', 'see you']);
    const early = new FileMemoryStore({ dir });
    expect(await early.archive.search('alice', 'Dave', { limit: 5 })).toHaveLength(1);
    await forgetEverywhere(store, 'alice', { text: 'Dave' });
    expect(await early.archive.search('alice', 'Dave', { limit: 5 })).toEqual([]);
    await keptJournal(dir, early, 'S2', ['another day']);
    expect(await filesMentioning(dir, /dave/i)).toEqual([]);
  });

  it('the forget preview shows what only the archive and past sessions mention, so such a text can be forgotten', async () => {
    const { dir, store } = await freshStore();
    await store.update('alice', addFact(fact('f_1', 'visited Kyoto in spring')));
    await store.update('alice', removing('f_1'));
    await keptJournal(dir, store, 'S1', ['Kyoto was lovely', 'I like tea']);
    await keptJournal(dir, store, 'S2', ['back from Kyoto']);
    const preview = await previewForget(store, 'alice', { text: 'Kyoto' });
    expect(preview).toMatchObject({ items: [], journalTurns: 0, sessionTurns: 2, sessions: 2 });
    expect(preview.archivedItems.map((i) => i.id)).toEqual(['f_1']);
  });

  it('forgetEverywhere leaves no trace in the archive, kept sessions or index: by text and by the id of a fact only the archive holds', async () => {
    const { dir, store } = await freshStore();
    await store.update('alice', addFact(fact('f_1', 'lives in Lisbon near the river')));
    await store.update('alice', addFact(fact('f_2', 'owes money to Dave Smith')));
    await store.update('alice', removing('f_1'));
    await store.update('alice', removing('f_2'));
    await keptJournal(dir, store, 'S1', ['I live in Lisbon near the river', 'owes money to Dave Smith, sadly', 'I like tea']);
    expect(await store.archive.search('alice', 'Lisbon Dave', { limit: 10 })).toHaveLength(4);
    expect(await filesMentioning(dir, /lisbon/i)).not.toEqual([]);

    const byText = await forgetEverywhere(store, 'alice', { text: 'Lisbon' });
    expect(byText).toMatchObject({ archivedItems: 1, sessionLines: 1 });
    expect(await filesMentioning(dir, /lisbon/i)).toEqual([]);

    const byId = await forgetEverywhere(store, 'alice', { ids: ['f_2'] });
    expect(byId).toMatchObject({ archivedItems: 1, sessionLines: 1, unknownIds: [] });
    expect(await filesMentioning(dir, /dave/i)).toEqual([]);
    expect(await store.archive.search('alice', 'Lisbon Dave', { limit: 10 })).toEqual([]);
    expect((await store.archive.search('alice', 'tea', { limit: 10 })).map((h) => h.text)).toEqual(['I like tea']);
  });
});
