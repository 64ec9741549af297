// Automatic recall inside a chat session, in process: the real ChatSession, FileMemoryStore and
// SDK client against the fake Messages API. The store's archive search is answered by a real
// SearchIndex over the documents a test gives (or by one that fails), so these tests need no
// archive on disk; test/recall-e2e.test.ts drives the whole CLI over a real archive.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChatSession, type SessionOptions } from '../src/core/chat-session.js';
import { AutoRecall } from '../src/core/recall/auto-recall.js';
import type { SessionEvent } from '../src/core/events.js';
import { createModelClient } from '../src/core/model.js';
import { RECALL_OPEN } from '../src/core/recall/recall.js';
import { docsFromMemory, SearchIndex, type SearchDoc } from '../src/core/recall/search-index.js';
import type { Fact } from '../src/core/schema.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import type { ArchiveStore } from '../src/core/storage/store.js';
import { chatRequests, systemText, useFakeApi } from './helpers/fake.js';
import { makeFact } from './helpers/memory.js';

const fake = useFakeApi();

const TEA = makeFact('f_tea', 'Prefers green tea from Shizuoka in the morning', '2026-03-02T10:00:00.000Z', { kind: 'preference' }, { confidence: 'medium' });
const HOME = makeFact('f_home', 'Lives in Lisbon near the river', '2026-02-01T10:00:00.000Z');

/** A store whose archive search is `search` (everything else is the real file store in a temp dir). */
async function storeWith(search: ArchiveStore['search'], facts: Fact[] = []): Promise<FileMemoryStore> {
  const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'memagent-recall-')), 'memory');
  const store = new FileMemoryStore({ dir });
  if (facts.length > 0) await store.update('alice', (m) => ({ ...m, facts }));
  Object.defineProperty(store, 'archive', { value: { ...store.archive, search } });
  return store;
}

function indexSearch(docs: SearchDoc[], calls: string[] = []): ArchiveStore['search'] {
  const index = SearchIndex.create();
  index.add(docs);
  return async (_user, query, opts) => {
    calls.push(query);
    return index.search(query, opts);
  };
}

function options(extra: Partial<SessionOptions> = {}): SessionOptions {
  return { userId: 'alice', model: 'claude-sonnet-5-5', extractModel: 'claude-haiku-5-5', memoryBudgetTokens: 2000, maxTokens: 1024, incognito: false, now: () => new Date(), ...extra };
}

const model = () => createModelClient({ apiKey: 'test-key', baseURL: fake().url, maxRetries: 0 });

async function say(session: ChatSession, text: string): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  const outcome = await session.send(text, (e) => events.push(e));
  expect(outcome.type).toBe('done');
  return events;
}

