/**
 * Compaction: a model pass that consolidates one user's memory (merges duplicates, retracts stale
 * facts, rewrites the summary), returned as an op list, never as a rewritten file. The model call
 * runs outside the lock on revision r; under the lock the ops are re-applied to the latest file,
 * and ops whose facts changed since r are refused (conflict) rather than applied blind. Facts
 * written meanwhile by chat sessions are untouched. Pinned facts are never compacted away.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { MemagentError } from './errors.js';
import { buildHandles } from './grounding.js';
import type { MemoryStore } from './memory-store.js';
import type { ModelClient } from './model.js';
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

/** A compaction plan with real ids, plus the `updatedAt` of every targeted fact at revision r. */
export interface CompactionPlan {
  baseRevision: number;
  summary: string;
  merge: Array<{ ids: string[]; text: string; kind: Fact['kind']; confidence: Fact['confidence'] }>;
  retract: Array<{ id: string; reason: string }>;
  /** Fact id → `updatedAt` when the plan was made: a different value later means a conflict. */
  seen: Record<string, string>;
  warnings: string[];
}

/** Share of active facts a compaction may remove without `--yes`: a third, so one pass cannot gut a store. */
export const MAX_REMOVAL_SHARE_WITHOUT_CONFIRMATION = 1 / 3;
/** Summary cap (chars) after compaction, as the schema's summary limit allows. */
const SUMMARY_MAX = 1200;

const COMPACTION_SYSTEM = [
  'You consolidate the long-term memory a chat assistant keeps about one user.',
  'You receive the active facts, each with an integer handle, and the summary.',
  'Return ops only: "merge" groups of two or more facts that say the same thing or belong in one fact (give the merged text);',
  '"retract" facts that are clearly stale or contradicted by newer facts (give a short reason). Keep everything else: when unsure, keep.',
  'Facts marked [pinned] must not be merged or retracted. Rewrite "summary" in at most 5 sentences.',
].join('\n');

/**
 * Asks the model for a compaction plan of `memory` (revision r). No lock is held.
 * @throws ApiError.
 */
export async function planCompaction(model: ModelClient, extractModel: string, memory: Memory): Promise<CompactionPlan> {
  const active = memory.facts.filter((f) => f.status === 'active');
  const handles = buildHandles(active);
  const byId = new Map(active.map((f) => [f.id, f]));
  const lines = [...handles].map(([h, id]) => {
    const f = byId.get(id)!;
    return `${h}. [${f.kind}${f.pinned ? ', pinned' : ''}] ${f.text} (updated ${f.updatedAt.slice(0, 10)})`;
  });
  const user = ['Summary:', memory.summary || '(none)', '', '<facts>', ...lines, '</facts>'].join('\n');
  const { value } = await model.structured({
    model: extractModel,
    system: COMPACTION_SYSTEM,
    user,
    schema: compactionSchema,
    maxTokens: 4096,
  });
  return toPlan(value, memory, handles);
}

/** Maps handles to ids, drops ops on unknown or pinned facts (with warnings), records what was seen. */
export function toPlan(answer: CompactionAnswer, memory: Memory, handles: Map<number, string>): CompactionPlan {
  const warnings: string[] = [];
  const byId = new Map(memory.facts.map((f) => [f.id, f]));
  const used = new Set<string>();
  const resolve = (h: number): Fact | null => {
    const id = handles.get(h);
    const fact = id ? byId.get(id) : undefined;
    if (!fact) {
      warnings.push(`ignored unknown fact handle ${h}`);
      return null;
    }
    if (fact.pinned) {
      warnings.push(`kept pinned fact ${fact.id}`);
      return null;
    }
    if (used.has(fact.id)) {
      warnings.push(`fact ${fact.id} named in two ops; kept the first`);
      return null;
    }
    return fact;
  };
  const merge: CompactionPlan['merge'] = [];
  for (const m of answer.merge.slice(0, 100)) {
    const facts = [...new Set(m.facts)].map(resolve).filter((f): f is Fact => f !== null);
    const text = m.text.replace(/\s+/g, ' ').trim().slice(0, 300);
    if (facts.length < 2 || !text) continue;
    facts.forEach((f) => used.add(f.id));
    merge.push({ ids: facts.map((f) => f.id), text, kind: m.kind, confidence: m.confidence });
  }
  const retract: CompactionPlan['retract'] = [];
  for (const r of answer.retract.slice(0, 100)) {
    const fact = resolve(r.fact);
    if (!fact) continue;
    used.add(fact.id);
    retract.push({ id: fact.id, reason: r.reason.slice(0, 200) });
  }
  const seen: Record<string, string> = {};
  for (const id of used) seen[id] = byId.get(id)!.updatedAt;
  return { baseRevision: memory.revision, summary: answer.summary.trim().slice(0, SUMMARY_MAX), merge, retract, seen, warnings };
}

