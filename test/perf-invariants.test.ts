// What the fast memory write path (issue 6) must keep: every byte change on disk is validated,
// callers never share objects with the store's cache, history versions made by hard link are
// private and exact, the current revision is committed by a link rather than a copy, and the
// merge's cached duplicate test decides exactly as `isNearDuplicate` does. No timings here: the
// bench measures those.
import { chmod, link, lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/core/storage/file/atomic-write.js';
import { MemoryFileError } from '../src/core/errors.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { mergeMemory } from '../src/core/merge.js';
import { emptyMemory, type Fact, type Memory, type MergeOps } from '../src/core/schema.js';
import { isNearDuplicate, normalizeText } from '../src/core/text-match.js';
import { makeFact } from './helpers/memory.js';
// @ts-expect-error: a plain .mjs build script without types
import { inkFastPaths } from '../scripts/ink-fast-paths.mjs';

const T0 = new Date('2026-03-01T10:00:00.000Z');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'memagent-perf-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function freshStore(opts: { historyLimit?: number } = {}) {
  const dir = join(await mkdtemp(join(tmp, 'case-')), 'memory');
  let tick = 0;
  const store = new FileMemoryStore({ dir, now: () => new Date(T0.getTime() + 1000 * tick++), ...opts });
  return { dir, file: join(dir, 'alice.json'), store };
}

const fact = (id: string, text: string): Fact => makeFact(id, text, T0.toISOString(), { kind: 'preference' });

const addFact = (f: Fact) => (m: Memory): Memory => ({ ...m, facts: [...m.facts, f] });

