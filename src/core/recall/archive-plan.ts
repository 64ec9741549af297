/**
 * What a write moves from the memory file to archival memory. Caps decide what is in the memory
 * file (and so in core memory), never what exists: a fact the merge evicts (still true), history
 * and decisions past their caps, a decision replaced by a newer one on its topic, all leave the
 * file, and every store archives them in the same locked write that removes them. Pure.
 */
import type { Memory } from '../schema.js';
import type { ArchivedItem } from './types.js';

/**
 * The facts (any status) and decisions of `before` whose id is not in `after`, each in its state
 * in `before` (its last state in the memory file), stamped `archivedAt` = `now` (ISO) and
 * `revision` (the revision the write commits). Facts first, then decisions, each in `before`'s
 * order. [] when the write removed nothing. Only `MemoryStore.update` archives: undo, restore
 * and purge replace or scrub a whole memory, and undoing a write must not archive what it had
 * added. Pure; `before` and `after` are not modified (the items are copies).
 * @throws RangeError if `now` is an invalid Date.
 */
export function archivedBy(before: Memory, after: Memory, opts: { now: Date; revision: number }): ArchivedItem[] {
  const archivedAt = opts.now.toISOString(); // throws RangeError on an invalid Date
  const { revision } = opts;
  const kept = new Set([...after.facts.map((f) => f.id), ...after.decisions.map((d) => d.id)]);
  const out: ArchivedItem[] = [];
  for (const f of before.facts) {
    if (!kept.has(f.id)) out.push({ type: 'fact', item: { ...f, source: { ...f.source } }, archivedAt, revision });
  }
  for (const d of before.decisions) {
    if (!kept.has(d.id)) out.push({ type: 'decision', item: { ...d, source: { ...d.source } }, archivedAt, revision });
  }
  return out;
}
