/**
 * Archive benchmark on the real file store (issue 11): a user with N kept sessions (~24 turns
 * each) and 10 archived facts per session, laid out on disk as the store lays them out (the
 * fixture files are written directly, untimed; everything timed goes through `FileMemoryStore`).
 *
 *   node archive.js <work dir> <sizes, e.g. 100,1000> <saves> <searches>
 *     One memory dir per size under <work dir>; saves interleaved across the sizes. Prints a JSON
 *     array, one object per size: `save` (ms per `update` + `mergeMemory` that evicts one fact, so each save
 *     archives one: lock, re-read, merge, segment, commit), `keep` (ms per `keepSession` of a
 *     fresh store, as at exit), `keepWarm` (the same with the index loaded: it is persisted too),
 *     `rebuild` (first search with no index.json), `cold` (first search of a new store instance
 *     with index.json), `warm` (later searches, one query each), `afterSave` (the first search
 *     after a save: the memory file's items caught up), `indexBytes`, `archiveBytes`.
 *
 * bench/archive.mjs bundles and runs it for 100 and 1,000 sessions; see bench/README.md.
 */
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mergeMemory, MAX_ACTIVE_FACTS } from '../../src/core/merge.js';
import { SCHEMA_VERSION, type Fact, type Memory, type MergeOps } from '../../src/core/schema.js';
import { FileMemoryStore } from '../../src/core/storage/file/file-store.js';
import { openJournal } from '../../src/core/storage/file/journals.js';
import type { ArchivedItem } from '../../src/core/recall/types.js';
import { SearchIndex } from '../../src/core/recall/search-index.js';
import { makeMemory, serializeMemory } from './kit.js';

const USER = 'bench';
const FACTS_PER_SESSION = 10;
const TURNS_PER_SESSION = 24;
const DAY = 86_400_000;
const START = Date.parse('2024-01-01T09:00:00.000Z');

// A deterministic PRNG (mulberry32) and a vocabulary, so every run searches the same corpus.
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(42);
const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'tu', 'sa', 'vo', 'pe', 'din', 'gor', 'shi', 'an', 'be', 'ul', 'tro', 'ny'];
const VOCAB = Array.from({ length: 3000 }, (_, i) => {
  let w = '';
  for (let n = i + 7; n > 0; n = Math.floor(n / 16)) w += SYLLABLES[n % 16];
  return w;
});
const COMMON = ['the', 'i', 'my', 'we', 'went', 'to', 'with', 'and', 'about', 'was', 'like', 'really', 'new', 'last', 'week'];
// Zipf-like: low indexes much more often, as in real talk.
const word = () => (rand() < 0.35 ? COMMON[Math.floor(rand() * COMMON.length)] : VOCAB[Math.floor(VOCAB.length * rand() ** 2.2)]);
const sentence = (n: number) => Array.from({ length: n }, word).join(' ');

const iso = (t: number) => new Date(t).toISOString();
const sessionIdOf = (i: number) => `${iso(START + i * DAY).slice(0, 19).replace(/[-:]/g, '')}Z-b${i.toString(36).padStart(5, '0')}`;

function archivedFact(session: number, k: number, revision: number): ArchivedItem {
  const at = iso(START + session * DAY + k * 1000);
  const fact: Fact = {
    id: `f_a${(session * FACTS_PER_SESSION + k).toString(36).padStart(8, '0')}`,
    text: `The user ${sentence(9)}.`,
    kind: 'fact',
    confidence: 'medium',
    status: k % 3 === 0 ? 'superseded' : 'active',
    pinned: false,
    createdAt: at,
    updatedAt: at,
    validFrom: at,
    ...(k % 3 === 0 ? { validTo: at } : {}),
    source: { session: sessionIdOf(session), at, quote: sentence(8) },
  };
  return { type: 'fact', item: fact, archivedAt: at, revision };
}

/** The fixture: memory file at revision `sessions`, one segment and one kept session per session. */
function layOut(dir: string, sessions: number): void {
  const root = join(dir, 'archive', USER);
  mkdirSync(join(root, 'items'), { recursive: true, mode: 0o700 });
  mkdirSync(join(root, 'sessions'), { recursive: true, mode: 0o700 });
  for (let s = 0; s < sessions; s++) {
    const revision = s + 1;
    const items = Array.from({ length: FACTS_PER_SESSION }, (_, k) => archivedFact(s, k, revision));
    writeFileSync(join(root, 'items', `${String(revision).padStart(10, '0')}.jsonl`), items.map((i) => `${JSON.stringify(i)}\n`).join(''), { mode: 0o600 });
    const sid = sessionIdOf(s);
    const t0 = START + s * DAY;
    const lines = [JSON.stringify({ type: 'session', sessionId: sid, userId: USER, startedAt: iso(t0), model: 'claude-sonnet-5-5' })];
    for (let t = 0; t < TURNS_PER_SESSION; t++) {
      lines.push(JSON.stringify({ type: 'turn', role: t % 2 ? 'assistant' : 'user', text: sentence(t % 2 ? 30 : 14), at: iso(t0 + t * 30_000) }));
    }
    writeFileSync(join(root, 'sessions', `${sid}.jsonl`), `${lines.join('\n')}\n`, { mode: 0o600 });
  }
  const base = makeMemory(USER, MAX_ACTIVE_FACTS, 200);
  const memory: Memory = { ...base, schemaVersion: SCHEMA_VERSION, revision: sessions, sessionCount: sessions };
  writeFileSync(join(dir, `${USER}.json`), serializeMemory(memory), { mode: 0o600 });
}

