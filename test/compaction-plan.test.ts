// The pure half of compaction (compaction-plan.ts): what a model answer may do to a user's facts
// once mapped to a plan, and what applying it writes. Pure and fast: no store, no model call.
import { describe, expect, it } from 'vitest';
import {
  applyCompaction,
  factFingerprint,
  removalCount,
  toPlan,
  type CompactionAnswer,
  type CompactionPlan,
} from '../src/core/compaction-plan.js';
import { emptyMemory, memorySchema, type Fact, type Memory } from '../src/core/schema.js';
import { makeFact } from './helpers/memory.js';

const T0 = '2026-03-01T10:00:00.000Z';
const NOW = new Date('2026-03-10T10:00:00.000Z');
const NOW_ISO = NOW.toISOString();

const fact = (id: string, text: string, extra: Partial<Fact> = {}): Fact => makeFact(id, text, T0, extra);
const memory = (facts: Fact[], summary = 'Alice lives in Lisbon.'): Memory => ({
  ...emptyMemory('alice', new Date(T0)),
  revision: 5,
  sessionCount: 3,
  summary,
  facts,
});
const answer = (a: Partial<CompactionAnswer>): CompactionAnswer => ({ summary: '', merge: [], retract: [], ...a });
const facts = () => [
  fact('f_a', 'Lives in Lisbon'),
  fact('f_b', 'Lives in Lisbon, Portugal'),
  fact('f_c', 'Works at Acme'),
  fact('f_d', 'Allergic to peanuts', { pinned: true }),
  fact('f_e', 'Learning Rust'),
];
// Handle n is fact n of `facts()`.
const handles = new Map([1, 2, 3, 4, 5].map((h) => [h, ['f_a', 'f_b', 'f_c', 'f_d', 'f_e'][h - 1]]));
const mergeOf = (hs: number[], text = 'Lives in Lisbon, Portugal') => ({ facts: hs, text, kind: 'fact' as const, confidence: 'high' as const });
const ids = () => {
  let n = 0;
  return () => `f_new${++n}`;
};

