/**
 * The BM25 search index of one user's memory: the ONLY module that imports `minisearch`
 * (BM25+ over an inverted index, no dependencies, serialisable: https://lucaong.github.io/minisearch/).
 * Documents are the memory file's facts and decisions, archived items, and the turns of kept
 * sessions (`docsFrom*`); a hit comes back as a `SearchHit`. Pure in-memory; stores persist it
 * with `toJSON`/`fromJSON` and keep it current at save time.
 *
 * Ranking, on top of BM25 over words analysed for chat text (`analyze`: case and accent folding,
 * English stop words, a light stemmer):
 * - a decision's topic counts more than its text; facts and decisions outrank turns a little
 *   (distilled, and the user's own turns outrank the assistant's);
 * - superseded and retracted facts are kept and returned, marked by `status`/`validTo`, but rank
 *   below active ones, and always below the fact that superseded them when both are hits;
 * - recency is a gentle tie-breaker (at most a few percent): equal matches come newest first,
 *   and nothing is ever dropped for its age;
 * - a hit of the same kind and status as a better hit, with the same words in the same order (a
 *   fact kept twice, a turn said again), is collapsed into that better hit (automatic recall
 *   also collapses a turn into the fact it taught: `nearDuplicate`);
 * - a long turn comes back cut to a window around the words that matched (a fact stays whole).
 */
import MiniSearch from 'minisearch';
import type { Decision, Fact, Memory } from '../schema.js';
import type { ArchivedItem, Episode, SearchHit, SearchOptions } from './types.js';

/** One indexed document: a `SearchHit` without its score. `id` is unique per index. */
export type SearchDoc = Omit<SearchHit, 'score'>;

/**
 * Bumped whenever tokenising, fields or document shapes change: a persisted index of another
 * version is rebuilt. 2: accent folding, stop words and stemming (`analyze`); the `topic` field.
 * 3: documents kept beside the index; "-tion"/"-sion" stemmed ("adoption" → "adopt").
 */
export const SEARCH_INDEX_VERSION = 3;

/** Indexed fields: the whole text, and a decision's topic again (boosted). */
const FIELDS = ['text', 'topic'] as const;

// Boosts are multipliers of the BM25 score. A topic word says what a decision is about.
const TOPIC_BOOST = 1.5;
// Facts and decisions are distilled and grounded; a turn is raw talk, the assistant's even more so.
const KIND_BOOST = { fact: 1, decision: 1, userTurn: 0.8, assistantTurn: 0.6 } as const;
// Kept and returned (marked), but an old value must not crowd out the current one.
const STATUS_BOOST = { active: 1, superseded: 0.5, retracted: 0.35 } as const;
// Recency: +RECENCY_MAX at most, growing linearly over RECENCY_SPAN_MS after RECENCY_EPOCH_MS, so
// it only breaks near-ties (BM25 scores of different matches differ by far more than 4%). It
// depends on the item's own date, not on the clock: the same index ranks the same way every day.
const RECENCY_MAX = 0.04;
const RECENCY_EPOCH_MS = Date.parse('2020-01-01T00:00:00Z');
const RECENCY_SPAN_MS = 20 * 365 * 86_400_000;
const MAX_BOOST = Math.max(...Object.values(KIND_BOOST)) * (1 + RECENCY_MAX);
// Turns longer than this come back cut to a window of TURN_WINDOW_CHARS around the match.
const MAX_TURN_CHARS = 400;
const TURN_WINDOW_CHARS = 300;
// Hits sharing this share of their words with a better hit are collapsed into it.
const DUPLICATE_JACCARD = 0.8;
// Candidates fetched per hit asked for, so collapsed duplicates do not leave the list short.
const OVERFETCH = 2;

/**
 * English function words (and chat filler) that carry no topic: "what did I say about the
 * pricing page?" searches for "pricing page". Kept short on purpose: a word here can never be
 * found, so only words that are noise in every chat belong.
 */
const STOP_WORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him ' +
    'himself his how i if in into is it its itself just me more most my myself no nor not of off on once only or other ' +
    'our ours ourselves out over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which while who whom why will ' +
    'with would you your yours yourself yourselves ' +
    // contractions split at the apostrophe ("don't" → "don", "t"; "I'm" → "i", "m")
    's t m d ll re ve don doesn didn isn aren wasn weren won wouldn shouldn couldn haven hasn hadn ' +
    // chat filler
    'hi hello hey thanks thank please ok okay yes yeah also really'
  ).split(' '),
);

