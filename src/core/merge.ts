/**
 * The merge policy: applies grounded extraction ops to a memory. Pure: (memory, ops, session,
 * clock) in, a new memory plus the list of changes out. Nothing is deleted: contradicted facts
 * are superseded, facts no longer true are retracted, and what the caps push out of the memory
 * file (an evicted fact, still active; history and decisions past their caps) is archived by the
 * store, which archives whatever a write removes from the file (recall/archive-plan.ts). The state changes are
 * the shared transitions of fact-transitions.ts; this file decides which ones apply.
 *
 * Over ~300 lines because `mergeMemory` is one documented policy (op order, duplicates, caps)
 * whose closures share one ledger; splitting it would scatter the rules its doc comment states.
 */
import { compareRank, compareTime, evictionOrder, hashIdSource, openFacts, type FactLedger, type IdSource } from './fact-transitions.js';
import { SCHEMA_LIMITS, type Decision, type Fact, type Memory, type MemoryChange, type MergeOps } from './schema.js';
import { contentTokens, normalizeText, isNearDuplicate } from './text-match.js';

/**
 * At most this many active facts. The memory block's default budget (2,000 tokens ≈ 8,000 chars)
 * holds about 60 one-sentence facts next to decisions and the summary; facts beyond that would be
 * stored but never shown to the model, which is memory the user cannot see working.
 */
export const MAX_ACTIVE_FACTS = 60;

/**
 * At most this many pinned facts. Pins are never evicted, so they must leave room under
 * MAX_ACTIVE_FACTS for what the agent learns; a pin beyond this is stored unpinned, with a warning.
 */
export const MAX_PINNED_FACTS = 30;

/**
 * At most this many superseded + retracted facts in the memory file (the oldest move to archival
 * memory first). History in the file lets the user see and undo what changed; 200 entries is
 * years of sessions and keeps the file (rewritten on every save) small.
 */
export const MAX_HISTORY_FACTS = 200;

/** At most this many decisions in the memory file (the oldest move to archival memory first): decisions go stale faster than facts. */
export const MAX_DECISIONS = 20;

/** The caps `mergeMemory` enforces; see the constants for their reasons. Counts of items. */
export interface MergeCaps {
  activeFacts: number;
  pinnedFacts: number;
  historyFacts: number;
  decisions: number;
}

/** The default caps. */
export const DEFAULT_MERGE_CAPS: Readonly<MergeCaps> = {
  activeFacts: MAX_ACTIVE_FACTS,
  pinnedFacts: MAX_PINNED_FACTS,
  historyFacts: MAX_HISTORY_FACTS,
  decisions: MAX_DECISIONS,
};

/** Options of `mergeMemory`. */
export interface MergeOptions {
  /** The session the ops come from; recorded in each touched item's `source.session` (1–100 chars). */
  sessionId: string;
  /** The clock: every time written by this merge is `now`. */
  now: Date;
  /** Overrides of DEFAULT_MERGE_CAPS. */
  caps?: Partial<MergeCaps>;
  /**
   * Id factory: returns a fresh id starting with `f_` (facts) or `d_` (decisions) matching the
   * schema's id pattern. Default: `<prefix>_` + 10 base-36 chars hashed from (session, now,
   * counter), deterministic and unique within the file.
   */
  newId?: IdSource;
}

/** The merged memory, what changed (for the exit diff), and ops that were ignored and why. */
export interface MergeResult {
  memory: Memory;
  changes: MemoryChange[];
  warnings: string[];
  /**
   * Where each add and supersede op landed, by op index: `add[i]` is the id of the fact
   * `ops.add[i]` created or was absorbed into (refresh); `supersede[i]` the id of the fact that
   * now holds `ops.supersede[i]`'s text (the new successor, the existing fact it duplicates, or
   * the old fact itself on a same-text refresh). Undefined for an op that was ignored (a warning)
   * or not stored (memory full). The fact may have been evicted later in the same merge. Lets a
   * caller that merges the same ops twice (a preview, then under the lock) map what it saw in one
   * merge onto the other without relying on the order ids are minted in.
   */
  landed: { add: Array<string | undefined>; supersede: Array<string | undefined> };
}

// Schema maxima: the merge clips to them so its output always validates.
const {
  factTextChars: MAX_FACT_TEXT,
  quoteChars: MAX_QUOTE,
  topicChars: MAX_TOPIC,
  decisionChars: MAX_DECISION,
  summaryChars: MAX_SUMMARY,
  sessionIdChars: MAX_SESSION_ID,
} = SCHEMA_LIMITS;

