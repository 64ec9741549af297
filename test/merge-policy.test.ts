// The merge policy's decisions that a user would notice, each pinned by what the user sees: the
// facts and decisions left active, the pins, and the diff lines printed at exit (issue 17: each
// test here fails for a mutant of merge.ts that the older tests let through).
import { describe, expect, it } from 'vitest';
import { mergeMemory } from '../src/core/merge.js';
import { emptyMemory, memorySchema, type Decision, type Fact, type Memory, type MergeOps } from '../src/core/schema.js';
import { makeFact } from './helpers/memory.js';

const EARLIER = new Date('2026-01-10T09:00:00.000Z');
const NOW = new Date('2026-11-19T15:00:00.000Z');
const T = NOW.toISOString();
const SESSION = 's_2026_11_19';

const fact = (id: string, text: string, extra: Partial<Fact> = {}): Fact =>
  makeFact(id, text, EARLIER.toISOString(), extra, { confidence: 'medium', session: 's_old' });
const decision = (id: string, topic: string, text: string, date = EARLIER.toISOString()): Decision => ({
  id,
  topic,
  decision: text,
  date,
  source: { session: 's_old', at: date, quote: text },
});
const memoryWith = (facts: Fact[], extra: Partial<Memory> = {}): Memory => ({
  ...emptyMemory('alice', EARLIER),
  revision: 4,
  sessionCount: 3,
  facts,
  ...extra,
});
const active = (m: Memory) => m.facts.filter((f) => f.status === 'active');

function merge(memory: Memory, o: Partial<MergeOps>, caps?: Parameters<typeof mergeMemory>[2]['caps']) {
  const result = mergeMemory(memory, { add: [], update: [], supersede: [], retract: [], decisions: [], ...o }, { sessionId: SESSION, now: NOW, caps });
  expect(memorySchema.safeParse(result.memory).success).toBe(true);
  return result;
}

describe('merge: decisions', () => {
  it('a decision on a new topic is added next to the decision on another topic, which stays', () => {
    const before = memoryWith([], { decisions: [decision('d_db', 'Database', 'Postgres')] });
    const { memory, changes } = merge(before, { decisions: [{ topic: 'Editor', decision: 'Neovim', quote: 'use neovim' }] });
    expect(memory.decisions.map((d) => [d.topic, d.decision])).toEqual([
      ['Database', 'Postgres'],
      ['Editor', 'Neovim'],
    ]);
    expect(memory.decisions[0]).toEqual(before.decisions[0]);
    expect(changes).toEqual([{ type: 'decision', id: memory.decisions[1].id, text: 'Editor: Neovim' }]);
  });

  it('a new decision on a topic replaces only that topic and is reported, dated now', () => {
    const before = memoryWith([], { decisions: [decision('d_db', 'Database', 'Postgres'), decision('d_ed', 'Editor', 'Vim')] });
    const { memory, changes } = merge(before, { decisions: [{ topic: ' editor ', decision: ' Neovim ', quote: 'neovim now' }] });
    expect(memory.decisions.map((d) => [d.topic, d.decision, d.date])).toEqual([
      ['Database', 'Postgres', EARLIER.toISOString()],
      ['editor', 'Neovim', T],
    ]);
    expect(changes).toEqual([{ type: 'decision', id: memory.decisions[1].id, text: 'editor: Neovim' }]);
  });

  it('the same decision again on a topic changes nothing, but a different one on a topic with the same words in it does', () => {
    const before = memoryWith([], { decisions: [decision('d_db', 'Database', 'Postgres')] });
    expect(merge(before, { decisions: [{ topic: 'database', decision: 'postgres!', quote: 'x' }] }).changes).toEqual([]);
    const other = merge(before, { decisions: [{ topic: 'Database', decision: 'Postgres 16', quote: 'x' }] });
    expect(other.memory.decisions.map((d) => d.decision)).toEqual(['Postgres 16']);
  });

  it('a decision with an empty topic or text is ignored with a warning, and the rest of the batch applies', () => {
    const { memory, warnings } = merge(memoryWith([]), {
      decisions: [
        { topic: '  ', decision: 'Postgres', quote: 'x' },
        { topic: 'Database', decision: ' ', quote: 'x' },
        { topic: 'Editor', decision: 'Vim', quote: 'x' },
      ],
    });
    expect(memory.decisions.map((d) => d.topic)).toEqual(['Editor']);
    expect(warnings).toEqual(['decision: empty topic or decision; ignored', 'decision: empty topic or decision; ignored']);
  });
});

