// The fact state machine shared by merge and compaction: each transition, id minting, and the
// guarantees both policies rely on (history kept, pins never evicted, input never mutated).
import { describe, expect, it } from 'vitest';
import { CONFIDENCE_RANK, compareRank, compareTime, evictionOrder, hashIdSource, openFacts, type IdSource } from '../src/core/fact-transitions.js';
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

  it('evict takes the fact out of the file unchanged (still active, for the archive) and records an evict; a pinned fact is never evicted', () => {
    const memory = memoryWith([fact('f_a', 'Likes jazz'), fact('f_pin', 'Allergic to peanuts', { pinned: true })]);
    const ledger = open(memory);
    ledger.evict(ledger.byId('f_a')!);
    expect(ledger.byId('f_a')).toBeUndefined();
    expect(ledger.facts.map((f) => f.id)).toEqual(['f_pin']);
    expect(memory.facts[0]).toEqual(fact('f_a', 'Likes jazz'));
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

describe('fact transitions: what each one leaves behind', () => {
  it('a new fact is found by its id and known as new; the facts it was opened on are not new', () => {
    const ledger = open(memoryWith([fact('f_tea', 'Likes tea')]));
    const f = ledger.add({ text: 'Owns a cat', kind: 'fact', confidence: 'low', source: SOURCE, pinned: true, validFrom: EARLIER });
    expect(ledger.byId('f_new1')).toBe(f);
    expect(f).toMatchObject({ pinned: true, validFrom: EARLIER, createdAt: T });
    expect(ledger.isNew(f)).toBe(true);
    expect(ledger.isNew(ledger.byId('f_tea')!)).toBe(false);
    expect(ledger.active().map((x) => x.id)).toEqual(['f_tea', 'f_new1']);
  });

  it('create makes a fact with no change recorded (the supersede that follows records it)', () => {
    const ledger = open(memoryWith([]));
    const f = ledger.create({ text: 'Lives in Lisbon', kind: 'fact', confidence: 'high', source: SOURCE });
    expect(f).toMatchObject({ status: 'active', pinned: false, validFrom: T });
    expect(ledger.changes).toEqual([]);
  });

  it('a new fact keeps its own copy of the source it was given', () => {
    const source = { ...SOURCE };
    const f = open(memoryWith([])).add({ text: 'Likes tea', kind: 'preference', confidence: 'high', source });
    source.quote = 'changed later';
    expect(f.source.quote).toBe('I said so');
  });

  it('refresh without a source keeps the quote the fact had, and can be left out of the changes', () => {
    const ledger = open(memoryWith([fact('f_tea', 'Likes tea')]));
    const f = ledger.byId('f_tea')!;
    const quoteBefore = f.source;
    ledger.refresh(f, { report: false });
    expect(f.source).toEqual(quoteBefore);
    expect(f).toMatchObject({ updatedAt: T, confidence: 'medium', pinned: false });
    expect(ledger.changes).toEqual([]);
    ledger.refresh(f);
    expect(ledger.changes).toEqual([{ type: 'refresh', id: 'f_tea', text: 'Likes tea' }]);
  });

  it('refresh pins an unpinned fact when asked', () => {
    const ledger = open(memoryWith([fact('f_tea', 'Likes tea')]));
    ledger.refresh(ledger.byId('f_tea')!, { pinned: true });
    expect(ledger.byId('f_tea')!.pinned).toBe(true);
  });

  it('supersede by a fact created in this ledger keeps the successor\'s own source and stamps', () => {
    const ledger = open(memoryWith([fact('f_old', 'Lives in Porto')]));
    const next = ledger.create({ text: 'Lives in Lisbon', kind: 'fact', confidence: 'high', source: SOURCE });
    ledger.supersede([ledger.byId('f_old')!], next, { session: 's_other', at: EARLIER, quote: 'other quote' });
    expect(next.source).toEqual(SOURCE);
    expect(next.pinned).toBe(false);
  });

  it('supersede by an existing fact without a source keeps its quote but stamps it now', () => {
    const ledger = open(memoryWith([fact('f_old', 'Lives in Porto'), fact('f_now', 'Lives in Lisbon')]));
    const quoteBefore = ledger.byId('f_now')!.source;
    ledger.supersede([ledger.byId('f_old')!], ledger.byId('f_now')!);
    expect(ledger.byId('f_now')).toMatchObject({ updatedAt: T, source: quoteBefore });
  });

  it('supersede of unpinned facts leaves the successor unpinned', () => {
    const ledger = open(memoryWith([fact('f_a', 'Lives in Porto'), fact('f_b', 'Lives in Portugal')]));
    const next = ledger.create({ text: 'Lives in Lisbon', kind: 'fact', confidence: 'high', source: SOURCE });
    ledger.supersede([ledger.byId('f_a')!, ledger.byId('f_b')!], next);
    expect(next.pinned).toBe(false);
  });

  it('retract stamps the fact now and keeps it as history; evicting a fact this ledger created keeps it as retracted history', () => {
    const ledger = open(memoryWith([fact('f_a', 'Learning Rust')]));
    ledger.retract(ledger.byId('f_a')!);
    // Never stored, so nothing could archive it: it stays in the file rather than vanish.
    const fresh = ledger.add({ text: 'Likes jazz', kind: 'preference', confidence: 'low', source: SOURCE });
    ledger.evict(fresh);
    expect(ledger.byId('f_a')).toMatchObject({ status: 'retracted', validTo: T, updatedAt: T, createdAt: EARLIER });
    expect(ledger.byId(fresh.id)).toMatchObject({ status: 'retracted', validTo: T, updatedAt: T, createdAt: T });
    expect(ledger.active()).toEqual([]);
    expect(ledger.changes.map((c) => c.type)).toEqual(['retract', 'add', 'evict']);
  });

  it('an evicted fact\'s id is never minted again by the same ledger', () => {
    const ids = ['f_aaaaaaaaaa', 'f_aaaaaaaaaa', 'f_bbbbbbbbbb'];
    const ledger = openFacts(memoryWith([fact('f_aaaaaaaaaa', 'Likes jazz')]), { now: new Date(T), ids: () => ids.shift()! });
    ledger.evict(ledger.byId('f_aaaaaaaaaa')!);
    expect(ledger.mintId('f')).toBe('f_bbbbbbbbbb');
  });

  it.each<[string, (l: ReturnType<typeof open>, gone: Fact, live: Fact) => void]>([
    ['refresh', (l, gone) => l.refresh(gone)],
    ['update', (l, gone) => l.update(gone, 'x', SOURCE)],
    ['supersede', (l, gone, live) => l.supersede([gone], live)],
    ['retract', (l, gone) => l.retract(gone)],
    ['evict', (l, gone) => l.evict(gone)],
  ])('%s of a superseded fact is refused with an error naming the transition and the fact', (name, act) => {
    const ledger = open(memoryWith([fact('f_gone', 'Lives in Porto', { status: 'superseded' }), fact('f_live', 'Lives in Lisbon')]));
    expect(() => act(ledger, ledger.byId('f_gone')!, ledger.byId('f_live')!)).toThrow(`${name}: fact f_gone is superseded, not active`);
    expect(ledger.changes).toEqual([]);
  });

  it('supersede refuses a successor that is no longer active, an empty list, and a fact superseding itself', () => {
    const ledger = open(memoryWith([fact('f_gone', 'Lives in Porto', { status: 'retracted' }), fact('f_live', 'Lives in Lisbon')]));
    const [gone, live] = [ledger.byId('f_gone')!, ledger.byId('f_live')!];
    expect(() => ledger.supersede([live], gone)).toThrow('supersede: fact f_gone is retracted, not active');
    expect(() => ledger.supersede([], live)).toThrow('supersede: no facts to supersede');
    expect(() => ledger.supersede([live], live)).toThrow('supersede: fact f_live cannot supersede itself');
    expect(live.status).toBe('active');
    expect(ledger.changes).toEqual([]);
  });

  it('evict of a pinned fact names it in the error', () => {
    const ledger = open(memoryWith([fact('f_pin', 'Allergic to peanuts', { pinned: true })]));
    expect(() => ledger.evict(ledger.byId('f_pin')!)).toThrow('evict: fact f_pin is pinned; pinned facts are never evicted');
  });

  it('opening facts at an invalid time is refused', () => {
    expect(() => openFacts(memoryWith([]), { now: new Date('nope'), ids: scripted() })).toThrow(RangeError);
  });

  it('a hand-edited file with two facts under one id: the first one is the one transitions act on', () => {
    const ledger = open(memoryWith([fact('f_dup', 'Likes tea'), fact('f_dup', 'Likes coffee')]));
    expect(ledger.byId('f_dup')!.text).toBe('Likes tea');
  });
});

describe('id minting: limits', () => {
  it('tries the source 100 times: 99 ids in use and then a fresh one is fine, 100 in use is an error', () => {
    const taken = fact('f_taken', 'Likes tea');
    const source = (inUse: number): IdSource => {
      let n = 0;
      return () => (n++ < inUse ? 'f_taken' : 'f_fresh');
    };
    expect(open(memoryWith([taken]), source(99)).mintId('f')).toBe('f_fresh');
    expect(() => open(memoryWith([taken]), source(100)).mintId('f')).toThrow('id source returned only ids already in use (100 tries)');
  });

  it('names the malformed id it was given', () => {
    expect(() => open(memoryWith([]), () => 'f_no spaces').mintId('f')).toThrow('id source returned a malformed id "f_no spaces"');
  });

  it('the default id source always gives the schema\'s 10-character ids, all different, for both prefixes', () => {
    const next = hashIdSource('s1|2026-11-19T15:00:00.000Z');
    const ids = Array.from({ length: 2000 }, (_, i) => next(i % 2 === 0 ? 'f' : 'd'));
    for (const id of ids) expect(id).toMatch(/^[fd]_[0-9a-z]{10}$/);
    expect(ids.filter((id) => id.startsWith('f_'))).toHaveLength(1000);
    expect(new Set(ids.map((id) => id.slice(2))).size).toBe(2000);
  });
});

describe('ranking for eviction', () => {
  it('compares times as instants, whatever offset a hand-edited file wrote them in', () => {
    expect(compareTime('2026-03-01T10:00:00+02:00', '2026-03-01T09:00:00.000Z')).toBeLessThan(0);
    expect(compareTime('2026-03-01T09:00:00.000Z', '2026-03-01T10:00:00+02:00')).toBeGreaterThan(0);
    expect(compareTime('2026-03-01T09:00:00.000Z', '2026-03-01T09:00:00.000Z')).toBe(0);
  });

  it('two spellings of one instant still have a fixed order, so eviction never depends on input order', () => {
    const a = '2026-03-01T09:00:00.000Z';
    const b = '2026-03-01T10:00:00+01:00';
    expect(Math.sign(compareTime(a, b))).toBe(-Math.sign(compareTime(b, a)));
    expect(compareTime(a, b)).not.toBe(0);
  });

  it('ranks lower confidence first whatever the time, then older first', () => {
    const low = { confidence: 'low' as const, updatedAt: '2026-06-01T00:00:00.000Z' };
    const high = { confidence: 'high' as const, updatedAt: '2026-01-01T00:00:00.000Z' };
    expect(compareRank(low, high)).toBeLessThan(0);
    expect(compareRank(high, low)).toBeGreaterThan(0);
    expect(compareRank(low, { ...low, updatedAt: '2026-07-01T00:00:00.000Z' })).toBeLessThan(0);
    expect(compareRank(low, low)).toBe(0);
  });

  it('breaks exact ties by id, in either input order', () => {
    const tied = [fact('f_b', 'B'), fact('f_c', 'C'), fact('f_a', 'A')];
    expect(evictionOrder(tied).map((f) => f.id)).toEqual(['f_a', 'f_b', 'f_c']);
    expect(evictionOrder([...tied].reverse()).map((f) => f.id)).toEqual(['f_a', 'f_b', 'f_c']);
  });

  it('confidence ranks low < medium < high', () => {
    expect(CONFIDENCE_RANK).toEqual({ low: 0, medium: 1, high: 2 });
  });
});
