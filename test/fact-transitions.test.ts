// The fact state machine shared by merge and compaction: each transition, id minting, and the
// guarantees both policies rely on (history kept, pins never evicted, input never mutated).
import { describe, expect, it } from 'vitest';
import { evictionOrder, hashIdSource, openFacts, type IdSource } from '../src/core/fact-transitions.js';
import { emptyMemory, memorySchema, type Decision, type Fact, type Memory } from '../src/core/schema.js';
import { makeFact } from './helpers/memory.js';

const EARLIER = '2026-01-10T09:00:00.000Z';
const NOW = new Date('2026-11-19T15:00:00.000Z');
const T = NOW.toISOString();
const SOURCE = { session: 's_new', at: T, quote: 'I said so' };

const fact = (id: string, text: string, extra: Partial<Fact> = {}) => makeFact(id, text, EARLIER, extra, { confidence: 'medium' });
const memoryWith = (facts: Fact[], decisions: Decision[] = []): Memory => ({ ...emptyMemory('alice', new Date(EARLIER)), facts, decisions });

/** An id source returning `ids` in order, then failing loudly. */
function scripted(...ids: string[]): IdSource {
  return () => {
    const id = ids.shift();
    if (id === undefined) throw new Error('scripted id source: asked for more ids than scripted');
    return id;
  };
}

const open = (memory: Memory, ids: IdSource = scripted('f_new1', 'f_new2')) => openFacts(memory, { now: NOW, ids });

describe('fact transitions', () => {
  it('add creates an active fact stamped with the clock and records an add', () => {
    const ledger = open(memoryWith([]));
    const f = ledger.add({ text: 'Likes tea', kind: 'preference', confidence: 'high', source: SOURCE });
    expect(f).toEqual({
      id: 'f_new1',
      text: 'Likes tea',
      kind: 'preference',
      confidence: 'high',
      status: 'active',
      pinned: false,
      createdAt: T,
      updatedAt: T,
      validFrom: T,
      source: SOURCE,
    });
    expect(ledger.changes).toEqual([{ type: 'add', id: 'f_new1', text: 'Likes tea' }]);
    expect(ledger.facts).toEqual([f]);
  });

  it('refresh restamps the fact and raises (never lowers) its confidence and pin', () => {
    const ledger = open(memoryWith([fact('f_tea', 'Likes tea', { confidence: 'medium', pinned: true })]));
    const f = ledger.byId('f_tea')!;
    ledger.refresh(f, { source: SOURCE, confidence: 'low', pinned: false });
    expect(f).toMatchObject({ updatedAt: T, confidence: 'medium', pinned: true, source: SOURCE, createdAt: EARLIER });
    ledger.refresh(f, { confidence: 'high' });
    expect(f.confidence).toBe('high');
    expect(ledger.changes).toEqual([
      { type: 'refresh', id: 'f_tea', text: 'Likes tea' },
      { type: 'refresh', id: 'f_tea', text: 'Likes tea' },
    ]);
  });

  it('refresh of a fact created in the same ledger is recorded too, so an absorbed item is never silent', () => {
    const ledger = open(memoryWith([]));
    const f = ledger.add({ text: 'Likes tea', kind: 'preference', confidence: 'medium', source: SOURCE });
    ledger.refresh(f, { confidence: 'high' });
    expect(f.confidence).toBe('high');
    expect(ledger.changes).toEqual([
      { type: 'add', id: 'f_new1', text: 'Likes tea' },
      { type: 'refresh', id: 'f_new1', text: 'Likes tea' },
    ]);
  });

  it('update rewrites the text in place and records what it was', () => {
    const ledger = open(memoryWith([fact('f_job', 'Works at Acme')]));
    ledger.update(ledger.byId('f_job')!, 'Works at Acme as a backend engineer', SOURCE);
    expect(ledger.byId('f_job')).toMatchObject({ text: 'Works at Acme as a backend engineer', status: 'active', updatedAt: T, source: SOURCE });
    expect(ledger.changes).toEqual([{ type: 'update', id: 'f_job', text: 'Works at Acme as a backend engineer', was: 'Works at Acme' }]);
  });

  it('supersede keeps the old facts as history pointing at their successor, which inherits a pin', () => {
    const ledger = open(memoryWith([fact('f_porto', 'Lives in Porto', { pinned: true }), fact('f_pt', 'Lives in Portugal')]));
    const [porto, pt] = [ledger.byId('f_porto')!, ledger.byId('f_pt')!];
    const lisbon = ledger.create({ text: 'Lives in Lisbon', kind: 'fact', confidence: 'high', source: SOURCE });
    ledger.supersede([porto, pt], lisbon);
    for (const old of [porto, pt]) {
      expect(old).toMatchObject({ status: 'superseded', validTo: T, updatedAt: T, supersededBy: lisbon.id });
    }
    expect(ledger.facts.map((f) => [f.id, f.status])).toEqual([
      ['f_porto', 'superseded'],
      ['f_pt', 'superseded'],
      ['f_new1', 'active'],
    ]);
    expect(lisbon.pinned).toBe(true);
    expect(ledger.changes).toEqual([
      { type: 'supersede', id: 'f_new1', text: 'Lives in Lisbon', was: 'Lives in Porto | Lives in Portugal', oldId: 'f_porto' },
    ]);
  });

  it('supersede by an existing fact restamps that fact with the new source', () => {
    const ledger = open(memoryWith([fact('f_old', 'Lives in Porto'), fact('f_now', 'Lives in Lisbon')]));
    ledger.supersede([ledger.byId('f_old')!], ledger.byId('f_now')!, SOURCE);
    expect(ledger.byId('f_now')).toMatchObject({ status: 'active', updatedAt: T, source: SOURCE, createdAt: EARLIER });
    expect(ledger.byId('f_old')).toMatchObject({ status: 'superseded', supersededBy: 'f_now' });
  });

  it('retract keeps the fact as retracted history, with the reason in the change when given', () => {
    const ledger = open(memoryWith([fact('f_a', 'Learning Rust'), fact('f_b', 'Owns a cat')]));
    ledger.retract(ledger.byId('f_a')!, 'stale');
    ledger.retract(ledger.byId('f_b')!);
    expect(ledger.facts.map((f) => [f.id, f.status, f.validTo])).toEqual([
      ['f_a', 'retracted', T],
      ['f_b', 'retracted', T],
    ]);
    expect(ledger.changes).toEqual([
      { type: 'retract', id: 'f_a', text: 'Learning Rust (stale)' },
      { type: 'retract', id: 'f_b', text: 'Owns a cat' },
    ]);
  });

  it('evict retracts the fact and records an evict; a pinned fact is never evicted', () => {
    const ledger = open(memoryWith([fact('f_a', 'Likes jazz'), fact('f_pin', 'Allergic to peanuts', { pinned: true })]));
    ledger.evict(ledger.byId('f_a')!);
    expect(ledger.byId('f_a')).toMatchObject({ status: 'retracted', validTo: T });
    expect(ledger.changes).toEqual([{ type: 'evict', id: 'f_a', text: 'Likes jazz' }]);
    expect(() => ledger.evict(ledger.byId('f_pin')!)).toThrow(/pinned/);
    expect(ledger.byId('f_pin')!.status).toBe('active');
  });

  it('eviction order never offers a pinned fact: lowest confidence first, then the oldest', () => {
    const facts = [
      fact('f_pin', 'Pinned low', { pinned: true, confidence: 'low' }),
      fact('f_new', 'Low but recent', { confidence: 'low', updatedAt: '2026-06-01T00:00:00.000Z' }),
      fact('f_old', 'Low and old', { confidence: 'low', updatedAt: '2026-02-01T00:00:00.000Z' }),
      fact('f_high', 'High and oldest', { confidence: 'high', updatedAt: '2025-01-01T00:00:00.000Z' }),
    ];
    expect(evictionOrder(facts).map((f) => f.id)).toEqual(['f_old', 'f_new', 'f_high']);
  });

  it('refuses to move a fact out of a final state: superseded and retracted facts stay as they are', () => {
    const ledger = open(memoryWith([fact('f_gone', 'Lives in Porto', { status: 'retracted' }), fact('f_a', 'Likes tea')]));
    const gone = ledger.byId('f_gone')!;
    expect(() => ledger.refresh(gone)).toThrow(/retracted, not active/);
    expect(() => ledger.retract(gone)).toThrow(/not active/);
    expect(() => ledger.supersede([gone], ledger.byId('f_a')!)).toThrow(/not active/);
    expect(() => ledger.update(gone, 'Lives in Lisbon', SOURCE)).toThrow(/not active/);
    expect(gone).toEqual(fact('f_gone', 'Lives in Porto', { status: 'retracted' }));
  });

  it('never changes the memory it was opened on', () => {
    const memory = memoryWith([fact('f_a', 'Likes tea'), fact('f_b', 'Owns a cat')]);
    const before = structuredClone(memory);
    const ledger = open(memory);
    ledger.retract(ledger.byId('f_a')!);
    ledger.refresh(ledger.byId('f_b')!, { source: SOURCE, confidence: 'high' });
    ledger.add({ text: 'Likes jazz', kind: 'preference', confidence: 'high', source: SOURCE });
    expect(memory).toEqual(before);
    expect(memorySchema.safeParse({ ...memory, facts: ledger.facts }).success).toBe(true);
  });
});

