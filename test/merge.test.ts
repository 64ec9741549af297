import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MERGE_CAPS,
  MAX_ACTIVE_FACTS,
  MAX_DECISIONS,
  MAX_HISTORY_FACTS,
  MAX_PINNED_FACTS,
  mergeMemory,
} from '../src/core/merge.js';
import { describeChange } from '../src/core/describe-changes.js';
import { renderMemoryBlock } from '../src/core/render.js';
import { emptyMemory, memorySchema, type Fact, type Memory, type MergeOps } from '../src/core/schema.js';
import { makeFact } from './helpers/memory.js';

const EARLIER = new Date('2026-01-10T09:00:00.000Z');
const NOW = new Date('2026-11-19T15:00:00.000Z');
const T = NOW.toISOString();
const SESSION = 's_2026_11_19';

function ops(partial: Partial<MergeOps>): MergeOps {
  return { add: [], update: [], supersede: [], retract: [], decisions: [], ...partial };
}

const fact = (id: string, text: string, extra: Partial<Fact> = {}): Fact =>
  makeFact(id, text, EARLIER.toISOString(), extra, { confidence: 'medium', session: 's_old' });

function memoryWith(facts: Fact[], extra: Partial<Memory> = {}): Memory {
  return { ...emptyMemory('alice', EARLIER), revision: 4, sessionCount: 3, facts, ...extra };
}

function merge(memory: Memory, o: Partial<MergeOps>, caps?: Parameters<typeof mergeMemory>[2]['caps']) {
  const result = mergeMemory(memory, ops(o), { sessionId: SESSION, now: NOW, caps });
  expect(memorySchema.safeParse(result.memory).success).toBe(true);
  return result;
}

const active = (m: Memory) => m.facts.filter((f) => f.status === 'active');