describe('MemoryStore write path', () => {
  it('validates bytes it has not seen, even when size and mtime are unchanged', async () => {
    const { file, store } = await freshStore();
    await store.update('alice', addFact(fact('f_1', 'tea')));
    await store.load('alice');
    const good = await readFile(file, 'utf8');
    const info = await stat(file);
    // Same length, same mtime, an invalid status.
    await writeFile(file, good.replace('"status": "active"', '"status": "ACTIVE"'));
    await utimes(file, info.atime, info.mtime);
    expect((await stat(file)).size).toBe(info.size);
    await expect(store.load('alice')).rejects.toBeInstanceOf(MemoryFileError);
    await expect(store.update('alice', addFact(fact('f_2', 'coffee')))).rejects.toBeInstanceOf(MemoryFileError);
    expect(await readFile(file, 'utf8')).not.toContain('coffee');
  });

  it('hands out copies: changing what load or update returned changes nothing later', async () => {
    const { store } = await freshStore();
    const first = await store.update('alice', addFact(fact('f_1', 'tea')));
    first.after.facts[0].text = 'changed after';
    first.after.facts[0].source.quote = 'changed after';
    const loaded = await store.load('alice');
    expect(loaded.memory.facts[0].text).toBe('tea');
    loaded.memory.facts[0].text = 'changed load';
    loaded.memory.facts.push(fact('f_9', 'ghost'));
    const second = await store.update('alice', (m) => {
      m.facts[0].source.quote = 'changed in fn';
      return m;
    });
    expect(second.before.facts.map((f) => [f.text, f.source.quote])).toEqual([['tea', 'tea']]);
    const again = await store.load('alice');
    expect(again.memory.facts.map((f) => [f.text, f.source.quote])).toEqual([['tea', 'changed in fn']]);
  });

  it('keeps each committed revision exact and private; the memory file holds the newest one, as a file of its own', async () => {
    const { dir, file, store } = await freshStore();
    const versions: Buffer[] = [];
    for (let i = 1; i <= 4; i++) {
      await store.update('alice', addFact(fact(`f_${i}`, `fact number ${i}`)));
      versions.push(await readFile(file));
    }
    const history = await store.history('alice');
    expect(history.map((h) => h.revision)).toEqual([3, 2, 1]);
    const current = await stat(file);
    for (const h of history) {
      const info = await lstat(h.path);
      expect(await readFile(h.path)).toEqual(versions[h.revision - 1]);
      expect(info.mode & 0o777).toBe(0o600);
      expect(info.nlink).toBe(1);
      expect(info.ino).not.toBe(current.ino);
    }
    // The current revision is committed in history too, as another file with the same bytes: a
    // copy put back over the memory file in place cannot rewrite the committed revision.
    const committed = await lstat(join(dir, 'history', 'alice', '0000000004.json'));
    expect(committed.ino).not.toBe(current.ino);
    expect(current.nlink).toBe(1);
    expect(await readFile(join(dir, 'history', 'alice', '0000000004.json'))).toEqual(await readFile(file));
    expect((await readdir(join(dir, 'history', 'alice'))).filter((n) => n.startsWith('.'))).toEqual([]);
    expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
    const undone = await store.undo('alice');
    expect(undone.after.facts).toEqual((JSON.parse(versions[2].toString('utf8')) as Memory).facts);
  });

  it('dates a version by when its revision was written', async () => {
    const { store } = await freshStore();
    const before = Date.now();
    await store.update('alice', addFact(fact('f_1', 'tea')));
    await store.update('alice', addFact(fact('f_2', 'coffee')));
    const [newest] = await store.history('alice');
    expect(newest.revision).toBe(1);
    expect(Date.parse(newest.savedAt)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('never changes what a hand-made hard link of the memory file holds', async () => {
    const { dir, file, store } = await freshStore();
    await store.update('alice', addFact(fact('f_1', 'tea')));
    const backup = join(dir, '..', 'alice-backup.json');
    await link(file, backup);
    const saved = await readFile(backup);
    await store.update('alice', addFact(fact('f_2', 'coffee')));
    await store.undo('alice');
    expect(await readFile(backup)).toEqual(saved);
    const [v1] = (await store.history('alice')).filter((v) => v.revision === 1);
    expect(await readFile(v1.path)).toEqual(saved);
  });

  it('a file put back by hand at an older revision does not hide the newer committed ones (restore is the way back)', async () => {
    const { file, store } = await freshStore();
    await store.update('alice', addFact(fact('f_1', 'tea')));
    const rev1 = await readFile(file);
    await store.update('alice', addFact(fact('f_2', 'coffee')));
    const restored = rev1.toString('utf8').replace('"tea"', '"mint"');
    await writeFileAtomic(file, restored, { mode: 0o600 });
    expect((await store.load('alice')).memory.facts.map((f) => f.text)).toEqual(['tea', 'coffee']);
    const next = await store.update('alice', addFact(fact('f_3', 'cocoa')));
    expect(next.after.revision).toBe(3);
    expect(next.after.facts.map((f) => f.text)).toEqual(['tea', 'coffee', 'cocoa']);
  });

  it('prunes to historyLimit versions and leaves other entries of the history dir alone', async () => {
    const { dir, store } = await freshStore({ historyLimit: 2 });
    const hdir = join(dir, 'history', 'alice');
    await store.update('alice', addFact(fact('f_1', 'fact 1')));
    await store.update('alice', addFact(fact('f_2', 'fact 2')));
    await writeFile(join(hdir, 'input-history.jsonl'), '"hello"\n');
    await mkdir(join(hdir, '0000000000.json'));
    for (let i = 3; i <= 6; i++) await store.update('alice', addFact(fact(`f_${i}`, `fact ${i}`)));
    expect((await store.history('alice')).map((h) => h.revision)).toEqual([5, 4]);
    expect((await readdir(hdir)).sort()).toEqual(['0000000000.json', '0000000004.json', '0000000005.json', '0000000006.json', 'input-history.jsonl']);
  });
});

describe('writeFileAtomic beforeRename', () => {
  it('runs before the new content is visible, and its failure leaves the old file and no temp file', async () => {
    const dir = await mkdtemp(join(tmp, 'atomic-'));
    const path = join(dir, 'f.json');
    await writeFile(path, 'old');
    let seen = '';
    await writeFileAtomic(path, 'new', { beforeRename: async () => (seen = await readFile(path, 'utf8')) });
    expect(seen).toBe('old');
    expect(await readFile(path, 'utf8')).toBe('new');
    await expect(writeFileAtomic(path, 'newer', { beforeRename: () => Promise.reject(new Error('not durable')) })).rejects.toThrow('not durable');
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['f.json']);
  });
});

describe('mergeMemory duplicate test', () => {
  // Four to six of six content words, so that texts nest often (4 of 5 words is a near-duplicate),
  // plus a stopword, a negation, a plural or punctuation now and then.
  const content = ['likes', 'green', 'tea', 'morning', 'Porto', 'coffee'];
  const extra = fc.constantFrom('', '', 'the', 'user', 'not', 'no longer', "don't", 'dont', 'teas', 'LIKES', '!', ',');
  const text = fc.tuple(fc.shuffledSubarray(content, { minLength: 4, maxLength: 6 }), extra).map(([words, e]) => [...words, e].join(' '));

  it('refreshes exactly the fact the documented rule names: equal normalized text first, else the first near-duplicate', () => {
    fc.assert(
      fc.property(fc.uniqueArray(text, { minLength: 1, maxLength: 4, selector: normalizeText }), text, (existing, incoming) => {
        const memory: Memory = { ...emptyMemory('alice', T0), facts: existing.map((t, i) => fact(`f_${i}`, t)) };
        const ops: MergeOps = { add: [{ text: incoming, kind: 'preference', confidence: 'high', quote: incoming }], update: [], supersede: [], retract: [], decisions: [] };
        const { changes } = mergeMemory(memory, ops, { sessionId: 's2', now: new Date(T0.getTime() + 60_000) });
        const trimmed = incoming.trim();
        const expected =
          memory.facts.find((f) => normalizeText(f.text) === normalizeText(trimmed)) ?? memory.facts.find((f) => isNearDuplicate(f.text, trimmed));
        const refreshed = changes.filter((c) => c.type === 'refresh').map((c) => ('id' in c ? c.id : ''));
        expect(refreshed).toEqual(expected ? [expected.id] : []);
      }),
      { numRuns: 500 },
    );
  });
});

// The REPL's bundle patches two hot spots of Ink's frame output (scripts/ink-fast-paths.mjs,
// issue 15). Each must draw exactly what the unpatched code draws: both versions are bundled here
// from node_modules and given the same random styled text.
describe("Ink's frame output with the bundle's fast paths", () => {
  const inkOutput = join(process.cwd(), 'node_modules', 'ink', 'build', 'output.js');
  /** Bundles `entry` (with or without the patches) and imports it. */
  async function load(contents: string, patched: boolean) {
    const result = await build({
      stdin: { contents, resolveDir: process.cwd(), loader: 'js' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      write: false,
      logLevel: 'silent',
      plugins: patched ? [inkFastPaths] : [],
    });
    return import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString('base64')}`);
  }
  const entry = `export { styledCharsToString, styledCharsFromTokens, tokenize } from '@alcalzone/ansi-tokenize';\nexport { default as Output } from ${JSON.stringify(inkOutput)};`;
  let original: any;
  let fast: any;
  beforeAll(async () => {
    [original, fast] = await Promise.all([load(entry, false), load(entry, true)]);
  }, 60_000);

  // Text as Ink's transformers leave it: words, wide and combining characters, and SGR codes
  // (bold/dim, colours, resets, closes) opening and closing anywhere.
  const piece = fc.oneof(
    fc.constantFrom('a', 'word ', ' ', '漢', 'é', 'e\u0301', '🙂', '│', '-'),
    fc.constantFrom('\x1b[1m', '\x1b[22m', '\x1b[2m', '\x1b[3m', '\x1b[23m', '\x1b[31m', '\x1b[39m', '\x1b[38;5;110m', '\x1b[44m', '\x1b[49m', '\x1b[0m', '\x1b[4m', '\x1b[24m'),
  );
  const styledLine = fc.array(piece, { maxLength: 40 }).map((parts) => parts.join(''));

  it('turns a row of styled characters into the same string', () => {
    fc.assert(
      fc.property(styledLine, (line) => {
        const chars = original.styledCharsFromTokens(original.tokenize(line));
        expect(fast.styledCharsToString(chars)).toBe(original.styledCharsToString(chars));
      }),
      { numRuns: 500 },
    );
  });

  // Plain printable ASCII lines take the fast path (a row as a string); styled ones, rows written
  // twice, writes outside the grid, clips and transformers must draw what Ink draws too.
  const plainLine = fc.array(fc.constantFrom('a', 'word ', ' ', '-', 'Tea, ', '(x)', '~'), { maxLength: 30 }).map((parts) => parts.join(''));
  const anyLine = fc.oneof(plainLine, plainLine, styledLine);
  const transformers = [
    (line: string, index: number) => (index === 0 ? line : line.replace(/^((?:\x1b\[[\d;]*m)*) /, '$1')),
    (line: string) => `\x1b[2m${line}\x1b[22m`,
    (line: string, index: number) => `${index}: ${line}`,
  ];
  const op = fc.oneof(
    { weight: 6, arbitrary: fc.record({ type: fc.constant('write' as const), x: fc.integer({ min: -2, max: 45 }), y: fc.integer({ min: -2, max: 11 }), lines: fc.array(anyLine, { minLength: 1, maxLength: 3 }), transformers: fc.subarray(transformers) }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('clip' as const), x1: fc.nat(20), w: fc.nat(30), y1: fc.nat(6), h: fc.nat(8), horizontal: fc.boolean(), vertical: fc.boolean() }) },
    { weight: 1, arbitrary: fc.constant({ type: 'unclip' as const }) },
  );

  it('draws the same frame from the same writes', () => {
    fc.assert(
      fc.property(fc.nat(40), fc.nat(10), fc.array(op, { maxLength: 10 }), (width, height, ops) => {
        const frames = [original, fast].map((m) => {
          const output = new m.Output({ width, height });
          for (const o of ops) {
            if (o.type === 'write') output.write(o.x, o.y, o.lines.join('\n'), { transformers: o.transformers });
            else if (o.type === 'clip') {
              output.clip({
                ...(o.horizontal ? { x1: o.x1, x2: o.x1 + o.w } : {}),
                ...(o.vertical ? { y1: o.y1, y2: o.y1 + o.h } : {}),
              });
            } else output.unclip();
          }
          return output.get();
        });
        expect(frames[1]).toEqual(frames[0]);
      }),
      { numRuns: 1000 },
    );
  });

  it('draws a paragraph wrapped into plain rows, and the same rows written over, as Ink does', () => {
    const frames = [original, fast].map((m) => {
      const output = new m.Output({ width: 20, height: 5 });
      output.write(0, 0, 'Tea is good.\nSo is coffee.', { transformers: [] });
      output.write(2, 2, 'indented', { transformers: [] });
      output.write(4, 1, '\x1b[1mbold\x1b[22m', { transformers: [] });
      output.write(0, 3, 'one more line that is longer than the width', { transformers: [] });
      return output.get();
    });
    expect(frames[1]).toEqual(frames[0]);
    expect(frames[1].output).toBe('Tea is good.\nSo i\x1b[1mbold\x1b[22mffee.\n  indented\none more line that is longer than the width\n');
  });
});
