/**
 * Search and automatic recall cost for a large user, in process on the real core: the
 * `SearchIndex` (minisearch, the tokenising and ranking of issue 11) and `AutoRecall` (search,
 * choice under the budget, block), over one user with 1,000 kept sessions of 10 turns and
 * 10,000 archived facts (plus a memory file of 60 active and 200 history facts).
 *
 *   node recall-search.js [sessions] [facts] [queries]
 *
 * Then the same corpus laid out on disk as the file store keeps it (segments, kept sessions, the
 * memory file; written directly, untimed) and searched through `FileMemoryStore`'s archive: the
 * first search of a store rebuilding the index (no index.json), the first search of a new store
 * loading index.json (a session's cold start, which `warmRecall` moves off the first turn), and
 * `AutoRecall.recall` over the warm store per turn (what a turn really waits for: the store's
 * catch-up checks included), and the warm store's search of a word nothing holds (its catch-up
 * checks alone, `storeCheckMs`).
 *
 * Texts are synthetic but shaped like chat: English function words, a few hundred common content
 * words and a Zipf-distributed long tail of 3,000 rarer words (names, places, products), so
 * posting lists are long for common words and short for rare ones, as in real transcripts.
 * Queries are user messages ("what did I say about … and …?") whose content words come from the
 * archive. Prints one JSON line: build time, index size as JSON, load time, and per-query times
 * (ms) of `search` (limit 30, what recall asks for; limit 10, what `memory_search` asks for) and
 * of `AutoRecall.recall` (search + choice + block, what a turn waits for), each as wall time and
 * as this process's CPU time.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { AutoRecall } from '../../src/core/recall/auto-recall.js';
import { FileMemoryStore } from '../../src/core/storage/file/file-store.js';
import { makeMemory, serializeMemory } from './kit.js';
import { docsFromArchive, docsFromEpisode, docsFromMemory, SearchIndex } from '../../src/core/recall/search-index.js';
import type { ArchivedItem, Episode } from '../../src/core/recall/types.js';
import type { Fact } from '../../src/core/schema.js';

const [sessionsArg, factsArg, queriesArg] = process.argv.slice(2);
const SESSIONS = Number(sessionsArg ?? 1000);
const FACTS = Number(factsArg ?? 10_000);
const QUERIES = Number(queriesArg ?? 400);
const TURNS_PER_SESSION = 10;

// mulberry32: a deterministic PRNG, so every run searches the same corpus.
let seed = 0x5eed;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

const FUNCTION = 'the a to and of I you it in that is for on with my was but so we at this have be not are just like do can what about from they if would me there'.split(' ');
const COMMON = (
  'work project meeting team plan week weekend morning evening dinner lunch coffee tea book movie music song trip travel flight hotel ' +
  'train car bike run running gym yoga swim garden house apartment kitchen city office client budget price pricing page design code ' +
  'bug release deploy database server test review feature product launch deadline report invoice tax bank doctor appointment school ' +
  'class course language spanish french german japanese piano guitar paint photo camera phone laptop keyboard screen editor vim ' +
  'sister brother mother father friend partner wife husband daughter son dog cat birthday party gift holiday christmas summer winter ' +
  'beach mountain hike hiking camping tent river lake sea boat sail sailing fish sushi ramen pasta pizza salad vegan vegetarian allergy ' +
  'shellfish peanut gluten sleep insomnia stress anxiety therapy meditation habit goal promotion salary interview resume career manager ' +
  'startup company pricing marketing sales customer support ticket roadmap sprint standup retro hiring contract lawyer visa passport ' +
  'rent mortgage move moving furniture sofa table chair lamp plant plants tomato basil recipe bake bread cake chocolate wine beer ' +
  'marathon race training coach injury knee back shoulder physio podcast newsletter blog article talk conference slides workshop'
).split(' ');
// A long tail of rarer words (names, places, products), used with Zipf-like frequency.
const SYLLABLES = 'ka lo mi ra te su no vi da ne po li sa to me ru ki ba zo fe'.split(' ');
const RARE = Array.from({ length: 3000 }, (_, i) => {
  let w = '';
  let n = i + 7;
  for (let k = 0; k < 3; k++) {
    w += SYLLABLES[n % SYLLABLES.length];
    n = Math.floor(n / SYLLABLES.length) + k * 3;
  }
  return `${w}${i % 10 === 0 ? 'ton' : ''}`;
});
const rare = (): string => RARE[Math.floor(RARE.length * random() ** 3)]!;

function sentence(words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    const r = random();
    out.push(r < 0.45 ? pick(FUNCTION) : r < 0.85 ? pick(COMMON) : rare());
  }
  return `${out.join(' ')}.`;
}

const day0 = Date.parse('2023-01-01T09:00:00.000Z');
const at = (dayN: number, minute = 0) => new Date(day0 + dayN * 86_400_000 + minute * 60_000).toISOString();

function fact(i: number, status: Fact['status']): Fact {
  const when = at(Math.floor((i / FACTS) * SESSIONS));
  return {
    id: `f_${i.toString(36).padStart(10, '0')}`,
    text: sentence(8 + Math.floor(random() * 10)),
    kind: pick(['preference', 'constraint', 'goal', 'entity', 'fact'] as const),
    confidence: pick(['high', 'high', 'medium', 'low'] as const),
    status,
    pinned: false,
    createdAt: when,
    updatedAt: when,
    validFrom: when,
    ...(status === 'active' ? {} : { validTo: at(Math.floor((i / FACTS) * SESSIONS) + 30) }),
    ...(status === 'superseded' ? { supersededBy: `f_${(i + 1).toString(36).padStart(10, '0')}` } : {}),
    source: { session: `s_${i % SESSIONS}`, at: when, quote: 'q' },
  };
}

const archived: ArchivedItem[] = Array.from({ length: FACTS }, (_, i) => {
  const r = random();
  return { type: 'fact', item: fact(i, r < 0.8 ? 'active' : r < 0.95 ? 'superseded' : 'retracted'), archivedAt: at(SESSIONS), revision: i + 1 };
});
const memoryFacts = Array.from({ length: 260 }, (_, i) => fact(FACTS + i, i < 60 ? 'active' : 'superseded'));
const episodes: Episode[] = Array.from({ length: SESSIONS }, (_, s) => ({
  sessionId: `s_${s}`,
  userId: 'bench',
  startedAt: at(s),
  model: 'm',
  turns: Array.from({ length: TURNS_PER_SESSION }, (_, t) => ({
    role: t % 2 === 0 ? ('user' as const) : ('assistant' as const),
    text: t % 2 === 0 ? sentence(10 + Math.floor(random() * 30)) : sentence(30 + Math.floor(random() * 90)),
    at: at(s, t),
  })),
}));

const t0 = performance.now();
const index = SearchIndex.create();
index.add(docsFromMemory({ facts: memoryFacts, decisions: [] }));
index.add(docsFromArchive(archived));
for (const e of episodes) index.add(docsFromEpisode(e));
const buildMs = performance.now() - t0;

const t1 = performance.now();
const json = index.toJSON();
const toJsonMs = performance.now() - t1;
const t2 = performance.now();
const loaded = SearchIndex.fromJSON(json);
const loadMs = performance.now() - t2;

// User messages about things in the archive: two or three of its content words in a question.
const contentOf = (text: string) => text.replace(/\.$/, '').split(' ').filter((w) => !FUNCTION.includes(w));
const queries = Array.from({ length: QUERIES }, () => {
  const source = random() < 0.5 ? pick(archived).item : { text: pick(pick(episodes).turns).text };
  const words = contentOf('text' in source ? source.text : '');
  const chosen = Array.from({ length: 2 + Math.floor(random() * 2) }, () => pick(words.length ? words : COMMON));
  return pick([`what did I say about ${chosen.join(' and ')}?`, `remind me of the ${chosen.join(' ')} thing`, `${chosen.join(' ')} — any thoughts, given what you know?`]);
});

// Wall time, and this process's CPU time (user + system), which a machine shared with other work
// inflates far less: on a loaded machine the wall-time tail is mostly waiting for a core.
function timeEach(fn: (q: string) => unknown): { wall: number[]; cpu: number[] } {
  for (const q of queries.slice(0, 20)) fn(q); // warm-up (JIT)
  const wall: number[] = [];
  const cpu: number[] = [];
  for (const q of queries) {
    const s = performance.now();
    const c = process.cpuUsage();
    fn(q);
    const dc = process.cpuUsage(c);
    wall.push(performance.now() - s);
    cpu.push((dc.user + dc.system) / 1000);
  }
  return { wall, cpu };
}

const search30 = timeEach((q) => loaded.search(q, { limit: 30 }));
const search10 = timeEach((q) => loaded.search(q, { limit: 10 }));
let hitsPerQuery = 0;
for (const q of queries) hitsPerQuery += loaded.search(q, { limit: 10 }).length;

const recall = new AutoRecall({ search: async (_u, q, o) => loaded.search(q, o) }, { userId: 'bench', budgetTokens: 500 });
const core = new Set(memoryFacts.slice(0, 60).map((f) => f.id));
for (const q of queries.slice(0, 20)) await recall.recall(q, at(SESSIONS), () => {}, core);
const recallMs: number[] = [];
const recallCpu: number[] = [];
let recalled = 0;
let recallTokens = 0;
for (const q of queries) {
  const s = performance.now();
  const c = process.cpuUsage();
  const block = await recall.recall(q, at(SESSIONS), () => {}, core);
  const dc = process.cpuUsage(c);
  recallMs.push(performance.now() - s);
  recallCpu.push((dc.user + dc.system) / 1000);
  recalled += block?.hits.length ?? 0;
  recallTokens += block?.tokens ?? 0;
}

// The same corpus in a file store.
const USER = 'bench';
const dir = mkdtempSync(join(os.tmpdir(), 'memagent-recall-bench-'));
const root = join(dir, 'archive', USER);
mkdirSync(join(root, 'items'), { recursive: true, mode: 0o700 });
mkdirSync(join(root, 'sessions'), { recursive: true, mode: 0o700 });
const sessionIdOf = (s: number) => `${at(s).slice(0, 19).replace(/[-:]/g, '')}Z-b${s.toString(36).padStart(5, '0')}`;
const perSegment = Math.ceil(FACTS / SESSIONS);
for (let s = 0; s < SESSIONS; s++) {
  const items = archived.slice(s * perSegment, (s + 1) * perSegment).map((a) => ({ ...a, revision: s + 1 }));
  writeFileSync(join(root, 'items', `${String(s + 1).padStart(10, '0')}.jsonl`), items.map((i) => `${JSON.stringify(i)}\n`).join(''), { mode: 0o600 });
  const e = episodes[s]!;
  const sid = sessionIdOf(s);
  const lines = [{ type: 'session', sessionId: sid, userId: USER, startedAt: e.startedAt, model: 'm' }, ...e.turns.map((t) => ({ type: 'turn', ...t }))];
  writeFileSync(join(root, 'sessions', `${sid}.jsonl`), lines.map((l) => `${JSON.stringify(l)}\n`).join(''), { mode: 0o600 });
}
const memoryText = serializeMemory({ ...makeMemory(USER, 60, 200), revision: SESSIONS, sessionCount: SESSIONS });
writeFileSync(join(dir, `${USER}.json`), memoryText, { mode: 0o600 });
// History holds the current revision too, as the store keeps it (read by every catch-up).
mkdirSync(join(dir, 'history', USER), { recursive: true, mode: 0o700 });
writeFileSync(join(dir, 'history', USER, `${String(SESSIONS).padStart(10, '0')}.json`), memoryText, { mode: 0o600 });

let s0 = performance.now();
await new FileMemoryStore({ dir }).archive.search(USER, queries[0]!, { limit: 30 });
const storeRebuildMs = performance.now() - s0;
const store = new FileMemoryStore({ dir });
s0 = performance.now();
await store.archive.search(USER, queries[1]!, { limit: 30 });
const storeColdMs = performance.now() - s0;
const storeRecall = new AutoRecall(store.archive, { userId: USER, budgetTokens: 500 });
const storeCore = new Set(makeMemory(USER, 60, 200).facts.filter((f) => f.status === 'active').map((f) => f.id));
for (const q of queries.slice(0, 20)) await storeRecall.recall(q, at(SESSIONS), () => {}, storeCore);
const storeRecallMs: number[] = [];
const storeRecallCpu: number[] = [];
for (const q of queries) {
  const s = performance.now();
  const c = process.cpuUsage();
  await storeRecall.recall(q, at(SESSIONS), () => {}, storeCore);
  const dc = process.cpuUsage(c);
  storeRecallMs.push(performance.now() - s);
  storeRecallCpu.push((dc.user + dc.system) / 1000);
}
// What the store adds to a search: a word no document holds costs the catch-up checks alone.
const storeCheckMs: number[] = [];
for (let i = 0; i < queries.length; i++) {
  const s = performance.now();
  await store.archive.search(USER, 'zzqxv', { limit: 30 });
  storeCheckMs.push(performance.now() - s);
}
rmSync(dir, { recursive: true, force: true });

process.stdout.write(
  `${JSON.stringify({
    storeRebuildMs,
    storeColdMs,
    storeRecallMs,
    storeRecallCpu,
    storeCheckMs,
    sessions: SESSIONS,
    facts: FACTS,
    docs: loaded.size,
    buildMs,
    toJsonMs,
    indexBytes: Buffer.byteLength(json),
    loadMs,
    search30,
    search10,
    recallMs,
    recallCpu,
    hitsPerQuery: hitsPerQuery / queries.length,
    recalledPerTurn: recalled / queries.length,
    recallTokensPerTurn: recallTokens / queries.length,
  })}\n`,
);