describe('mergeMemory: add', () => {
  it('adds a new active fact with a fresh id, times and source', () => {
    const { memory, changes, warnings } = merge(memoryWith([]), {
      add: [{ text: 'Prefers metric units', kind: 'preference', confidence: 'high', quote: 'I prefer metric units' }],
    });
    expect(memory.facts).toHaveLength(1);
    const f = memory.facts[0];
    expect(f.id).toMatch(/^f_[0-9a-z]{10}$/);
    expect(f).toMatchObject({
      text: 'Prefers metric units',
      kind: 'preference',
      confidence: 'high',
      status: 'active',
      pinned: false,
      createdAt: T,
      updatedAt: T,
      validFrom: T,
      source: { session: SESSION, at: T, quote: 'I prefer metric units' },
    });
    expect(changes).toEqual([{ type: 'add', id: f.id, text: 'Prefers metric units' }]);
    expect(warnings).toEqual([]);
  });

  it.each([
    ['the same text after normalization', 'prefers metric units!'],
    ['a near-duplicate', 'User prefers the metric units'],
  ])('refreshes instead of adding %s', (_name, text) => {
    const before = memoryWith([fact('f_units', 'Prefers metric units', { confidence: 'low' })]);
    const { memory, changes } = merge(before, { add: [{ text, kind: 'preference', confidence: 'high', quote: 'metric please' }] });
    expect(memory.facts).toHaveLength(1);
    expect(memory.facts[0]).toMatchObject({
      id: 'f_units',
      text: 'Prefers metric units',
      updatedAt: T,
      confidence: 'high',
      source: { session: SESSION, at: T, quote: 'metric please' },
    });
    expect(changes).toEqual([{ type: 'refresh', id: 'f_units', text: 'Prefers metric units' }]);
  });

  it('stores "I prefer spaces over tabs." after "I prefer tabs over spaces." as a new fact, not as already known', () => {
    const before = memoryWith([fact('f_tabs', 'I prefer tabs over spaces.', { kind: 'preference' })]);
    const { memory, changes } = merge(before, {
      add: [{ text: 'I prefer spaces over tabs.', kind: 'preference', confidence: 'high', quote: 'I prefer spaces over tabs.' }],
    });
    expect(changes).toEqual([{ type: 'add', id: expect.any(String), text: 'I prefer spaces over tabs.' }]);
    expect(memory.facts.map((f) => [f.text, f.status])).toEqual([
      ['I prefer tabs over spaces.', 'active'],
      ['I prefer spaces over tabs.', 'active'],
    ]);
    expect(memory.facts[0]).toEqual(before.facts[0]);
  });

  it('does not absorb a fact with subject and object swapped into the existing one', () => {
    const before = memoryWith([fact('f_car', 'Caroline values her friendship with Melanie')]);
    const { memory, changes } = merge(before, {
      add: [{ text: 'Melanie values her friendship with Caroline', kind: 'fact', confidence: 'high', quote: 'Melanie values her friendship with Caroline' }],
    });
    expect(changes.map((c) => c.type)).toEqual(['add']);
    expect(memory.facts.filter((f) => f.status === 'active').map((f) => f.text)).toEqual([
      'Caroline values her friendship with Melanie',
      'Melanie values her friendship with Caroline',
    ]);
  });

  it('reports every absorbed item: a proposed fact restating one added in the same session shows as already known', () => {
    const proposed = ['Prefers metric units', 'User prefers the metric units', 'Owns a cat named Miso'];
    const { memory, changes } = merge(memoryWith([]), {
      add: proposed.map((text) => ({ text, kind: 'preference' as const, confidence: 'high' as const, quote: text })),
    });
    expect(memory.facts.map((f) => f.text)).toEqual(['Prefers metric units', 'Owns a cat named Miso']);
    const lines = changes.map((c) => describeChange(c).text);
    expect(lines).toEqual(['+ Prefers metric units', '= already known: Prefers metric units', '+ Owns a cat named Miso']);
    expect(lines).toHaveLength(proposed.length);
  });

  it('does not collapse a contradiction into a refresh', () => {
    const { memory } = merge(memoryWith([fact('f_porto', 'Lives in Porto')]), {
      add: [{ text: 'Lives in Lisbon', kind: 'fact', confidence: 'high', quote: 'I live in Lisbon' }],
    });
    expect(active(memory).map((f) => f.text)).toEqual(['Lives in Porto', 'Lives in Lisbon']);
  });

  it('does not refresh a fact that is no longer active: it adds the fact anew', () => {
    const { memory, changes } = merge(memoryWith([fact('f_old', 'Lives in Porto', { status: 'retracted', validTo: T })]), {
      add: [{ text: 'Lives in Porto', kind: 'fact', confidence: 'high', quote: 'back in Porto' }],
    });
    expect(active(memory)).toHaveLength(1);
    expect(active(memory)[0].id).not.toBe('f_old');
    expect(changes[0].type).toBe('add');
  });

  it('adds two identical adds of one batch once', () => {
    const add = { text: 'Has a cat', kind: 'fact' as const, confidence: 'high' as const, quote: 'my cat' };
    const { memory, changes } = merge(memoryWith([]), { add: [add, add] });
    expect(memory.facts).toHaveLength(1);
    expect(changes.map((c) => c.type)).toEqual(['add']);
  });

  it('keeps a pin requested by the op, and refuses pins beyond the pin cap', () => {
    const pinned = Array.from({ length: MAX_PINNED_FACTS }, (_, i) => fact(`f_p${i}`, `pinned thing ${i}`, { pinned: true }));
    const one = merge(memoryWith([]), { add: [{ text: 'Call me Al', kind: 'preference', confidence: 'high', quote: 'Al', pinned: true }] });
    expect(one.memory.facts[0].pinned).toBe(true);

    const full = merge(memoryWith(pinned), {
      add: [{ text: 'Call me Al', kind: 'preference', confidence: 'high', quote: 'Al', pinned: true }],
    });
    expect(full.memory.facts.find((f) => f.text === 'Call me Al')?.pinned).toBe(false);
    expect(full.warnings).toEqual([expect.stringContaining(`${MAX_PINNED_FACTS} pinned`)]);
  });
});

