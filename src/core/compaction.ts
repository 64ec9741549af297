/**
 * Compaction: a model pass that consolidates one user's memory (merges duplicates, retracts stale
 * facts, rewrites the summary), returned as an op list, never as a rewritten file. The model call
 * runs outside the lock on the file as read (revision r); under the lock the ops are re-applied to
 * the latest file. Every fact an op targets is compared with what the model saw (its whole
 * content, not the revision: `undo` lowers the revision, and a later write can reach r again with
 * different facts); if any changed, the plan is not applied and is made again once on the newer
 * file, then compaction stops with a clear error. Facts written meanwhile by chat sessions are
 * untouched. Pinned facts are never compacted away.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { MemagentError } from './errors.js';
import { buildHandles } from './grounding.js';
import type { MemoryStore } from './storage/store.js';
import type { ModelClient } from './model-client.js';
import { redactSecrets } from './redact.js';
import { sanitize } from './render.js';
import { CONFIDENCES, FACT_KINDS, type Fact, type Memory, type MemoryChange } from './schema.js';

/** The model's compaction answer (structured output), facts by integer handle. */
export const compactionSchema = z.object({
  summary: z.string(),
  merge: z.array(
    z.object({
      facts: z.array(z.number().int()),
      text: z.string(),
      kind: z.enum(FACT_KINDS),
      confidence: z.enum(CONFIDENCES),
    }),
  ),
  retract: z.array(z.object({ fact: z.number().int(), reason: z.string() })),
});
export type CompactionAnswer = z.infer<typeof compactionSchema>;

/** A compaction plan with real ids, plus what every targeted fact looked like at revision r. */
export interface CompactionPlan {
  /** The revision the plan was made from (informational: conflicts are found through `seen`). */
  baseRevision: number;
  /** The summary the plan was made from; if the file's summary differs when applying, the newer one is kept. */
  baseSummary: string;
  /** The rewritten summary (secrets redacted, at most 1,200 chars); '' keeps the current one. */
  summary: string;
  merge: Array<{ ids: string[]; text: string; kind: Fact['kind']; confidence: Fact['confidence'] }>;
  retract: Array<{ id: string; reason: string }>;
  /** Fact id → `factFingerprint` when the plan was made: a different value later means a conflict. */
  seen: Record<string, string>;
  /** Ops dropped while mapping the answer (unknown handles, pinned facts, facts named twice). */
  warnings: string[];
}

/** What a compaction changes, for the diff `compact` prints. Facts are as they were before (`from`, `fact`) or as written (`into`). */
export interface CompactionDiff {
  /** Each merge: the new fact and the active facts it supersedes. */
  merged: Array<{ into: Fact; from: Fact[] }>;
  /** Each retraction: the fact before it was retracted, and the model's reason. */
  retracted: Array<{ fact: Fact; reason: string }>;
  /** Set when the summary is rewritten. */
  summary: { before: string; after: string } | null;
  /** Active facts neither merged nor retracted. */
  kept: number;
}

/** Share of active facts a compaction may remove without `--yes`: a third, so one pass cannot gut a store. */
export const MAX_REMOVAL_SHARE_WITHOUT_CONFIRMATION = 1 / 3;
/** Plans made per run: the first, plus one re-plan when a concurrent write touched planned facts. */
const MAX_PLAN_ATTEMPTS = 2;
/** Summary cap (chars) after compaction: the extraction's cap, leaving most of the prompt budget to facts. */
const SUMMARY_MAX = 1200;
/** Merged fact text cap (chars), as extraction caps fact texts. */
const FACT_TEXT_MAX = 300;
/** Ops read from one answer; a real memory holds at most 60 active facts, so more is a runaway answer. */
const MAX_OPS = 100;

const COMPACTION_SYSTEM = [
  'You consolidate the long-term memory a chat assistant keeps about one user.',
  'You receive the active facts, each with an integer handle, and the summary.',
  'Return ops only: "merge" groups of two or more facts that say the same thing or belong in one fact (give the merged text);',
  '"retract" facts that are clearly stale or contradicted by newer facts (give a short reason). Keep everything else: when unsure, keep.',
  'Facts marked [pinned] must not be merged or retracted. Rewrite "summary" in at most 5 sentences.',
].join('\n');

