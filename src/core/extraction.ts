/**
 * Extraction: one structured-output call that reads a finished session's transcript and the
 * current active facts, and proposes memory ops; then grounding, redaction and the pure merge,
 * written under the lock. The model call happens before the lock is taken, never inside it.
 */
import { ApiError, MemagentError } from './errors.js';
import { groundExtraction, buildHandles } from './grounding.js';
import { mergeMemory } from './merge.js';
import type { JournalClaim, MemoryStore } from './storage/store.js';
import type { ModelClient, ModelEvent } from './model-client.js';
import { redactSecrets } from './redact.js';
import { sanitize } from './render.js';
import { acceptedOps, reviewItems, type ReviewItem } from './review.js';
import { extractionSchema, type Fact, type Memory, type MemoryChange, type Turn } from './schema.js';

/** What an extraction pass did, for the exit line and the diff. */
export interface ExtractionOutcome {
  /** The journal this pass read. */
  journalPath: string;
  /** False when the session had no user turn (nothing to learn; the journal is retired anyway). */
  extracted: boolean;
  changes: MemoryChange[];
  warnings: string[];
  droppedUngrounded: number;
  redacted: number;
  /** Revision written, or the unchanged one. */
  revision: number;
  memoryPath: string;
}

/** Everything an extraction pass needs; all passed in, nothing global. */
export interface ExtractionDeps {
  store: MemoryStore;
  model: ModelClient;
  /** The extraction model (a cheap Haiku). */
  extractModel: string;
  now: () => Date;
  /** Aborts the model call and the wait for the memory file's lock (e.g. the exit deadline). */
  signal?: AbortSignal;
  onEvent?: (event: ModelEvent) => void;
  /**
   * `chat --review`: called with the proposed changes (after grounding, before the lock); only
   * the items answered `true` are written. Not called when nothing is proposed.
   */
  review?: (items: ReviewItem[]) => Promise<boolean[]>;
}

/** Upper bound of the extraction answer (tokens): room for a summary and a few dozen ops. */
export const EXTRACTION_MAX_TOKENS = 4096;
/** Transcript characters sent to the extraction model; the newest turns are kept when over. ~30k tokens. */
export const EXTRACTION_TRANSCRIPT_MAX_CHARS = 120_000;

const EXTRACTION_SYSTEM = [
  'You maintain a long-term memory about one user of a chat assistant.',
  'You receive the transcript of one finished session and the facts already remembered, each with a short integer handle.',
  'Return only what is worth remembering in later sessions: stable preferences, constraints, goals, facts about the user and the people, projects and things in their life, and decisions they made.',
  'Do not store small talk, questions the user asked, things the assistant said that the user did not confirm, or anything only true during this session.',
  'Every item needs "quote": a short span copied exactly from the user\'s own words in the transcript that supports it. Never quote the assistant. Items without such a quote are discarded.',
  'Ops: "add" new facts; "update" to refine a remembered fact that is still true (by handle); "supersede" when the user contradicted a remembered fact (by handle, with the new fact); "retract" when a remembered fact is no longer true and nothing replaces it.',
  'Never re-add something that is already remembered. Write facts in the third person, short and self-contained ("Prefers metric units", "Lives in Porto").',
  'Write "summary" as a compressed rewrite (at most 5 sentences) of the previous summary plus this session: who the user is and what they are working on. Do not append a log.',
  'Resolve relative dates against the session date given.',
].join('\n');

/**
 * Builds the extraction request's user message: the session date, the active facts with
 * integer handles, the previous summary and the transcript (`[user] …` / `[assistant] …`
 * lines, continuation lines indented two spaces). Memory is shown as facts, never as
 * conversation, so nothing is extracted from memory itself; stored facts and the summary are
 * flattened to one tag-free line each (`sanitize` from render.ts). Secrets are redacted first.
 * @returns the message text, the handle table (handle → fact id) and the redaction count.
 */
export function buildExtractionPrompt(
  memory: Memory,
  turns: Turn[],
  sessionDate: Date,
): { text: string; handles: Map<number, string>; redacted: number } {
  const active = memory.facts.filter((f) => f.status === 'active');
  const handles = buildHandles(active);
  const byId = new Map<string, Fact>(active.map((f) => [f.id, f]));
  let redacted = 0;
  const factLines: string[] = [];
  for (const [handle, id] of handles) {
    const fact = byId.get(id);
    if (fact) factLines.push(`${handle}. [${fact.kind}] ${sanitize(fact.text)}`);
  }
  const lines: string[] = [];
  for (const turn of turns) {
    const r = redactSecrets(turn.text);
    redacted += r.count;
    const [first, ...rest] = r.text.split('\n');
    lines.push(`[${turn.role}] ${first}${turn.interrupted ? ' [answer interrupted]' : ''}`);
    for (const line of rest) lines.push(`  ${line}`);
  }
  let transcript = lines.join('\n');
  if (transcript.length > EXTRACTION_TRANSCRIPT_MAX_CHARS) {
    transcript = transcript.slice(transcript.length - EXTRACTION_TRANSCRIPT_MAX_CHARS);
    transcript = transcript.slice(transcript.indexOf('\n[') + 1);
  }
  const text = [
    `Session date: ${sessionDate.toISOString().slice(0, 10)}`,
    '',
    'Previous summary:',
    memory.summary ? sanitize(redactSecrets(memory.summary).text) : '(none)',
    '',
    '<facts>',
    ...(factLines.length ? factLines : ['(none yet)']),
    '</facts>',
    '',
    '<transcript>',
    transcript,
    '</transcript>',
  ].join('\n');
  return { text, handles, redacted };
}