/**
 * Applies `ops` to `memory` and returns a new memory; the input is never mutated.
 *
 * Ops apply in this order (retracts and supersedes first, so updates and adds meet the facts as
 * they will stay):
 * - retract: the fact becomes `retracted` with `validTo`; it stays in the file.
 * - supersede: the old fact becomes `superseded` (`validTo`, `supersededBy`) and a new active fact
 *   holds the new text, inheriting the pin. Same text as the old fact: a refresh. Text that
 *   duplicates another active fact: the old one points at that fact instead of a new one.
 * - update: rewrites an active fact's text in place. Text that duplicates another active fact:
 *   the target is superseded by that fact.
 * - add: an active fact with the same normalized text or a near-duplicate (`isNearDuplicate`) is
 *   refreshed instead (`updatedAt`, `source`, the higher confidence, pinned if asked) and reported
 *   as a `refresh`, also when that fact was added by this merge (only the same normalized text
 *   proposed twice is one item with one change); otherwise a
 *   new active fact. At the `activeFacts` cap, the lowest-ranked non-pinned fact (lowest
 *   confidence, then oldest `updatedAt`) is evicted to make room if the new fact ranks strictly
 *   higher or is pinned; else the new fact is not stored (a warning). An evicted fact leaves the
 *   file still `active` (the store archives it: still true, still searchable), with an `evict`
 *   change, so the user sees what was moved out of core memory; one this merge created stays in
 *   the file as `retracted` instead (see `FactLedger.evict`).
 *   Pins beyond `pinnedFacts` are stored unpinned, with a warning. Pinned facts are never evicted.
 * - decisions: appended with `date` = now; one with the same normalized topic as an existing
 *   decision replaces it (same decision text: no-op).
 * - summary: replaced when given, clipped to 4,000 chars.
 * Unknown or non-active ids in update/supersede/retract are ignored with a warning, and so is a
 * second op on a fact already retracted, superseded or updated by this merge. Then the caps:
 * an input already over `activeFacts` is evicted down to it, and the oldest history beyond
 * `historyFacts` and the oldest decisions beyond `decisions` leave the file (a warning; the store
 * archives them). History this merge made (facts it ended or created) never leaves the file in
 * the same merge: the store archives an item in its state before the write, so it must have one;
 * only when one merge ends more facts than `historyFacts` does the file briefly hold more.
 *
 * Sets `updatedAt` to now; leaves `revision` and `sessionCount` to the caller. Texts are trimmed
 * and clipped to the schema maxima, so the result validates against `memorySchema` when the input
 * does. Idempotent on replay: applying the same ops to the result leaves the active facts as they
 * are (every op is a refresh, a no-op or a warning).
 *
 * The state changes themselves are the shared transitions of fact-transitions.ts (as in compaction).
 *
 * Throws RangeError if `now` is invalid or `sessionId` is empty or over 100 chars, and Error if
 * `newId` returns an id that is malformed, or only ids already in use.
 */
