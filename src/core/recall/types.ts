/**
 * The shapes of archival and episodic memory and of a search hit, shared by every store (file,
 * PostgreSQL), the search index, automatic recall, the memory tools and the commands.
 *
 * The three layers (MemGPT/Letta's terms):
 * - core memory: the budgeted block in the system prompt, rendered from the memory file's active
 *   facts, decisions and summary (render.ts); stable for a whole session so the prompt cache holds;
 * - archival memory: every fact and decision ever learned. The memory file keeps the active facts
 *   (at most the active cap) and recent history; whatever leaves the file by a cap (an evicted
 *   fact, still true; history past its cap) is archived in its last state. The archive is the
 *   memory file's items plus `ArchivedItem`s: nothing is deleted by a cap, only by `forget`;
 * - episodic memory: every finished session's transcript (journal lines, secrets redacted).
 */
import type { Confidence, Decision, Fact, FactKind, FactStatus, Turn } from '../schema.js';

/**
 * A fact or decision that left the memory file, in its last state there. A fact evicted from core
 * memory keeps `status: 'active'` (still true, just not in the prompt); history past its cap keeps
 * its `superseded`/`retracted` status. `revision` is the memory revision whose write archived it.
 */
export type ArchivedItem =
  | { type: 'fact'; item: Fact; archivedAt: string; revision: number }
  | { type: 'decision'; item: Decision; archivedAt: string; revision: number };

/** One finished session in episodic memory: its journal's header and turns (redacted as journaled). */
export interface Episode {
  sessionId: string;
  userId: string;
  /** ISO time the session started (the date its facts and relative dates belong to). */
  startedAt: string;
  model: string;
  /** Every turn, cleared ones included, in order. */
  turns: Turn[];
  /** What automatic recall attached, per turn (ids and tokens), when anything was. */
  recalls?: Array<{ beforeTurn: number; ids: string[]; tokens: number }>;
  /** The memory tool calls of the session, when any. */
  tools?: Array<{ afterTurn: number; name: string; input: unknown; result: string; isError: boolean }>;
}

/** One line of `memagent sessions`: a session of episodic memory without its turns. */
export interface EpisodeSummary {
  sessionId: string;
  startedAt: string;
  /** ISO time of the last turn (`startedAt` when there is none). */
  endedAt: string;
  /** User turns. */
  turns: number;
  /** The first user turn, cut to one line of at most 80 chars ('' when none). */
  firstLine: string;
}

/** What a search returns one of. */
export type HitKind = 'fact' | 'decision' | 'turn';

/**
 * One search hit, as automatic recall attaches it and `memory_search` / `memagent search` show it.
 * Scores compare only within one result list.
 */
export interface SearchHit {
  kind: HitKind;
  /** A fact or decision id; for a turn of a past session `<sessionId>:<n>` (n: the turn's index in the session, from 0). */
  id: string;
  /** Facts: their status (an archived still-true fact is `active`); decisions and turns: `active`. */
  status: FactStatus;
  /** The fact's text whole, `topic: decision` for a decision, a turn's text (a long one cut around the match). */
  text: string;
  /** The session it came from. */
  sessionId: string;
  /** ISO time it was said or learned (a fact's `source.at`, a decision's `date`, a turn's `at`). */
  date: string;
  /** Superseded/retracted facts: when that became so ("until …"). */
  validTo?: string;
  /** Superseded facts: the id of the fact that replaced it. */
  supersededBy?: string;
  /** Facts only. */
  confidence?: Confidence;
  factKind?: FactKind;
  /** Turns only. */
  role?: Turn['role'];
  /** Whether the item is in the memory file (a candidate for core memory) rather than only archived. */
  inMemoryFile: boolean;
  /** Relevance, higher is better (BM25 and boosts; only comparable within one result list). */
  score: number;
}

/** Options of a search. */
export interface SearchOptions {
  /** At most this many hits (1–50). */
  limit: number;
  /** Only these kinds (default: all). */
  kinds?: readonly HitKind[];
}