describe('merge: retract', () => {
  it('"forget that": a retract op takes the fact out of the active memory and reports it, the rest stays', () => {
    const before = memoryWith([fact('f_cat', 'Has a cat'), fact('f_tea', 'Likes tea')]);
    const { memory, changes, warnings } = merge(before, { retract: [{ id: 'f_cat', quote: 'forget that I have a cat' }] });
    expect(active(memory).map((f) => f.id)).toEqual(['f_tea']);
    expect(memory.facts[0]).toMatchObject({ id: 'f_cat', status: 'retracted', validTo: T });
    expect(changes).toEqual([{ type: 'retract', id: 'f_cat', text: 'Has a cat' }]);
    expect(warnings).toEqual([]);
  });

  it('a second op on a fact this merge already retracted is ignored with a warning', () => {
    const before = memoryWith([fact('f_cat', 'Has a cat')]);
    const { memory, changes, warnings } = merge(before, {
      retract: [{ id: 'f_cat', quote: 'no cat' }, { id: 'f_cat', quote: 'no cat' }],
      update: [{ id: 'f_cat', text: 'Has two cats', quote: 'two cats' }],
    });
    expect(memory.facts).toHaveLength(1);
    expect(changes).toEqual([{ type: 'retract', id: 'f_cat', text: 'Has a cat' }]);
    expect(warnings).toEqual(['retract: fact f_cat is already retracted; ignored', 'update: fact f_cat is already retracted; ignored']);
  });

  it('a supersede and an update of one fact: the supersede wins, the update is ignored with a warning', () => {
    const before = memoryWith([fact('f_home', 'Lives in Porto')]);
    const { memory, warnings } = merge(before, {
      supersede: [{ id: 'f_home', text: 'Lives in Lisbon', kind: 'fact', confidence: 'high', quote: 'moved' }],
      update: [{ id: 'f_home', text: 'Lives in Porto, Portugal', quote: 'x' }],
    });
    expect(active(memory).map((f) => f.text)).toEqual(['Lives in Lisbon']);
    expect(warnings).toEqual(['update: fact f_home is already superseded; ignored']);
  });

  it('two updates of one fact: the first applies, the second is ignored as already changed', () => {
    const before = memoryWith([fact('f_job', 'Works at Acme')]);
    const { memory, warnings } = merge(before, {
      update: [
        { id: 'f_job', text: 'Works at Acme as an engineer', quote: 'x' },
        { id: 'f_job', text: 'Works at Acme in Berlin', quote: 'y' },
      ],
    });
    expect(active(memory).map((f) => f.text)).toEqual(['Works at Acme as an engineer']);
    expect(warnings).toEqual(['update: fact f_job is already changed by another op; ignored']);
  });
});

