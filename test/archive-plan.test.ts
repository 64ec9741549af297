// What a write moves from the memory file to archival memory (core/recall/archive-plan.ts): every
// item the write removed, in its last state in the file, so nothing a cap pushes out is lost.
import { describe, expect, it } from 'vitest';
import { mergeMemory } from '../src/core/merge.js';
import { archivedBy } from '../src/core/recall/archive-plan.js';
import { emptyMemory, type Decision, type Fact, type Memory } from '../src/core/schema.js';
import { makeFact } from './helpers/memory.js';

const EARLIER = '2026-01-10T09:00:00.000Z';
const NOW = new Date('2026-11-19T15:00:00.000Z');
const fact = (id: string, text: string, extra: Partial<Fact> = {}): Fact => makeFact(id, text, EARLIER, extra, { confidence: 'medium' });
const decision = (id: string, topic: string, text: string): Decision => ({ id, topic, decision: text, date: EARLIER, source: { session: 's1', at: EARLIER, quote: text } });
const memoryWith = (facts: Fact[], decisions: Decision[] = []): Memory => ({ ...emptyMemory('alice', new Date(EARLIER)), revision: 7, facts, decisions });
const ops = { add: [], update: [], supersede: [], retract: [], decisions: [] };

describe('archivedBy', () => {
  it('a write that removes nothing archives nothing', () => {
    const before = memoryWith([fact('f_a', 'Likes tea')], [decision('d_1', 'Editor', 'Vim')]);
    const after = { ...before, facts: [...before.facts, fact('f_b', 'Owns a cat')] };
    expect(archivedBy(before, after, { now: NOW, revision: 8 })).toEqual([]);
  });

  it('lists each removed fact and decision as it was before the write, facts first, stamped with the write', () => {
    const tea = fact('f_a', 'Likes tea');
    const rome = fact('f_h', 'Lived in Rome', { status: 'superseded', validTo: EARLIER, supersededBy: 'f_x' });
    const vim = decision('d_1', 'Editor', 'Vim');
    const before = memoryWith([tea, fact('f_b', 'Owns a cat'), rome], [vim, decision('d_2', 'Database', 'Postgres')]);
    const after = memoryWith([fact('f_b', 'Owns a cat')], [decision('d_2', 'Database', 'Postgres')]);
    expect(archivedBy(before, after, { now: NOW, revision: 8 })).toEqual([
      { type: 'fact', item: tea, archivedAt: NOW.toISOString(), revision: 8 },
      { type: 'fact', item: rome, archivedAt: NOW.toISOString(), revision: 8 },
      { type: 'decision', item: vim, archivedAt: NOW.toISOString(), revision: 8 },
    ]);
  });

  it('an item whose id stays in the file is not archived, whatever the write changed in it', () => {
    const before = memoryWith([fact('f_a', 'Likes tea')]);
    const after = memoryWith([fact('f_a', 'Likes green tea', { status: 'retracted', validTo: NOW.toISOString() })]);
    expect(archivedBy(before, after, { now: NOW, revision: 8 })).toEqual([]);
  });

  it('returns copies: changing an archived item leaves the memory it came from as it was', () => {
    const before = memoryWith([fact('f_a', 'Likes tea')]);
    const [archived] = archivedBy(before, memoryWith([]), { now: NOW, revision: 8 });
    (archived.item as Fact).source.quote = 'changed';
    expect(before.facts[0].source.quote).toBe('Likes tea');
  });

  it('a merge at the active cap: the evicted fact is archived still active, exactly as it was', () => {
    const old = fact('f_old', 'Likes tea', { confidence: 'low' });
    const before = memoryWith([old]);
    const merged = mergeMemory(before, { ...ops, add: [{ text: 'Owns a cat', kind: 'fact', confidence: 'high', quote: 'cat' }] }, { sessionId: 's2', now: NOW, caps: { activeFacts: 1 } });
    expect(archivedBy(before, merged.memory, { now: NOW, revision: 8 })).toEqual([{ type: 'fact', item: old, archivedAt: NOW.toISOString(), revision: 8 }]);
  });

  it('a merge past the history and decision caps archives the oldest history and decisions in their last state', () => {
    const rome = fact('f_rome', 'Lived in Rome', { status: 'retracted', validTo: '2026-02-01T00:00:00.000Z' });
    const paris = fact('f_paris', 'Lived in Paris', { status: 'superseded', validTo: '2026-05-01T00:00:00.000Z', supersededBy: 'f_live' });
    const db = decision('d_db', 'Database', 'Postgres');
    const before = memoryWith([rome, paris, fact('f_live', 'Lives in Porto')], [db]);
    const merged = mergeMemory(before, { ...ops, decisions: [{ topic: 'Editor', decision: 'Vim', quote: 'vim' }] }, { sessionId: 's2', now: NOW, caps: { historyFacts: 1, decisions: 1 } });
    expect(archivedBy(before, merged.memory, { now: NOW, revision: 8 }).map((a) => a.item)).toEqual([rome, db]);
  });

  it('an invalid clock is refused', () => {
    expect(() => archivedBy(memoryWith([]), memoryWith([]), { now: new Date('nope'), revision: 1 })).toThrow(RangeError);
  });
});
