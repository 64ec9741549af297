/**
 * Compaction: a model pass that consolidates one user's memory (merges duplicates, retracts stale
 * facts, rewrites the summary), returned as an op list, never as a rewritten file. The model call
 * runs outside the lock on the file as read (revision r); under the lock the ops are re-applied to
 * the latest file. Every fact an op targets is compared with what the model saw (its whole
 * content, not the revision alone: the facts an op names may have changed under a revision
 * number the plan did not see, e.g. through `undo`, which writes an earlier content as a new revision); if any changed, the plan is not applied and is made again once on the newer
 * file, then compaction stops with a clear error. Facts written meanwhile by chat sessions are
 * untouched. Pinned facts are never compacted away.
 *
 * This file holds the model call and the store; the pure plan/apply half is compaction-plan.ts.
 */
import {
  applyCompaction,
  compactionSchema,
  MAX_REMOVAL_SHARE_WITHOUT_CONFIRMATION,
  removalCount,
  toPlan,
  type AppliedCompaction,
  type CompactionDiff,
  type CompactionPlan,
} from './compaction-plan.js';
import { MemagentError } from './errors.js';
import { buildHandles } from './grounding.js';
import type { MemoryStore } from './storage/store.js';
import type { ModelClient } from './model-client.js';
import { sanitize } from './render.js';
import type { Memory, MemoryChange } from './schema.js';

// The pure half (plan and apply) lives in compaction-plan.ts; re-exported so callers keep one import.
export {
  applyCompaction,
  compactionSchema,
  factFingerprint,
  MAX_REMOVAL_SHARE_WITHOUT_CONFIRMATION,
  removalCount,
  toPlan,
  type AppliedCompaction,
  type CompactionAnswer,
  type CompactionDiff,
  type CompactionPlan,
} from './compaction-plan.js';

/** Plans made per run: the first, plus one re-plan when a concurrent write touched planned facts. */
const MAX_PLAN_ATTEMPTS = 2;

const COMPACTION_SYSTEM = [
  'You consolidate the long-term memory a chat assistant keeps about one user.',
  'You receive the active facts, each with an integer handle, and the summary.',
  'Return ops only: "merge" groups of two or more facts that say the same thing or belong in one fact (give the merged text);',
  '"retract" facts that are clearly stale or contradicted by newer facts (give a short reason). Keep everything else: when unsure, keep.',
  'Facts marked [pinned] must not be merged or retracted. Rewrite "summary" in at most 5 sentences.',
].join('\n');

/**
 * Asks the model for a compaction plan of `memory` (revision r). No lock is held, nothing is
 * written. The model sees active facts by handle, pinned ones marked, their text sanitized
 * (`render.sanitize`) like the memory block.
 * @throws ApiError (kind `invalid_output` when the answer does not fit `compactionSchema`).
 */
export async function planCompaction(model: ModelClient, extractModel: string, memory: Memory): Promise<CompactionPlan> {
  // Stryker disable next-line MethodExpression,ConditionalExpression: equivalent: buildHandles keeps active facts only and the lines are built from its handles; the filter says what the model sees.
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
  // Stryker disable next-line ArrayDeclaration: equivalent: overwritten by the first attempt before any read (the loop runs at least once and every path through it assigns, returns or throws).
  let conflicts: string[] = [];
  for (let attempt = 0; attempt < MAX_PLAN_ATTEMPTS; attempt++) {
    const { memory } = await deps.store.load(userId);
    const active = memory.facts.filter((f) => f.status === 'active').length;
    const plan = await planCompaction(deps.model, deps.extractModel, memory);
    const removal = { removing: removalCount(plan), active };
    const needsConfirmation =
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: with no active fact the plan removes none (handles name active facts only) and 0 / 0 is NaN, never > 1/3; the guard only makes that explicit.
      active > 0 &&
      removal.removing / active > MAX_REMOVAL_SHARE_WITHOUT_CONFIRMATION;
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