/**
 * A canonical string of everything in a fact (keys sorted, undefined fields left out): equal
 * fingerprints mean the fact was not touched. Pure.
 */
export function factFingerprint(fact: Fact): string {
  const canonical = (o: object): Array<[string, unknown]> =>
    Object.entries(o)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]): [string, unknown] => [k, v !== null && typeof v === 'object' ? canonical(v) : v])
      .sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify(canonical(fact));
}

/**
 * Asks the model for a compaction plan of `memory` (revision r). No lock is held, nothing is
 * written. The model sees active facts by handle, pinned ones marked, their text sanitized
 * (`render.sanitize`) like the memory block.
 * @throws ApiError (kind `invalid_output` when the answer does not fit `compactionSchema`).
 */
export async function planCompaction(model: ModelClient, extractModel: string, memory: Memory): Promise<CompactionPlan> {
  const active = memory.facts.filter((f) => f.status === 'active');
  const handles = buildHandles(active);
  const byId = new Map(active.map((f) => [f.id, f]));
  const lines = [...handles].map(([h, id]) => {
    const f = byId.get(id)!;
    return `${h}. [${f.kind}${f.pinned ? ', pinned' : ''}] ${sanitize(f.text)} (updated ${f.updatedAt.slice(0, 10)})`;
  });
  // Stored text is data: sanitized as in the memory block, so none of it can close <facts> early.
  const user = ['Summary:', sanitize(memory.summary) || '(none)', '', '<facts>', ...(lines.length ? lines : ['(none)']), '</facts>'].join('\n');
  const { value } = await model.structured({
    model: extractModel,
    system: COMPACTION_SYSTEM,
    user,
    schema: compactionSchema,
    maxTokens: 4096,
  });
  return toPlan(value, memory, handles);
}

/**
 * Maps the model's handles to ids (pure). A merge is all or nothing: if any of its facts is
 * unknown, pinned or already named by an earlier op, the whole merge is dropped (its text covers
 * all of them) with a warning; so are retractions of such facts. Texts are redacted and capped.
 * Records the fingerprint of every targeted fact.
 */
export function toPlan(answer: CompactionAnswer, memory: Memory, handles: Map<number, string>): CompactionPlan {
  const warnings: string[] = [];
  const byId = new Map(memory.facts.map((f) => [f.id, f]));
  const used = new Set<string>();
  const problem = (h: number): string | null => {
    const id = handles.get(h);
    const fact = id ? byId.get(id) : undefined;
    if (!fact || fact.status !== 'active') return `unknown fact handle ${h}`;
    if (fact.pinned) return `pinned fact ${fact.id}`;
    if (used.has(fact.id)) return `fact ${fact.id} already named by another op`;
    return null;
  };
  const merge: CompactionPlan['merge'] = [];
  for (const m of answer.merge.slice(0, MAX_OPS)) {
    const handlesOf = [...new Set(m.facts)];
    const text = redactSecrets(m.text.replace(/\s+/g, ' ').trim()).text.slice(0, FACT_TEXT_MAX);
    const problems = handlesOf.map(problem).filter((p): p is string => p !== null);
    if (problems.length > 0) {
      warnings.push(`skipped a merge into "${text}": ${problems.join(', ')}`);
      continue;
    }
    if (handlesOf.length < 2 || !text) continue;
    const ids = handlesOf.map((h) => handles.get(h)!);
    ids.forEach((id) => used.add(id));
    merge.push({ ids, text, kind: m.kind, confidence: m.confidence });
  }
  const retract: CompactionPlan['retract'] = [];
  for (const r of answer.retract.slice(0, MAX_OPS)) {
    const p = problem(r.fact);
    if (p !== null) {
      warnings.push(`skipped a retraction: ${p}`);
      continue;
    }
    const id = handles.get(r.fact)!;
    used.add(id);
    retract.push({ id, reason: redactSecrets(r.reason.replace(/\s+/g, ' ').trim()).text.slice(0, 200) });
  }
  const seen: Record<string, string> = {};
  for (const id of used) seen[id] = factFingerprint(byId.get(id)!);
  return {
    baseRevision: memory.revision,
    baseSummary: memory.summary,
    summary: redactSecrets(answer.summary.trim()).text.slice(0, SUMMARY_MAX),
    merge,
    retract,
    seen,
    warnings,
  };
}

