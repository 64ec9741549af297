/**
 * Archival and episodic memory in PostgreSQL (the `ArchiveStore` of `PostgresMemoryStore`), with
 * PostgreSQL full-text search: archived items and session turns carry a generated `tsvector`
 * (English configuration, GIN-indexed; migration 2 in schema.ts); the current memory's facts and
 * decisions are ranked in the same query from the texts passed in. A query's words are OR-ed
 * (`plainto_tsquery` with `&` turned into `|`) and ranked with `ts_rank_cd`, so a hit needs one
 * word, not all. Hits have the shape of the file store's (recall/types.ts), built by the same
 * `docsFrom*` functions. Receives its connections from the store; imports no `pg` itself.
 */
import type { SqlClient as PoolClient } from './schema.js';
import { decisionSchema, factSchema, type Decision, type Fact, type Memory, type Turn } from '../../schema.js';
import { validateUserId } from '../../user-id.js';
import { JournalGoneError } from '../../journal/journal.js';
import { docsFromArchive, docsFromMemory, type SearchDoc } from '../../recall/search-index.js';
import type { ArchivedItem, Episode, EpisodeSummary, HitKind, SearchHit, SearchOptions } from '../../recall/types.js';
import type { ArchiveStore, JournalStore } from '../store.js';

/** What the archive needs from its store: connections and the current memory. */
export interface ArchiveDb {
  /** Runs `fn` with a pooled client, no transaction; pg errors become one-line errors. */
  read<T>(fn: (client: PoolClient) => Promise<T>): Promise<T>;
  /** Runs `fn` in one transaction holding the user's advisory lock; any error rolls it back. */
  write<T>(userId: string, fn: (client: PoolClient) => Promise<T>): Promise<T>;
  /** The user's current memory read with `client` (null when none). @throws MemoryFileError when it does not validate. */
  current(client: PoolClient, userId: string): Promise<Memory | null>;
}

/** A long turn is shown cut to about this many characters around its first matching word: enough to read the sentence. */
const TURN_SNIPPET_CHARS = 400;

/**
 * `text` as PostgreSQL can store it: a text value cannot hold U+0000 (nor can jsonb), so a NUL a
 * user pasted becomes U+FFFD rather than making the session unkeepable forever. Pure.
 */
export function pgText(text: string): string {
  return text.includes('\u0000') ? text.replace(/\u0000/g, '\uFFFD') : text;
}

/** The searchable text of an item: a fact's text; `topic: decision` for a decision (as `docsFromMemory`). */
function searchText(a: ArchivedItem): string {
  return a.type === 'fact' ? a.item.text : `${a.item.topic}: ${a.item.decision}`;
}

/**
 * Inside a write transaction (the caller holds the user's lock): stores `items` as archived,
 * one row per item id holding its last state (a re-archived id is replaced). Idempotent. Its
 * cost depends on `items` only, not on the size of the archive.
 */
export async function insertArchivedItems(client: PoolClient, userId: string, items: readonly ArchivedItem[]): Promise<void> {
  if (items.length === 0) return;
  await client.query(
    `INSERT INTO memagent_archive_items (user_id, item_id, body, archived_at, search_text)
       SELECT $1, u.id, u.body, u.at::timestamptz, u.text FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS u(id, body, at, text)
     ON CONFLICT (user_id, item_id) DO UPDATE SET body = EXCLUDED.body, archived_at = EXCLUDED.archived_at, search_text = EXCLUDED.search_text`,
    [userId, items.map((a) => a.item.id), items.map((a) => JSON.stringify(a)), items.map((a) => a.archivedAt), items.map((a) => pgText(searchText(a)))],
  );
}

/** Parses a stored archived item; null when it does not validate (counted as skipped by callers). */
function parseArchived(body: string): ArchivedItem | null {
  try {
    const raw = JSON.parse(body) as { type?: unknown; item?: unknown; archivedAt?: unknown; revision?: unknown };
    if (typeof raw.archivedAt !== 'string' || typeof raw.revision !== 'number') return null;
    if (raw.type === 'fact') {
      const item = factSchema.safeParse(raw.item);
      return item.success ? { type: 'fact', item: item.data, archivedAt: raw.archivedAt, revision: raw.revision } : null;
    }
    if (raw.type === 'decision') {
      const item = decisionSchema.safeParse(raw.item);
      return item.success ? { type: 'decision', item: item.data, archivedAt: raw.archivedAt, revision: raw.revision } : null;
    }
    return null;
  } catch {
    return null;
  }
}

