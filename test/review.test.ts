// chat --review: only what the user accepts is written.
import { describe, expect, it } from 'vitest';
import { mergeMemory } from '../src/core/merge.js';
import { acceptedOps, reviewItems } from '../src/core/review.js';
import { emptyMemory, memorySchema, type MergeOps } from '../src/core/schema.js';

const now = new Date('2026-11-20T10:00:00Z');
const base = mergeMemory(
  emptyMemory('alice', now),
  { add: [{ text: 'Lives in Lisbon', kind: 'fact', confidence: 'high', quote: 'I live in Lisbon' }], update: [], supersede: [], retract: [], decisions: [] },
  { sessionId: 's1', now },
).memory;
const lisbon = base.facts[0];

const ops: MergeOps = {
  summary: 'Alice moved to Porto.',
  add: [{ text: 'Prefers metric units', kind: 'preference', confidence: 'high', quote: 'metric please' }],
  update: [],
  supersede: [{ id: lisbon.id, text: 'Lives in Porto', kind: 'fact', confidence: 'high', quote: 'I moved to Porto' }],
  retract: [],
  decisions: [{ topic: 'editor', decision: 'Use Helix', quote: 'I will use Helix' }],
};

describe('review', () => {
  it('lists each proposed change in words, with what it replaces', () => {
    expect(reviewItems(base, ops).map((i) => i.text)).toEqual([
      '+ Prefers metric units',
      '~ Lives in Porto (was: Lives in Lisbon)',
      '+ decided: editor: Use Helix',
      '~ summary: Alice moved to Porto.',
    ]);
  });

  it('writes only accepted changes; a rejected supersede keeps the old fact active', () => {
    const items = reviewItems(base, ops);
    const kept = acceptedOps(ops, items, [true, false, true, false]);
    const merged = mergeMemory(base, kept, { sessionId: 's2', now }).memory;
    const active = merged.facts.filter((f) => f.status === 'active').map((f) => f.text);
    expect(active).toContain('Lives in Lisbon');
    expect(active).toContain('Prefers metric units');
    expect(active).not.toContain('Lives in Porto');
    expect(merged.decisions.map((d) => d.decision)).toEqual(['Use Helix']);
    expect(merged.summary).toBe(base.summary);
    expect(memorySchema.safeParse(merged).success).toBe(true);
  });

  it('a missing answer is a rejection', () => {
    const items = reviewItems(base, ops);
    expect(acceptedOps(ops, items, [])).toEqual({ add: [], update: [], supersede: [], retract: [], decisions: [] });
  });
});