export function mergeMemory(memory: Memory, ops: MergeOps, options: MergeOptions): MergeResult {
  const { sessionId } = options;
  if (sessionId.length < 1 || sessionId.length > MAX_SESSION_ID) throw new RangeError('mergeMemory: sessionId must be 1–100 chars');
  const now = options.now.toISOString(); // throws RangeError on an invalid Date
  const caps: MergeCaps = { ...DEFAULT_MERGE_CAPS, ...options.caps };

  const ledger = openFacts(memory, { now: options.now, ids: options.newId ?? hashIdSource(`${sessionId}|${now}`) });
  const { facts, changes } = ledger;
  let decisions: Decision[] = memory.decisions.map((d) => ({ ...d, source: { ...d.source } }));
  const warnings: string[] = [];

  const source = (quote: string) => ({ session: sessionId, at: now, quote: clip(quote.trim(), MAX_QUOTE) });
  const byId = ledger.byId;
  const active = ledger.active;
  const pinnedCount = () => active().filter((f) => f.pinned).length;
  // Each fact's normalized text and content tokens, computed once per text rather than once per
  // fact per op: every add, supersede and update compares its text with every active fact.
  const comparable = new Map<Fact, { text: string; norm: string; tokens: Set<string> }>();
  const comparableOf = (f: Fact) => {
    let c = comparable.get(f);
    if (c === undefined || c.text !== f.text) {
      c = { text: f.text, norm: normalizeText(f.text), tokens: contentTokens(f.text) };
      comparable.set(f, c);
    }
    return c;
  };
  const duplicateOf = (text: string, exceptId?: string): Fact | undefined => {
    const others = active().filter((f) => f.id !== exceptId);
    const norm = normalizeText(text);
    const same = others.find((f) => comparableOf(f).norm === norm);
    if (same !== undefined) return same;
    // No normalized text is equal, so `isNearDuplicate` can only hold where one side's content
    // tokens contain the other's: a cheap test on the cached tokens that spares it most facts.
    const tokens = contentTokens(text);
    return others.find((f) => nestedTokens(comparableOf(f).tokens, tokens) && isNearDuplicate(f.text, text));
  };
  // One op per fact and merge: the first of retract, supersede, update (in that order) wins.
  // Two ops on one fact contradict each other, and applying both would make a replay of the same
  // ops apply the second one again against the changed fact.
  const claimed = new Set<string>();
  const activeTarget = (op: string, id: string): Fact | undefined => {
    const f = byId(id);
    if (f === undefined) warnings.push(`${op}: no fact ${id}; ignored`);
    else if (f.status !== 'active') warnings.push(`${op}: fact ${id} is already ${f.status}; ignored`);
    else if (claimed.has(id)) warnings.push(`${op}: fact ${id} is already changed by another op; ignored`);
    else {
      claimed.add(id);
      return f;
    }
    return undefined;
  };
  const factText = (op: string, text: string): string | undefined => {
    const t = clip(text.trim(), MAX_FACT_TEXT);
    if (t === '') warnings.push(`${op}: empty text; ignored`);
    return t === '' ? undefined : t;
  };
  // `successor` is new or an existing active fact that already says the new thing.
  const supersedeBy = (old: Fact, successor: Fact, quote: string): void => ledger.supersede([old], successor, source(quote));

  for (const op of ops.retract) {
    const f = activeTarget('retract', op.id);
    if (f !== undefined) ledger.retract(f);
  }

  const landed: MergeResult['landed'] = { add: ops.add.map(() => undefined), supersede: ops.supersede.map(() => undefined) };

  for (const [i, op] of ops.supersede.entries()) {
    const old = activeTarget('supersede', op.id);
    const text = factText('supersede', op.text);
    if (old === undefined || text === undefined) continue;
    if (normalizeText(text) === normalizeText(old.text)) {
      ledger.refresh(old, { source: source(op.quote) });
      landed.supersede[i] = old.id;
      continue;
    }
    // A pinned fact is superseded too: the pin says the fact matters, and the user has just
    // contradicted it. The pin moves to the new fact, which now carries that topic.
    const successor =
      duplicateOf(text, old.id) ??
      ledger.create({ text, kind: op.kind, confidence: op.confidence, pinned: old.pinned, source: source(op.quote) });
    supersedeBy(old, successor, op.quote);
    landed.supersede[i] = successor.id;
  }

  for (const op of ops.update) {
    const target = activeTarget('update', op.id);
    const text = factText('update', op.text);
    if (target === undefined || text === undefined) continue;
    if (normalizeText(text) === normalizeText(target.text)) {
      ledger.refresh(target, { source: source(op.quote) });
      continue;
    }
    // Refined into what another fact already says: keep that one and point this one at it.
    // Skipping the update instead would make the result depend on whether that other fact is
    // later evicted, and a replay of the same ops would then apply it.
    const dup = duplicateOf(text, target.id);
    if (dup !== undefined) {
      supersedeBy(target, dup, op.quote);
      continue;
    }
    ledger.update(target, text, source(op.quote));
  }

  for (const [i, op] of ops.add.entries()) {
    const text = factText('add', op.text);
    if (text === undefined) continue;
    let pinned = op.pinned ?? false;
    const dup = duplicateOf(text);
    if (pinned && !dup?.pinned && pinnedCount() >= caps.pinnedFacts) {
      warnings.push(`add: already ${caps.pinnedFacts} pinned facts; "${text}" kept unpinned`);
      pinned = false;
    }
    if (dup === undefined) {
      // A full memory makes room by evicting its lowest-ranked fact, but only for a fact that
      // ranks strictly higher (or is pinned); otherwise the new fact is not stored. Deciding at
      // add time rather than adding and trimming afterwards keeps a replay stable: the lowest
      // rank only rises during a merge, so an add refused or evicted once is refused again.
      if (active().length >= caps.activeFacts) {
        const victim = evictionOrder(active())[0];
        const incoming = { confidence: op.confidence, updatedAt: now };
        if (victim === undefined) {
          warnings.push(`add: memory is full of pinned facts (${caps.activeFacts}); "${text}" was not stored`);
          continue;
        }
        if (!pinned && compareRank(incoming, victim) <= 0) {
          warnings.push(`add: memory is full (${caps.activeFacts} active facts); "${text}" ranks lowest and was not stored`);
          continue;
        }
        ledger.evict(victim);
      }
      landed.add[i] = ledger.add({ text, kind: op.kind, confidence: op.confidence, pinned, source: source(op.quote) }).id;
      continue;
    }
    // Every absorbed item shows in the changes ("= already known: …"), also when it was absorbed
    // into a fact this merge added; only the same text proposed twice is one item, one line.
    const sameItem = ledger.isNew(dup) && normalizeText(dup.text) === normalizeText(text);
    ledger.refresh(dup, { source: source(op.quote), confidence: op.confidence, pinned, report: !sameItem });
    landed.add[i] = dup.id;
  }

  for (const op of ops.decisions) {
    const topic = clip(op.topic.trim(), MAX_TOPIC);
    const text = clip(op.decision.trim(), MAX_DECISION);
    if (topic === '' || text === '') {
      warnings.push('decision: empty topic or decision; ignored');
      continue;
    }
    const sameTopic = decisions.find((d) => normalizeText(d.topic) === normalizeText(topic));
    if (sameTopic !== undefined && normalizeText(sameTopic.decision) === normalizeText(text)) continue;
    // Newest wins: decisions have no status, so the old one on this topic leaves the file.
    decisions = decisions.filter((d) => d !== sameTopic);
    const d: Decision = { id: ledger.mintId('d'), topic, decision: text, date: now, source: source(op.quote) };
    decisions.push(d);
    changes.push({ type: 'decision', id: d.id, text: `${topic}: ${text}` });
  }

  let summary = memory.summary;
  if (ops.summary !== undefined) {
    const next = clip(ops.summary.trim(), MAX_SUMMARY);
    if (next !== summary) {
      summary = next;
      changes.push({ type: 'summary', text: next });
    }
  }

  evictOverCap(ledger, caps.activeFacts, warnings);
  const kept = dropOldestHistory(facts, memory.facts, caps.historyFacts, warnings);
  if (decisions.length > caps.decisions) {
    // Only decisions the input had: the store archives an item in its state before the write.
    const had = new Set(memory.decisions.map((d) => d.id));
    const stored = decisions.filter((d) => had.has(d.id));
    const drop = new Set(oldestFirst(stored, (d) => d.date).slice(0, Math.min(stored.length, decisions.length - caps.decisions)));
    if (drop.size > 0) {
      decisions = decisions.filter((d) => !drop.has(d));
      warnings.push(`moved ${drop.size} oldest decisions to archival memory (cap ${caps.decisions})`);
    }
  }

  return {
    memory: { ...memory, updatedAt: now, summary, facts: kept, decisions },
    changes,
    warnings,
    landed,
  };
}

