/**
 * The pure half of compaction: the model's answer mapped to a plan over real fact ids
 * (`toPlan`), and the plan applied to a memory (`applyCompaction`) with the shared fact
 * transitions (fact-transitions.ts), each targeted fact checked against the fingerprint the plan
 * recorded. No I/O, no clock and no randomness of its own: given (memory, plan, now, id source)
 * the result is always the same. The model call and the store live in compaction.ts.
 */
import * as z from 'zod';
import { hashIdSource, openFacts, type IdSource } from './fact-transitions.js';
import { redactSecrets } from './redact.js';
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
/** Summary cap (chars) after compaction: the extraction's cap, leaving most of the prompt budget to facts. */
const SUMMARY_MAX = 1200;
/** Merged fact text cap (chars), as extraction caps fact texts. */
const FACT_TEXT_MAX = 300;
/** Ops read from one answer; a real memory holds at most 60 active facts, so more is a runaway answer. */
const MAX_OPS = 100;

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
 *
 * The transitions are the shared ones of fact-transitions.ts (as in the merge policy), stamped
 * with `now`. New ids come from `newId` (default: `hashIdSource` seeded with `now`), checked
 * against every id in the file: the result depends only on (memory, plan, now, newId).
 * @throws RangeError if `now` is invalid; Error if `newId` returns a malformed id or only ids in use.
 */
export function applyCompaction(memory: Memory, plan: CompactionPlan, opts: { now: Date; newId?: IdSource }): AppliedCompaction {
  const ledger = openFacts(memory, { now: opts.now, ids: opts.newId ?? hashIdSource(`compaction|${opts.now.toISOString()}`) });
  const conflicts: string[] = [];
  const warnings: string[] = [];
  const diff: CompactionDiff = { merged: [], retracted: [], summary: null, kept: 0 };
  const current = (id: string): Fact | null => {
    const f = ledger.byId(id);
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
  const copy = (f: Fact): Fact => ({ ...f, source: { ...f.source } });
  const activeBefore = ledger.active().length;
  for (const m of plan.merge) {
    const olds = m.ids.map(current);
    if (olds.some((f) => f === null)) continue;
    const group = olds as Fact[];
    const before = group.map(copy);
    const newest = group.reduce((a, b) => (a.updatedAt >= b.updatedAt ? a : b));
    const merged = ledger.create({
      text: m.text,
      kind: m.kind,
      confidence: m.confidence,
      pinned: false,
      validFrom: group.reduce((a, b) => (a.validFrom <= b.validFrom ? a : b)).validFrom,
      source: newest.source,
    });
    ledger.supersede(group, merged);
    diff.merged.push({ into: merged, from: before });
  }
  for (const r of plan.retract) {
    const f = current(r.id);
    if (!f) continue;
    diff.retracted.push({ fact: copy(f), reason: r.reason });
    ledger.retract(f, r.reason);
  }
  const changes: MemoryChange[] = [...ledger.changes];
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
  return { memory: { ...memory, facts: ledger.facts, summary, updatedAt: ledger.now }, changes, diff, conflicts, warnings };
}
