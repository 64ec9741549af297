// Issue 10, item 16: a session killed after its extraction was merged but before its journal was
// retired is extracted again by the next run. Applying it again must change nothing: the same
// facts, the same session count, no new revision. Real journal files, the real SDK against the
// in-process fake API.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { extractPending } from '../src/core/extraction.js';
import { createModelClient } from '../src/core/model.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { useFakeApi } from './helpers/fake.js';

const fake = useFakeApi();
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('re-extraction of a session already merged', () => {
  it('changes nothing: no new revision, the session counted once, and a later session\'s facts stand', async () => {
    const root = await mkdtemp(join(tmpdir(), 'memagent-replay-'));
    dirs.push(root);
    const store = new FileMemoryStore({ dir: join(root, 'memory') });
    const at = new Date('2026-03-01T10:00:00.000Z');
    const deps = { store, model: createModelClient({ apiKey: 'test-key', baseURL: fake().url, maxRetries: 0 }), extractModel: 'claude-haiku-5-5', now: () => at };
    async function session(id: string, text: string): Promise<string> {
      const journal = await store.journals.open({ userId: 'rae', sessionId: id, model: 'm', now: at });
      journal.append({ type: 'turn', role: 'user', text, at: at.toISOString() });
      journal.append({ type: 'turn', role: 'assistant', text: 'Noted.', at: at.toISOString() });
      await journal.close();
      return journal.path;
    }

    const first = await session('20260301T100000Z-porto', 'I live in Porto.');
    // What a kill right after the merge leaves behind: the journal, still pending.
    const copy = join(root, 'journal-copy.jsonl');
    await copyFile(first, copy);
    expect((await extractPending(deps, 'rae'))[0].written).toBe(true);
    await session('20260301T110000Z-lisbon', 'I live in Lisbon.');
    expect((await extractPending(deps, 'rae'))[0].changes.map((c) => c.type)).toContain('supersede');
    const merged = (await store.load('rae')).memory;
    expect(merged.sessionCount).toBe(2);

    await copyFile(copy, first);
    expect(await store.journals.listPending('rae')).toEqual([first]);
    const [again] = await extractPending(deps, 'rae');
    expect(again.written).toBe(false);
    expect(again.changes).toEqual([]);
    expect((await store.load('rae')).memory).toEqual(merged);
    expect(merged.facts.filter((f) => f.status === 'active').map((f) => f.text)).toEqual(['I live in Lisbon.']);
    expect(await store.journals.listPending('rae')).toEqual([]);
  });
});
