/**
 * The BM25 search index of one user's memory: the ONLY module that imports `minisearch`
 * (BM25+ over an inverted index, no dependencies, serialisable: https://lucaong.github.io/minisearch/).
 * Documents are the memory file's facts and decisions, archived items, and the turns of kept
 * sessions (`docsFrom*`); a hit comes back as a `SearchHit`. Pure in-memory; stores persist it
 * with `toJSON`/`fromJSON` and keep it current at save time.
 */
import MiniSearch from 'minisearch';
import type { Decision, Fact, Memory } from '../schema.js';
import type { ArchivedItem, Episode, SearchHit, SearchOptions } from './types.js';

/** One indexed document: a `SearchHit` without its score. `id` is unique per index. */
export type SearchDoc = Omit<SearchHit, 'score'>;

/** Bumped whenever tokenising, fields or document shapes change: a persisted index of another version is rebuilt. */
export const SEARCH_INDEX_VERSION = 1;

const FIELDS = ['text'] as const;
const STORED = [
  'kind',
  'id',
  'status',
  'text',
  'sessionId',
  'date',
  'validTo',
  'supersededBy',
  'confidence',
  'factKind',
  'role',
  'inMemoryFile',
] as const;

function options() {
  return {
    fields: [...FIELDS],
    storeFields: [...STORED],
    idField: 'id',
    searchOptions: { prefix: (term: string) => term.length >= 5, fuzzy: 0 },
  };
}

/** A user's search index. Not thread-safe; cheap to copy by `toJSON`/`fromJSON`. */
export class SearchIndex {
  private constructor(private readonly mini: MiniSearch<SearchDoc>) {}

  /** An empty index. */
  static create(): SearchIndex {
    return new SearchIndex(new MiniSearch<SearchDoc>(options()));
  }

  /**
   * Loads an index written by `toJSON`.
   * @throws Error when the JSON is corrupt or of another `SEARCH_INDEX_VERSION` (rebuild it then).
   */
  static fromJSON(json: string): SearchIndex {
    const parsed = JSON.parse(json) as { version?: unknown; index?: unknown };
    if (parsed.version !== SEARCH_INDEX_VERSION || parsed.index === undefined) {
      throw new Error(`search index version ${String(parsed.version)} is not ${SEARCH_INDEX_VERSION}`);
    }
    return new SearchIndex(MiniSearch.loadJS(parsed.index as never, options()));
  }

  /** The index as JSON, for `fromJSON`. */
  toJSON(): string {
    return JSON.stringify({ version: SEARCH_INDEX_VERSION, index: this.mini.toJSON() });
  }

  /** Number of documents. */
  get size(): number {
    return this.mini.documentCount;
  }

  /** Whether a document with `id` is indexed. */
  has(id: string): boolean {
    return this.mini.has(id);
  }

  /** Adds documents; one with the id of an indexed document replaces it. */
  add(docs: readonly SearchDoc[]): void {
    for (const doc of docs) {
      if (this.mini.has(doc.id)) this.mini.replace(doc);
      else this.mini.add(doc);
    }
  }

  /** Removes the documents with these ids (unknown ids are ignored). */
  remove(ids: Iterable<string>): void {
    for (const id of ids) if (this.mini.has(id)) this.mini.discard(id);
  }

  /** Hits for `query`, best first, at most `opts.limit`; [] for a query with no word. */
  search(query: string, opts: SearchOptions): SearchHit[] {
    if (!/[\p{L}\p{N}]/u.test(query)) return [];
    const kinds = opts.kinds ? new Set(opts.kinds) : null;
    const results = this.mini.search(query, {
      combineWith: 'OR',
      ...(kinds ? { filter: (r) => kinds.has(r.kind as SearchHit['kind']) } : {}),
    });
    return results.slice(0, opts.limit).map((r) => {
      const hit: Record<string, unknown> = { score: r.score };
      for (const key of STORED) if (r[key] !== undefined) hit[key] = r[key];
      return hit as unknown as SearchHit;
    });
  }
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
