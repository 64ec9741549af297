/**
 * Extraction: structured-output calls (one per transcript chunk, usually one) that read a
 * finished session's transcript and the current active facts, and propose memory ops; then
 * grounding, redaction, `--review` and the pure merge, written once under the lock. The model
 * calls happen before the lock is taken, never inside it. The request itself is built in
 * extraction-prompt.ts, the chunks in extraction-chunks.ts.
 */
import { ApiError, MemagentError } from './errors.js';
import { chunkTranscript, mergeChunks, planAsPreviewed, trackPreview, type ChunkPlan, type UnresolvedOp } from './extraction-chunks.js';
import { EXTRACTION_MAX_TOKENS, EXTRACTION_SYSTEM, buildExtractionPrompt } from './extraction-prompt.js';
import { hashIdSource } from './fact-transitions.js';
import { groundExtraction, type GroundingReport } from './grounding.js';
import { IMPORTED_MODEL, JournalGoneError, JournalSetAsideError } from './journal/journal.js';
import { mergeMemory } from './merge.js';
import type { JournalClaim, MemoryStore } from './storage/store.js';
import { addUsage, emptyUsage, type ModelClient, type ModelEvent, type Usage } from './model-client.js';
import { redactSecrets } from './redact.js';
import type { DroppedItem } from './grounding-report.js';
import { acceptedOps, acceptedWithOrigin, concatOps, droppedReview, reviewItems, type ReviewItem } from './review.js';
import { sessionWrite, wasApplied } from './session-apply.js';
import { extractionSchema, type Memory, type MemoryChange, type MergeOps } from './schema.js';

export { EXTRACTION_TRANSCRIPT_MAX_CHARS, chunkTranscript } from './extraction-chunks.js';
export { EXTRACTION_MAX_TOKENS, buildExtractionPrompt } from './extraction-prompt.js';

/** What an extraction pass did, for the exit line and the diff. */
export interface ExtractionOutcome {
  /** The journal this pass read. */
  journalPath: string;
  /** False when the session had no user turn (nothing to learn; the journal is retired anyway). */
  extracted: boolean;
  changes: MemoryChange[];
  warnings: string[];
  droppedUngrounded: number;
  /**
   * Every proposed item grounding did not keep (quote not in the user's words, or naming a fact
   * that does not exist), in proposal order, for the exit report (`formatDroppedItem`); items the
   * user kept anyway under `--review` are not in it. Then, for a long session, each op of a later
   * chunk that named a fact an earlier chunk proposed and that was not kept (`unkept-fact`:
   * rejected under `--review`, or not stored). Absent on outcomes built elsewhere: none.
   */
  dropped?: DroppedItem[];
  redacted: number;
  /** Revision written, or the unchanged one. */
  revision: number;
  /** False when nothing was written (`changes` is then empty): no fact or decision changed, or the session was applied before. */
  written?: boolean;
  memoryPath: string;
  /** Tokens the extraction calls used (all chunks; absent when no call was made). */
  usage?: Usage;
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
   * `chat --review`: called with the proposed changes (after grounding, before the lock), then the
   * items grounding dropped that could be kept anyway (`dropped: true`); only the items answered
   * `true` are written. Not called when nothing is proposed or dropped.
   */
  review?: (items: ReviewItem[]) => Promise<boolean[]>;
  /**
   * `memagent import`: the merge dates what it writes (facts' `source.at`, `createdAt`,
   * `validFrom`, a superseded fact's `validTo`, decisions' `date`) with the session's date (the
   * journal header's `startedAt`) instead of `now`, so an imported conversation's facts carry the
   * day they were said. Off for chats (their session started minutes ago).
   */
  datedBySession?: boolean;
}

/**
 * Extracts one journal and merges the result into the user's memory file.
 * Order: read journal → load memory (no lock) → model calls → ground → lock, re-read, merge,
 * atomic write, unlock → keep the journal in episodic memory (`store.archive.keepSession`). A session whose transcript is longer than one call
 * takes (`EXTRACTION_TRANSCRIPT_MAX_CHARS`) is extracted in chunks of whole turns
 * (`chunkTranscript`), one call each, in order; each call sees the memory as merged so far (the
 * earlier chunks' ops merged in memory, nothing written: the preview), and the union is written
 * once: under the lock the chunks' ops are merged in the same order into the current file
 * (`mergeChunks`), a later chunk's ops on a fact an earlier chunk proposed pointed at the fact
 * that proposal really became (whatever id it got, or the fact it refreshed), so what the later
 * chunks said about facts of the earlier ones holds even when the review rejected some ops or
 * another session wrote in between; an op on a proposed fact that was not kept is not written
 * and is listed in `dropped`. A chunk's quotes
 * are grounded in its own user turns (a quote spanning a chunk boundary is dropped, and listed
 * in `dropped`). Under `--review`, each chunk's proposals then its dropped items are asked in
 * one list, and only the last chunk's summary is proposed. The journal is
 * kept (or retired) only after every turn was seen by a call and the merge was written: any failure (one
 * chunk's call included) leaves the journal in place for the next run and the memory file as it
 * was. `claim` is the journal's liveness lock (from `claimJournal` or `Journal.handOver`), held
 * throughout so no other terminal extracts it too; it is released at the end, whatever happens.
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

/** One chunk's grounded ops, what grounding dropped, and the memory its call saw (for the review). */
interface ChunkResult {
  ops: MergeOps;
  dropped: DroppedItem[];
  handles: Map<number, string>;
  seen: Memory;
}