describe('automatic recall in a session', () => {
  it('attaches what the archive holds to that user message, before its text, and leaves the system prompt alone', async () => {
    // An archived fact (not in the memory file, so not in core memory).
    const store = await storeWith(indexSearch(docsFromMemory({ facts: [TEA], decisions: [] }).map((d) => ({ ...d, inMemoryFile: false }))));
    const session = await ChatSession.start(store, model(), options());
    const events = await say(session, 'What tea should I buy for tomorrow morning?');
    await say(session, 'And which tea for the afternoon?');

    const [first, second] = chatRequests(fake()).map((r) => r.body as any);
    expect(first.messages[0].content).toEqual([
      { type: 'text', text: expect.stringContaining('- [2026-03-02] (uncertain) Prefers green tea from Shizuoka in the morning') },
      { type: 'text', text: 'What tea should I buy for tomorrow morning?' },
    ]);
    expect(first.messages[0].content[0].text.startsWith(RECALL_OPEN)).toBe(true);
    expect(systemText(first)).not.toContain('Shizuoka');
    // The second request starts with exactly the first (system prompt and first user message).
    expect(second.system).toEqual(first.system);
    expect(second.messages[0]).toEqual(first.messages[0]);
    expect(second.messages[2].content[1]).toEqual({ type: 'text', text: 'And which tea for the afternoon?' });

    expect(events.filter((e) => e.type === 'recall')).toEqual([{ type: 'recall', count: 1, tokens: session.lastRecall!.tokens }]);
    expect(session.lastRecall!.lines).toEqual(['- [2026-03-02] (uncertain) Prefers green tea from Shizuoka in the morning']);

    // The journal records which memories were attached, just after that user turn (so the turn is on disk first).
    const journal = (await fs.readFile(session.journalPath!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const kinds = journal.map((l) => (l.type === 'turn' ? `${l.type}:${l.role}` : l.type));
    expect(kinds).toEqual(['session', 'turn:user', 'recall', 'turn:assistant', 'turn:user', 'recall', 'turn:assistant']);
    expect(journal[2]).toMatchObject({ ids: ['f_tea'], tokens: session.lastRecall!.tokens, follows: true });
    session.abandon();
  });

  it('does not recall what core memory already holds, and sends the plain text when nothing is left', async () => {
    const store = await storeWith(indexSearch(docsFromMemory({ facts: [TEA, HOME], decisions: [] })), [TEA, HOME]);
    const session = await ChatSession.start(store, model(), options({ incognito: true }));
    const events = await say(session, 'green tea?');
    expect((chatRequests(fake())[0]!.body as any).messages[0].content).toBe('green tea?');
    expect(events.some((e) => e.type === 'recall')).toBe(false);
    expect(session.lastRecall).toBeNull();
  });

  it('recalls in an incognito session too, and journals nothing', async () => {
    const store = await storeWith(indexSearch(docsFromMemory({ facts: [HOME], decisions: [] }).map((d) => ({ ...d, inMemoryFile: false }))));
    const session = await ChatSession.start(store, model(), options({ incognito: true }));
    await say(session, 'Which river do I live near?');
    expect(JSON.stringify((chatRequests(fake())[0]!.body as any).messages[0])).toContain('Lives in Lisbon near the river');
    expect(session.journalPath).toBeNull();
    await expect(fs.readdir(path.join(store.location, 'journal'))).rejects.toThrow();
  });

  it('sends the turn without recall when the search fails, with one notice however often it fails', async () => {
    let calls = 0;
    const store = await storeWith(async () => {
      calls++;
      throw new Error('index unreadable');
    });
    const session = await ChatSession.start(store, model(), options({ incognito: true }));
    const first = await say(session, 'hello there tea');
    const second = await say(session, 'more about tea');
    expect(calls).toBe(2);
    expect(first.filter((e) => e.type === 'notice')).toEqual([
      { type: 'notice', level: 'warning', text: 'could not search earlier sessions (index unreadable); this message is sent without recalled memory' },
    ]);
    expect(second.filter((e) => e.type === 'notice')).toEqual([]);
    expect((chatRequests(fake())[1]!.body as any).messages[2].content).toBe('more about tea');
  });

  it('searches nothing when the recall budget is 0', async () => {
    const calls: string[] = [];
    const store = await storeWith(indexSearch(docsFromMemory({ facts: [TEA], decisions: [] }).map((d) => ({ ...d, inMemoryFile: false })), calls));
    const session = await ChatSession.start(store, model(), options({ incognito: true, recallBudgetTokens: 0 }));
    session.warmRecall();
    await say(session, 'What tea should I buy?');
    expect(calls).toEqual([]);
    expect((chatRequests(fake())[0]!.body as any).messages[0].content).toBe('What tea should I buy?');
  });

  it('warms the index with one search, before any message', async () => {
    const calls: string[] = [];
    const store = await storeWith(indexSearch([], calls));
    const session = await ChatSession.start(store, model(), options({ incognito: true }));
    expect(calls).toEqual([]);
    session.warmRecall();
    expect(calls).toHaveLength(1);
  });

  it('does not wait for a search that never answers: the message goes without recall, with a notice', async () => {
    const recall = new AutoRecall({ search: () => new Promise(() => {}) }, { userId: 'alice', budgetTokens: 500, timeoutMs: 10 });
    const events: SessionEvent[] = [];
    expect(await recall.recall('green tea?', '2026-04-01T00:00:00.000Z', (e) => events.push(e))).toBeNull();
    expect(events).toEqual([{ type: 'notice', level: 'warning', text: 'could not search earlier sessions (no answer within 0.01 s); this message is sent without recalled memory' }]);
    expect(recall.last).toBeNull();
  });
});