describe('toPlan: what an answer may touch', () => {
  it('a "merge" of one fact is not a merge: it cannot rewrite that fact, and leaves it free for a retraction', () => {
    const m = memory(facts());
    const p = toPlan(answer({ merge: [mergeOf([3], 'Works at Initech')], retract: [{ fact: 3, reason: 'left' }] }), m, handles);
    expect(p.merge).toEqual([]);
    expect(p.retract).toEqual([{ id: 'f_c', reason: 'left' }]);
    expect(p.warnings).toEqual([]);
    const r = applyCompaction(m, p, { now: NOW, newId: ids() });
    expect(r.memory.facts.some((f) => f.text === 'Works at Initech')).toBe(false);
  });

  it('a merge naming one fact twice is a one-fact merge too, and is dropped', () => {
    const p = toPlan(answer({ merge: [mergeOf([5, 5], 'Knows Rust')] }), memory(facts()), handles);
    expect(p.merge).toEqual([]);
    expect(p.seen).toEqual({});
  });

  it('a merge whose text is empty after trimming is dropped and its facts stay free', () => {
    const p = toPlan(answer({ merge: [mergeOf([1, 2], ' \n ')], retract: [{ fact: 1, reason: 'dup' }] }), memory(facts()), handles);
    expect(p.merge).toEqual([]);
    expect(p.retract.map((r) => r.id)).toEqual(['f_a']);
  });

  it('a merge text is one line, trimmed, and cut to 300 chars', () => {
    const long = `  Lives\n in   Lisbon ${'x'.repeat(400)}  `;
    const p = toPlan(answer({ merge: [mergeOf([1, 2], long)] }), memory(facts()), handles);
    expect(p.merge[0].text).toBe(`Lives in Lisbon ${'x'.repeat(400)}`.slice(0, 300));
    expect(p.merge[0].text).toHaveLength(300);
  });

  it('a retraction reason is one line, trimmed, redacted and cut to 200 chars', () => {
    const p = toPlan(
      answer({ retract: [{ fact: 5, reason: `  stale\n\n key sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789 ${'y'.repeat(300)} ` }] }),
      memory(facts()),
      handles,
    );
    const reason = p.retract[0].reason;
    expect(reason.startsWith('stale key ')).toBe(true);
    expect(reason).not.toMatch(/sk-ant-api03|\n/);
    expect(reason).toHaveLength(200);
  });

  it('the summary is trimmed, redacted and cut to 1,200 chars', () => {
    const p = toPlan(answer({ summary: `  ${'z'.repeat(1500)}  ` }), memory(facts()), handles);
    expect(p.summary).toBe('z'.repeat(1200));
    const short = toPlan(answer({ summary: '  Alice, in Lisbon.  ' }), memory(facts()), handles);
    expect(short.summary).toBe('Alice, in Lisbon.');
  });

  it('a merge text with a secret is redacted', () => {
    const p = toPlan(answer({ merge: [mergeOf([1, 2], 'Token sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789 is hers')] }), memory(facts()), handles);
    expect(p.merge[0].text).not.toMatch(/sk-ant-api03/);
  });

  it('says why each op was skipped: unknown handle, a fact no longer active, pinned, already named', () => {
    const m = memory([...facts(), fact('f_old', 'Lives in Porto', { status: 'superseded' })]);
    const hs = new Map([...handles, [6, 'f_old']]);
    const p = toPlan(
      answer({
        merge: [mergeOf([1, 2]), mergeOf([2, 3], 'x'), mergeOf([3, 4], 'y'), mergeOf([3, 9], 'z')],
        retract: [{ fact: 6, reason: 'r' }, { fact: 4, reason: 'r' }, { fact: 1, reason: 'r' }, { fact: 5, reason: 'r' }],
      }),
      m,
      hs,
    );
    expect(p.warnings).toEqual([
      'skipped a merge into "x": fact f_b already named by another op',
      'skipped a merge into "y": pinned fact f_d',
      'skipped a merge into "z": unknown fact handle 9',
      'skipped a retraction: unknown fact handle 6',
      'skipped a retraction: pinned fact f_d',
      'skipped a retraction: fact f_a already named by another op',
    ]);
    expect(p.merge.map((x) => x.ids)).toEqual([['f_a', 'f_b']]);
    expect(p.retract.map((x) => x.id)).toEqual(['f_e']);
    expect(Object.keys(p.seen).sort()).toEqual(['f_a', 'f_b', 'f_e']);
  });

  it('reads at most 100 merges and 100 retractions of a runaway answer', () => {
    const many = Array.from({ length: 130 }, (_, i) => fact(`f_${String(i).padStart(3, '0')}`, `Fact ${i}`));
    const hs = new Map(many.map((f, i) => [i + 1, f.id]));
    const merges = Array.from({ length: 65 }, (_, i) => mergeOf([2 * i + 1, 2 * i + 2], `Merged ${i}`));
    const retracts = Array.from({ length: 130 }, (_, i) => ({ fact: i + 1, reason: 'r' }));
    const p = toPlan(answer({ merge: merges, retract: retracts }), memory(many), hs);
    expect(p.merge).toHaveLength(65);
    // Merges took facts 1–130; the retractions read are the first 100, all already named.
    expect(p.retract).toEqual([]);
    expect(p.warnings).toHaveLength(100);
    const moreMerges = Array.from({ length: 120 }, (_, i) => mergeOf([i + 1, i + 2], `M${i}`));
    // Overlapping pairs: of the first 100, every other one names a fact already taken.
    const overlapping = toPlan(answer({ merge: moreMerges }), memory(many), hs);
    expect(overlapping.merge).toHaveLength(50);
    expect(overlapping.warnings).toHaveLength(50);
  });
});

