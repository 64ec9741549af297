/**
 * Whether and what a session's extraction writes (pure): the rules around the merge that keep
 * revisions meaningful. A session that changes no fact or decision writes nothing (its summary
 * rewrite is dropped: the next session that does change something rewrites the summary from its
 * own transcript, so no revision and no undo step is spent on rephrasing). A session already
 * applied (its journal re-extracted after a kill between the merge and the journal's
 * retirement) writes nothing either.
 */
import { SCHEMA_LIMITS, type Memory } from './schema.js';

/** True if `memory` already holds the extraction of session `sessionId` (see `Memory.appliedSessions`). */
export function wasApplied(memory: Memory, sessionId: string): boolean {
  return memory.appliedSessions?.includes(sessionId) ?? false;
}

/** True if `a` and `b` hold the same facts and decisions (summary, times and counters aside). */
export function sameItems(a: Memory, b: Memory): boolean {
  return JSON.stringify(a.facts) === JSON.stringify(b.facts) && JSON.stringify(a.decisions) === JSON.stringify(b.decisions);
}

/**
 * The memory to write after session `sessionId`'s ops were merged into `current` (giving
 * `merged`), or null to write nothing: when `current` already holds that session, or when the
 * merge changed no fact or decision (a summary-only rewrite is dropped). Otherwise `merged` with
 * `sessionCount` one up and `sessionId` appended to `appliedSessions` (the last
 * `SCHEMA_LIMITS.appliedSessions` kept). Pure; `current` and `merged` are not mutated.
 */
export function sessionWrite(current: Memory, merged: Memory, sessionId: string): Memory | null {
  if (wasApplied(current, sessionId) || sameItems(current, merged)) return null;
  const applied = [...(current.appliedSessions ?? []), sessionId].slice(-SCHEMA_LIMITS.appliedSessions);
  return { ...merged, sessionCount: current.sessionCount + 1, appliedSessions: applied };
}