describe('mergeMemory: update, supersede, retract', () => {
  it('updates a fact in place and reports what it was', () => {
    const { memory, changes } = merge(memoryWith([fact('f_job', 'Works at Acme')]), {
      update: [{ id: 'f_job', text: 'Works at Acme as a data engineer', quote: 'data engineer at Acme' }],
    });
    expect(memory.facts).toEqual([
      {
        ...fact('f_job', 'Works at Acme'),
        text: 'Works at Acme as a data engineer',
        updatedAt: T,
        source: { session: SESSION, at: T, quote: 'data engineer at Acme' },
      },
    ]);
    expect(changes).toEqual([{ type: 'update', id: 'f_job', text: 'Works at Acme as a data engineer', was: 'Works at Acme' }]);
  });

  it('supersedes a contradicted fact: both stay in the file, only the new one is active and shown', () => {
    const before = memoryWith([fact('f_food', 'Loves Chinese food', { kind: 'preference' })]);
    const { memory, changes } = merge(before, {
      supersede: [{ id: 'f_food', text: 'Hates Chinese food', kind: 'preference', confidence: 'high', quote: 'I hate Chinese food' }],
    });
    expect(memory.facts).toHaveLength(2);
    const [old, next] = memory.facts;
    expect(old).toMatchObject({ id: 'f_food', text: 'Loves Chinese food', status: 'superseded', validTo: T, supersededBy: next.id });
    expect(next).toMatchObject({ text: 'Hates Chinese food', status: 'active', validFrom: T, kind: 'preference' });
    expect(active(memory)).toEqual([next]);
    expect(changes).toEqual([{ type: 'supersede', id: next.id, text: 'Hates Chinese food', was: 'Loves Chinese food', oldId: 'f_food' }]);

    const block = renderMemoryBlock(memory, { now: NOW }).text;
    expect(block).toContain('Hates Chinese food');
    expect(block).not.toContain('Loves Chinese food');
  });

  it('supersedes a pinned fact too, moving the pin to the new fact', () => {
    const { memory } = merge(memoryWith([fact('f_home', 'Lives in Porto', { pinned: true })]), {
      supersede: [{ id: 'f_home', text: 'Lives in Lisbon', kind: 'fact', confidence: 'high', quote: 'moved to Lisbon' }],
    });
    expect(memory.facts[0]).toMatchObject({ status: 'superseded', pinned: true });
    expect(active(memory)).toEqual([expect.objectContaining({ text: 'Lives in Lisbon', pinned: true })]);
  });

  it('points a superseded fact at an existing active fact that already says the new thing', () => {
    const before = memoryWith([fact('f_tea', 'Likes tea'), fact('f_coffee', 'Prefers coffee')]);
    const { memory } = merge(before, {
      supersede: [{ id: 'f_tea', text: 'prefers coffee', kind: 'preference', confidence: 'high', quote: 'coffee now' }],
    });
    expect(memory.facts).toHaveLength(2);
    expect(memory.facts[0]).toMatchObject({ status: 'superseded', supersededBy: 'f_coffee' });
    expect(active(memory).map((f) => f.id)).toEqual(['f_coffee']);
  });

  it('turns an update into what another fact already says into a supersede by that fact', () => {
    const { memory, changes } = merge(memoryWith([fact('f_pet', 'Has a pet'), fact('f_cat', 'Has a cat')]), {
      update: [{ id: 'f_pet', text: 'has a cat', quote: 'my pet is a cat' }],
    });
    expect(memory.facts[0]).toMatchObject({ id: 'f_pet', text: 'Has a pet', status: 'superseded', supersededBy: 'f_cat' });
    expect(active(memory).map((f) => f.id)).toEqual(['f_cat']);
    expect(changes).toEqual([{ type: 'supersede', id: 'f_cat', text: 'Has a cat', was: 'Has a pet', oldId: 'f_pet' }]);
  });

  it('retracts a fact without deleting it', () => {
    const { memory, changes } = merge(memoryWith([fact('f_cat', 'Has a cat')]), { retract: [{ id: 'f_cat', quote: 'no cat anymore' }] });
    expect(memory.facts).toEqual([{ ...fact('f_cat', 'Has a cat'), status: 'retracted', validTo: T, updatedAt: T }]);
    expect(changes).toEqual([{ type: 'retract', id: 'f_cat', text: 'Has a cat' }]);
  });

  const history = fact('f_gone', 'Lives in Porto', { status: 'superseded', validTo: T, supersededBy: 'f_home' });
  it.each<[string, Partial<MergeOps>, string]>([
    ['update of an unknown id', { update: [{ id: 'f_nope', text: 'x', quote: 'x' }] }, 'update: no fact f_nope'],
    ['update of a superseded fact', { update: [{ id: 'f_gone', text: 'x', quote: 'x' }] }, 'update: fact f_gone is already superseded'],
    [
      'supersede of an unknown id',
      { supersede: [{ id: 'f_nope', text: 'x', kind: 'fact', confidence: 'low', quote: 'x' }] },
      'supersede: no fact f_nope',
    ],
    [
      'supersede of a superseded fact',
      { supersede: [{ id: 'f_gone', text: 'x', kind: 'fact', confidence: 'low', quote: 'x' }] },
      'supersede: fact f_gone is already superseded',
    ],
    ['retract of an unknown id', { retract: [{ id: 'f_nope', quote: 'x' }] }, 'retract: no fact f_nope'],
    ['retract of a superseded fact', { retract: [{ id: 'f_gone', quote: 'x' }] }, 'retract: fact f_gone is already superseded'],
  ])('%s warns and changes nothing', (_name, o, warning) => {
    const before = memoryWith([history, fact('f_home', 'Lives in Lisbon'), fact('f_cat', 'Has a cat')]);
    const { memory, changes, warnings } = merge(before, o);
    expect(memory.facts).toEqual(before.facts);
    expect(changes).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining(warning)]);
  });
});

