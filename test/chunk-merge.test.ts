// Where each proposed add and supersede landed (mergeMemory's `landed`), and the chunked write
// that relies on it (mergeChunks): pure, table-driven and property tests, no I/O.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeChunks, planAsPreviewed, trackPreview, type ChunkPlan } from '../src/core/extraction-chunks.js';
import { hashIdSource } from '../src/core/fact-transitions.js';
import { mergeMemory } from '../src/core/merge.js';
import { acceptedWithOrigin, reviewItems } from '../src/core/review.js';
import { emptyMemory, type Fact, type Memory, type MergeOps } from '../src/core/schema.js';
import { makeFact } from './helpers/memory.js';

const EARLIER = new Date('2026-01-10T09:00:00.000Z');
const NOW = new Date('2026-11-19T15:00:00.000Z');
const SESSION = 's_long';

const ops = (partial: Partial<MergeOps>): MergeOps => ({ add: [], update: [], supersede: [], retract: [], decisions: [], ...partial });
const add = (text: string) => ({ text, kind: 'fact' as const, confidence: 'high' as const, quote: text });
const old = (id: string, text: string): Fact => makeFact(id, text, EARLIER.toISOString(), {}, { confidence: 'medium', session: 's_old' });
const memoryWith = (facts: Fact[]): Memory => ({ ...emptyMemory('alice', EARLIER), revision: 1, sessionCount: 1, facts });
const activeTexts = (m: Memory) => m.facts.filter((f) => f.status === 'active').map((f) => f.text).sort();
const textOf = (m: Memory, id: string | undefined) => m.facts.find((f) => f.id === id)?.text;

describe('mergeMemory reports where each add and supersede landed', () => {
  it('a new fact, the fact an add was absorbed into, nothing for an op that was ignored or not stored', () => {
    const memory = memoryWith([old('f_porto00000', 'Lives in Porto.'), old('f_acme000000', 'Works at Acme.')]);
    const r = mergeMemory(
      memory,
      ops({
        add: [add('Likes tea.'), add('Lives in Porto.'), add('Likes tea.'), add('   ')],
        supersede: [
          { id: 'f_acme000000', ...add('Works at Globex.') },
          { id: 'f_nobody0000', ...add('Works at Initech.') },
        ],
      }),
      { sessionId: SESSION, now: NOW },
    );
    expect(r.landed.add.map((id) => textOf(r.memory, id))).toEqual(['Likes tea.', 'Lives in Porto.', 'Likes tea.', undefined]);
    expect(r.landed.add[1]).toBe('f_porto00000');
    expect(r.landed.add[2]).toBe(r.landed.add[0]);
    expect(r.landed.supersede.map((id) => textOf(r.memory, id))).toEqual(['Works at Globex.', undefined]);
  });

  it('a supersede with the same text lands on the old fact, one onto an existing fact lands there', () => {
    const memory = memoryWith([old('f_porto00000', 'Lives in Porto.'), old('f_lisbon0000', 'Lives in Lisbon.'), old('f_acme000000', 'Works at Acme.')]);
    const r = mergeMemory(
      memory,
      ops({ supersede: [{ id: 'f_acme000000', ...add('Works at Acme.') }, { id: 'f_lisbon0000', ...add('Lives in Porto.') }] }),
      { sessionId: SESSION, now: NOW },
    );
    expect(r.landed.supersede).toEqual(['f_acme000000', 'f_porto00000']);
  });

  it('an add a full memory refuses lands nowhere', () => {
    const r = mergeMemory(memoryWith([old('f_porto00000', 'Lives in Porto.')]), ops({ add: [{ ...add('Likes tea.'), confidence: 'low' }] }), {
      sessionId: SESSION,
      now: NOW,
      caps: { activeFacts: 1 },
    });
    expect(r.landed.add).toEqual([undefined]);
    expect(activeTexts(r.memory)).toEqual(['Lives in Porto.']);
  });
});

/** The preview of `chunks` (each chunk's ops built from the handles of the memory so far), as extraction runs it. */
function preview(memory: Memory, chunks: Array<(seen: Memory) => MergeOps>) {
  const tracker = trackPreview(memory);
  const ids = hashIdSource('seed');
  let seen = memory;
  const proposed: MergeOps[] = [];
  chunks.forEach((chunk, i) => {
    const o = chunk(seen);
    proposed.push(o);
    const step = mergeMemory(seen, o, { sessionId: SESSION, now: NOW, newId: ids });
    tracker.record(i, step);
    seen = step.memory;
  });
  return { proposed, origins: tracker.origins, seen };
}

const idOf = (m: Memory, text: string) => {
  const f = m.facts.find((x) => x.text === text && x.status === 'active');
  if (!f) throw new Error(`no active fact "${text}"`);
  return f.id;
};
const write = (memory: Memory, plans: ChunkPlan[], origins: ReturnType<typeof preview>['origins']) =>
  mergeChunks(memory, plans, origins, { sessionId: SESSION, now: NOW, newId: hashIdSource('seed') });