/**
 * Extracts one journal and merges the result into the user's memory file.
 * Order: read journal → load memory (no lock) → model call → ground → lock, re-read, merge,
 * atomic write, unlock → retire the journal. Any failure leaves the journal in place for the
 * next run and leaves the memory file as it was. `claim` is the journal's liveness lock (from
 * `claimJournal` or `Journal.handOver`), held throughout so no other terminal extracts it too;
 * it is released at the end, whatever happens.
 * @throws ApiError (model failed / invalid output), MemoryFileError (corrupt file), LockError.
 */
export async function extractJournal(
  deps: ExtractionDeps,
  userId: string,
  journalPath: string,
  claim: JournalClaim,
): Promise<ExtractionOutcome> {
  try {
    return await extractClaimed(deps, userId, journalPath);
  } finally {
    await claim.release();
  }
}

async function extractClaimed(deps: ExtractionDeps, userId: string, journalPath: string): Promise<ExtractionOutcome> {
  const journal = await deps.store.journals.read(journalPath);
  const turns = journal.turns;
  const userTurns = turns.filter((t) => t.role === 'user').map((t) => t.text);
  const memoryPath = await deps.store.describeLocation(userId);
  if (userTurns.length === 0) {
    await deps.store.journals.retire(journalPath);
    const { memory } = await deps.store.load(userId);
    return {
      journalPath,
      extracted: false,
      changes: [],
      warnings: [],
      droppedUngrounded: 0,
      redacted: 0,
      revision: memory.revision,
      memoryPath,
    };
  }
  const sessionId = journal.header?.sessionId ?? journal.sessionId;
  const sessionDate = journal.header ? new Date(journal.header.startedAt) : deps.now();
  const { memory } = await deps.store.load(userId);
  const prompt = buildExtractionPrompt(memory, turns, sessionDate);
  const { value } = await deps.model.structured(
    {
      model: deps.extractModel,
      system: EXTRACTION_SYSTEM,
      user: prompt.text,
      schema: extractionSchema,
      maxTokens: EXTRACTION_MAX_TOKENS,
      signal: deps.signal,
    },
    deps.onEvent,
  );
  const grounded = groundExtraction(value, { userTurns, handles: prompt.handles, sessionDate });
  let ops = grounded.ops;
  if (deps.review) {
    const items = reviewItems(memory, ops);
    if (items.length > 0) ops = acceptedOps(ops, items, await deps.review(items));
  }
  let changes: MemoryChange[] = [];
  let warnings: string[] = [];
  // The deadline that bounded the model call bounds the wait for the lock too: at exit, a lock
  // left by a dead process must not hold the user past MEMAGENT_EXIT_TIMEOUT_MS.
  const result = await deps.store.update(
    userId,
    (current) => {
      const merged = mergeMemory(current, ops, { sessionId, now: deps.now() });
      changes = merged.changes;
      warnings = merged.warnings;
      return { ...merged.memory, sessionCount: current.sessionCount + 1 };
    },
    { signal: deps.signal },
  );
  await deps.store.journals.retire(journalPath);
  return {
    journalPath,
    extracted: true,
    changes,
    warnings: [...groundingWarnings(grounded.report), ...warnings],
    droppedUngrounded: grounded.report.droppedUngrounded,
    redacted: prompt.redacted + grounded.report.redacted,
    revision: result.after.revision,
    memoryPath,
  };
}

function groundingWarnings(r: { droppedUnknownIds: number; clamped: number }): string[] {
  const out: string[] = [];
  if (r.droppedUnknownIds > 0) out.push(`${r.droppedUnknownIds} op(s) named facts that do not exist and were ignored`);
  if (r.clamped > 0) out.push(`${r.clamped} item(s) clamped or dropped to stay within limits`);
  return out;
}

/**
 * Extracts every pending journal of `userId` (left by a killed session or a failed extraction),
 * oldest first, skipping `exceptSessionPath`. Stops at the first failure and rethrows it: the
 * remaining journals stay for the next run.
 */
export async function extractPending(
  deps: ExtractionDeps,
  userId: string,
  exceptSessionPath?: string,
): Promise<ExtractionOutcome[]> {
  const pending = await deps.store.journals.listPending(userId, exceptSessionPath);
  const outcomes: ExtractionOutcome[] = [];
  for (const path of pending) {
    const claim = await deps.store.journals.claim(path);
    if (!claim) continue; // another terminal is extracting it right now
    outcomes.push(await extractJournal(deps, userId, path, claim));
  }
  return outcomes;
}

/** True when an extraction failure is worth retrying next run (everything but a corrupt memory file). */
export function isRetryableLater(error: unknown): boolean {
  return error instanceof ApiError || !(error instanceof MemagentError) || error.name === 'LockError';
}