describe('mergeMemory: decisions and summary', () => {
  it('appends a decision dated now', () => {
    const { memory, changes } = merge(memoryWith([]), { decisions: [{ topic: 'Database', decision: 'Postgres', quote: 'use Postgres' }] });
    expect(memory.decisions).toEqual([
      { id: expect.stringMatching(/^d_[0-9a-z]{10}$/), topic: 'Database', decision: 'Postgres', date: T, source: { session: SESSION, at: T, quote: 'use Postgres' } },
    ]);
    expect(changes).toEqual([{ type: 'decision', id: memory.decisions[0].id, text: 'Database: Postgres' }]);
  });

  it('replaces a decision on the same topic (newest wins) and ignores an exact repeat', () => {
    const first = merge(memoryWith([]), { decisions: [{ topic: 'Database', decision: 'Postgres', quote: 'use Postgres' }] }).memory;
    const replaced = merge(first, { decisions: [{ topic: 'database.', decision: 'SQLite', quote: 'SQLite after all' }] });
    expect(replaced.memory.decisions.map((d) => d.decision)).toEqual(['SQLite']);
    const repeat = merge(replaced.memory, { decisions: [{ topic: 'Database', decision: 'sqlite', quote: 'SQLite' }] });
    expect(repeat.memory.decisions).toEqual(replaced.memory.decisions);
    expect(repeat.changes).toEqual([]);
  });

  it('replaces the summary when given, clipped to 4,000 chars, and keeps it when not', () => {
    const m = memoryWith([], { summary: 'Old summary.' });
    expect(merge(m, {}).memory.summary).toBe('Old summary.');
    const { memory, changes } = merge(m, { summary: 'x'.repeat(5000) });
    expect(memory.summary).toHaveLength(4000);
    expect(changes).toEqual([{ type: 'summary', text: memory.summary }]);
  });
});

