// A long session is extracted in chunks; a later chunk names the facts an earlier chunk proposed
// by the handles its prompt showed. Those changes must land on the fact the user saw, whatever
// ids the write under the lock hands out: after a `--review` that rejected some items, after a
// dropped item was kept anyway, after another session wrote in between. The real SDK against the
// fake API, a real file store in a temp dir; the "model" reads the handles from its prompt.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { extractPending, type ExtractionDeps } from '../src/core/extraction.js';
import { formatDroppedItem } from '../src/core/grounding-report.js';
import { parseFacts, type FakeExtraction } from '../src/fake-api/extraction.js';
import type { JsonStep } from '../src/fake-api/types.js';
import { mergeMemory } from '../src/core/merge.js';
import { createModelClient } from '../src/core/model.js';
import type { Memory, MergeOps, Turn } from '../src/core/schema.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { extractRequests, gate, useFakeApi } from './helpers/fake.js';

const fake = useFakeApi();
const AT = '2026-03-01T10:00:00.000Z';
const USER = 'alice';

/** A store in a fresh temp dir, and `alice`'s pending journal holding `turns`. */
async function storeWithJournal(turns: Array<Pick<Turn, 'role' | 'text'>>): Promise<FileMemoryStore> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'memagent-chunk-refs-'));
  const store = new FileMemoryStore({ dir: path.join(dir, 'memory') });
  const journal = await store.journals.open({ userId: USER, sessionId: '20260301T100000Z-abcdef', model: 'm', now: new Date(AT) });
  for (const t of turns) journal.append({ type: 'turn', role: t.role, text: t.text, at: AT });
  await journal.close();
  return store;
}

const deps = (store: FileMemoryStore, review?: ExtractionDeps['review']): ExtractionDeps => ({
  store,
  model: createModelClient({ apiKey: 'test-key', baseURL: fake().url, maxRetries: 0 }),
  extractModel: 'claude-haiku-5-5',
  now: () => new Date(),
  review,
});

/** A session whose `first` and `last` user turns are two extraction calls apart. */
function longSession(first: string, last: string): Array<Pick<Turn, 'role' | 'text'>> {
  const filler = (i: number) => `word${i} `.repeat(2_000).trim();
  return [
    { role: 'user', text: first },
    { role: 'assistant', text: 'Noted.' },
    ...Array.from({ length: 12 }, (_, i) => [
      { role: 'user' as const, text: 'long 2000' },
      { role: 'assistant' as const, text: filler(i) },
    ]).flat(),
    { role: 'user', text: last },
  ];
}

const none = (): FakeExtraction => ({ summary: '', add: [], update: [], supersede: [], retract: [], decisions: [] });
const fact = (text: string, quote: string) => ({ text, kind: 'fact' as const, confidence: 'high' as const, quote });

/**
 * Scripts the second extraction call: it is held until it arrives, then `between` runs (another
 * session may write), then its answer is built from the handles its own prompt shows
 * (`handle("Lives in Porto.")`), as a model would. Resolves once the answer is released.
 */
function secondCall(build: (handle: (text: string) => number) => Partial<FakeExtraction>, between?: () => Promise<void>): () => Promise<void> {
  const hold = gate();
  const step: JsonStep = { kind: 'json', match: 'extract', value: undefined, until: hold.promise };
  fake().enqueue(step);
  return async () => {
    await vi.waitFor(() => expect(extractRequests(fake())).toHaveLength(2), { timeout: 60_000, interval: 5 });
    await between?.();
    const content = extractRequests(fake())[1].body.messages[0].content;
    const prompt: string = typeof content === 'string' ? content : content.map((b: { text: string }) => b.text).join('');
    const facts = parseFacts(prompt.slice(prompt.indexOf('<facts>'), prompt.indexOf('</facts>')));
    const handle = (text: string): number => {
      const found = [...facts].find(([, t]) => t === text);
      if (!found) throw new Error(`the second call's prompt shows no fact "${text}"`);
      return found[0];
    };
    step.value = { ...none(), ...build(handle) };
    hold.open();
  };
}

/** Runs the extraction of alice's pending journal while the second call is answered. */
async function extractWith(store: FileMemoryStore, answerSecond: () => Promise<void>, review?: ExtractionDeps['review']) {
  const [outcomes] = await Promise.all([extractPending(deps(store, review), USER), answerSecond()]);
  expect(extractRequests(fake())).toHaveLength(2);
  expect(outcomes).toHaveLength(1);
  return { outcome: outcomes[0], memory: (await store.load(USER)).memory };
}

/** Writes `ops` as session `sessionId` would have (another terminal's save). */
async function otherSessionWrites(store: FileMemoryStore, sessionId: string, ops: Partial<MergeOps>): Promise<Memory> {
  const all: MergeOps = { add: [], update: [], supersede: [], retract: [], decisions: [], ...ops };
  return (await store.update(USER, (current) => mergeMemory(current, all, { sessionId, now: new Date() }).memory)).after;
}