/** How many active facts a plan takes out of the prompt, net (a merge of k facts removes k-1). */
export function removalCount(plan: CompactionPlan): number {
  return plan.merge.reduce((n, m) => n + m.ids.length - 1, 0) + plan.retract.length;
}

/** What `applyCompaction` produced. */
export interface AppliedCompaction {
  memory: Memory;
  changes: MemoryChange[];
  diff: CompactionDiff;
  /** Ids of targeted facts that are gone or changed since the plan; their ops were not applied. */
  conflicts: string[];
  /** Ops skipped for other reasons (a fact pinned meanwhile, a summary rewritten meanwhile). */
  warnings: string[];
}

/**
 * Applies a plan to `memory` (pure; `memory` is not modified). An op whose facts are no longer
 * there, no longer active or differ from the plan's fingerprint is not applied and its facts are
 * reported in `conflicts`; a pinned fact is never touched. Merged facts become `superseded` (with
 * `validTo` and `supersededBy`) by one new active fact; retracted facts become `retracted`. The
 * summary is replaced only if the file still has the summary the plan was made from.
 */
export function applyCompaction(
  memory: Memory,
  plan: CompactionPlan,
  opts: { now: Date; newId?: () => string },
): AppliedCompaction {
  const now = opts.now.toISOString();
  const newId = opts.newId ?? (() => `f_${randomBytes(6).toString('hex').slice(0, 10)}`);
  const facts = memory.facts.map((f) => ({ ...f, source: { ...f.source } }));
  const byId = new Map(facts.map((f) => [f.id, f]));
  const changes: MemoryChange[] = [];
  const conflicts: string[] = [];
  const warnings: string[] = [];
  const diff: CompactionDiff = { merged: [], retracted: [], summary: null, kept: 0 };
  const current = (id: string): Fact | null => {
    const f = byId.get(id);
    if (!f || f.status !== 'active' || factFingerprint(f) !== plan.seen[id]) {
      conflicts.push(id);
      return null;
    }
    if (f.pinned) {
      warnings.push(`kept pinned fact ${f.id}`);
      return null;
    }
    return f;
  };
  const activeBefore = facts.filter((f) => f.status === 'active').length;
  for (const m of plan.merge) {
    const olds = m.ids.map(current);
    if (olds.some((f) => f === null)) continue;
    const group = olds as Fact[];
    const before = group.map((f) => ({ ...f, source: { ...f.source } }));
    const newest = group.reduce((a, b) => (a.updatedAt >= b.updatedAt ? a : b));
    const merged: Fact = {
      id: newId(),
      text: m.text,
      kind: m.kind,
      confidence: m.confidence,
      status: 'active',
      pinned: false,
      createdAt: now,
      updatedAt: now,
      validFrom: group.reduce((a, b) => (a.validFrom <= b.validFrom ? a : b)).validFrom,
      source: { ...newest.source },
    };
    for (const f of group) {
      f.status = 'superseded';
      f.validTo = now;
      f.supersededBy = merged.id;
      f.updatedAt = now;
    }
    facts.push(merged);
    byId.set(merged.id, merged);
    diff.merged.push({ into: merged, from: before });
    changes.push({ type: 'supersede', id: merged.id, text: merged.text, was: group.map((f) => f.text).join(' | '), oldId: group[0].id });
  }
  for (const r of plan.retract) {
    const f = current(r.id);
    if (!f) continue;
    diff.retracted.push({ fact: { ...f, source: { ...f.source } }, reason: r.reason });
    f.status = 'retracted';
    f.validTo = now;
    f.updatedAt = now;
    changes.push({ type: 'retract', id: f.id, text: `${f.text} (${r.reason})` });
  }
  let summary = memory.summary;
  if (plan.summary && plan.summary !== memory.summary) {
    if (memory.summary !== plan.baseSummary) {
      warnings.push('the summary was rewritten by another session meanwhile; kept that one');
    } else {
      summary = plan.summary;
      diff.summary = { before: memory.summary, after: summary };
      changes.push({ type: 'summary', text: summary });
    }
  }
  diff.kept = activeBefore - diff.merged.reduce((n, m) => n + m.from.length, 0) - diff.retracted.length;
  return { memory: { ...memory, facts, summary, updatedAt: now }, changes, diff, conflicts, warnings };
}