/**
 * `text` cut to about `max` characters around the first occurrence of one of `words`
 * (case-insensitive), with `…` where it was cut; whole when short enough. Pure.
 */
export function cutAround(text: string, words: readonly string[], max = TURN_SNIPPET_CHARS): string {
  if (text.length <= max) return text;
  const lower = text.toLowerCase();
  let at = -1;
  for (const w of words) {
    const i = lower.indexOf(w.toLowerCase());
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  const start = Math.max(0, Math.min(at < 0 ? 0 : at - Math.floor(max / 3), text.length - max));
  const end = Math.min(text.length, start + max);
  return `${start > 0 ? '…' : ''}${text.slice(start, end).trim()}${end < text.length ? '…' : ''}`;
}

/** The words of a search query (letters and digits), lower-cased. */
function queryWords(query: string): string[] {
  return query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * The `ArchiveStore` over the tables of migration 2. Writes hold the user's advisory lock (the
 * same one as memory writes) for one transaction; reads take no lock.
 */
export class PostgresArchive implements ArchiveStore {
  constructor(
    private readonly db: ArchiveDb,
    private readonly journals: JournalStore,
    private readonly retention: { now: () => Date; retentionDays?: number } = { now: () => new Date() },
  ) {}

  /**
   * Reads the local journal `journalRef`, stores its session and turns in one locked transaction
   * (a session already kept is left as it is), then retires the journal and, with a retention
   * of N days, prunes sessions that started more than N days ago. A journal already gone is
   * nothing to do. Idempotent.
   * @throws the journal's or the database's error; the journal is then left pending.
   */
  async keepSession(userId: string, journalRef: string): Promise<void> {
    validateUserId(userId);
    let contents: Awaited<ReturnType<JournalStore['read']>>;
    try {
      contents = await this.journals.read(journalRef);
    } catch (err) {
      if (err instanceof JournalGoneError) return; // kept and retired already (or forgotten): nothing to do
      throw err;
    }
    const startedAt = contents.header?.startedAt ?? contents.turns[0]?.at ?? new Date(0).toISOString();
    const extra: Pick<Episode, 'recalls' | 'tools'> = {};
    if (contents.recalls?.length) extra.recalls = contents.recalls.map((r) => ({ beforeTurn: r.beforeTurn, ids: r.ids, tokens: r.tokens }));
    if (contents.tools?.length) {
      extra.tools = contents.tools.map((t) => ({ afterTurn: t.afterTurn, name: t.name, input: t.input, result: t.result, isError: t.isError }));
    }
    await this.db.write(userId, async (client) => {
      const inserted = await client.query(
        `INSERT INTO memagent_sessions (user_id, session_id, started_at, model, extra) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, session_id) DO NOTHING RETURNING session_id`,
        [userId, contents.sessionId, startedAt, pgText(contents.header?.model ?? ''), JSON.stringify(extra, (_key, v: unknown) => (typeof v === 'string' ? pgText(v) : v))],
      );
      if (inserted.rows.length === 0) return; // kept already: only the journal is left to retire
      const turns = contents.turns;
      if (turns.length === 0) return;
      await client.query(
        `INSERT INTO memagent_turns (user_id, session_id, n, role, text, at, interrupted)
           SELECT $1, $2, u.n, u.role, u.text, u.at, u.interrupted FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::bool[]) AS u(n, role, text, at, interrupted)`,
        [userId, contents.sessionId, turns.map((_, n) => n), turns.map((t) => t.role), turns.map((t) => pgText(t.text)), turns.map((t) => t.at), turns.map((t) => Boolean(t.interrupted))],
      );
    });
    await this.journals.retire(journalRef);
    if (this.retention.retentionDays !== undefined) {
      await this.prune(userId, new Date(this.retention.now().getTime() - this.retention.retentionDays * 86_400_000));
    }
  }

  /**
   * Every archived item (last state per id), oldest archived first, without those the current
   * memory holds again (an undo or restore brought them back: the memory's state is theirs until
   * they leave it again); ones that do not validate are skipped and counted. Takes no lock.
   */
  async items(userId: string): Promise<{ items: ArchivedItem[]; skipped: number }> {
    validateUserId(userId);
    const { rows } = await this.db.read(async (c) => {
      const memory = await this.db.current(c, userId);
      const inMemory = memory ? [...memory.facts.map((f) => f.id), ...memory.decisions.map((d) => d.id)] : [];
      return c.query('SELECT body FROM memagent_archive_items WHERE user_id = $1 AND NOT (item_id = ANY ($2::text[])) ORDER BY archived_at, seq', [userId, inMemory]);
    });
    const items: ArchivedItem[] = [];
    let skipped = 0;
    for (const r of rows) {
      const item = parseArchived(String(r.body));
      if (item) items.push(item);
      else skipped++;
    }
    return { items, skipped };
  }

  /** The kept sessions, oldest first (by start time, then id). Takes no lock. */
  async sessions(userId: string): Promise<EpisodeSummary[]> {
    validateUserId(userId);
    const { rows } = await this.db.read((c) =>
      c.query(
        `SELECT s.session_id, s.started_at,
                (SELECT t.at FROM memagent_turns t WHERE t.user_id = s.user_id AND t.session_id = s.session_id ORDER BY t.n DESC LIMIT 1) AS ended_at,
                (SELECT count(*) FROM memagent_turns t WHERE t.user_id = s.user_id AND t.session_id = s.session_id AND t.role = 'user') AS turns,
                (SELECT t.text FROM memagent_turns t WHERE t.user_id = s.user_id AND t.session_id = s.session_id AND t.role = 'user' ORDER BY t.n LIMIT 1) AS first_line
           FROM memagent_sessions s WHERE s.user_id = $1 ORDER BY s.started_at, s.session_id`,
        [userId],
      ),
    );
    return rows.map((r) => ({
      sessionId: String(r.session_id),
      startedAt: String(r.started_at),
      endedAt: r.ended_at === null ? String(r.started_at) : String(r.ended_at),
      turns: Number(r.turns),
      firstLine: firstLine(r.first_line === null ? '' : String(r.first_line)),
    }));
  }

  /** One kept session with its turns in order; null when it is not kept. Takes no lock. */
  async readSession(userId: string, sessionId: string): Promise<Episode | null> {
    validateUserId(userId);
    return this.db.read(async (c) => {
      const s = await c.query('SELECT started_at, model, extra FROM memagent_sessions WHERE user_id = $1 AND session_id = $2', [userId, sessionId]);
      if (s.rows.length === 0) return null;
      const t = await c.query('SELECT role, text, at, interrupted FROM memagent_turns WHERE user_id = $1 AND session_id = $2 ORDER BY n', [userId, sessionId]);
      const extra = (s.rows[0].extra ?? {}) as Pick<Episode, 'recalls' | 'tools'>;
      return {
        sessionId,
        userId,
        startedAt: String(s.rows[0].started_at),
        model: String(s.rows[0].model),
        turns: t.rows.map((r): Turn => ({ role: r.role as Turn['role'], text: String(r.text), at: String(r.at), ...(r.interrupted ? { interrupted: true } : {}) })),
        ...(extra.recalls ? { recalls: extra.recalls } : {}),
        ...(extra.tools ? { tools: extra.tools } : {}),
      };
    });
  }

  /**
   * Full-text search over the current memory's facts and decisions, archived items (those not
   * also in the current memory) and kept sessions' turns, in one query: any word of `query`
   * matches (English stemming), ranked by `ts_rank_cd` (normalized by document length), best
   * first, at most `opts.limit`. A query with no word, or no match, returns []. Takes no lock.
   */
  async search(userId: string, query: string, opts: SearchOptions): Promise<SearchHit[]> {
    validateUserId(userId);
    const words = queryWords(query);
    if (words.length === 0) return [];
    const kinds = new Set<HitKind>(opts.kinds ?? ['fact', 'decision', 'turn']);
    const limit = Math.max(1, Math.min(50, Math.floor(opts.limit)));
    return this.db.read(async (client) => {
      const memory = await this.db.current(client, userId);
      const docs = memory ? docsFromMemory(memory).filter((d) => kinds.has(d.kind)) : [];
      const { rows } = await client.query(
        `WITH q AS (SELECT regexp_replace(plainto_tsquery('english', $2)::text, ' & ', ' | ', 'g')::tsquery AS q)
         SELECT * FROM (
           SELECT 'm' AS src, (u.i - 1)::int AS idx, NULL::text AS body, NULL::text AS session_id, NULL::int AS n,
                  NULL::text AS role, NULL::text AS text, NULL::text AS at, ts_rank_cd(to_tsvector('english', u.t), q.q, 1) AS score
             FROM unnest($3::text[]) WITH ORDINALITY AS u(t, i), q WHERE to_tsvector('english', u.t) @@ q.q
           UNION ALL
           SELECT 'a', NULL, a.body, NULL, NULL, NULL, NULL, NULL, ts_rank_cd(a.tsv, q.q, 1)
             FROM memagent_archive_items a, q
            WHERE a.user_id = $1 AND a.tsv @@ q.q AND NOT (a.item_id = ANY ($4::text[]))
              AND ((a.body LIKE '{"type":"fact"%' AND $5) OR (a.body LIKE '{"type":"decision"%' AND $6))
           UNION ALL
           SELECT 't', NULL, NULL, t.session_id, t.n, t.role, t.text, t.at, ts_rank_cd(t.tsv, q.q, 1)
             FROM memagent_turns t, q WHERE $7 AND t.user_id = $1 AND t.tsv @@ q.q
         ) hits ORDER BY score DESC, src, idx, session_id, n LIMIT $8`,
        [
          userId,
          words.join(' '),
          docs.map((d) => d.text),
          memory ? [...memory.facts.map((f) => f.id), ...memory.decisions.map((d) => d.id)] : [],
          kinds.has('fact'),
          kinds.has('decision'),
          kinds.has('turn'),
          limit * 2, // archived rows that fail validation are dropped below
        ],
      );
      const hits: SearchHit[] = [];
      for (const r of rows) {
        const score = Number(r.score);
        let doc: SearchDoc | null = null;
        if (r.src === 'm') doc = docs[Number(r.idx)];
        else if (r.src === 'a') {
          const item = parseArchived(String(r.body));
          if (item) doc = docsFromArchive([item])[0];
        } else {
          doc = {
            kind: 'turn',
            id: `${String(r.session_id)}:${Number(r.n)}`,
            status: 'active',
            text: cutAround(String(r.text), words),
            sessionId: String(r.session_id),
            date: String(r.at),
            role: r.role as Turn['role'],
            inMemoryFile: false,
          };
        }
        if (doc) hits.push({ ...doc, score });
        if (hits.length === limit) break;
      }
      return hits;
    });
  }

  /** Stores items copied from another store as they are, in one locked transaction; an archived id is replaced. Idempotent. */
  async importItems(userId: string, items: readonly ArchivedItem[]): Promise<void> {
    validateUserId(userId);
    await this.db.write(userId, (c) => insertArchivedItems(c, userId, items));
  }

  /** Deletes kept sessions (and their turns) that started before `before`; returns how many. Idempotent. */
  async prune(userId: string, before: Date): Promise<number> {
    validateUserId(userId);
    return this.db.write(userId, async (c) => {
      const { rows } = await c.query('DELETE FROM memagent_sessions WHERE user_id = $1 AND started_at::timestamptz < $2 RETURNING session_id', [userId, before.toISOString()]);
      return rows.length;
    });
  }

  /**
   * In one transaction under the user's lock, hard-deletes the archived items for which
   * `matchItem` is true and the turns for which `matchTurn(text)` is true (their turn numbers are
   * not reused). Returns how many of each went. Idempotent.
   */
  async forget(userId: string, matchItem: (item: Fact | Decision) => boolean, matchTurn: (text: string) => boolean): Promise<{ items: number; turns: number }> {
    validateUserId(userId);
    return this.db.write(userId, async (c) => {
      const items = await c.query('SELECT item_id, body FROM memagent_archive_items WHERE user_id = $1', [userId]);
      const itemIds = items.rows
        .filter((r) => {
          const a = parseArchived(String(r.body));
          // An unreadable record may still hold the text: judge it by its raw body.
          return a ? matchItem(a.item) : matchTurn(String(r.body));
        })
        .map((r) => String(r.item_id));
      if (itemIds.length > 0) await c.query('DELETE FROM memagent_archive_items WHERE user_id = $1 AND item_id = ANY ($2::text[])', [userId, itemIds]);
      const turns = await c.query('SELECT session_id, n, text FROM memagent_turns WHERE user_id = $1', [userId]);
      const gone = turns.rows.filter((r) => matchTurn(String(r.text)));
      if (gone.length > 0) {
        await c.query(
          'DELETE FROM memagent_turns t USING unnest($2::text[], $3::int[]) AS g(s, n) WHERE t.user_id = $1 AND t.session_id = g.s AND t.n = g.n',
          [userId, gone.map((r) => String(r.session_id)), gone.map((r) => Number(r.n))],
        );
      }
      return { items: itemIds.length, turns: gone.length };
    });
  }
}

/** The first line of a turn, at most 80 characters. */
function firstLine(text: string): string {
  const line = text.split('\n', 1)[0].trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

