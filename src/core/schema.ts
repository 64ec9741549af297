/**
 * The memory file and journal shapes, validated with zod on every read and write.
 *
 * One memory file per user: `<memory dir>/<userId>.json`. Times are ISO-8601 UTC strings.
 * Facts are never deleted by the merge policy: a contradicted fact becomes `superseded`
 * (with `validTo` and `supersededBy`), a fact no longer true becomes `retracted`. Only
 * `memagent forget` hard-deletes.
 */
import * as z from 'zod';

/** The schema version this build writes. Files with a higher version are refused, never rewritten. */
export const SCHEMA_VERSION = 1;

/** Kinds of fact, in the order the prompt renderer ranks them when they compete for budget. */
export const FACT_KINDS = ['preference', 'constraint', 'goal', 'entity', 'fact'] as const;
export const CONFIDENCES = ['high', 'medium', 'low'] as const;
export const FACT_STATUSES = ['active', 'superseded', 'retracted'] as const;

/**
 * The schema's size limits, stated once: the zod schemas below enforce them and the merge policy
 * clips to them (so its output always validates). Text lengths in UTF-16 code units (JS string
 * length), counts in items.
 */
export const SCHEMA_LIMITS = {
  /** A session id in `source.session`. */
  sessionIdChars: 100,
  /** A fact's text. */
  factTextChars: 500,
  /** The user's own words in `source.quote`. */
  quoteChars: 500,
  /** A decision's topic. */
  topicChars: 200,
  /** A decision's text. */
  decisionChars: 500,
  /** The memory's summary. */
  summaryChars: 4000,
  /** Facts in one memory file, history included. */
  facts: 2000,
  /** Decisions in one memory file. */
  decisions: 500,
  /**
   * Ids of the last sessions whose extraction a memory holds (`appliedSessions`). A journal is
   * re-extracted only when its session was killed between the merge and the journal's retirement,
   * so it comes back within a few sessions; 50 ids are at most 5 KB.
   */
  appliedSessions: 50,
} as const;

/** The id of a fact or decision: 1–40 chars of letters, digits, `_` and `-`. */
export const ITEM_ID_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;

const L = SCHEMA_LIMITS;
const isoTime = z.string().datetime({ offset: true });

/** Where an item was learned: the session id, when (ISO time), and the user's own words (a short span). */
export const sourceSchema = z.object({
  session: z.string().min(1).max(L.sessionIdChars),
  at: isoTime,
  quote: z.string().max(L.quoteChars),
});

/** A remembered fact. `id` is stable for the fact's life (`f_` + 10 base-36 chars). */
export const factSchema = z.object({
  id: z.string().regex(ITEM_ID_PATTERN),
  text: z.string().min(1).max(L.factTextChars),
  kind: z.enum(FACT_KINDS),
  confidence: z.enum(CONFIDENCES),
  status: z.enum(FACT_STATUSES),
  pinned: z.boolean(),
  createdAt: isoTime,
  updatedAt: isoTime,
  validFrom: isoTime,
  validTo: isoTime.optional(),
  supersededBy: z.string().optional(),
  source: sourceSchema,
});

/** A decision the user made (`date` is an ISO date or time of the decision). */
export const decisionSchema = z.object({
  id: z.string().regex(ITEM_ID_PATTERN),
  topic: z.string().min(1).max(L.topicChars),
  decision: z.string().min(1).max(L.decisionChars),
  date: isoTime,
  source: sourceSchema,
});

/** The whole per-user memory file. `revision` goes up by exactly one on every write. */
export const memorySchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  userId: z.string(),
  revision: z.number().int().nonnegative(),
  createdAt: isoTime,
  updatedAt: isoTime,
  sessionCount: z.number().int().nonnegative(),
  summary: z.string().max(L.summaryChars),
  facts: z.array(factSchema).max(L.facts),
  decisions: z.array(decisionSchema).max(L.decisions),
  /**
   * The sessions whose extraction this memory holds, oldest first, at most the last
   * `SCHEMA_LIMITS.appliedSessions`: applying one of them again changes nothing. Absent in files
   * written before it existed (read as none).
   */
  appliedSessions: z.array(z.string().min(1).max(L.sessionIdChars)).max(L.appliedSessions).optional(),
});

export type Source = z.infer<typeof sourceSchema>;
export type Fact = z.infer<typeof factSchema>;
export type FactKind = (typeof FACT_KINDS)[number];
export type Confidence = (typeof CONFIDENCES)[number];
export type FactStatus = (typeof FACT_STATUSES)[number];
export type Decision = z.infer<typeof decisionSchema>;
export type Memory = z.infer<typeof memorySchema>;