describe('factFingerprint', () => {
  it('is the same for the same fact whatever the key order, and ignores undefined fields', () => {
    const f = fact('f_a', 'Lives in Lisbon');
    const reordered = Object.fromEntries(Object.entries(f).reverse()) as Fact;
    expect(factFingerprint(reordered)).toBe(factFingerprint(f));
    expect(factFingerprint({ ...f, validTo: undefined })).toBe(factFingerprint(f));
  });

  it.each<[string, Partial<Fact>]>([
    ['text', { text: 'Lives in Porto' }],
    ['pin', { pinned: true }],
    ['source quote', { source: { session: 's1', at: T0, quote: 'changed' } }],
    ['validTo', { validTo: NOW_ISO }],
  ])('changes when the %s changes', (_name, change) => {
    const f = fact('f_a', 'Lives in Lisbon');
    expect(factFingerprint({ ...f, ...change })).not.toBe(factFingerprint(f));
  });

  it('tells apart a fact whose fields hold each other\'s values', () => {
    const f = fact('f_a', 'x');
    expect(factFingerprint({ ...f, text: 'f_a', id: 'x' } as Fact)).not.toBe(factFingerprint(f));
  });
});

describe('removalCount', () => {
  it('counts a merge of k facts as k − 1 and each retraction as one', () => {
    const p = { merge: [{ ids: ['a', 'b', 'c'] }, { ids: ['d', 'e'] }], retract: [{ id: 'f' }] } as unknown as CompactionPlan;
    expect(removalCount(p)).toBe(4);
  });
});