describe('mergeMemory: caps', () => {
  it('never exceeds the active cap, moving low confidence then oldest out of the file, still active (archived); pinned survive', () => {
    const facts = Array.from({ length: MAX_ACTIVE_FACTS }, (_, i) =>
      fact(`f_${String(i).padStart(2, '0')}`, `known thing ${i}`, {
        confidence: i < 2 ? 'low' : 'high',
        pinned: i === 0,
        updatedAt: new Date(EARLIER.getTime() + i * 1000).toISOString(),
      }),
    );
    const add = Array.from({ length: 3 }, (_, i) => ({ text: `new thing ${i}`, kind: 'fact' as const, confidence: 'high' as const, quote: 'q' }));
    const { memory, changes } = merge(memoryWith(facts), { add });
    expect(active(memory)).toHaveLength(MAX_ACTIVE_FACTS);
    // f_00 is low but pinned; f_01 is the other low one; then among the highs the oldest go
    // (f_02, f_03), not the three just learned.
    const evicted = changes.filter((c) => c.type === 'evict').map((c) => c.id);
    expect(evicted).toEqual(['f_01', 'f_02', 'f_03']);
    expect(memory.facts.find((f) => f.id === 'f_00')?.status).toBe('active');
    // Evicted facts leave the file as they were (the store archives them, still true): no retracted copy stays.
    for (const id of evicted) expect(memory.facts.find((f) => f.id === id)).toBeUndefined();
    expect(memory.facts).toHaveLength(MAX_ACTIVE_FACTS);
  });

  it('does not push out a confident fact for a less confident new one, and says so', () => {
    const facts = Array.from({ length: MAX_ACTIVE_FACTS }, (_, i) => fact(`f_${i}`, `known thing ${i}`, { confidence: 'high' }));
    const { memory, changes, warnings } = merge(memoryWith(facts), {
      add: [{ text: 'Might like jazz', kind: 'preference', confidence: 'low', quote: 'jazz maybe' }],
    });
    expect(memory.facts).toEqual(facts);
    expect(changes).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining('"Might like jazz" ranks lowest and was not stored')]);
  });

  it('makes room for a pinned fact even when it ranks lowest', () => {
    const facts = Array.from({ length: MAX_ACTIVE_FACTS }, (_, i) => fact(`f_${i}`, `known thing ${i}`, { confidence: 'high' }));
    const { memory, changes } = merge(memoryWith(facts), {
      add: [{ text: 'Call me Al', kind: 'preference', confidence: 'low', quote: 'call me Al', pinned: true }],
    });
    expect(active(memory)).toHaveLength(MAX_ACTIVE_FACTS);
    expect(active(memory).at(-1)).toMatchObject({ text: 'Call me Al', pinned: true });
    expect(changes.map((c) => c.type)).toEqual(['evict', 'add']);
  });

  it('keeps pinned facts even when they alone exceed the cap, and says so', () => {
    const facts = Array.from({ length: 5 }, (_, i) => fact(`f_${i}`, `pinned thing ${i}`, { pinned: true }));
    const { memory, warnings } = merge(memoryWith(facts), { add: [{ text: 'Likes jazz', kind: 'preference', confidence: 'high', quote: 'jazz' }] }, {
      activeFacts: 3,
    });
    expect(active(memory).map((f) => f.id)).toEqual(facts.map((f) => f.id));
    expect(warnings).toEqual([
      expect.stringContaining('memory is full of pinned facts'),
      expect.stringContaining('5 pinned facts exceed the cap of 3'),
    ]);
  });

  it('moves the oldest history beyond the history cap out of the file, and says so', () => {
    const old = Array.from({ length: MAX_HISTORY_FACTS }, (_, i) =>
      fact(`f_h${i}`, `old ${i}`, { status: 'retracted', validTo: new Date(EARLIER.getTime() + i * 1000).toISOString() }),
    );
    const { memory, warnings } = merge(memoryWith([...old, fact('f_live', 'Has a cat')]), { retract: [{ id: 'f_live', quote: 'no cat' }] });
    const historyIds = memory.facts.filter((f) => f.status !== 'active').map((f) => f.id);
    expect(historyIds).toHaveLength(MAX_HISTORY_FACTS);
    expect(historyIds).not.toContain('f_h0');
    expect(historyIds).toContain('f_live');
    expect(warnings).toEqual(['moved 1 oldest superseded/retracted facts to archival memory (cap 200)']);
  });

  it('moves the oldest decisions beyond the decision cap out of the file', () => {
    const decisions = Array.from({ length: MAX_DECISIONS }, (_, i) => ({
      id: `d_${i}`,
      topic: `topic ${i}`,
      decision: 'yes',
      date: new Date(EARLIER.getTime() + i * 1000).toISOString(),
      source: { session: 's_old', at: EARLIER.toISOString(), quote: 'yes' },
    }));
    const { memory } = merge(memoryWith([], { decisions }), { decisions: [{ topic: 'new topic', decision: 'no', quote: 'no' }] });
    expect(memory.decisions).toHaveLength(MAX_DECISIONS);
    expect(memory.decisions.map((d) => d.id)).not.toContain('d_0');
    expect(memory.decisions.at(-1)?.topic).toBe('new topic');
  });

  it('has defaults matching the exported constants', () => {
    expect(DEFAULT_MERGE_CAPS).toEqual({ activeFacts: 60, pinnedFacts: 30, historyFacts: 200, decisions: 20 });
  });
});