/** An empty memory for `userId` at `now` (revision 0: never written). */
export function emptyMemory(userId: string, now: Date): Memory {
  const t = now.toISOString();
  return {
    schemaVersion: SCHEMA_VERSION,
    userId,
    revision: 0,
    createdAt: t,
    updatedAt: t,
    sessionCount: 0,
    summary: '',
    facts: [],
    decisions: [],
  };
}

/**
 * One line of a session journal (`<memory dir>/journal/<userId>/<sessionId>.jsonl`).
 * The first line is a `session` header; each finished (or interrupted) turn follows as it happens.
 */
export const journalLineSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('session'),
    sessionId: z.string(),
    userId: z.string(),
    startedAt: isoTime,
    model: z.string(),
    /** The session's process and host, so a SIGKILLed session's journal is recognised at once. */
    pid: z.number().int().optional(),
    host: z.string().optional(),
  }),
  z.object({
    type: z.literal('turn'),
    role: z.enum(['user', 'assistant']),
    text: z.string(),
    at: isoTime,
    /** true when the answer was cut (Esc, Ctrl+C, stream error): shown, but not a complete turn. */
    interrupted: z.boolean().optional(),
  }),
  z.object({
    type: z.literal('cleared'),
    at: isoTime,
  }),
  /**
   * What automatic recall attached to a user turn (written just after that turn's line, `follows`;
   * journals of the first recall builds wrote it just before):
   * the ids of the hits (fact/decision ids, `<sessionId>:<n>` for turns of past sessions) and the
   * block's estimated size (tokens). Lets `/recall` and the archive show what memory surfaced.
   */
  z.object({
    type: z.literal('recall'),
    at: isoTime,
    ids: z.array(z.string()),
    tokens: z.number().int().nonnegative(),
    /** True when the line follows the user turn it was attached to (written after it, so the turn is on disk first); absent: it precedes it. */
    follows: z.boolean().optional(),
  }),
  /**
   * One memory tool call the model made during the last turn and its result (as given back to the
   * model): journaled so a crash keeps the audit trail and the exit extraction knows what tools
   * already wrote. `input` is the tool's parsed input (secrets redacted).
   */
  z.object({
    type: z.literal('tool'),
    at: isoTime,
    id: z.string(),
    name: z.string(),
    input: z.unknown(),
    result: z.string(),
    isError: z.boolean(),
  }),
]);
export type JournalLine = z.infer<typeof journalLineSchema>;

/** A turn of a conversation as the core sees it. */
export interface Turn {
  role: 'user' | 'assistant';
  text: string;
  at: string;
  interrupted?: boolean;
}

/**
 * What the extraction model returns (structured output). Facts are referred to by short integer
 * handles (1, 2, 3…) that code maps back to ids: models invent long ids, short handles stop that.
 * Deliberately lenient (no length caps) so one over-long field does not void the whole answer;
 * `groundExtraction` (grounding.ts) enforces the caps afterwards, after redaction.
 */
export const extractionSchema = z.object({
  summary: z.string(),
  add: z.array(
    z.object({
      text: z.string(),
      kind: z.enum(FACT_KINDS),
      confidence: z.enum(CONFIDENCES),
      quote: z.string(),
    }),
  ),
  update: z.array(z.object({ fact: z.number().int(), text: z.string(), quote: z.string() })),
  supersede: z.array(
    z.object({
      fact: z.number().int(),
      text: z.string(),
      kind: z.enum(FACT_KINDS),
      confidence: z.enum(CONFIDENCES),
      quote: z.string(),
    }),
  ),
  retract: z.array(z.object({ fact: z.number().int(), quote: z.string() })),
  decisions: z.array(z.object({ topic: z.string(), decision: z.string(), quote: z.string() })),
});
export type Extraction = z.infer<typeof extractionSchema>;

/**
 * Extraction ops after handles are mapped to real fact ids, quotes grounded and secrets redacted:
 * the input of the pure merge policy.
 */
export interface MergeOps {
  /** The rewritten summary; undefined keeps the old one. */
  summary?: string;
  add: Array<{ text: string; kind: FactKind; confidence: Confidence; quote: string; pinned?: boolean }>;
  update: Array<{ id: string; text: string; quote: string }>;
  supersede: Array<{ id: string; text: string; kind: FactKind; confidence: Confidence; quote: string }>;
  retract: Array<{ id: string; quote: string }>;
  decisions: Array<{ topic: string; decision: string; quote: string }>;
}

/** One change the merge made, for the exit diff (`+ …`, `~ … (was …)`, `- retracted: …`). */
export type MemoryChange =
  | { type: 'add'; id: string; text: string }
  | { type: 'update'; id: string; text: string; was: string }
  | { type: 'supersede'; id: string; text: string; was: string; oldId: string }
  | { type: 'retract'; id: string; text: string }
  | { type: 'refresh'; id: string; text: string }
  | { type: 'evict'; id: string; text: string }
  | { type: 'decision'; id: string; text: string }
  | { type: 'summary'; text: string };