/** How many active facts a plan takes out of the prompt, net (a merge of k facts removes k-1). */
export function removalCount(plan: CompactionPlan): number {
  return plan.merge.reduce((n, m) => n + m.ids.length - 1, 0) + plan.retract.length;
}

/**
 * Applies a plan to `memory` (pure). Ops whose facts are no longer active or changed since the
 * plan (different `updatedAt`) are not applied and reported as conflicts.
 * @returns the new memory, the changes, and the conflicting fact ids.
 */
export function applyCompaction(
  memory: Memory,
  plan: CompactionPlan,
  opts: { now: Date; runId: string; newId?: () => string },
): { memory: Memory; changes: MemoryChange[]; conflicts: string[] } {
  const now = opts.now.toISOString();
  const newId = opts.newId ?? (() => `f_${randomBytes(6).toString('hex').slice(0, 10)}`);
  const facts = memory.facts.map((f) => ({ ...f }));
  const byId = new Map(facts.map((f) => [f.id, f]));
  const changes: MemoryChange[] = [];
  const conflicts: string[] = [];
  const current = (id: string): Fact | null => {
    const f = byId.get(id);
    if (!f || f.status !== 'active' || f.updatedAt !== plan.seen[id]) {
      conflicts.push(id);
      return null;
    }
    return f;
  };
  for (const m of plan.merge) {
    const olds = m.ids.map(current);
    if (olds.some((f) => f === null)) continue;
    const group = olds as Fact[];
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
    changes.push({ type: 'supersede', id: merged.id, text: merged.text, was: group.map((f) => f.text).join(' | '), oldId: group[0].id });
  }
  for (const r of plan.retract) {
    const f = current(r.id);
    if (!f) continue;
    f.status = 'retracted';
    f.validTo = now;
    f.updatedAt = now;
    changes.push({ type: 'retract', id: f.id, text: `${f.text} (${r.reason})` });
  }
  const summary = plan.summary || memory.summary;
  if (summary !== memory.summary) changes.push({ type: 'summary', text: summary });
  return { memory: { ...memory, facts, summary, updatedAt: now }, changes, conflicts };
}

/** What `compact` did. */
export interface CompactionOutcome {
  plan: CompactionPlan;
  changes: MemoryChange[];
  written: boolean;
  revision: number;
}

/**
 * Plans and, unless `dryRun`, applies a compaction under the lock. If ops target facts changed
 * since the plan's revision, it re-plans once on the newer file, then stops with a clear error.
 * @throws MemagentError when removal exceeds the allowed share without `allowLargeRemoval`,
 *   or when conflicts persist; ApiError; MemoryFileError; LockError.
 */
export async function compactMemory(
  deps: { store: MemoryStore; model: ModelClient; extractModel: string; now: () => Date },
  userId: string,
  opts: { dryRun: boolean; allowLargeRemoval: boolean },
): Promise<CompactionOutcome> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const { memory } = await deps.store.load(userId);
    const activeCount = memory.facts.filter((f) => f.status === 'active').length;
    const plan = await planCompaction(deps.model, deps.extractModel, memory);
    const removing = removalCount(plan);
    if (!opts.allowLargeRemoval && activeCount > 0 && removing / activeCount > MAX_REMOVAL_SHARE_WITHOUT_CONFIRMATION) {
      throw new MemagentError(
        `compaction would remove ${removing} of ${activeCount} active facts (more than a third); review with --dry-run, then add --yes to apply`,
      );
    }
    if (opts.dryRun) {
      const preview = applyCompaction(memory, plan, { now: deps.now(), runId: 'dry-run' });
      return { plan, changes: preview.changes, written: false, revision: memory.revision };
    }
    let changes: MemoryChange[] = [];
    let conflicts: string[] = [];
    const result = await deps.store.update(userId, (latest) => {
      const applied = applyCompaction(latest, plan, { now: deps.now(), runId: `compact-${plan.baseRevision}` });
      conflicts = applied.conflicts;
      changes = applied.changes;
      if (conflicts.length > 0 || changes.length === 0) return null;
      return applied.memory;
    });
    if (conflicts.length === 0) return { plan, changes, written: result.written, revision: result.after.revision };
  }
  throw new MemagentError('memory kept changing while compacting (another session wrote it); nothing was changed, run compact again');
}