async function extractClaimed(deps: ExtractionDeps, userId: string, journalPath: string): Promise<ExtractionOutcome> {
  const journal = await deps.store.journals.read(journalPath);
  const turns = journal.turns;
  const memoryPath = await deps.store.describeLocation(userId);
  if (!turns.some((t) => t.role === 'user')) {
    await deps.store.journals.retire(journalPath);
    const { memory } = await deps.store.load(userId);
    return {
      journalPath,
      extracted: false,
      changes: [],
      warnings: [],
      droppedUngrounded: 0,
      dropped: [],
      redacted: 0,
      revision: memory.revision,
      memoryPath,
    };
  }
  const sessionId = journal.header?.sessionId ?? journal.sessionId;
  const sessionDate = journal.header ? new Date(journal.header.startedAt) : deps.now();
  // An imported session's facts carry its own date, whoever extracts it.
  const datedBySession = deps.datedBySession || journal.header?.model === IMPORTED_MODEL;
  const mergeNow = () => (datedBySession ? sessionDate : deps.now());
  // Redacted before chunking, so chunk sizes are those of the text the model gets.
  let redacted = 0;
  const safeTurns = turns.map((turn) => {
    const r = redactSecrets(turn.text);
    redacted += r.count;
    return { ...turn, text: r.text };
  });
  // One id sequence for the preview's merges, one (restarted) under the lock: usually the same
  // ids, but nothing relies on it; `preview` records which proposed op made which preview fact.
  const idSeed = `${sessionId}|${deps.now().toISOString()}`;
  const previewIds = hashIdSource(idSeed);
  const { memory } = await deps.store.load(userId);
  const preview = trackPreview(memory);
  let seen = memory;
  const chunks: ChunkResult[] = [];
  const report: GroundingReport = { droppedUngrounded: 0, droppedUnknownIds: 0, clamped: 0, redacted: 0 };
  const usage = emptyUsage();
  for (const chunk of chunkTranscript(safeTurns)) {
    const userTurns = chunk.filter((t) => t.role === 'user').map((t) => t.text);
    if (userTurns.length === 0) continue; // only the assistant spoke: nothing to learn
    const prompt = buildExtractionPrompt(seen, chunk, sessionDate);
    const { value, usage: callUsage } = await deps.model.structured(
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
    addUsage(usage, callUsage);
    const grounded = groundExtraction(value, { userTurns, handles: prompt.handles, sessionDate });
    for (const key of Object.keys(report) as Array<keyof GroundingReport>) report[key] += grounded.report[key];
    chunks.push({ ops: grounded.ops, dropped: grounded.dropped, handles: prompt.handles, seen });
    const step = mergeMemory(seen, grounded.ops, { sessionId, now: mergeNow(), newId: previewIds });
    preview.record(chunks.length - 1, step);
    seen = step.memory;
  }
  // Each summary rewrites the one before it plus its chunk: only the last one is kept.
  let lastSummary = -1;
  chunks.forEach((c, i) => {
    if (c.ops.summary !== undefined) lastSummary = i;
  });
  const opsList = chunks.map((c, i) => (i === lastSummary || c.ops.summary === undefined ? c.ops : withoutSummary(c.ops)));
  let plans: ChunkPlan[] = opsList.map(planAsPreviewed);
  let dropped = chunks.flatMap((c) => c.dropped);
  if (deps.review) {
    const proposed = chunks.map((c, i) => reviewItems(c.seen, opsList[i]));
    const rescue = chunks.map((c) => droppedReview(c.dropped, c.handles, sessionDate));
    const all = chunks.flatMap((_, i) => [...proposed[i], ...rescue[i].items]);
    if (all.length > 0) {
      const answers = await deps.review(all);
      const kept = new Set<DroppedItem>();
      let at = 0;
      const take = (n: number) => answers.slice(at, (at += n));
      plans = opsList.map((ops, i) => {
        const accepted = acceptedWithOrigin(ops, proposed[i], take(proposed[i].length));
        const rescued = take(rescue[i].items.length);
        rescued.forEach((yes, j) => yes === true && kept.add(rescue[i].source[j]));
        const keptAnyway = acceptedOps(rescue[i].ops, rescue[i].items, rescued);
        // Kept-anyway items were never in the preview: no later chunk can name what they make.
        const unseen = (n: number) => Array.from({ length: n }, () => undefined);
        return {
          ops: concatOps(accepted.ops, keptAnyway),
          origin: {
            add: [...accepted.origin.add, ...unseen(keptAnyway.add.length)],
            supersede: [...accepted.origin.supersede, ...unseen(keptAnyway.supersede.length)],
          },
        };
      });
      dropped = dropped.filter((d) => !kept.has(d));
    }
  }
  let changes: MemoryChange[] = [];
  let warnings: string[] = [];
  let unkept: DroppedItem[] = [];
  // The deadline that bounded the model call bounds the wait for the lock too: at exit, a lock
  // left by a dead process must not hold the user past MEMAGENT_EXIT_TIMEOUT_MS.
  // Nothing is written for a session already applied (re-extracted after a kill before its
  // journal was retired) or one that changes no fact or decision (see session-apply.ts).
  const result = await deps.store.update(
    userId,
    (current) => {
      warnings = [];
      unkept = [];
      if (wasApplied(current, sessionId)) return null;
      // Pure and repeatable (the store may call it again): a fresh id sequence each time.
      const merged = mergeChunks(current, plans, preview.origins, { sessionId, now: mergeNow(), newId: hashIdSource(idSeed) });
      warnings = merged.warnings;
      unkept = merged.unresolved.map((u) => unkeptItem(u, plans[u.chunk].ops, chunks[u.chunk].handles));
      const next = sessionWrite(current, merged.memory, sessionId);
      changes = next ? merged.changes : [];
      return next;
    },
    { signal: deps.signal },
  );
  // The transcript goes to episodic memory (searchable), not away.
  await deps.store.archive.keepSession(userId, journalPath);
  return {
    journalPath,
    extracted: true,
    changes,
    warnings: [...groundingWarnings(report), ...warnings],
    droppedUngrounded: report.droppedUngrounded,
    dropped: [...dropped, ...unkept],
    redacted: redacted + report.redacted,
    revision: result.after.revision,
    written: result.written,
    memoryPath,
    usage,
  };
}

// An op of a later chunk that named a fact an earlier chunk proposed and that was not kept, as a
// dropped item (its handle is the one the chunk's call saw).
function unkeptItem(u: UnresolvedOp, ops: MergeOps, handles: ReadonlyMap<number, string>): DroppedItem {
  const handleOf = (id: string) => [...handles].find(([, factId]) => factId === id)?.[0];
  const reason = 'unkept-fact';
  if (u.list === 'retract') {
    const op = ops.retract[u.index];
    return { op: 'retract', text: '', fact: handleOf(op.id), quote: op.quote, reason };
  }
  if (u.list === 'update') {
    const op = ops.update[u.index];
    return { op: 'update', text: op.text, fact: handleOf(op.id), quote: op.quote, reason };
  }
  const op = ops.supersede[u.index];
  return { op: 'supersede', text: op.text, kind: op.kind, confidence: op.confidence, fact: handleOf(op.id), quote: op.quote, reason };
}

function withoutSummary(ops: MergeOps): MergeOps {
  const { summary: _dropped, ...rest } = ops;
  return rest;
}

function groundingWarnings(r: { droppedUnknownIds: number; clamped: number }): string[] {
  const out: string[] = [];
  if (r.droppedUnknownIds > 0) out.push(`${r.droppedUnknownIds} op(s) named facts that do not exist and were ignored`);
  if (r.clamped > 0) out.push(`${r.clamped} item(s) clamped or dropped to stay within limits`);
  return out;
}

/**
 * Extracts every pending journal of `userId` (left by a killed session or a failed extraction),
 * oldest first, skipping `exceptSessionPath` and journals a killed `memagent import` left (the
 * import finishes those when run again, from its file). A journal another process retired meanwhile is
 * skipped silently (already handled); one the store sets aside (unreadable: moved aside; a
 * symlink or another user's: left in place) is passed to `onSetAside` and the others go on.
 * Stops at the first other failure (API, lock, corrupt memory) and rethrows it: the remaining
 * journals stay for the next run.
 */
export async function extractPending(
  deps: ExtractionDeps,
  userId: string,
  exceptSessionPath?: string,
  onSetAside?: (problem: JournalSetAsideError) => void,
): Promise<ExtractionOutcome[]> {
  const pending = await deps.store.journals.listPending(userId, exceptSessionPath);
  const outcomes: ExtractionOutcome[] = [];
  // A journal retired meanwhile is skipped (already handled); one the store sets aside is reported.
  const tolerant = async <T>(step: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await step();
    } catch (error) {
      if (error instanceof JournalGoneError) return undefined;
      if (error instanceof JournalSetAsideError) {
        onSetAside?.(error);
        return undefined;
      }
      throw error;
    }
  };
  for (const path of pending) {
    // A journal `memagent import` left when it was killed is its to finish (it rewrites a journal
    // cut short from the file): extracted here, a half-written session would count as imported.
    const contents = await tolerant(() => deps.store.journals.read(path));
    if (!contents || contents.header?.model === IMPORTED_MODEL) continue;
    const claim = await deps.store.journals.claim(path);
    if (!claim) continue; // another terminal is extracting it right now
    const outcome = await tolerant(() => extractJournal(deps, userId, path, claim));
    if (outcome) outcomes.push(outcome);
  }
  return outcomes;
}

/** True when an extraction failure is worth retrying next run (everything but a corrupt memory file). */
export function isRetryableLater(error: unknown): boolean {
  return error instanceof ApiError || !(error instanceof MemagentError) || error.name === 'LockError';
}