function evictingOps(i: number): MergeOps {
  const text = `The user ${sentence(8)} (save ${i}).`;
  return { summary: `Save ${i}.`, add: [{ text, kind: 'fact', confidence: 'high', quote: text }], update: [], supersede: [], retract: [], decisions: [] };
}

function bytesUnder(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, entry.name);
    total += entry.isDirectory() ? bytesUnder(p) : statSync(p).size;
  }
  return total;
}

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** CPU ms (user + system) of this process spent in `fn`: less sensitive to a busy machine than wall time. */
async function cpuOf<T>(fn: () => Promise<T>): Promise<number> {
  const c0 = process.cpuUsage();
  await fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

async function keepOne(dir: string, store: FileMemoryStore, n: number): Promise<number> {
  const sid = `bench-keep-${n}-${process.pid}`;
  const journal = await openJournal({ dir, userId: USER, sessionId: sid, model: 'm', now: new Date() });
  for (let t = 0; t < TURNS_PER_SESSION; t++) journal.append({ type: 'turn', role: t % 2 ? 'assistant' : 'user', text: sentence(14), at: new Date().toISOString() });
  await journal.close();
  return timed(() => store.archive.keepSession(USER, journal.path));
}

async function main(): Promise<void> {
  const [work, sizesArg, savesArg, searchesArg] = process.argv.slice(2);
  const sizes = sizesArg.split(',').map(Number);
  const saves = Number(savesArg);
  const searches = Number(searchesArg);
  const dirs = sizes.map((n) => join(work, `memory-${n}`));
  sizes.forEach((n, i) => layOut(dirs[i], n));
  const stores = dirs.map((dir) => new FileMemoryStore({ dir }));
  const save: number[][] = sizes.map(() => []);
  const saveCpu: number[][] = sizes.map(() => []);
  const keep: number[][] = sizes.map(() => []);
  // Interleaved, in alternating order (ABBA), so a change of machine load, and whatever one
  // size's step leaves behind for the next (GC, dirty pages), hits every size alike.
  for (let i = 0; i < saves; i++) {
    const order = i % 2 === 0 ? [...stores.entries()] : [...stores.entries()].reverse();
    for (const [k, store] of order) {
      const t0 = performance.now();
      saveCpu[k].push(await cpuOf(() => store.update(USER, (m) => mergeMemory(m, evictingOps(i), { sessionId: `bench-save-${i}`, now: new Date() }).memory)));
      save[k].push(performance.now() - t0);
      // A fresh store per exit, as a new process has: no index loaded, so none is written.
      keep[k].push(await keepOne(dirs[k], new FileMemoryStore({ dir: dirs[k] }), i));
    }
  }
  const out = [];
  for (const [k, dir] of dirs.entries()) {
    const queries = Array.from({ length: searches }, () => `${word()} ${VOCAB[Math.floor(VOCAB.length * rand() ** 2.2)]} ${VOCAB[Math.floor(VOCAB.length * rand())]}`);
    const rebuild = await timed(() => new FileMemoryStore({ dir }).archive.search(USER, queries[0], { limit: 10 }));
    // With --expose-gc (bench/archive.mjs passes it) the heap is measured after full collections.
    const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const coldStore = new FileMemoryStore({ dir });
    const cold = await timed(() => coldStore.archive.search(USER, queries[1], { limit: 10 }));
    gc();
    const heapAfterCold = process.memoryUsage().heapUsed - heapBefore;
    const warm: number[] = [];
    let hits = 0;
    for (const q of queries) {
      const t0 = performance.now();
      hits += (await coldStore.archive.search(USER, q, { limit: 10 })).length;
      warm.push(performance.now() - t0);
    }
    // A word no document has: what a search costs besides minisearch's own work (the catch-up checks).
    const miss: number[] = [];
    for (let i = 0; i < 100; i++) miss.push(await timed(() => coldStore.archive.search(USER, 'zqxjv', { limit: 10 })));
    const afterSave: number[] = [];
    const keepWarm: number[] = [];
    for (let i = 0; i < Math.min(saves, 10); i++) {
      await coldStore.update(USER, (m) => mergeMemory(m, evictingOps(1000 + i), { sessionId: `bench-save2-${i}`, now: new Date() }).memory);
      afterSave.push(await timed(() => coldStore.archive.search(USER, queries[i], { limit: 10 })));
      keepWarm.push(await keepOne(dir, coldStore, 1000 + i));
    }
    const root = join(dir, 'archive', USER);
    const { items } = await stores[k].archive.items(USER);
    // Where a cold load's time goes: reading the file, parsing its JSON, rebuilding minisearch's maps.
    let t0 = performance.now();
    const text = readFileSync(join(root, 'index.json'), 'utf8');
    const coldRead = performance.now() - t0;
    const body = text.slice(text.indexOf('\n') + 1);
    t0 = performance.now();
    JSON.parse(body);
    const coldParse = performance.now() - t0;
    t0 = performance.now();
    SearchIndex.fromJSON(body);
    const coldFromJSON = performance.now() - t0;
    out.push({
      sessions: sizes[k],
      archivedFacts: items.length,
      save: save[k],
      saveCpu: saveCpu[k],
      keep: keep[k],
      keepWarm,
      rebuild,
      cold,
      heapAfterCold,
      coldRead,
      coldParse,
      coldFromJSON,
      warm,
      miss,
      afterSave,
      hitsPerQuery: hits / queries.length,
      indexBytes: statSync(join(root, 'index.json')).size,
      archiveBytes: bytesUnder(root),
    });
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

await main();