describe('mergeChunks: a later chunk names an earlier chunk\'s fact', () => {
  const base = memoryWith([old('f_acme000000', 'Works at Acme.')]);
  const chunks = [
    () => ops({ add: [add('Name is Earlybird.'), add('Lives in Porto.')] }),
    (seen: Memory) => ops({ retract: [{ id: idOf(seen, 'Name is Earlybird.'), quote: 'forget my name' }], update: [{ id: idOf(seen, 'Lives in Porto.'), text: 'Lives in Porto since 2019.', quote: 'since 2019' }] }),
  ];

  it('with nothing rejected and nobody writing in between, writes exactly what the preview showed', () => {
    const p = preview(base, chunks);
    const r = write(base, p.proposed.map(planAsPreviewed), p.origins);
    expect(r.memory).toEqual(p.seen);
    expect(r.unresolved).toEqual([]);
  });

  it('an op on a fact whose add was rejected is not written and is returned; the others land on their facts', () => {
    const p = preview(base, chunks);
    const items = reviewItems(base, p.proposed[0]);
    const firstChunk = acceptedWithOrigin(p.proposed[0], items, items.map((i) => i.text !== '+ Name is Earlybird.'));
    expect(firstChunk.origin.add).toEqual([1]);
    const r = write(base, [{ ops: firstChunk.ops, origin: { ...firstChunk.origin } }, planAsPreviewed(p.proposed[1])], p.origins);
    expect(activeTexts(r.memory)).toEqual(['Lives in Porto since 2019.', 'Works at Acme.']);
    expect(r.memory.facts.every((f) => f.status === 'active')).toBe(true);
    expect(r.unresolved).toEqual([{ chunk: 1, list: 'retract', index: 0 }]);
  });

  it('a rejected add whose fact another accepted add also landed on resolves to that add\'s fact', () => {
    const p = preview(base, [
      () => ops({ add: [add('Lives in Porto.'), add('Likes tea.')] }),
      () => ops({ add: [add('Lives in Porto.')] }), // absorbed as a refresh in the preview
      (seen: Memory) => ops({ update: [{ id: idOf(seen, 'Lives in Porto.'), text: 'Lives in Porto since 2019.', quote: 'since 2019' }] }),
    ]);
    // The first "Lives in Porto." rejected, "Likes tea." kept.
    const plans: ChunkPlan[] = [
      { ops: ops({ add: [add('Likes tea.')] }), origin: { add: [1], supersede: [] } },
      planAsPreviewed(p.proposed[1]),
      planAsPreviewed(p.proposed[2]),
    ];
    const r = write(base, plans, p.origins);
    expect(activeTexts(r.memory)).toEqual(['Likes tea.', 'Lives in Porto since 2019.', 'Works at Acme.']);
    expect(r.unresolved).toEqual([]);
  });

  it('a supersede successor an earlier chunk made is found again under its new id', () => {
    const two = memoryWith([old('f_lisbon0000', 'Lives in Lisbon.'), old('f_acme000000', 'Works at Acme.')]);
    const p = preview(two, [
      () => ops({ supersede: [{ id: 'f_lisbon0000', ...add('Lives in Porto.') }, { id: 'f_acme000000', ...add('Works at Globex.') }] }),
      (seen: Memory) => ops({ update: [{ id: idOf(seen, 'Works at Globex.'), text: 'Works at Globex in Porto.', quote: 'Globex in Porto' }] }),
    ]);
    // Rejecting the first supersede moves every later id; the second one's successor must still be found.
    const first = { ...p.proposed[0], supersede: [p.proposed[0].supersede[1]] };
    const r = write(two, [{ ops: first, origin: { add: [], supersede: [1] } }, planAsPreviewed(p.proposed[1])], p.origins);
    expect(activeTexts(r.memory)).toEqual(['Lives in Lisbon.', 'Works at Globex in Porto.']);
  });

  it('whatever the review rejects, no written op lands on a fact other than the one it named in the preview', () => {
    const texts = ['Likes tea.', 'Lives in Porto.', 'Has a cat named Rex.', 'Plays the cello.', 'Works night shifts.'];
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: texts.length, maxLength: texts.length }), (keepAdd) => {
        const p = preview(base, [
          () => ops({ add: texts.map(add) }),
          (seen: Memory) => ops({ update: texts.map((t) => ({ id: idOf(seen, t), text: `${t.slice(0, -1)}, said twice.`, quote: t })) }),
        ]);
        const items = reviewItems(base, p.proposed[0]);
        const kept = acceptedWithOrigin(p.proposed[0], items, keepAdd);
        const r = write(base, [{ ops: kept.ops, origin: { ...kept.origin } }, planAsPreviewed(p.proposed[1])], p.origins);
        const expected = texts.filter((_, i) => keepAdd[i]).map((t) => `${t.slice(0, -1)}, said twice.`);
        expect(activeTexts(r.memory)).toEqual([...expected, 'Works at Acme.'].sort());
        expect(r.unresolved.map((u) => u.index)).toEqual(texts.flatMap((_, i) => (keepAdd[i] ? [] : [i])));
      }),
    );
  });
});
