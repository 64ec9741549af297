// Issue 10 item 2: a session longer than one extraction call is extracted whole, in chunks, and
// its journal is retired only when every turn was seen. The real SDK against the fake API, a
// real file store in a temp dir.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXTRACTION_TRANSCRIPT_MAX_CHARS, chunkTranscript, extractPending } from '../src/core/extraction.js';
import { createModelClient } from '../src/core/model.js';
import type { Turn } from '../src/core/schema.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { extractRequests, useFakeApi } from './helpers/fake.js';

const fake = useFakeApi();
const AT = '2026-03-01T10:00:00.000Z';

/** A store in a fresh temp dir, and `alice`'s pending journal holding `turns`. */
async function storeWithJournal(turns: Array<Pick<Turn, 'role' | 'text'>>): Promise<FileMemoryStore> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'memagent-chunks-'));
  const store = new FileMemoryStore({ dir: path.join(dir, 'memory') });
  const journal = await store.journals.open({ userId: 'alice', sessionId: '20260301T100000Z-abcdef', model: 'm', now: new Date(AT) });
  for (const t of turns) journal.append({ type: 'turn', role: t.role, text: t.text, at: AT });
  await journal.close();
  return store;
}

const deps = (store: FileMemoryStore) => ({
  store,
  model: createModelClient({ apiKey: 'test-key', baseURL: fake().url, maxRetries: 0 }),
  extractModel: 'claude-haiku-5-5',
  now: () => new Date(),
});

/** An assistant answer of about `chars` characters, in words (as `long 2000` gets). */
const longAnswer = (chars: number, tag: string) => `${tag} `.repeat(Math.ceil(chars / (tag.length + 1))).trim();

/** A session whose first and last user turns are more than one call apart. */
const longSession = (): Array<Pick<Turn, 'role' | 'text'>> => [
  { role: 'user', text: 'My name is Earlybird.' },
  { role: 'assistant', text: 'Hello Earlybird.' },
  ...Array.from({ length: 12 }, (_, i) => [
    { role: 'user' as const, text: 'long 2000' },
    { role: 'assistant' as const, text: longAnswer(12_000, `word${i}`) },
  ]).flat(),
  { role: 'user', text: 'I like latefruit.' },
];

describe('a session longer than one extraction call', () => {
  it('keeps the facts of its beginning and of its end, in one write, and retires the journal', async () => {
    const store = await storeWithJournal(longSession());
    const outcomes = await extractPending(deps(store), 'alice');
    expect(outcomes).toHaveLength(1);
    const { memory } = await store.load('alice');
    expect(memory.facts.map((f) => f.text).sort()).toEqual(['I like latefruit.', 'My name is Earlybird.']);
    // One session, one write: the union of the chunks, not a revision per chunk.
    expect(memory.revision).toBe(1);
    expect(memory.sessionCount).toBe(1);
    expect(outcomes[0].changes.filter((c) => c.type === 'add').map((c) => c.text).sort()).toEqual(['I like latefruit.', 'My name is Earlybird.']);
    expect(await store.journals.listPending('alice')).toEqual([]);

    const requests = extractRequests(fake());
    expect(requests.length).toBeGreaterThanOrEqual(2);
    const transcripts = requests.map((r) => {
      const text: string = r.body.messages[0].content.map?.((b: { text: string }) => b.text).join('') ?? r.body.messages[0].content;
      return text.slice(text.indexOf('<transcript>\n') + 13, text.indexOf('\n</transcript>'));
    });
    for (const t of transcripts) expect(t.length).toBeLessThanOrEqual(EXTRACTION_TRANSCRIPT_MAX_CHARS);
    // The later call sees what the earlier one found, as remembered facts, not as transcript.
    const last = JSON.stringify(requests.at(-1)!.body);
    expect(last).toMatch(/<facts>\\n1\. \[fact\] My name is Earlybird\./);
    expect(transcripts.at(-1)).not.toContain('Earlybird');
  });

  it('a failed call for a later chunk writes nothing and keeps the journal for the next run', async () => {
    const store = await storeWithJournal(longSession());
    fake().enqueue(
      { kind: 'json', match: 'extract', value: { summary: 'Earlybird.', add: [{ text: 'My name is Earlybird.', kind: 'fact', confidence: 'high', quote: 'My name is Earlybird.' }], update: [], supersede: [], retract: [], decisions: [] } },
      { kind: 'error', match: 'extract', status: 400, type: 'invalid_request_error', message: 'refused for the test' },
    );
    await expect(extractPending(deps(store), 'alice')).rejects.toThrow(/refused for the test/);
    expect((await store.load('alice')).exists).toBe(false);
    expect(await store.journals.listPending('alice')).toHaveLength(1);

    // The next run sees the whole session again and keeps both ends.
    await extractPending(deps(store), 'alice');
    expect((await store.load('alice')).memory.facts.map((f) => f.text).sort()).toEqual(['I like latefruit.', 'My name is Earlybird.']);
  });
});

describe('chunkTranscript', () => {
  const turn = fc.record({
    role: fc.constantFrom('user' as const, 'assistant' as const),
    text: fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'grapheme', maxLength: 200 }), fc.constantFrom('a\nb\n\nc', ' '.repeat(300), '😀'.repeat(300))),
    at: fc.constant(AT),
    interrupted: fc.option(fc.constant(true), { nil: undefined }),
  });

  it('covers every turn in order, with no chunk over the limit, splitting only turns longer than it', () => {
    fc.assert(
      fc.property(fc.array(turn, { maxLength: 12 }), fc.integer({ min: 128, max: 700 }), (turns, max) => {
        const chunks = chunkTranscript(turns, max);
        for (const chunk of chunks) {
          expect(chunk.length).toBeGreaterThan(0);
          const rendered = chunk.map((t) => `[${t.role}] ${t.text.split('\n').join('\n  ')}${t.interrupted ? ' [answer interrupted]' : ''}`).join('\n');
          expect(rendered.length).toBeLessThanOrEqual(max);
          // No part ends on half an emoji.
          for (const t of chunk) expect(t.text).not.toMatch(/[\uD800-\uDBFF]$/u);
        }
        // Joined back, the parts are the turns.
        const parts = chunks.flat();
        const joined: Turn[] = [];
        let i = 0;
        for (const original of turns) {
          let text = '';
          let last: Turn | undefined;
          while (text.length < original.text.length || (original.text === '' && last === undefined)) {
            last = parts[i++];
            expect(last.role).toBe(original.role);
            text += last.text;
          }
          joined.push({ ...original, text });
          expect(Boolean(last?.interrupted)).toBe(Boolean(original.interrupted));
        }
        expect(i).toBe(parts.length);
        expect(joined.map((t) => t.text)).toEqual(turns.map((t) => t.text));
      }),
    );
  });

  it('keeps a session under the limit as one chunk of the very same turns', () => {
    const turns: Turn[] = [
      { role: 'user', text: 'I live in Porto.', at: AT },
      { role: 'assistant', text: 'Nice.', at: AT, interrupted: true },
    ];
    expect(chunkTranscript(turns)).toEqual([turns]);
    expect(chunkTranscript([])).toEqual([]);
  });
});