describe('merge: supersede', () => {
  it('a pinned fact superseded by text another fact already says moves its pin to that fact', () => {
    const before = memoryWith([fact('f_home', 'Lives in Porto', { pinned: true }), fact('f_lx', 'Lives in Lisbon')]);
    const { memory, changes } = merge(before, {
      supersede: [{ id: 'f_home', text: 'lives in Lisbon', kind: 'fact', confidence: 'high', quote: 'I moved to Lisbon' }],
    });
    expect(memory.facts).toHaveLength(2);
    expect(active(memory)).toEqual([expect.objectContaining({ id: 'f_lx', text: 'Lives in Lisbon', pinned: true, updatedAt: T })]);
    expect(memory.facts[1].source).toEqual({ session: SESSION, at: T, quote: 'I moved to Lisbon' });
    expect(memory.facts[0]).toMatchObject({ id: 'f_home', status: 'superseded', supersededBy: 'f_lx' });
    expect(changes).toEqual([{ type: 'supersede', id: 'f_lx', text: 'Lives in Lisbon', was: 'Lives in Porto', oldId: 'f_home' }]);
  });

  it('a supersede whose text says the same as the fact is a refresh: no new fact, no "X → X" line', () => {
    const before = memoryWith([fact('f_home', 'Lives in Porto', { pinned: true })]);
    const { memory, changes } = merge(before, {
      supersede: [{ id: 'f_home', text: ' lives in porto. ', kind: 'fact', confidence: 'high', quote: 'still in Porto' }],
    });
    expect(memory.facts).toEqual([
      { ...before.facts[0], updatedAt: T, source: { session: SESSION, at: T, quote: 'still in Porto' } },
    ]);
    expect(changes).toEqual([{ type: 'refresh', id: 'f_home', text: 'Lives in Porto' }]);
  });

  it('an update whose text says the same as the fact is a refresh, not an update', () => {
    const before = memoryWith([fact('f_job', 'Works at Acme')]);
    const { memory, changes } = merge(before, { update: [{ id: 'f_job', text: 'works at ACME', quote: 'at Acme still' }] });
    expect(memory.facts).toEqual([{ ...before.facts[0], updatedAt: T, source: { session: SESSION, at: T, quote: 'at Acme still' } }]);
    expect(changes).toEqual([{ type: 'refresh', id: 'f_job', text: 'Works at Acme' }]);
  });

  it('a supersede with a near-duplicate of another fact points at that fact rather than adding a second copy', () => {
    const before = memoryWith([fact('f_tea', 'Likes tea'), fact('f_units', 'Prefers metric units')]);
    const { memory } = merge(before, {
      supersede: [{ id: 'f_tea', text: 'User prefers the metric units', kind: 'preference', confidence: 'high', quote: 'x' }],
    });
    expect(memory.facts).toHaveLength(2);
    expect(memory.facts[0]).toMatchObject({ status: 'superseded', supersededBy: 'f_units' });
  });

  it('a supersede never points a fact at itself or at a fact that is not active', () => {
    const before = memoryWith([
      fact('f_gone', 'Lives in Lisbon', { status: 'retracted', validTo: EARLIER.toISOString() }),
      fact('f_home', 'Lives in Porto'),
    ]);
    const { memory } = merge(before, {
      supersede: [{ id: 'f_home', text: 'Lives in Lisbon', kind: 'fact', confidence: 'high', quote: 'moved' }],
    });
    const successor = active(memory);
    expect(successor).toEqual([expect.objectContaining({ text: 'Lives in Lisbon', status: 'active' })]);
    expect(successor[0].id).not.toBe('f_gone');
    expect(memory.facts.find((f) => f.id === 'f_home')).toMatchObject({ supersededBy: successor[0].id });
  });

  it('an empty supersede or update text is ignored with a warning and the fact stays as it was', () => {
    const before = memoryWith([fact('f_home', 'Lives in Porto'), fact('f_job', 'Works at Acme')]);
    const { memory, changes, warnings } = merge(before, {
      supersede: [{ id: 'f_home', text: '   ', kind: 'fact', confidence: 'high', quote: 'x' }],
      update: [{ id: 'f_job', text: '', quote: 'x' }],
    });
    expect(memory.facts).toEqual(before.facts);
    expect(changes).toEqual([]);
    expect(warnings).toEqual(['supersede: empty text; ignored', 'update: empty text; ignored']);
  });
});

describe('merge: add', () => {
  it('an add that restates a fact is reported as already known even when asked in another wording, once per item', () => {
    const before = memoryWith([fact('f_units', 'Prefers metric units')]);
    const { memory, changes } = merge(before, {
      add: [
        { text: 'User prefers the metric units', kind: 'preference', confidence: 'low', quote: 'metric' },
        { text: 'Likes tea', kind: 'preference', confidence: 'high', quote: 'tea' },
        { text: 'likes tea!', kind: 'preference', confidence: 'high', quote: 'tea' },
        { text: 'User likes the tea', kind: 'preference', confidence: 'high', quote: 'tea' },
      ],
    });
    const tea = active(memory).find((f) => f.text === 'Likes tea')!;
    expect(active(memory)).toHaveLength(2);
    expect(memory.facts[0].confidence).toBe('medium');
    expect(changes).toEqual([
      { type: 'refresh', id: 'f_units', text: 'Prefers metric units' },
      { type: 'add', id: tea.id, text: 'Likes tea' },
      { type: 'refresh', id: tea.id, text: 'Likes tea' },
    ]);
  });

  it('a pinned add that restates a fact pins that fact, also at the pin cap when that fact is already pinned', () => {
    const before = memoryWith([fact('f_units', 'Prefers metric units'), fact('f_pin', 'Allergic to peanuts', { pinned: true })]);
    const pinned = merge(before, { add: [{ text: 'prefers metric units', kind: 'preference', confidence: 'high', quote: 'x', pinned: true }] }, { pinnedFacts: 2 });
    expect(pinned.memory.facts[0].pinned).toBe(true);
    expect(pinned.warnings).toEqual([]);
    const again = merge(pinned.memory, { add: [{ text: 'prefers metric units', kind: 'preference', confidence: 'high', quote: 'x', pinned: true }] }, { pinnedFacts: 2 });
    expect(again.warnings).toEqual([]);
    expect(again.memory.facts.map((f) => f.pinned)).toEqual([true, true]);
  });

  it('a pin beyond the pin cap is stored unpinned with a warning that names the fact', () => {
    const before = memoryWith([fact('f_pin', 'Allergic to peanuts', { pinned: true })]);
    const { memory, warnings } = merge(before, { add: [{ text: 'Vegetarian', kind: 'fact', confidence: 'high', quote: 'x', pinned: true }] }, { pinnedFacts: 1 });
    expect(active(memory).map((f) => [f.text, f.pinned])).toEqual([
      ['Allergic to peanuts', true],
      ['Vegetarian', false],
    ]);
    expect(warnings).toEqual(['add: already 1 pinned facts; "Vegetarian" kept unpinned']);
  });

  it('a pin under the pin cap is kept', () => {
    const before = memoryWith([fact('f_pin', 'Allergic to peanuts', { pinned: true })]);
    const { memory, warnings } = merge(before, { add: [{ text: 'Vegetarian', kind: 'fact', confidence: 'high', quote: 'x', pinned: true }] }, { pinnedFacts: 2 });
    expect(active(memory).map((f) => f.pinned)).toEqual([true, true]);
    expect(warnings).toEqual([]);
  });
});

