/**
 * The purge policy every store applies (pure): which items a purge matched across the current
 * memory and every kept version, what each version becomes once scrubbed, and whether that
 * changed it. Stores own only the reading and rewriting of their versions.
 */
import { sameItems } from '../session-apply.js';
import type { Decision, Fact, Memory } from '../schema.js';
import type { PurgeOptions } from './store.js';

type Match = (item: Fact | Decision) => boolean;

/** `memory` without the facts and decisions `match` selects. Pure; `memory` is not mutated. */
export function without(memory: Memory, match: Match): Memory {
  return { ...memory, facts: memory.facts.filter((f) => !match(f)), decisions: memory.decisions.filter((d) => !match(d)) };
}

/** Whether two memories hold the same facts, decisions and summary (what undo would change). */
export function sameContent(a: Memory, b: Memory): boolean {
  return a.summary === b.summary && sameItems(a, b);
}

/** Every distinct item (by its whole content) of `memories` that `match` selects, in order of first appearance. */
export function matchedItems(memories: readonly Memory[], match: Match): Array<Fact | Decision> {
  const matched: Array<Fact | Decision> = [];
  const seen = new Set<string>();
  for (const m of memories) {
    for (const item of [...m.facts, ...m.decisions]) {
      const key = JSON.stringify(item);
      if (!seen.has(key) && match(item)) {
        seen.add(key);
        matched.push(item);
      }
    }
  }
  return matched;
}

/**
 * The scrub a purge applies to each version: `without(m, match)`, its summary rewritten by
 * `options.summary` given every matched item when that is set. Pure.
 */
export function scrubber(match: Match, matched: ReadonlyArray<Fact | Decision>, options: PurgeOptions): (m: Memory) => Memory {
  return (m) => {
    const kept = without(m, match);
    return options.summary ? { ...kept, summary: options.summary(kept.summary, matched) } : kept;
  };
}

/** Whether a scrub changed a version (items removed or summary rewritten). */
export function scrubChanged(before: Memory, after: Memory): boolean {
  return before.facts.length !== after.facts.length || before.decisions.length !== after.decisions.length || before.summary !== after.summary;
}
