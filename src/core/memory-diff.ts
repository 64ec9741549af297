/**
 * What going from one memory to another changes, as the `MemoryChange`s the exit report words
 * (describe-changes.ts), for `undo` and `restore`, which replace a whole memory rather than
 * apply ops. Pure.
 */
import type { Decision, Memory, MemoryChange } from './schema.js';

const decisionText = (d: Decision): string => `${d.topic}: ${d.decision}`;

/**
 * The changes from `before` to `after`, by item id: an active fact of `after` that `before` did
 * not have active is an `add` (an `update` when `before` had that id active with other text); an
 * active fact of `before` that is not active in `after` is a `retract` (no longer remembered); a
 * decision new or changed in `after` is a `decision`, one gone from it a `retract` worded
 * `decided: …`; a different summary is a `summary`. Facts first, then decisions, then the
 * summary, each in the order of the memory they come from. Pure.
 */
export function diffMemories(before: Memory, after: Memory): MemoryChange[] {
  const changes: MemoryChange[] = [];
  const activeBefore = new Map(before.facts.filter((f) => f.status === 'active').map((f) => [f.id, f]));
  const activeAfter = new Map(after.facts.filter((f) => f.status === 'active').map((f) => [f.id, f]));
  for (const f of activeAfter.values()) {
    const was = activeBefore.get(f.id);
    if (!was) changes.push({ type: 'add', id: f.id, text: f.text });
    else if (was.text !== f.text) changes.push({ type: 'update', id: f.id, text: f.text, was: was.text });
  }
  for (const f of activeBefore.values()) if (!activeAfter.has(f.id)) changes.push({ type: 'retract', id: f.id, text: f.text });
  const decisionsBefore = new Map(before.decisions.map((d) => [d.id, d]));
  const decisionsAfter = new Set(after.decisions.map((d) => d.id));
  for (const d of after.decisions) {
    const was = decisionsBefore.get(d.id);
    if (!was || decisionText(was) !== decisionText(d)) changes.push({ type: 'decision', id: d.id, text: decisionText(d) });
  }
  for (const d of before.decisions) if (!decisionsAfter.has(d.id)) changes.push({ type: 'retract', id: d.id, text: `decided: ${decisionText(d)}` });
  if (before.summary !== after.summary) changes.push({ type: 'summary', text: after.summary });
  return changes;
}
