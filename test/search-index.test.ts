import { describe, expect, it } from 'vitest';
import { analyze, cutAround, docsFromArchive, docsFromEpisode, docsFromMemory, SEARCH_INDEX_VERSION, SearchIndex, stem } from '../src/core/recall/search-index.js';
import type { Decision, Fact } from '../src/core/schema.js';
import { makeFact } from './helpers/memory.js';

const episode = {
  sessionId: 's1',
  userId: 'alice',
  startedAt: '2026-01-05T10:00:00.000Z',
  model: 'm',
  turns: [
    { role: 'user' as const, text: 'The pricing page needs a yearly plan toggle', at: '2026-01-05T10:00:00.000Z' },
    { role: 'assistant' as const, text: 'Sure, add a switch above the cards.', at: '2026-01-05T10:00:05.000Z' },
  ],
};

function indexOf(facts: Fact[], decisions: Decision[] = []): SearchIndex {
  const index = SearchIndex.create();
  index.add(docsFromMemory({ facts, decisions }));
  return index;
}

describe('search index', () => {
  it('finds what a past session said about a topic, with its session and date', () => {
    const index = SearchIndex.create();
    index.add(docsFromEpisode(episode));
    const [hit] = index.search('what did I say about the pricing page?', { limit: 5 });
    expect(hit).toMatchObject({ kind: 'turn', id: 's1:0', sessionId: 's1', date: '2026-01-05T10:00:00.000Z', role: 'user' });
  });

  it('survives a round trip through JSON and refuses an index of another version', () => {
    const index = SearchIndex.create();
    index.add(docsFromEpisode(episode));
    const back = SearchIndex.fromJSON(index.toJSON());
    expect(back.search('yearly plan', { limit: 1 })[0]?.id).toBe('s1:0');
    expect(() => SearchIndex.fromJSON(JSON.stringify({ version: 1, index: {} }))).toThrow(/version/);
    expect(SEARCH_INDEX_VERSION).toBeGreaterThan(1);
  });

  it('returns nothing for a query without a word, or with only stop words', () => {
    const index = SearchIndex.create();
    index.add(docsFromEpisode(episode));
    expect(index.search('?!', { limit: 5 })).toEqual([]);
    expect(index.search('what did I say about the one?', { limit: 5 })).toEqual([]);
  });

  it('matches "prefers", "preferred", "preference" and "preferring" with each other', () => {
    expect(new Set(['prefer', 'prefers', 'preferred', 'preference', 'preferring', 'preferences'].map(stem))).toEqual(new Set(['prefer']));
    expect(new Set(['adopt', 'adopted', 'adoption', 'adopting', 'adopts'].map(stem))).toEqual(new Set(['adopt']));
    expect(new Set(['hike', 'hiking', 'hiked', 'hikes'].map(stem)).size).toBe(1);
    expect(stem('onion')).toBe('onion');
    const index = indexOf([makeFact('f_tea', 'Prefers green tea in the morning', '2026-01-02T09:00:00.000Z')]);
    for (const query of ['my tea preference?', 'which tea do I prefer', 'the tea I preferred']) {
      expect(index.search(query, { limit: 3 })[0]?.id).toBe('f_tea');
    }
  });

  it('folds case and accents, so "zurich" finds "Zürich"', () => {
    expect(analyze('I moved to ZÜRICH last week')).toEqual(['mov', 'zurich', 'last', 'week']);
    const index = indexOf([makeFact('f_home', 'Lives in Zürich', '2026-01-02T09:00:00.000Z')]);
    expect(index.search('zurich', { limit: 1 })[0]?.id).toBe('f_home');
  });

  it('ranks a superseded fact below the active one of its topic and returns it marked', () => {
    const old = makeFact('f_porto', 'Lives in Porto, near the river', '2026-01-02T09:00:00.000Z', {
      status: 'superseded',
      supersededBy: 'f_lisbon',
      validTo: '2026-03-02T09:00:00.000Z',
    });
    const current = makeFact('f_lisbon', 'Lives in Lisbon', '2026-03-02T09:00:00.000Z');
    // The old fact matches the query better ("river") yet comes second.
    const hits = indexOf([old, current]).search('where do I live, by the river?', { limit: 5 });
    expect(hits.map((h) => h.id)).toEqual(['f_lisbon', 'f_porto']);
    expect(hits[1]).toMatchObject({ status: 'superseded', validTo: '2026-03-02T09:00:00.000Z', supersededBy: 'f_lisbon' });
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
  });

  it('ranks a retracted fact below an active one that matches as well', () => {
    const gone = makeFact('f_cat', 'Has a cat called Miso', '2026-05-02T09:00:00.000Z', { status: 'retracted', validTo: '2026-06-01T09:00:00.000Z' });
    const dog = makeFact('f_dog', 'Has a dog called Miso', '2026-01-02T09:00:00.000Z');
    const hits = indexOf([gone, dog]).search('Miso', { limit: 5 });
    expect(hits.map((h) => [h.id, h.status])).toEqual([
      ['f_dog', 'active'],
      ['f_cat', 'retracted'],
    ]);
  });

  it('breaks a tie by recency: of two equal matches the newer comes first, and the older is still returned', () => {
    const facts = [
      makeFact('f_a', 'Plays chess on Sundays', '2025-01-01T09:00:00.000Z', {}, { session: 'old' }),
      makeFact('f_b', 'Plays chess on Sundays', '2026-06-01T09:00:00.000Z', {}, { session: 'new' }),
    ];
    // Different ids with the same text collapse to one hit: the newer.
    expect(indexOf(facts).search('chess', { limit: 5 }).map((h) => h.id)).toEqual(['f_b']);
    const two = [
      makeFact('f_a', 'Plays chess with Ana', '2025-01-01T09:00:00.000Z'),
      makeFact('f_b', 'Plays chess with Rui', '2026-06-01T09:00:00.000Z'),
    ];
    expect(indexOf(two).search('chess', { limit: 5 }).map((h) => h.id)).toEqual(['f_b', 'f_a']);
    expect(indexOf([two[1]!, two[0]!]).search('chess', { limit: 5 }).map((h) => h.id)).toEqual(['f_b', 'f_a']);
  });

  it('lets a better match beat a newer one: recency only breaks near-ties', () => {
    const facts = [
      makeFact('f_old', 'Training for the Porto marathon in October', '2021-01-01T09:00:00.000Z'),
      makeFact('f_new', 'Went to Porto for a weekend', '2026-06-01T09:00:00.000Z'),
    ];
    expect(indexOf(facts).search('porto marathon', { limit: 5 }).map((h) => h.id)).toEqual(['f_old', 'f_new']);
  });

  it('weighs a decision topic above a passing mention in a turn', () => {
    const decision: Decision = {
      id: 'd_db',
      topic: 'database',
      decision: 'PostgreSQL 16 on the managed plan',
      date: '2026-02-01T09:00:00.000Z',
      source: { session: 's2', at: '2026-02-01T09:00:00.000Z', quote: 'PostgreSQL' },
    };
    const index = indexOf([], [decision]);
    index.add(
      docsFromEpisode({
        ...episode,
        turns: [{ role: 'assistant', text: 'A database could hold the cards, or a file could.', at: '2026-01-05T10:00:00.000Z' }],
      }),
    );
    const hits = index.search('which database did I pick?', { limit: 5 });
    expect(hits.map((h) => h.id)).toEqual(['d_db', 's1:0']);
    expect(hits[0]).toMatchObject({ kind: 'decision', text: 'database: PostgreSQL 16 on the managed plan' });
  });

  it('collapses a hit into a better one of the same kind saying the same words, but keeps the turn a fact came from', () => {
    const index = indexOf([
      makeFact('f_tabs', 'Prefers tabs over spaces', '2026-01-05T10:00:00.000Z'),
      makeFact('f_tabs2', 'prefers TABS over spaces!', '2025-01-05T10:00:00.000Z'),
      makeFact('f_spaces', 'Prefers spaces over tabs', '2026-02-05T10:00:00.000Z', { status: 'superseded', supersededBy: 'f_tabs', validTo: '2026-03-01T00:00:00.000Z' }),
    ]);
    index.add(docsFromEpisode({ ...episode, turns: [{ role: 'user', text: 'I prefer tabs over spaces.', at: '2026-01-05T10:00:00.000Z' }] }));
    expect(index.search('tabs or spaces?', { limit: 5 }).map((h) => h.id)).toEqual(['f_tabs', 's1:0', 'f_spaces']);
  });

  it('returns a fact whole but cuts a long turn to a window around the match', () => {
    const filler = 'We talked about many unrelated things that afternoon, one after another, at length. ';
    const long = `${filler.repeat(6)}The invoice template needs the VAT number in the footer. ${filler.repeat(6)}`;
    const longFact = makeFact('f_long', `${'Keeps detailed notes about every supplier and every invoice. '.repeat(7)}`.trim(), '2026-01-02T09:00:00.000Z');
    const index = indexOf([longFact]);
    index.add(docsFromEpisode({ ...episode, turns: [{ role: 'user', text: long, at: '2026-01-05T10:00:00.000Z' }] }));
    const hits = index.search('VAT number on the invoice', { limit: 5 });
    const turn = hits.find((h) => h.kind === 'turn')!;
    expect(turn.text).toContain('The invoice template needs the VAT number in the footer.');
    expect(turn.text.length).toBeLessThanOrEqual(302);
    expect(turn.text.startsWith('…') && turn.text.endsWith('…')).toBe(true);
    expect(hits.find((h) => h.id === 'f_long')?.text).toBe(longFact.text);
  });

  it('cuts at word boundaries and keeps the start when the match is there', () => {
    const text = `Budget is tight this quarter. ${'More words that do not matter here. '.repeat(20)}`;
    const cut = cutAround(text, new Set(['budget']), 100);
    expect(cut.startsWith('Budget is tight')).toBe(true);
    expect(cut.endsWith('…')).toBe(true);
    expect(text.startsWith(cut.slice(0, -1))).toBe(true);
  });

  it('searches archived items and filters by kind', () => {
    const index = SearchIndex.create();
    index.add(docsFromArchive([{ type: 'fact', item: makeFact('f_old', 'Owns a red bicycle', '2024-01-01T00:00:00.000Z'), archivedAt: '2026-01-01T00:00:00.000Z', revision: 3 }]));
    index.add(docsFromEpisode({ ...episode, turns: [{ role: 'user', text: 'My bicycle has a flat tyre', at: '2026-01-05T10:00:00.000Z' }] }));
    expect(index.search('bicycle', { limit: 5 }).map((h) => [h.id, h.inMemoryFile])).toEqual([
      ['f_old', false],
      ['s1:0', false],
    ]);
    expect(index.search('bicycle', { limit: 5, kinds: ['turn'] }).map((h) => h.id)).toEqual(['s1:0']);
  });

  it('ranks exactly as through minisearch\'s public search: the same hits, scores and order, ties included', () => {
    // A small vocabulary, so most words match hundreds of documents, and exact copies (same text
    // and date), so scores tie.
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const vocabulary = 'tea coffee kayak paddle lisbon porto budget invoice garden tomato piano guitar run marathon dog cat'.split(' ');
    const sentence = () => Array.from({ length: 3 + Math.floor(random() * 8) }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(' ');
    const day = () => `2026-01-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}T10:00:00.000Z`;
    const facts: Fact[] = [];
    for (let i = 0; i < 400; i++) {
      const status = i % 11 === 0 ? 'superseded' : i % 17 === 0 ? 'retracted' : 'active';
      facts.push(makeFact(`f_${i}`, sentence(), day(), status === 'superseded' ? { status, supersededBy: `f_${i + 1}`, validTo: day() } : { status }));
    }
    for (const f of facts.slice(0, 40)) facts.push({ ...f, id: `${f.id}_copy` });
    const decisions: Decision[] = Array.from({ length: 30 }, (_, i) => ({ id: `d_${i}`, topic: sentence(), decision: sentence(), date: day(), source: { session: 's1', at: day(), quote: 'q' } }));
    const turns = Array.from({ length: 300 }, (_, i) => ({ role: i % 2 ? ('assistant' as const) : ('user' as const), text: sentence(), at: day() }));
    const fast = SearchIndex.create();
    const reference = SearchIndex.create({ publicSearch: true });
    for (const index of [fast, reference]) {
      index.add(docsFromMemory({ facts: facts.slice(0, 100), decisions }));
      index.add(docsFromArchive(facts.slice(100).map((item, n) => ({ type: 'fact' as const, item, archivedAt: item.createdAt, revision: n + 1 }))));
      index.add(docsFromEpisode({ ...episode, turns }));
    }
    const loaded = SearchIndex.fromJSON(fast.toJSON());
    let compared = 0;
    for (let q = 0; q < 150; q++) {
      const query = `what about ${sentence()}?`;
      for (const opts of [{ limit: 10 }, { limit: 30 }, { limit: 3, kinds: ['fact' as const] }, { limit: 10, kinds: ['turn' as const, 'decision' as const] }]) {
        const expected = reference.search(query, opts);
        expect(fast.search(query, opts)).toEqual(expected);
        expect(loaded.search(query, opts)).toEqual(expected);
        compared += expected.length;
      }
    }
    expect(compared).toBeGreaterThan(5000);
  });

  it('replaces and removes documents at once, also in an index loaded from JSON, with nothing left for later', async () => {
    const index = SearchIndex.create();
    const many = Array.from({ length: 3000 }, (_, i) => makeFact(`f_${i}`, `Word${i} appears with tea number ${i % 7}`, '2026-01-02T09:00:00.000Z'));
    index.add(docsFromMemory({ facts: many, decisions: [] }));
    index.add(docsFromMemory({ facts: many.slice(0, 1500).map((f) => ({ ...f, text: `Coffee instead, item ${f.id}` })), decisions: [] }));
    index.remove(many.slice(2000).map((f) => f.id));
    expect(index.size).toBe(2000);
    expect(index.search('word10', { limit: 5 })).toEqual([]);
    expect(index.search('word1600', { limit: 5 }).map((h) => h.id)).toEqual(['f_1600']);
    expect(index.search('word2500', { limit: 5 })).toEqual([]);
    const back = SearchIndex.fromJSON(index.toJSON());
    back.remove(['f_1600']);
    back.add(docsFromMemory({ facts: [{ ...many[1601]!, text: 'Now about sailing' }], decisions: [] }));
    expect(back.search('word1600 word1601', { limit: 5 })).toEqual([]);
    expect(back.search('sailing', { limit: 5 }).map((h) => h.id)).toEqual(['f_1601']);
    expect(JSON.parse(back.toJSON()).index.dirtCount).toBe(0);
    // Searches keep working across timer ticks (minisearch's asynchronous vacuum once crashed here).
    await new Promise((r) => setTimeout(r, 50));
    expect(back.search('coffee', { limit: 3 })).toHaveLength(3);
  });
});