describe('id minting', () => {
  it('skips ids already used by a fact or a decision, and ids it minted before', () => {
    const decision: Decision = { id: 'd_taken', topic: 'editor', decision: 'vim', date: EARLIER, source: { session: 's1', at: EARLIER, quote: 'vim' } };
    const ledger = open(memoryWith([fact('f_taken', 'Likes tea')], [decision]), scripted('f_taken', 'f_one', 'f_one', 'f_two', 'd_taken', 'd_one'));
    expect(ledger.mintId('f')).toBe('f_one');
    expect(ledger.mintId('f')).toBe('f_two');
    expect(ledger.mintId('d')).toBe('d_one');
  });

  it('gives up with an error on a source that only repeats ids in use, and refuses malformed ids', () => {
    const ledger = open(memoryWith([fact('f_cat', 'Owns a cat')]), () => 'f_cat');
    expect(() => ledger.mintId('f')).toThrow(/already in use/);
    expect(() => open(memoryWith([]), () => 'not an id').mintId('f')).toThrow(/malformed/);
    expect(() => open(memoryWith([]), () => 'd_wrongprefix').mintId('f')).toThrow(/malformed/);
  });

  it('the default id source is deterministic for a seed and yields schema-valid ids that differ', () => {
    const a = hashIdSource('s1|2026-11-19T15:00:00.000Z');
    const b = hashIdSource('s1|2026-11-19T15:00:00.000Z');
    const first = [a('f'), a('f'), a('d')];
    expect([b('f'), b('f'), b('d')]).toEqual(first);
    expect(new Set(first).size).toBe(3);
    for (const id of first) expect(id).toMatch(/^[fd]_[0-9a-z]{10}$/);
    expect(hashIdSource('s2|2026-11-19T15:00:00.000Z')('f')).not.toBe(first[0]);
  });
});