/**
 * A light English stemmer for chat text, so inflections and common derivations meet:
 * "prefers"/"preferred"/"preferring"/"preference" → "prefer", "cities"/"city" → "citi",
 * "moving"/"moved"/"move" → "mov", "adoption"/"adopted" → "adopt". Strips one plural or verb ending, then one derivational
 * suffix, then a final "e", a doubled final consonant and maps a final "y" to "i". Words of up to
 * three letters and words with digits stay as they are. Deliberately light (not Porter): it
 * never reduces a word below two letters, and conflates fewer words that mean different things.
 * Pure.
 */
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (/(?:[sxz]|ch|sh)es$/.test(w) && w.length > 4) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);
  for (const [suffix, min] of SUFFIXES) {
    if (w.endsWith(suffix) && w.length - suffix.length >= min) {
      if (suffix === 'ed' && w.endsWith('eed')) break;
      // "-ion" only after t or s: "adoption" → "adopt", "discussion" → "discuss", not "onion" → "on".
      if (suffix === 'ion' && !/[ts]ion$/.test(w)) continue;
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  if (w.length > 3 && /([b-df-hj-np-tv-z])\1$/.test(w)) w = w.slice(0, -1);
  if (w.length > 2 && w.endsWith('y')) w = `${w.slice(0, -1)}i`;
  return w;
}

// Longest first; the number is the shortest stem the suffix may leave.
const SUFFIXES: ReadonlyArray<readonly [string, number]> = [
  ['ations', 3],
  ['ation', 3],
  ['ingly', 3],
  ['ments', 3],
  ['ment', 3],
  ['ness', 3],
  ['ence', 3],
  ['ance', 3],
  ['edly', 3],
  ['ion', 3],
  ['ing', 2],
  ['ed', 2],
  ['ly', 3],
];

/** Folds case and accents: "Zürich" → "zurich", "ÉTÉ" → "ete". Pure. */
export function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

/** Raw words: runs of letters and digits, accents kept for folding. */
const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/** Splits text into raw words (`WORD`), with their offsets. */
function words(text: string): Array<{ word: string; at: number }> {
  const out: Array<{ word: string; at: number }> = [];
  for (const m of text.matchAll(WORD)) out.push({ word: m[0], at: m.index ?? 0 });
  return out;
}

/** Splits text into raw words (`WORD`), without offsets: what indexing and analysing need, at less cost. */
function wordsOnly(text: string): string[] {
  return text.match(WORD) ?? [];
}

/** One word as indexed: folded, stemmed; null for a stop word or a lone letter. Memoized (`TERMS`). */
function term(word: string): string | null {
  let t = TERMS.get(word);
  if (t === undefined) {
    if (TERMS.size >= TERMS_MAX) TERMS.clear();
    TERMS.set(word, (t = termOf(word)));
  }
  return t;
}

/**
 * `term` of each word met, since `fold` and `stem` cost a Unicode normalisation and a dozen
 * regular expressions per word, and a search analyses the words of every candidate hit (for
 * collapsing and cutting) again and again: chat's vocabulary is small. Bounded: cleared when full.
 */
const TERMS = new Map<string, string | null>();
const TERMS_MAX = 50_000;

function termOf(word: string): string | null {
  const w = fold(word);
  if (STOP_WORDS.has(w) || (w.length < 2 && !/\d/.test(w))) return null;
  return stem(w);
}

/**
 * The terms `text` is indexed and searched by, in order: words folded (`fold`), stop words and
 * lone letters dropped, stemmed (`stem`). "I prefer the Zürich office" → ["prefer", "zurich",
 * "offic"]. Pure.
 */
export function analyze(text: string): string[] {
  const out: string[] = [];
  for (const word of wordsOnly(text)) {
    const t = term(word);
    if (t !== null) out.push(t);
  }
  return out;
}

function options() {
  return {
    fields: [...FIELDS],
    idField: 'id',
    autoVacuum: false,
    // Its one message says a removed document had changed since it was indexed; `docs` keeps each
    // exactly as indexed, and a console line would break the REPL's screen.
    logger: () => {},
    tokenize: (text: string) => wordsOnly(text),
    processTerm: (word: string) => term(word),
    // A topic is indexed from the stored text of decisions only (the part before the first ': ').
    extractField: (doc: SearchDoc, field: string) =>
      field === 'topic' ? (doc.kind === 'decision' ? doc.text.split(': ')[0] : '') : (doc as unknown as Record<string, string>)[field],
    // No prefix or fuzzy matching: stemming already joins a word's forms, and expanding a term to
    // every word it begins multiplies the postings a search walks (measured: bench `recall`).
    searchOptions: { prefix: false, fuzzy: 0 },
  };
}

/** What the index keeps of a document: it, its boost (kind, status, date), its analysed terms once first needed. */
interface DocEntry {
  doc: SearchDoc;
  boost: number;
  terms?: { key: string; set: Set<string> };
}

/** How every query is run: any query word may match (OR); a decision's topic weighs more. */
const SEARCH_OPTIONS = { combineWith: 'OR', boost: { text: 1, topic: TOPIC_BOOST } } as const;

/**
 * The two private members of minisearch (7.x) that `bestViaMatches` reads: the matches of a query
 * by short document id, with their summed score and the query terms they matched (what `search`
 * turns into results), and the map from short ids to ids. Checked at construction
 * (`hasInternals`): without them an index ranks through the public `search`, with the same hits.
 */
interface MiniSearchInternals {
  executeQuery(query: string, options: typeof SEARCH_OPTIONS): Map<number, { score: number; terms: string[] }>;
  _documentIds: Map<number, unknown>;
}

function hasInternals(mini: MiniSearch<SearchDoc>): boolean {
  const m = mini as unknown as Partial<MiniSearchInternals>;
  return typeof m.executeQuery === 'function' && m._documentIds instanceof Map;
}

/** A user's search index. Not thread-safe; cheap to copy by `toJSON`/`fromJSON`. */
export class SearchIndex {
  // The documents by id, with their boost (kind, status, date) computed once, and their analysed
  // terms (for collapsing) once first needed. Kept here rather than as minisearch stored fields:
  // minisearch copies every stored field into each of the thousands of results a common word
  // matches, and only the best few are ever read (measured: bench `recall`).
  private readonly docs = new Map<string, DocEntry>();

  private constructor(
    private readonly mini: MiniSearch<SearchDoc>,
    private readonly publicSearch = !hasInternals(mini),
  ) {}

  /**
   * An empty index. `opts.publicSearch` ranks through minisearch's public `search` instead of
   * its match map: the same hits, slower; for the test that checks they are the same.
   */
  static create(opts: { publicSearch?: boolean } = {}): SearchIndex {
    const mini = new MiniSearch<SearchDoc>(options());
    return new SearchIndex(mini, opts.publicSearch === true || !hasInternals(mini));
  }

  /**
   * Loads an index written by `toJSON`.
   * @throws Error when the JSON is corrupt or of another `SEARCH_INDEX_VERSION` (rebuild it then).
   */
  static fromJSON(json: string): SearchIndex {
    const parsed = JSON.parse(json) as { version?: unknown; index?: unknown; docs?: unknown };
    if (parsed.version !== SEARCH_INDEX_VERSION || parsed.index === undefined || !Array.isArray(parsed.docs)) {
      throw new Error(`search index version ${String(parsed.version)} is not ${SEARCH_INDEX_VERSION}`);
    }
    const index = new SearchIndex(MiniSearch.loadJS(parsed.index as never, options()));
    for (const doc of parsed.docs as SearchDoc[]) index.docs.set(doc.id, { doc, boost: documentBoost(doc) });
    if (index.docs.size !== index.mini.documentCount) throw new Error('search index is corrupt: documents and index disagree');
    return index;
  }

  /** The index as JSON, for `fromJSON`. */
  toJSON(): string {
    return JSON.stringify({ version: SEARCH_INDEX_VERSION, index: this.mini.toJSON(), docs: [...this.docs.values()].map((e) => e.doc) });
  }

  /** Number of documents. */
  get size(): number {
    return this.mini.documentCount;
  }

  /** Whether a document with `id` is indexed. */
  has(id: string): boolean {
    return this.mini.has(id);
  }

  /** Adds documents; one with the id of an indexed document replaces it. Synchronous: nothing is left to clean up later. */
  add(docs: readonly SearchDoc[]): void {
    for (const doc of docs) {
      this.drop(doc.id);
      this.mini.add(doc);
      this.docs.set(doc.id, { doc, boost: documentBoost(doc) });
    }
  }

  /** Removes the documents with these ids (unknown ids are ignored). Synchronous, as `add`. */
  remove(ids: Iterable<string>): void {
    for (const id of ids) this.drop(id);
  }

  // minisearch's `remove` takes the document as it was indexed (kept in `docs`) and deletes its
  // postings at once. Its `discard`/`replace` instead leave them for an asynchronous vacuum, which
  // iterates the term tree across timer ticks and can meet a term that a search deleted meanwhile
  // (a TypeError thrown from a timer, outside any caller: a crash); autoVacuum is off for that too.
  private drop(id: string): void {
    const entry = this.docs.get(id);
    this.docs.delete(id);
    if (!this.mini.has(id)) return;
    if (entry) this.mini.remove(entry.doc);
    else this.mini.discard(id);
  }

  /**
   * Hits for `query`, best first, at most `opts.limit`; [] for a query with no searchable word
   * (only stop words, or none). Ranking as in the module comment: a superseded or retracted fact
   * comes back with its `status`, `validTo` (and `supersededBy`) and ranks below the active facts
   * of its topic; a near-duplicate of a better hit is left out; a turn longer than 400 chars is
   * cut to about 300 around its best match, with "…" where it was cut. Pure, never throws.
   */
  search(query: string, opts: SearchOptions): SearchHit[] {
    const queryTerms = new Set(analyze(query));
    if (queryTerms.size === 0) return [];
    const kinds = opts.kinds ? new Set(opts.kinds) : null;
    const want = Math.max(opts.limit, 1) * OVERFETCH;
    const hits = this.publicSearch ? this.bestViaResults(query, kinds, want) : this.bestViaMatches(query, kinds, want);
    return collapse(belowSuccessors(hits), (h) => this.termsOf(h))
      .slice(0, opts.limit)
      .map((h) => {
        if (h.kind === 'turn' && h.text.length > MAX_TURN_CHARS) return { ...h, text: cutAround(h.text, queryTerms) };
        // Its terms are those of its document, analysed already: `nearDuplicate` need not again.
        termsOfHit.set(h, this.termsOf(h));
        return h;
      });
  }

  /**
   * The `want` best documents for `query` by boosted score (a document's boost multiplies each of
   * its term scores, so it multiplies minisearch's BM25 sum), best first; ties in order of BM25,
   * then of minisearch's matches. Walks minisearch's match map (`executeQuery`, one entry per
   * matching document) instead of its public `search`, which makes an object of every match (a
   * common word matches thousands) and sorts them all, though only the best few are ever read
   * (measured: bench `recall`). Exactly the order and scores of `bestViaResults`.
   */
  private bestViaMatches(query: string, kinds: ReadonlySet<string> | null, want: number): SearchHit[] {
    const mini = this.mini as unknown as MiniSearchInternals;
    const matches = mini.executeQuery(query, SEARCH_OPTIONS);
    const best: Array<{ entry: DocEntry; bm25: number; score: number }> = [];
    for (const [shortId, match] of matches) {
      // As minisearch's `search` scores a result: its sum times the number of query terms matched.
      const bm25 = match.score * (match.terms.length || 1);
      const last = best.length >= want ? best[want - 1]! : null;
      if (last !== null && bm25 * MAX_BOOST < last.score) continue;
      const entry = this.docs.get(mini._documentIds.get(shortId) as string);
      if (!entry || (kinds && !kinds.has(entry.doc.kind ?? 'fact'))) continue;
      const score = bm25 * entry.boost;
      if (last !== null && (score < last.score || (score === last.score && bm25 <= last.bm25))) continue;
      // Insert in order (ties: higher BM25 first, then the earlier match), dropping the last when over `want`.
      let at = best.length;
      while (at > 0 && (best[at - 1]!.score < score || (best[at - 1]!.score === score && best[at - 1]!.bm25 < bm25))) at--;
      best.splice(at, 0, { entry, bm25, score });
      if (best.length > want) best.pop();
    }
    return best.map(({ entry, score }) => ({ ...entry.doc, score }));
  }

  /** `bestViaMatches` through minisearch's public `search` (every match an object, sorted by BM25). */
  private bestViaResults(query: string, kinds: ReadonlySet<string> | null, want: number): SearchHit[] {
    const docs = this.docs;
    const results = this.mini.search(query, {
      ...SEARCH_OPTIONS,
      ...(kinds ? { filter: (r) => kinds.has(docs.get(r.id as string)?.doc.kind ?? 'fact') } : {}),
    });
    // Exact top k: once a result's BM25 times the largest boost cannot reach the k-th boosted
    // score, no later one can either.
    const top: SearchHit[] = [];
    let floor = 0;
    for (const r of results) {
      if (top.length >= want && r.score * MAX_BOOST < floor) break;
      const entry = docs.get(r.id as string);
      const score = r.score * (entry?.boost ?? 0);
      if (!entry || (top.length >= want && score <= floor)) continue;
      // Insert in order (ties keep minisearch's order), dropping the last when over `want`.
      let at = top.length;
      while (at > 0 && top[at - 1]!.score < score) at--;
      top.splice(at, 0, { ...entry.doc, score });
      if (top.length > want) top.pop();
      if (top.length >= want) floor = top[want - 1]!.score;
    }
    return top;
  }

  private termsOf(hit: SearchHit): { key: string; set: Set<string> } {
    const entry = this.docs.get(hit.id);
    if (entry?.terms) return entry.terms;
    const list = analyze(hit.text);
    const terms = { key: list.join(' '), set: new Set(list) };
    if (entry) entry.terms = terms;
    return terms;
  }
}

/** The boost of one document: its kind, its status and (slightly) its date. */
function documentBoost(doc: SearchDoc): number {
  const kind =
    doc.kind === 'turn' ? (doc.role === 'assistant' ? KIND_BOOST.assistantTurn : KIND_BOOST.userTurn) : KIND_BOOST[doc.kind ?? 'fact'];
  const status = STATUS_BOOST[doc.status ?? 'active'] ?? 1;
  const t = Date.parse(doc.date ?? '');
  const recency = Number.isFinite(t) ? Math.min(1, Math.max(0, (t - RECENCY_EPOCH_MS) / RECENCY_SPAN_MS)) : 0;
  return kind * status * (1 + RECENCY_MAX * recency);
}

/** A superseded fact whose successor is a hit ranks just below that successor (re-sorted). */
function belowSuccessors(hits: SearchHit[]): SearchHit[] {
  const byId = new Map(hits.map((h) => [h.id, h]));
  // A chain (a → b → c) settles in as many passes as it is long; hits are few, so bound it.
  for (let pass = 0; pass < 5; pass++) {
    let moved = false;
    for (const h of hits) {
      const next = h.supersededBy ? byId.get(h.supersededBy) : undefined;
      if (next && h.score >= next.score) {
        h.score = next.score * 0.99;
        moved = true;
      }
    }
    if (!moved) break;
  }
  return hits.sort((a, b) => b.score - a.score);
}

/**
 * Leaves out hits with the same kind, status and analysed terms (in order) as a better hit.
 * Everything else stays: a fact and the turn it was learned from are both answers to a search.
 */
function collapse(hits: SearchHit[], termsOf: (hit: SearchHit) => { key: string; set: Set<string> }): SearchHit[] {
  const seen = new Set<string>();
  return hits.filter((hit) => {
    const key = `${hit.kind} ${hit.status} ${termsOf(hit).key}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Whether two hits say nearly the same thing, for automatic recall's budget: the same status
 * (a superseded "lives in Porto" never duplicates "lives in Lisbon"), and either the same terms in
 * the same order, or, when one is a turn (a fact and the turn it was learned from), a term
 * Jaccard of at least 0.8. Two facts whose terms differ only in order ("prefers tabs over spaces",
 * "prefers spaces over tabs") are not duplicates. Pure.
 */
export function nearDuplicate(a: SearchHit, b: SearchHit): boolean {
  if (a.status !== b.status) return false;
  const { key: ka, set: sa } = hitTerms(a);
  const { key: kb, set: sb } = hitTerms(b);
  if (ka === kb) return true;
  if (a.kind !== 'turn' && b.kind !== 'turn') return false;
  // Jaccard ≥ J needs the smaller set to be at least J of the larger: most pairs stop here.
  const [small, large] = sa.size < sb.size ? [sa.size, sb.size] : [sb.size, sa.size];
  return small >= large * DUPLICATE_JACCARD && jaccard(sa, sb) >= DUPLICATE_JACCARD;
}

// A hit's analysed terms, computed once per hit object (a search returns fresh objects, so this
// never outlives them).
const termsOfHit = new WeakMap<SearchHit, { key: string; set: Set<string> }>();
function hitTerms(hit: SearchHit): { key: string; set: Set<string> } {
  let t = termsOfHit.get(hit);
  if (t === undefined) {
    const list = analyze(hit.text);
    termsOfHit.set(hit, (t = { key: list.join(' '), set: new Set(list) }));
  }
  return t;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const t of a) if (b.has(t)) shared++;
  return shared / (a.size + b.size - shared);
}

/**
 * `text` cut to about TURN_WINDOW_CHARS around the place where most query terms occur, at word
 * boundaries, with "…" at each cut end. Pure.
 */
export function cutAround(text: string, queryTerms: ReadonlySet<string>, width = TURN_WINDOW_CHARS): string {
  if (text.length <= width) return text;
  const all = words(text);
  const matches = all.filter((w) => {
    const t = term(w.word);
    return t !== null && queryTerms.has(t);
  });
  // The window starting a third of a width before each match; the one holding most matches wins.
  let start = 0;
  let best = -1;
  for (const m of matches) {
    const from = Math.max(0, Math.min(m.at - Math.floor(width / 3), text.length - width));
    const count = matches.filter((x) => x.at >= from && x.at < from + width).length;
    if (count > best) {
      best = count;
      start = from;
    }
  }
  // Snap to word boundaries: start at a word's beginning, end after a word's end.
  const first = all.find((w) => w.at >= start);
  const from = start === 0 || !first ? 0 : first.at;
  const inside = all.filter((w) => w.at >= from && w.at + w.word.length <= from + width);
  const last = inside.at(-1);
  const to = last ? last.at + last.word.length : Math.min(text.length, from + width);
  return `${from > 0 ? '…' : ''}${text.slice(from, to).trim()}${to < text.length ? '…' : ''}`;
}

/** Documents for a memory file's facts (every status) and decisions. */
export function docsFromMemory(memory: Pick<Memory, 'facts' | 'decisions'>): SearchDoc[] {
  return [...memory.facts.map((f) => factDoc(f, true)), ...memory.decisions.map((d) => decisionDoc(d, true))];
}

/** Documents for archived items (not in the memory file). */
export function docsFromArchive(items: readonly ArchivedItem[]): SearchDoc[] {
  return items.map((a) => (a.type === 'fact' ? factDoc(a.item, false) : decisionDoc(a.item, false)));
}

/** Documents for a kept session's turns (`<sessionId>:<n>`). */
export function docsFromEpisode(episode: Episode): SearchDoc[] {
  return episode.turns.map((t, n) => ({
    kind: 'turn' as const,
    id: `${episode.sessionId}:${n}`,
    status: 'active' as const,
    text: t.text,
    sessionId: episode.sessionId,
    date: t.at,
    role: t.role,
    inMemoryFile: false,
  }));
}

function factDoc(f: Fact, inMemoryFile: boolean): SearchDoc {
  return {
    kind: 'fact',
    id: f.id,
    status: f.status,
    text: f.text,
    sessionId: f.source.session,
    date: f.source.at,
    ...(f.validTo ? { validTo: f.validTo } : {}),
    ...(f.supersededBy ? { supersededBy: f.supersededBy } : {}),
    confidence: f.confidence,
    factKind: f.kind,
    inMemoryFile,
  };
}

function decisionDoc(d: Decision, inMemoryFile: boolean): SearchDoc {
  return {
    kind: 'decision',
    id: d.id,
    status: 'active',
    text: `${d.topic}: ${d.decision}`,
    sessionId: d.source.session,
    date: d.date,
    inMemoryFile,
  };
}
