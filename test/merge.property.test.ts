import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mergeMemory, type MergeCaps } from '../src/core/merge.js';
import { normalizeText } from '../src/core/text-match.js';
import { CONFIDENCES, FACT_KINDS, emptyMemory, memorySchema, type Memory, type MergeOps } from '../src/core/schema.js';

// Small caps so that random ops hit them often.
const CAPS: MergeCaps = { activeFacts: 8, pinnedFacts: 3, historyFacts: 6, decisions: 3 };
const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-03-01T12:00:00.000Z');

// A tiny vocabulary makes exact duplicates, near-duplicates and contradictions frequent.
const WORDS = ['likes', 'hates', 'tea', 'coffee', 'lives', 'in', 'porto', 'lisbon', 'the', 'metric', 'units', 'not', 'dark', 'mode', 'Cat', 'cat.'];
const text = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 5 }).map((w) => w.join(' '));
const kind = fc.constantFrom(...FACT_KINDS);
const confidence = fc.constantFrom(...CONFIDENCES);
const quote = fc.constantFrom('I said so', '', 'yes');
// A target is an index into the memory's facts (any status) or -1 for an id that does not exist.
const target = fc.integer({ min: -1, max: 30 });

const addOp = fc.record({ text, kind, confidence, quote, pinned: fc.boolean() });
const opsShape = fc.record({
  add: fc.array(addOp, { maxLength: 8 }),
  update: fc.array(fc.record({ target, text, quote }), { maxLength: 4 }),
  supersede: fc.array(fc.record({ target, text, kind, confidence, quote }), { maxLength: 4 }),
  retract: fc.array(fc.record({ target, quote }), { maxLength: 4 }),
  decisions: fc.array(fc.record({ topic: fc.constantFrom('db', 'DB', 'editor', 'os', 'lang'), decision: text, quote }), { maxLength: 4 }),
  summary: fc.option(fc.string({ maxLength: 50 }), { nil: undefined }),
});
type OpsShape = typeof opsShape extends fc.Arbitrary<infer T> ? T : never;

function resolve(shape: OpsShape, memory: Memory): MergeOps {
  const idAt = (i: number) => (i < 0 || memory.facts.length === 0 ? 'f_unknown' : memory.facts[i % memory.facts.length].id);
  const { update, supersede, retract, ...rest } = shape;
  return {
    ...rest,
    update: update.map(({ target: t, ...o }) => ({ ...o, id: idAt(t) })),
    supersede: supersede.map(({ target: t, ...o }) => ({ ...o, id: idAt(t) })),
    retract: retract.map(({ target: t, ...o }) => ({ ...o, id: idAt(t) })),
  };
}

// A reachable memory: built by the merge itself from an earlier session's ops.
const memoryArb = fc.tuple(opsShape, opsShape).map(([first, second]) => {
  const seeded = mergeMemory(emptyMemory('alice', T0), resolve({ ...first, update: [], supersede: [], retract: [] }, emptyMemory('alice', T0)), {
    sessionId: 's_seed',
    now: T0,
    caps: CAPS,
  }).memory;
  return mergeMemory(seeded, resolve(second, seeded), { sessionId: 's_seed2', now: T0, caps: CAPS }).memory;
});

const active = (m: Memory) => m.facts.filter((f) => f.status === 'active');
const run = (memory: Memory, ops: MergeOps) => mergeMemory(memory, ops, { sessionId: 's_prop', now: T1, caps: CAPS });

describe('mergeMemory properties', () => {
  it('output validates against memorySchema and stays within every cap (history and decisions: unless this merge made more)', () => {
    fc.assert(
      fc.property(memoryArb, opsShape, (memory, shape) => {
        const out = run(memory, resolve(shape, memory)).memory;
        expect(memorySchema.safeParse(out).success).toBe(true);
        expect(active(out).length).toBeLessThanOrEqual(CAPS.activeFacts);
        expect(active(out).filter((f) => f.pinned).length).toBeLessThanOrEqual(CAPS.pinnedFacts);
        // History and decisions this merge made stay until a later write (the store archives an
        // item in its state before the write); so the file holds the cap, or only those if more.
        const wasHistory = new Set(memory.facts.filter((f) => f.status !== 'active').map((f) => f.id));
        const history = out.facts.filter((f) => f.status !== 'active');
        const madeHistory = history.filter((f) => !wasHistory.has(f.id)).length;
        expect(history.length).toBeLessThanOrEqual(Math.max(CAPS.historyFacts, madeHistory));
        const hadDecision = new Set(memory.decisions.map((d) => d.id));
        const newDecisions = out.decisions.filter((d) => !hadDecision.has(d.id)).length;
        expect(out.decisions.length).toBeLessThanOrEqual(Math.max(CAPS.decisions, newDecisions));
      }),
      { numRuns: 300 },
    );
  });

  it('never produces two active facts with equal normalized text', () => {
    fc.assert(
      fc.property(memoryArb, opsShape, (memory, shape) => {
        const texts = active(run(memory, resolve(shape, memory)).memory).map((f) => normalizeText(f.text));
        expect(new Set(texts).size).toBe(texts.length);
      }),
      { numRuns: 300 },
    );
  });

  it('never loses an active fact unless an op targets it or a cap evicts it, and never evicts a pinned one', () => {
    fc.assert(
      fc.property(memoryArb, opsShape, (memory, shape) => {
        const ops = resolve(shape, memory);
        const { memory: out, changes } = run(memory, ops);
        const stillActive = new Set(active(out).map((f) => f.id));
        // An update can supersede its target into an existing duplicate.
        const targeted = new Set([...ops.update, ...ops.supersede, ...ops.retract].map((o) => o.id));
        const evicted = new Set(changes.flatMap((c) => (c.type === 'evict' ? [c.id] : [])));
        for (const f of active(memory)) {
          expect(stillActive.has(f.id) || targeted.has(f.id) || evicted.has(f.id)).toBe(true);
          if (f.pinned) expect(evicted.has(f.id)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is idempotent on the active set when the same ops are replayed', () => {
    fc.assert(
      fc.property(memoryArb, opsShape, (memory, shape) => {
        const ops = resolve(shape, memory);
        const once = run(memory, ops).memory;
        const twice = run(once, ops).memory;
        const view = (m: Memory) => active(m).map((f) => `${f.id} ${f.text} ${f.pinned}`).sort();
        expect(view(twice)).toEqual(view(once));
      }),
      { numRuns: 300 },
    );
  });

  it('never mutates its input', () => {
    fc.assert(
      fc.property(memoryArb, opsShape, (memory, shape) => {
        const snapshot = structuredClone(memory);
        run(memory, resolve(shape, memory));
        expect(memory).toEqual(snapshot);
      }),
      { numRuns: 100 },
    );
  });
});
