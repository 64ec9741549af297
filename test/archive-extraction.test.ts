// After its extraction is merged, a session's transcript goes to episodic memory (searchable),
// not away; a session with nothing the user said is only retired. Real journal files, the real
// SDK against the in-process fake API.
import { mkdtemp, rm } from 'node:fs/promises';
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

describe('a merged session is kept in episodic memory', () => {
  it('its journal leaves the pending list, and its turns are searchable with the session id and date', async () => {
    const root = await mkdtemp(join(tmpdir(), 'memagent-keep-'));
    dirs.push(root);
    const store = new FileMemoryStore({ dir: join(root, 'memory') });
    const at = new Date('2026-03-01T10:00:00.000Z');
    const deps = { store, model: createModelClient({ apiKey: 'test-key', baseURL: fake().url, maxRetries: 0 }), extractModel: 'claude-haiku-5-5', now: () => at };
    const journal = await store.journals.open({ userId: 'kim', sessionId: '20260301T100000Z-kayak', model: 'm', now: at });
    journal.append({ type: 'turn', role: 'user', text: 'I live in Porto.', at: at.toISOString() });
    journal.append({ type: 'turn', role: 'assistant', text: 'Noted.', at: at.toISOString() });
    journal.append({ type: 'turn', role: 'user', text: 'The kayak trip was on the Douro.', at: at.toISOString() });
    await journal.close();
    const silent = await store.journals.open({ userId: 'kim', sessionId: '20260301T110000Z-quiet', model: 'm', now: at });
    silent.append({ type: 'turn', role: 'assistant', text: 'Hello?', at: at.toISOString() });
    await silent.close();

    const outcomes = await extractPending(deps, 'kim');
    expect(outcomes.map((o) => o.extracted)).toEqual([true, false]);
    expect(await store.journals.listPending('kim')).toEqual([]);
    expect((await store.archive.sessions('kim')).map((s) => s.sessionId)).toEqual(['20260301T100000Z-kayak']);
    const hits = await store.archive.search('kim', 'kayak Douro', { limit: 5, kinds: ['turn'] });
    expect(hits).toMatchObject([{ id: '20260301T100000Z-kayak:2', sessionId: '20260301T100000Z-kayak', date: at.toISOString(), text: 'The kayak trip was on the Douro.' }]);
  });
});