describe('merge: one batch sees its own changes', () => {
  it('an add matching the text a fact was just updated to refreshes that fact instead of storing a copy', () => {
    // The update of f_tea compares against f_job as it was; f_job then changes; the add must
    // meet f_job's new text, not the one remembered from before.
    const before = memoryWith([fact('f_job', 'Works at Acme'), fact('f_tea', 'Likes tea')]);
    const { memory, changes } = merge(before, {
      update: [
        { id: 'f_tea', text: 'Likes green tea', quote: 'green tea' },
        { id: 'f_job', text: 'Works at Initech', quote: 'Initech now' },
      ],
      add: [{ text: 'works at Initech', kind: 'fact', confidence: 'high', quote: 'at Initech' }],
    });
    expect(active(memory).map((f) => f.text)).toEqual(['Works at Initech', 'Likes green tea']);
    expect(changes.at(-1)).toEqual({ type: 'refresh', id: 'f_job', text: 'Works at Initech' });
  });

  it('an update never counts the fact it rewrites as a copy of its own new text', () => {
    const before = memoryWith([fact('f_job', 'Works at Acme')]);
    const { memory, changes } = merge(before, { update: [{ id: 'f_job', text: 'Works at Acme as an engineer', quote: 'x' }] });
    expect(memory.facts).toHaveLength(1);
    expect(changes.map((c) => c.type)).toEqual(['update']);
  });

  it('an add similar to a fact retracted in the same batch is stored as a new fact', () => {
    const before = memoryWith([fact('f_cat', 'Has a cat')]);
    const { memory } = merge(before, {
      retract: [{ id: 'f_cat', quote: 'no' }],
      add: [{ text: 'Has a cat', kind: 'fact', confidence: 'high', quote: 'a new cat' }],
    });
    expect(active(memory)).toEqual([expect.objectContaining({ text: 'Has a cat', status: 'active' })]);
    expect(active(memory)[0].id).not.toBe('f_cat');
  });
});