describe('applyCompaction: what is written', () => {
  it('the merged fact is valid from its earliest fact, quotes the most recently updated one, and is reported', () => {
    const m = memory([
      fact('f_a', 'Lives in Lisbon', { validFrom: '2026-01-01T00:00:00.000Z', updatedAt: '2026-03-05T00:00:00.000Z', source: { session: 's_new', at: T0, quote: 'I live in Lisbon' } }),
      fact('f_b', 'Lives in Portugal', { validFrom: '2025-06-01T00:00:00.000Z', updatedAt: '2026-03-02T00:00:00.000Z' }),
      fact('f_c', 'In Lisbon now', { validFrom: '2026-02-01T00:00:00.000Z', updatedAt: '2026-03-08T00:00:00.000Z', source: { session: 's_last', at: T0, quote: 'still here' } }),
    ]);
    const hs = new Map([[1, 'f_a'], [2, 'f_b'], [3, 'f_c']]);
    const p = toPlan(answer({ merge: [{ facts: [1, 2, 3], text: 'Lives in Lisbon, Portugal', kind: 'fact', confidence: 'medium' }] }), m, hs);
    const r = applyCompaction(m, p, { now: NOW, newId: ids() });
    expect(r.memory.facts.at(-1)).toEqual({
      id: 'f_new1',
      text: 'Lives in Lisbon, Portugal',
      kind: 'fact',
      confidence: 'medium',
      status: 'active',
      pinned: false,
      createdAt: NOW_ISO,
      updatedAt: NOW_ISO,
      validFrom: '2025-06-01T00:00:00.000Z',
      source: { session: 's_last', at: T0, quote: 'still here' },
    });
    expect(r.changes).toEqual([
      { type: 'supersede', id: 'f_new1', text: 'Lives in Lisbon, Portugal', was: 'Lives in Lisbon | Lives in Portugal | In Lisbon now', oldId: 'f_a' },
    ]);
    expect(r.diff.kept).toBe(0);
    expect(r.memory.updatedAt).toBe(NOW_ISO);
    expect(memorySchema.safeParse(r.memory).success).toBe(true);
  });

  it('the retraction is reported with its reason, after the merges', () => {
    const m = memory(facts());
    const p = toPlan(answer({ merge: [mergeOf([1, 2])], retract: [{ fact: 5, reason: 'stopped learning' }] }), m, handles);
    const r = applyCompaction(m, p, { now: NOW, newId: ids() });
    expect(r.changes.map((c) => c.type)).toEqual(['supersede', 'retract']);
    expect(r.changes[1]).toEqual({ type: 'retract', id: 'f_e', text: 'Learning Rust (stopped learning)' });
    expect(r.diff.kept).toBe(2);
  });

  it('a merge of which one fact changed meanwhile applies to none of its facts, and the other ops still apply', () => {
    const m = memory(facts());
    const p = toPlan(answer({ merge: [mergeOf([1, 2])], retract: [{ fact: 5, reason: 'old' }] }), m, handles);
    const newer = { ...m, facts: m.facts.map((f) => (f.id === 'f_a' ? { ...f, text: 'Lives in Porto' } : f)) };
    const r = applyCompaction(newer, p, { now: NOW, newId: ids() });
    expect(r.conflicts).toEqual(['f_a']);
    expect(r.memory.facts.filter((f) => f.status === 'active').map((f) => f.id)).toEqual(['f_a', 'f_b', 'f_c', 'f_d']);
    expect(r.diff.merged).toEqual([]);
    expect(r.diff.kept).toBe(4);
  });

  it('a retraction of a fact retracted meanwhile is a conflict and writes nothing', () => {
    const m = memory(facts());
    const p = toPlan(answer({ retract: [{ fact: 5, reason: 'old' }] }), m, handles);
    const newer = { ...m, facts: m.facts.map((f) => (f.id === 'f_e' ? { ...f, status: 'retracted' as const, validTo: T0 } : f)) };
    const r = applyCompaction(newer, p, { now: NOW });
    expect(r.conflicts).toEqual(['f_e']);
    expect(r.changes).toEqual([]);
    expect(r.memory.facts).toEqual(newer.facts);
  });

  it('a retraction in a plan made when the fact was unpinned, of a fact pinned since: kept, with a warning', () => {
    const m = memory(facts());
    const p = toPlan(answer({ retract: [{ fact: 5, reason: 'old' }] }), m, handles);
    const pinnedLater = { ...m, facts: m.facts.map((f) => (f.id === 'f_e' ? { ...f, pinned: true } : f)) };
    // The pin changed the fingerprint: a conflict, never a retraction of a pinned fact.
    const r = applyCompaction(pinnedLater, p, { now: NOW });
    expect(r.memory.facts[4]).toEqual(pinnedLater.facts[4]);
    expect(r.conflicts).toEqual(['f_e']);
  });

  it('never moves a fact out of a final state, even in a hand-made plan that saw it retracted', () => {
    const gone = fact('f_e', 'Learning Rust', { status: 'retracted', validTo: T0 });
    const m = memory([...facts().slice(0, 4), gone]);
    const p = toPlan(answer({}), m, handles);
    p.retract.push({ id: 'f_e', reason: 'again' });
    p.seen.f_e = factFingerprint(gone);
    const r = applyCompaction(m, p, { now: NOW });
    expect(r.conflicts).toEqual(['f_e']);
    expect(r.memory.facts[4]).toEqual(gone);
  });

  it('a summary equal to the current one is not a change', () => {
    const m = memory(facts(), 'Alice lives in Lisbon.');
    const r = applyCompaction(m, toPlan(answer({ summary: 'Alice lives in Lisbon.' }), m, handles), { now: NOW });
    expect(r.changes).toEqual([]);
    expect(r.diff.summary).toBeNull();
    expect(r.warnings).toEqual([]);
  });

  it('a summary the plan would rewrite but another session rewrote to the same new text is not a conflict', () => {
    const m = memory(facts(), 'Old.');
    const p = toPlan(answer({ summary: 'New.' }), m, handles);
    const r = applyCompaction({ ...m, summary: 'New.' }, p, { now: NOW });
    expect(r.warnings).toEqual([]);
    expect(r.changes).toEqual([]);
  });

  it('a plan with nothing to do returns the memory as it was, with only the time stamped', () => {
    const m = memory(facts());
    const r = applyCompaction(m, toPlan(answer({}), m, handles), { now: NOW });
    expect(r.memory).toEqual({ ...m, updatedAt: NOW_ISO });
    expect(r.diff).toEqual({ merged: [], retracted: [], summary: null, kept: 5 });
  });
});

