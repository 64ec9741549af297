/**
 * In-process helpers for bench/locomo.mjs, bundled by esbuild into the bench's temp dir (like
 * bench/entries/kit.ts for bench/run.mjs): the fake Messages API, and read-only views of what a
 * user's store holds, read through the real file store (`FileMemoryStore`), so the measurement
 * follows whatever archive the tree under test has.
 */
import { FileMemoryStore } from '../src/core/storage/file/index.js';
import { docsFromArchive, docsFromMemory, SearchIndex } from '../src/core/recall/search-index.js';
import type { ArchivedItem, SearchHit } from '../src/core/recall/types.js';
import type { Memory } from '../src/core/schema.js';
import MiniSearch from 'minisearch';

export { startFakeApi } from '../src/fake-api/server.js';

/** Everything one user's store holds, as texts: what "archive recall" looks in. */
export interface StoredTexts {
  /** Every fact of the memory file (any status) and every archived fact: `{ text, status, where }`. */
  facts: Array<{ text: string; status: string; where: 'file' | 'archive' }>;
  /** Decisions (file and archive), as `topic: decision`. */
  decisions: string[];
  /** Every turn of every kept session (episodic memory); [] while the archive keeps none. */
  turns: string[];
  /** Active facts in the memory file (the candidates for core memory). */
  activeInFile: number;
  /** Archived items the store skipped as corrupt. */
  skipped: number;
}

function store(dir: string): FileMemoryStore {
  return new FileMemoryStore({ dir, createDir: false });
}

/**
 * Reads `userId`'s memory file, archived items and kept sessions from the file store in `dir`.
 * Read-only: takes no lock, writes nothing. @throws the store's error for an unreadable memory.
 */
export async function readStored(dir: string, userId: string): Promise<StoredTexts> {
  const s = store(dir);
  const { memory } = await s.load(userId);
  const { items, skipped } = await s.archive.items(userId);
  const facts: StoredTexts['facts'] = memory.facts.map((f) => ({ text: f.text, status: f.status, where: 'file' as const }));
  const decisions = memory.decisions.map((d) => `${d.topic}: ${d.decision}`);
  for (const a of items) {
    if (a.type === 'fact') facts.push({ text: a.item.text, status: a.item.status, where: 'archive' });
    else decisions.push(`${a.item.topic}: ${a.item.decision}`);
  }
  const turns: string[] = [];
  for (const session of await s.archive.sessions(userId)) {
    const episode = await s.archive.readSession(userId, session.sessionId);
    for (const t of episode?.turns ?? []) turns.push(t.text);
  }
  return { facts, decisions, turns, activeInFile: memory.facts.filter((f) => f.status === 'active').length, skipped };
}

/** `ArchiveStore.search` of the store in `dir`: the search `memagent search` and `memory_search` run. */
export async function storeSearch(dir: string, userId: string, query: string, limit: number): Promise<SearchHit[]> {
  return store(dir).archive.search(userId, query, { limit });
}

/**
 * A reference searcher: plain minisearch BM25 (the foundation's `SearchIndex`, no recency or
 * status boosts) over the memory file's facts and decisions and the archived items, turns left
 * out. What lexical search alone can do over the facts a perfect extractor stored, whatever the
 * store's own search does.
 */
export async function referenceSearcher(dir: string, userId: string): Promise<(query: string, limit: number) => SearchHit[]> {
  const s = store(dir);
  const { memory } = await s.load(userId);
  const { items } = await s.archive.items(userId);
  const index = SearchIndex.create();
  const docs = [...docsFromMemory(memory as Memory), ...docsFromArchive(items as ArchivedItem[])];
  // An archived fact may still be in the file under the same id (last state wins): one doc per id.
  const seen = new Set<string>();
  index.add(docs.filter((d) => !seen.has(d.id) && seen.add(d.id)));
  return (query, limit) => index.search(query, { limit });
}

/** Words that carry no topic: left out of a stemmed index and its queries. */
const STOPWORDS = new Set(
  'a an the and or but if of to in on at by for with from about as into over after before is are was were be been being do does did have has had what which who whom whose when where why how that this these those it its he she they them his her their there than then so not no can could would should will may might must i you we our your my me us also ever kind type sort'.split(' '),
);

/** A crude English suffix stripper ("paintings", "painted", "painting" → "paint"): enough to tell what stemming would win. */
export function stem(word: string): string {
  let w = word.toLowerCase().replace(/['’]s$/, '');
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  for (const suffix of ['ing', 'ed', 'es', 's', 'ly']) {
    if (w.length - suffix.length >= 3 && w.endsWith(suffix)) {
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  return w;
}

/**
 * A what-if searcher over the same documents as `referenceSearcher`: minisearch BM25 with
 * stop words dropped and words stemmed (`stem`), to measure what cheap lexical fixes would win;
 * `fuzzy` (minisearch's edit distance as a fraction of a term's length; default 0) also matches
 * misspelt words. Returns hit texts, best first.
 */
export async function stemmedSearcher(dir: string, userId: string, opts: { fuzzy?: number } = {}): Promise<(query: string, limit: number) => string[]> {
  const s = store(dir);
  const { memory } = await s.load(userId);
  const { items } = await s.archive.items(userId);
  const docs = [...docsFromMemory(memory as Memory), ...docsFromArchive(items as ArchivedItem[])];
  const seen = new Set<string>();
  const mini = new MiniSearch<{ id: string; text: string }>({
    fields: ['text'],
    storeFields: ['text'],
    processTerm: (term) => (STOPWORDS.has(term.toLowerCase()) ? null : stem(term)),
  });
  mini.addAll(docs.filter((d) => !seen.has(d.id) && seen.add(d.id)).map((d) => ({ id: d.id, text: d.text })));
  return (query, limit) =>
    mini
      .search(query, { combineWith: 'OR', fuzzy: opts.fuzzy ?? 0 })
      .slice(0, limit)
      .map((r) => String(r.text));
}