describe('mergeMemory: contract', () => {
  it('never mutates its input, sets updatedAt and leaves revision and sessionCount alone', () => {
    const before = memoryWith([fact('f_cat', 'Has a cat'), fact('f_job', 'Works at Acme')]);
    const snapshot = structuredClone(before);
    const { memory } = merge(before, {
      add: [{ text: 'Likes jazz', kind: 'preference', confidence: 'low', quote: 'jazz' }],
      update: [{ id: 'f_job', text: 'Works at Acme in Porto', quote: 'Porto' }],
      retract: [{ id: 'f_cat', quote: 'no cat' }],
      summary: 'New.',
    });
    expect(before).toEqual(snapshot);
    expect(memory).toMatchObject({ revision: 4, sessionCount: 3, updatedAt: T, createdAt: EARLIER.toISOString() });
  });

  it('is idempotent on replay: the second run changes no active fact', () => {
    const o = {
      add: [{ text: 'Likes jazz', kind: 'preference' as const, confidence: 'low' as const, quote: 'jazz' }],
      supersede: [{ id: 'f_home', text: 'Lives in Lisbon', kind: 'fact' as const, confidence: 'high' as const, quote: 'Lisbon' }],
      update: [{ id: 'f_job', text: 'Works at Acme in Porto', quote: 'Porto' }],
      retract: [{ id: 'f_cat', quote: 'no cat' }],
      decisions: [{ topic: 'editor', decision: 'vim', quote: 'vim' }],
    };
    const before = memoryWith([fact('f_cat', 'Has a cat'), fact('f_job', 'Works at Acme'), fact('f_home', 'Lives in Porto')]);
    const once = merge(before, o);
    const twice = merge(once.memory, o);
    expect(active(twice.memory)).toEqual(active(once.memory));
    expect(twice.memory.decisions).toEqual(once.memory.decisions);
    expect(twice.changes.every((c) => c.type === 'refresh')).toBe(true);
    expect(twice.warnings).toHaveLength(2); // the supersede and the retract target non-active facts now
  });

  it('uses an injected id factory and refuses ids that are taken or malformed', () => {
    const add = ops({ add: [{ text: 'Likes jazz', kind: 'preference', confidence: 'low', quote: 'jazz' }] });
    const m = memoryWith([fact('f_cat', 'Has a cat')]);
    expect(mergeMemory(m, add, { sessionId: SESSION, now: NOW, newId: () => 'f_jazz' }).memory.facts[1].id).toBe('f_jazz');
    expect(() => mergeMemory(m, add, { sessionId: SESSION, now: NOW, newId: () => 'f_cat' })).toThrow(/already in use/);
    expect(() => mergeMemory(m, add, { sessionId: SESSION, now: NOW, newId: () => 'not an id' })).toThrow(/malformed/);
  });

  it('generates unique ids for many facts in one session', () => {
    const add = Array.from({ length: 50 }, (_, i) => ({ text: `thing number ${i}`, kind: 'fact' as const, confidence: 'high' as const, quote: 'q' }));
    const { memory } = merge(memoryWith([]), { add });
    expect(new Set(memory.facts.map((f) => f.id)).size).toBe(50);
  });

  it('rejects an invalid clock or session id', () => {
    expect(() => mergeMemory(memoryWith([]), ops({}), { sessionId: SESSION, now: new Date(Number.NaN) })).toThrow(RangeError);
    expect(() => mergeMemory(memoryWith([]), ops({}), { sessionId: '', now: NOW })).toThrow(RangeError);
  });

  it('clips over-long texts to the schema and ignores empty ones', () => {
    const { memory, warnings } = merge(memoryWith([]), {
      add: [
        { text: 'y'.repeat(600), kind: 'fact', confidence: 'low', quote: 'q'.repeat(600) },
        { text: '   ', kind: 'fact', confidence: 'low', quote: 'q' },
      ],
    });
    expect(memory.facts).toHaveLength(1);
    expect(memory.facts[0].text).toHaveLength(500);
    expect(warnings).toEqual(['add: empty text; ignored']);
  });
});