/**
 * What `compactMemory` did. `dry-run`: nothing written (`needsConfirmation` says whether a real
 * run would need `allowLargeRemoval`); `needs-confirmation`: refused, nothing written;
 * `applied`: written as `revision`; `unchanged`: the plan changed nothing, nothing written.
 */
export interface CompactionOutcome {
  status: 'dry-run' | 'needs-confirmation' | 'applied' | 'unchanged';
  plan: CompactionPlan;
  changes: MemoryChange[];
  diff: CompactionDiff;
  /** The plan's warnings plus the ones from applying it. */
  warnings: string[];
  /** Active facts the plan removes (net) and active facts it was made on. */
  removal: { removing: number; active: number };
  /** True when removal exceeds `MAX_REMOVAL_SHARE_WITHOUT_CONFIRMATION`. */
  needsConfirmation: boolean;
  /** True when a concurrent write touched planned facts and the plan was made again. */
  replanned: boolean;
  /** The revision written (`applied`), else the revision the plan was made on. */
  revision: number;
}

/** Dependencies of `compactMemory`, passed in (nothing global). */
export interface CompactionDeps {
  store: MemoryStore;
  model: ModelClient;
  /** The compaction model (the cheap extraction model). */
  extractModel: string;
  now: () => Date;
}

/**
 * Plans a compaction on the file as it is (no lock during the model call) and, unless `dryRun`
 * or refused, applies it under the lock to the latest file. Refuses (status
 * `needs-confirmation`, nothing written) when the plan removes more than a third of the active
 * facts and `allowLargeRemoval` is false. If ops target facts that changed since the plan (a chat
 * session wrote meanwhile, or `undo`/`forget` ran), nothing is applied and it re-plans once on
 * the newer file. Facts added meanwhile are kept as they are. One write at most: undoable with
 * `store.undo`.
 * @throws MemagentError when planned facts changed again during the re-plan (nothing written);
 *   ApiError; MemoryFileError; LockError.
 */
export async function compactMemory(
  deps: CompactionDeps,
  userId: string,
  opts: { dryRun: boolean; allowLargeRemoval: boolean },
): Promise<CompactionOutcome> {
  let conflicts: string[] = [];
  for (let attempt = 0; attempt < MAX_PLAN_ATTEMPTS; attempt++) {
    const { memory } = await deps.store.load(userId);
    const active = memory.facts.filter((f) => f.status === 'active').length;
    const plan = await planCompaction(deps.model, deps.extractModel, memory);
    const removal = { removing: removalCount(plan), active };
    const needsConfirmation = active > 0 && removal.removing / active > MAX_REMOVAL_SHARE_WITHOUT_CONFIRMATION;
    const preview = applyCompaction(memory, plan, { now: deps.now() });
    const base = { plan, removal, needsConfirmation, replanned: attempt > 0, revision: memory.revision };
    if (opts.dryRun || (needsConfirmation && !opts.allowLargeRemoval)) {
      return {
        ...base,
        status: opts.dryRun ? 'dry-run' : 'needs-confirmation',
        changes: preview.changes,
        diff: preview.diff,
        warnings: [...plan.warnings, ...preview.warnings],
      };
    }
    let applied: AppliedCompaction | null = null;
    const result = await deps.store.update(userId, (latest) => {
      applied = applyCompaction(latest, plan, { now: deps.now() });
      if (applied.conflicts.length > 0 || applied.changes.length === 0) return null;
      return applied.memory;
    });
    const done = applied as AppliedCompaction | null;
    if (!done) throw new MemagentError('compaction was not applied (a memagent bug: the update never ran); nothing was changed');
    conflicts = done.conflicts;
    if (conflicts.length === 0) {
      return {
        ...base,
        status: result.written ? 'applied' : 'unchanged',
        changes: done.changes,
        diff: done.diff,
        warnings: [...plan.warnings, ...done.warnings],
        revision: result.after.revision,
      };
    }
  }
  throw new MemagentError(
    `${userId}'s memory kept changing while compacting (${conflicts.length} planned fact(s) were changed by another session, e.g. ${conflicts[0]}); nothing was compacted, run compact again`,
  );
}
