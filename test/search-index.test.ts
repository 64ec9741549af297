import { describe, expect, it } from 'vitest';
import { docsFromEpisode, SearchIndex } from '../src/core/recall/search-index.js';

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
    expect(() => SearchIndex.fromJSON(JSON.stringify({ version: 0, index: {} }))).toThrow(/version/);
  });

  it('returns nothing for a query without a word', () => {
    const index = SearchIndex.create();
    index.add(docsFromEpisode(episode));
    expect(index.search('?!', { limit: 5 })).toEqual([]);
  });
});