describe('merge: caps at their edges', () => {
  it('at the active cap, a new fact does not push out one of equal rank learned in the same session', () => {
    const { memory, warnings } = merge(memoryWith([]), {
      add: [
        { text: 'Likes tea', kind: 'preference', confidence: 'high', quote: 'tea' },
        { text: 'Owns a cat', kind: 'fact', confidence: 'high', quote: 'cat' },
      ],
    }, { activeFacts: 1 });
    expect(active(memory).map((f) => f.text)).toEqual(['Likes tea']);
    expect(warnings).toEqual(['add: memory is full (1 active facts); "Owns a cat" ranks lowest and was not stored']);
  });

  it('at the active cap, an older fact moves out of the file still active, and the change says so', () => {
    const before = memoryWith([fact('f_old', 'Likes tea', { confidence: 'low' })]);
    const { memory, changes } = merge(before, { add: [{ text: 'Owns a cat', kind: 'fact', confidence: 'high', quote: 'cat' }] }, { activeFacts: 1 });
    expect(memory.facts.map((f) => f.text)).toEqual(['Owns a cat']);
    expect(changes.map((c) => c.type)).toEqual(['evict', 'add']);
    expect(changes[0]).toEqual({ type: 'evict', id: 'f_old', text: 'Likes tea' });
  });

  it('a fact this merge added and then pushed out for a more confident one stays in the file as retracted history, never lost', () => {
    const { memory, changes } = merge(
      memoryWith([]),
      {
        add: [
          { text: 'Might like jazz', kind: 'preference', confidence: 'low', quote: 'jazz maybe' },
          { text: 'Owns a cat', kind: 'fact', confidence: 'high', quote: 'cat' },
        ],
      },
      { activeFacts: 1 },
    );
    expect(active(memory).map((f) => f.text)).toEqual(['Owns a cat']);
    expect(memory.facts.find((f) => f.text === 'Might like jazz')).toMatchObject({ status: 'retracted', validTo: T });
    expect(changes.map((c) => c.type)).toEqual(['add', 'evict', 'add']);
  });

  it('history this merge made stays in the file even past the history cap; older history leaves first', () => {
    const before = memoryWith([
      fact('f_h', 'Lived in Rome', { status: 'retracted', validTo: EARLIER.toISOString() }),
      fact('f_a', 'Likes tea'),
      fact('f_b', 'Owns a cat'),
    ]);
    const { memory, warnings } = merge(before, { retract: [{ id: 'f_a', quote: 'no tea' }, { id: 'f_b', quote: 'no cat' }] }, { historyFacts: 1 });
    expect(memory.facts.map((f) => [f.id, f.status])).toEqual([
      ['f_a', 'retracted'],
      ['f_b', 'retracted'],
    ]);
    expect(warnings).toEqual(['moved 1 oldest superseded/retracted facts to archival memory (cap 1)']);
  });

  it('a decision this merge made stays even at a decision cap of 0; the ones the file had leave', () => {
    const before = memoryWith([], { decisions: [decision('d_old', 'Database', 'Postgres')] });
    const { memory, warnings } = merge(before, { decisions: [{ topic: 'Editor', decision: 'Vim', quote: 'vim' }] }, { decisions: 0 });
    expect(memory.decisions.map((d) => d.topic)).toEqual(['Editor']);
    expect(warnings).toEqual(['moved 1 oldest decisions to archival memory (cap 0)']);
  });

  it('with only history and decisions this merge made over their caps, nothing leaves and nothing is warned about', () => {
    const { memory, warnings } = merge(
      memoryWith([fact('f_a', 'Likes tea')]),
      { retract: [{ id: 'f_a', quote: 'no tea' }], decisions: [{ topic: 'Editor', decision: 'Vim', quote: 'vim' }] },
      { historyFacts: 0, decisions: 0 },
    );
    expect(memory.facts.map((f) => [f.id, f.status])).toEqual([['f_a', 'retracted']]);
    expect(memory.decisions.map((d) => d.topic)).toEqual(['Editor']);
    expect(warnings).toEqual([]);
  });

  it('under the active cap nothing is evicted', () => {
    const before = memoryWith([fact('f_a', 'Likes tea', { confidence: 'low' })]);
    const { memory, changes } = merge(before, { add: [{ text: 'Owns a cat', kind: 'fact', confidence: 'high', quote: 'cat' }] }, { activeFacts: 2 });
    expect(active(memory)).toHaveLength(2);
    expect(changes.map((c) => c.type)).toEqual(['add']);
  });

  it('a memory already over a lowered cap is evicted down to it, lowest rank first, with no warning when pins fit', () => {
    const before = memoryWith([
      fact('f_a', 'Likes tea', { confidence: 'high' }),
      fact('f_b', 'Owns a cat', { confidence: 'low' }),
      fact('f_c', 'Likes jazz', { confidence: 'medium', pinned: true }),
    ]);
    const { memory, changes, warnings } = merge(before, {}, { activeFacts: 2 });
    expect(active(memory).map((f) => f.id)).toEqual(['f_a', 'f_c']);
    expect(changes).toEqual([{ type: 'evict', id: 'f_b', text: 'Owns a cat' }]);
    expect(warnings).toEqual([]);
  });

  it('a memory exactly at the active cap is left as it is', () => {
    const before = memoryWith([fact('f_a', 'Likes tea'), fact('f_b', 'Owns a cat')]);
    const { memory, changes, warnings } = merge(before, {}, { activeFacts: 2 });
    expect(memory.facts).toEqual(before.facts);
    expect(changes).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('history exactly at its cap and decisions exactly at theirs are kept whole, without a warning', () => {
    const before = memoryWith([fact('f_h1', 'Lived in Porto', { status: 'superseded', validTo: T }), fact('f_live', 'Has a cat')], {
      decisions: [decision('d_1', 'Database', 'Postgres')],
    });
    const { memory, warnings } = merge(before, { summary: 'Alice.' }, { historyFacts: 1, decisions: 1 });
    expect(memory.facts).toEqual(before.facts);
    expect(memory.decisions).toEqual(before.decisions);
    expect(warnings).toEqual([]);
  });

  it('over the history cap, the history that ended first leaves the file, and the warning counts it', () => {
    const before = memoryWith([
      fact('f_late', 'Lived in Porto', { status: 'superseded', validTo: '2026-05-01T00:00:00.000Z' }),
      fact('f_early', 'Lived in Paris', { status: 'superseded', validTo: '2026-02-01T00:00:00.000Z' }),
      fact('f_noend', 'Lived in Rome', { status: 'retracted', updatedAt: '2026-01-15T00:00:00.000Z' }),
      fact('f_live', 'Has a cat'),
    ]);
    const { memory, warnings } = merge(before, {}, { historyFacts: 1 });
    expect(memory.facts.map((f) => f.id)).toEqual(['f_late', 'f_live']);
    expect(warnings).toEqual(['moved 2 oldest superseded/retracted facts to archival memory (cap 1)']);
  });

  it('history that ended at the same instant goes in a fixed order: by how the time is written, then by id', () => {
    const at = '2026-02-01T00:00:00.000Z';
    const sameInstant = '2026-02-01T01:00:00+01:00';
    const before = memoryWith([
      fact('f_a', 'Lived in Oslo', { status: 'superseded', validTo: sameInstant }),
      fact('f_z', 'Lived in Paris', { status: 'superseded', validTo: at }),
      fact('f_y', 'Lived in Rome', { status: 'superseded', validTo: at }),
    ]);
    expect(merge(before, {}, { historyFacts: 2 }).memory.facts.map((f) => f.id)).toEqual(['f_a', 'f_z']);
    expect(merge(before, {}, { historyFacts: 1 }).memory.facts.map((f) => f.id)).toEqual(['f_a']);
  });

  it('the same order whatever order the file lists the history in', () => {
    const at = '2026-02-01T00:00:00.000Z';
    const before = memoryWith([
      fact('f_y', 'Lived in Rome', { status: 'superseded', validTo: at }),
      fact('f_z', 'Lived in Paris', { status: 'superseded', validTo: at }),
      fact('f_a', 'Lived in Oslo', { status: 'superseded', validTo: '2026-02-01T01:00:00+01:00' }),
    ]);
    expect(merge(before, {}, { historyFacts: 2 }).memory.facts.map((f) => f.id)).toEqual(['f_z', 'f_a']);
    expect(merge(before, {}, { historyFacts: 1 }).memory.facts.map((f) => f.id)).toEqual(['f_a']);
  });

  it('history times written with an offset are compared as instants, not as text', () => {
    const before = memoryWith([
      // 01:00 at +05:00 is 20:00 the day before: the older of the two, although it reads later.
      fact('f_east', 'Lived in Delhi', { status: 'superseded', validTo: '2026-02-01T01:00:00+05:00' }),
      fact('f_utc', 'Lived in London', { status: 'superseded', validTo: '2026-02-01T00:00:00.000Z' }),
    ]);
    expect(merge(before, {}, { historyFacts: 1 }).memory.facts.map((f) => f.id)).toEqual(['f_utc']);
  });

  it('over the decision cap, the oldest decision leaves the file and the warning says how many', () => {
    const before = memoryWith([], {
      decisions: [decision('d_new', 'Editor', 'Vim', '2026-05-01T00:00:00.000Z'), decision('d_old', 'Database', 'Postgres', '2026-02-01T00:00:00.000Z')],
    });
    const { memory, warnings } = merge(before, { decisions: [{ topic: 'Language', decision: 'Rust', quote: 'x' }] }, { decisions: 2 });
    expect(memory.decisions.map((d) => d.id)).toEqual(['d_new', memory.decisions[1].id]);
    expect(memory.decisions[1].topic).toBe('Language');
    expect(warnings).toEqual(['moved 1 oldest decisions to archival memory (cap 2)']);
  });
});

describe('merge: texts', () => {
  it('a text cut at the schema limit never ends in half a character', () => {
    const text = `${'x'.repeat(498)}😀 and more`;
    const { memory } = merge(memoryWith([]), { add: [{ text, kind: 'fact', confidence: 'high', quote: text }] });
    const stored = memory.facts[0].text;
    expect(stored).toBe(`${'x'.repeat(498)}…`);
    expect(() => encodeURIComponent(stored)).not.toThrow(); // a lone surrogate would throw URIError
  });

  it('a text exactly at the limit is kept whole; one over is cut with an ellipsis', () => {
    const exact = 'y'.repeat(500);
    const { memory } = merge(memoryWith([]), {
      add: [
        { text: exact, kind: 'fact', confidence: 'high', quote: 'q' },
        { text: `z${exact}`, kind: 'fact', confidence: 'high', quote: 'q' },
      ],
    });
    expect(memory.facts[0].text).toBe(exact);
    expect(memory.facts[1].text).toBe(`z${'y'.repeat(498)}…`);
  });

  it('quotes, topics and decisions are trimmed and cut to the schema too', () => {
    const { memory } = merge(memoryWith([]), {
      add: [{ text: '  Likes tea  ', kind: 'preference', confidence: 'high', quote: `  ${'q'.repeat(600)}` }],
      decisions: [{ topic: `  ${'t'.repeat(300)}`, decision: ` ${'d'.repeat(600)}`, quote: 'x' }],
    });
    expect(memory.facts[0].text).toBe('Likes tea');
    expect(memory.facts[0].source.quote).toBe(`${'q'.repeat(499)}…`);
    expect(memory.decisions[0].topic).toBe(`${'t'.repeat(199)}…`);
    expect(memory.decisions[0].decision).toBe(`${'d'.repeat(499)}…`);
  });

  it('a summary equal to the current one is no change; a new one is trimmed', () => {
    const before = memoryWith([], { summary: 'Alice lives in Lisbon.' });
    expect(merge(before, { summary: ' Alice lives in Lisbon. ' }).changes).toEqual([]);
    const { memory, changes } = merge(before, { summary: '  Alice moved to Porto.  ' });
    expect(memory.summary).toBe('Alice moved to Porto.');
    expect(changes).toEqual([{ type: 'summary', text: 'Alice moved to Porto.' }]);
  });

  it('a session id of 100 chars is accepted and recorded; 101 is refused', () => {
    const id = 's'.repeat(100);
    const one = { add: [{ text: 'Likes tea', kind: 'preference' as const, confidence: 'high' as const, quote: 'x' }], update: [], supersede: [], retract: [], decisions: [] };
    expect(mergeMemory(memoryWith([]), one, { sessionId: id, now: NOW }).memory.facts[0].source.session).toBe(id);
    expect(() => mergeMemory(memoryWith([]), one, { sessionId: `${id}s`, now: NOW })).toThrow('mergeMemory: sessionId must be 1–100 chars');
    expect(() => mergeMemory(memoryWith([]), one, { sessionId: '', now: NOW })).toThrow('mergeMemory: sessionId must be 1–100 chars');
  });

  it('the default ids depend on the session and the time, so two sessions never mint the same id', () => {
    const one = { add: [{ text: 'Likes tea', kind: 'preference' as const, confidence: 'high' as const, quote: 'x' }], update: [], supersede: [], retract: [], decisions: [] };
    const a = mergeMemory(memoryWith([]), one, { sessionId: 's_a', now: NOW }).memory.facts[0].id;
    expect(mergeMemory(memoryWith([]), one, { sessionId: 's_a', now: NOW }).memory.facts[0].id).toBe(a);
    expect(mergeMemory(memoryWith([]), one, { sessionId: 's_b', now: NOW }).memory.facts[0].id).not.toBe(a);
    expect(mergeMemory(memoryWith([]), one, { sessionId: 's_a', now: new Date(NOW.getTime() + 1) }).memory.facts[0].id).not.toBe(a);
  });
});

describe('merge: more edges a user would notice', () => {
  it('a one-character session id is accepted', () => {
    const one = { add: [{ text: 'Likes tea', kind: 'preference' as const, confidence: 'high' as const, quote: 'x' }], update: [], supersede: [], retract: [], decisions: [] };
    expect(mergeMemory(memoryWith([]), one, { sessionId: 's', now: NOW }).memory.facts[0].source.session).toBe('s');
  });

  it('a supersede into another wording of the same fact stores the new wording as the successor', () => {
    const before = memoryWith([fact('f_units', 'Prefers metric units')]);
    const { memory, changes } = merge(before, {
      supersede: [{ id: 'f_units', text: 'User prefers the metric units', kind: 'preference', confidence: 'high', quote: 'metric' }],
    });
    expect(active(memory).map((f) => f.text)).toEqual(['User prefers the metric units']);
    expect(changes).toEqual([{ type: 'supersede', id: active(memory)[0].id, text: 'User prefers the metric units', was: 'Prefers metric units', oldId: 'f_units' }]);
  });

  it('an update into another wording of the same fact rewrites it in place', () => {
    const before = memoryWith([fact('f_units', 'Prefers metric units')]);
    const { memory, changes } = merge(before, { update: [{ id: 'f_units', text: 'User prefers the metric units', quote: 'metric' }] });
    expect(memory.facts).toHaveLength(1);
    expect(changes).toEqual([{ type: 'update', id: 'f_units', text: 'User prefers the metric units', was: 'Prefers metric units' }]);
  });

  it('a fact of stopwords only, said again, is refreshed rather than stored twice', () => {
    const before = memoryWith([fact('f_it', 'She has it')]);
    const { memory, changes } = merge(before, { add: [{ text: 'she has it!', kind: 'fact', confidence: 'high', quote: 'x' }] });
    expect(memory.facts).toHaveLength(1);
    expect(changes).toEqual([{ type: 'refresh', id: 'f_it', text: 'She has it' }]);
  });

  it.each([
    ['shorter', 'Works at Acme as a senior backend engineer', 'Works at Acme as a backend engineer'],
    ['longer', 'Works at Acme as a backend engineer', 'Works at Acme as a senior backend engineer'],
  ])('an add that says a known fact with one word fewer or more (%s) is already known', (_name, known, said) => {
    const before = memoryWith([fact('f_job', known)]);
    const { memory, changes } = merge(before, { add: [{ text: said, kind: 'fact', confidence: 'high', quote: 'x' }] });
    expect(memory.facts).toHaveLength(1);
    expect(changes).toEqual([{ type: 'refresh', id: 'f_job', text: known }]);
  });

  it('a memory one fact under the active cap keeps every fact', () => {
    const before = memoryWith([fact('f_a', 'Likes tea', { confidence: 'low' }), fact('f_b', 'Owns a cat', { confidence: 'low' })]);
    const { memory, changes } = merge(before, {}, { activeFacts: 3 });
    expect(memory.facts).toEqual(before.facts);
    expect(changes).toEqual([]);
  });

  it('over a lowered cap with exactly enough unpinned facts to evict: no warning', () => {
    const before = memoryWith([fact('f_a', 'Likes tea'), fact('f_b', 'Owns a cat'), fact('f_p', 'Allergic to peanuts', { pinned: true })]);
    const { memory, warnings } = merge(before, {}, { activeFacts: 1 });
    expect(active(memory).map((f) => f.id)).toEqual(['f_p']);
    expect(warnings).toEqual([]);
  });

  it('over a lowered cap with too many pins: the unpinned go and the warning counts the pinned ones', () => {
    const pins = Array.from({ length: 4 }, (_, i) => fact(`f_p${i}`, `Pinned thing ${i}`, { pinned: true }));
    const before = memoryWith([...pins, fact('f_a', 'Likes tea')]);
    const { memory, warnings } = merge(before, {}, { activeFacts: 2 });
    expect(active(memory).map((f) => f.id)).toEqual(pins.map((f) => f.id));
    expect(warnings).toEqual(['4 pinned facts exceed the cap of 2 active facts']);
  });

  it.each([
    ['a pair whose high half is the lowest one (U+10000)', '\u{10000}'],
    ['a pair whose high half is the highest one (U+10FC00)', '\u{10FC00}'],
  ])('a text cut in the middle of %s drops the whole pair', (_name, ch) => {
    const text = `${'x'.repeat(498)}${ch}tail`;
    const { memory } = merge(memoryWith([]), { add: [{ text, kind: 'fact', confidence: 'high', quote: 'q' }] });
    expect(memory.facts[0].text).toBe(`${'x'.repeat(498)}…`);
  });

  it('a text cut just after a whole pair keeps the pair', () => {
    const text = `${'x'.repeat(497)}😀tail`;
    const { memory } = merge(memoryWith([]), { add: [{ text, kind: 'fact', confidence: 'high', quote: 'q' }] });
    expect(memory.facts[0].text).toBe(`${'x'.repeat(497)}😀…`);
  });

  it('a text cut just after a character above the surrogates keeps it', () => {
    const text = `${'x'.repeat(498)}\uE000tail`;
    const { memory } = merge(memoryWith([]), { add: [{ text, kind: 'fact', confidence: 'high', quote: 'q' }] });
    expect(memory.facts[0].text).toBe(`${'x'.repeat(498)}\uE000…`);
  });
});