describe('compaction: more of what the user sees', () => {
  it('a fact whose source was written with its keys in another order is not a conflict', () => {
    const f = fact('f_a', 'Lives in Lisbon');
    const reordered = { ...f, source: { quote: f.source.quote, at: f.source.at, session: f.source.session } };
    expect(factFingerprint(reordered)).toBe(factFingerprint(f));
    expect(factFingerprint({ ...f, source: { ...f.source, at: NOW_ISO } })).not.toBe(factFingerprint(f));
  });

  it('a merge with several problems names all of them in one warning', () => {
    const p = toPlan(answer({ merge: [mergeOf([4, 9], 'x')] }), memory(facts()), handles);
    expect(p.warnings).toEqual(['skipped a merge into "x": pinned fact f_d, unknown fact handle 9']);
  });

  it('the diff shows the facts as they were, sources included', () => {
    const m = memory(facts());
    const p = toPlan(answer({ merge: [mergeOf([1, 2])], retract: [{ fact: 5, reason: 'old' }] }), m, handles);
    const r = applyCompaction(m, p, { now: NOW, newId: ids() });
    expect(r.diff.merged[0].from).toEqual([m.facts[0], m.facts[1]]);
    expect(r.diff.retracted[0].fact).toEqual(m.facts[4]);
  });

  it('the merged fact quotes the most recently updated fact, also when it comes first, and the first of equals', () => {
    const quote = (q: string) => ({ session: 's1', at: T0, quote: q });
    const m = memory([
      fact('f_a', 'Lives in Lisbon', { updatedAt: '2026-03-08T00:00:00.000Z', source: quote('newest') }),
      fact('f_b', 'Lives in Portugal', { updatedAt: '2026-03-02T00:00:00.000Z', source: quote('older') }),
      fact('f_c', 'Likes tea', { updatedAt: '2026-03-05T00:00:00.000Z', source: quote('first of equals') }),
      fact('f_d', 'Likes green tea', { updatedAt: '2026-03-05T00:00:00.000Z', source: quote('second of equals') }),
    ]);
    const hs = new Map([[1, 'f_a'], [2, 'f_b'], [3, 'f_c'], [4, 'f_d']]);
    const p = toPlan(answer({ merge: [mergeOf([1, 2], 'Lives in Lisbon, Portugal'), mergeOf([3, 4], 'Likes (green) tea')] }), m, hs);
    const r = applyCompaction(m, p, { now: NOW, newId: ids() });
    expect(r.diff.merged.map((x) => x.into.source.quote)).toEqual(['newest', 'first of equals']);
  });

  it('a rewritten summary is in the changes, after the fact changes', () => {
    const m = memory(facts(), 'Old.');
    const r = applyCompaction(m, toPlan(answer({ summary: 'New.', retract: [{ fact: 5, reason: 'old' }] }), m, handles), { now: NOW });
    expect(r.changes.map((c) => c.type)).toEqual(['retract', 'summary']);
    expect(r.changes[1]).toEqual({ type: 'summary', text: 'New.' });
  });

  it('the default ids depend on the time of the compaction', () => {
    const m = memory(facts());
    const p = toPlan(answer({ merge: [mergeOf([1, 2])] }), m, handles);
    const at = (d: Date) => applyCompaction(m, p, { now: d }).diff.merged[0].into.id;
    expect(at(NOW)).toBe(at(NOW));
    expect(at(new Date(NOW.getTime() + 1))).not.toBe(at(NOW));
  });
});