// Only needed when the input was already over the cap (a lowered cap, a hand-edited file):
// adds make their own room.
function evictOverCap(ledger: FactLedger, cap: number, warnings: string[]): void {
  const active = ledger.active();
  const excess = active.length - cap;
  if (excess <= 0) return;
  const candidates = evictionOrder(active);
  for (const f of candidates.slice(0, excess)) ledger.evict(f);
  if (candidates.length < excess) {
    warnings.push(`${active.length - candidates.length} pinned facts exceed the cap of ${cap} active facts`);
  }
}

// The oldest history past `cap` leaves the file (the store archives it as `input` had it), but
// only facts that were history in `input` already: a fact this merge ended or created has no
// state of its own before the write, so it stays until a later write.
function dropOldestHistory(facts: Fact[], input: readonly Fact[], cap: number, warnings: string[]): Fact[] {
  const history = facts.filter((f) => f.status !== 'active');
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a shortcut only: at or under the cap the slice below is empty, so nothing leaves and nothing is warned.
  if (history.length <= cap) return facts;
  const wasHistory = new Set(input.filter((f) => f.status !== 'active').map((f) => f.id));
  const movable = history.filter((f) => wasHistory.has(f.id));
  const drop = new Set(oldestFirst(movable, (f) => f.validTo ?? f.updatedAt).slice(0, Math.min(movable.length, history.length - cap)));
  if (drop.size === 0) return facts;
  warnings.push(`moved ${drop.size} oldest superseded/retracted facts to archival memory (cap ${cap})`);
  return facts.filter((f) => !drop.has(f));
}

// `compareTime` order with each time parsed once, not once per comparison: the history cap sorts
// hundreds of facts.
function oldestFirst<T extends { id: string }>(items: T[], time: (item: T) => string): T[] {
  const at = new Map(items.map((item) => [item, Date.parse(time(item))]));
  const instant = (item: T) => at.get(item) as number;
  return [...items].sort((a, b) => instant(a) - instant(b) || compare(time(a), time(b)) || compare(a.id, b.id));
}

// Both non-empty and one a subset of the other: what `isNearDuplicate` requires of two texts whose
// normalized forms differ (see there).
function nestedTokens(a: Set<string>, b: Set<string>): boolean {
  // Stryker disable next-line ConditionalExpression,LogicalOperator,BooleanLiteral: only a pre-filter: isNearDuplicate, called next, rejects a side with no content words itself, so letting one through changes nothing.
  if (a.size === 0 || b.size === 0) return false;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const t of small) if (!large.has(t)) return false;
  return true;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