const active = (memory: Memory) => memory.facts.filter((f) => f.status === 'active').map((f) => f.text).sort();

describe('a long session: a later chunk changes the fact its prompt showed', () => {
  it('under --review, retracting a fact whose add the user rejected retracts nothing else, and says it was not kept', async () => {
    const store = await storeWithJournal(longSession('My name is Earlybird. I live in Porto.', 'Forget my name, please.'));
    fake().enqueue({
      kind: 'json',
      match: 'extract',
      value: { ...none(), add: [fact('Name is Earlybird.', 'My name is Earlybird.'), fact('Lives in Porto.', 'I live in Porto.')] },
    });
    let shown = 0;
    const answer = secondCall((handle) => ({ retract: [{ fact: (shown = handle('Name is Earlybird.')), quote: 'Forget my name, please.' }] }));
    const asked: string[] = [];
    const { outcome, memory } = await extractWith(store, answer, async (items) => {
      asked.push(...items.map((i) => i.text));
      return items.map((i) => i.text !== '+ Name is Earlybird.');
    });

    expect(asked).toEqual(['+ Name is Earlybird.', '+ Lives in Porto.', '- retracted: Name is Earlybird.']);
    expect(active(memory)).toEqual(['Lives in Porto.']);
    expect(memory.facts.filter((f) => f.status !== 'active')).toEqual([]);
    expect(outcome.changes.map((c) => `${c.type} ${c.text}`)).toEqual(['add Lives in Porto.']);
    expect(outcome.dropped).toEqual([{ op: 'retract', text: '', fact: shown, quote: 'Forget my name, please.', reason: 'unkept-fact' }]);
    expect(formatDroppedItem(outcome.dropped![0])).toBe(`not kept: forget fact ${shown} ('Forget my name, please.') — names a fact that was not kept`);
  });

  it('when another session wrote the same fact in between, an update of it lands on that fact, not on the next one added', async () => {
    const store = await storeWithJournal(longSession('I live in Porto. My name is Earlybird.', 'I have lived in Porto since 2019.'));
    fake().enqueue({
      kind: 'json',
      match: 'extract',
      value: { ...none(), add: [fact('Lives in Porto.', 'I live in Porto.'), fact('Name is Earlybird.', 'My name is Earlybird.')] },
    });
    let theirs: string | undefined;
    const answer = secondCall(
      (handle) => ({ update: [{ fact: handle('Lives in Porto.'), text: 'Lives in Porto since 2019.', quote: 'I have lived in Porto since 2019.' }] }),
      // Between this session's last model call and its lock: another terminal saves "Lives in Porto."
      async () => {
        theirs = (await otherSessionWrites(store, 'other-session', { add: [fact('Lives in Porto.', 'I live in Porto')] })).facts[0].id;
      },
    );
    const { outcome, memory } = await extractWith(store, answer);

    expect(active(memory)).toEqual(['Lives in Porto since 2019.', 'Name is Earlybird.']);
    expect(memory.facts.filter((f) => f.status !== 'active')).toEqual([]);
    // The other session's fact is the one refreshed and then updated.
    expect(memory.facts.find((f) => f.text === 'Lives in Porto since 2019.')?.id).toBe(theirs);
    expect(outcome.changes.map((c) => `${c.type} ${c.text}`).sort()).toEqual([
      'add Name is Earlybird.',
      'refresh Lives in Porto.',
      'update Lives in Porto since 2019.',
    ]);
    expect(outcome.dropped).toEqual([]);
  });

  it('a dropped item kept anyway under --review does not move a later chunk\'s change onto it', async () => {
    const store = await storeWithJournal(longSession('I live in Porto. I left Acme.', 'I have lived in Porto since 2019.'));
    await otherSessionWrites(store, 'earlier-session', { add: [fact('Works at Acme.', 'I work at Acme')] });
    fake().enqueue({
      kind: 'json',
      match: 'extract',
      value: {
        ...none(),
        add: [fact('Lives in Porto.', 'I live in Porto.')],
        // Not the user's words: dropped by grounding, then kept anyway by the user.
        supersede: [{ fact: 1, ...fact('Works at Globex.', 'I joined Globex last week.') }],
      },
    });
    const answer = secondCall((handle) => ({
      update: [{ fact: handle('Lives in Porto.'), text: 'Lives in Porto since 2019.', quote: 'I have lived in Porto since 2019.' }],
    }));
    const asked: string[] = [];
    const { outcome, memory } = await extractWith(store, answer, async (items) => {
      asked.push(...items.map((i) => i.text));
      return items.map(() => true);
    });

    expect(asked).toEqual([
      '+ Lives in Porto.',
      "not kept: 'Works at Globex.' — quote not found in your words",
      '~ Lives in Porto since 2019. (was: Lives in Porto.)',
    ]);
    expect(active(memory)).toEqual(['Lives in Porto since 2019.', 'Works at Globex.']);
    expect(memory.facts.filter((f) => f.status === 'superseded').map((f) => f.text)).toEqual(['Works at Acme.']);
    expect(outcome.dropped).toEqual([]);
  });
});
