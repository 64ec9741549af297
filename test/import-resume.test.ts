// Resuming an import at the points a kill can leave it: a session's journal written but cut
// short, or a session merged but its journal not yet kept. A real FileMemoryStore in a temp dir
// and the real SDK against the in-process fake API.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelClient } from '../src/core/model.js';
import { IMPORTED_MODEL, importSessions, parseImportFile, type ImportStep } from '../src/core/services/import.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { extractRequests, useFakeApi } from './helpers/fake.js';

const fake = useFakeApi();
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'memagent-import-resume-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const FILE = JSON.stringify({
  sessions: [
    { date: '2025-03-01T09:00:00Z', turns: [{ role: 'user', text: 'My name is Alice.' }, { role: 'assistant', text: 'Hi Alice.' }] },
    { date: '2025-04-01T09:00:00Z', turns: [{ role: 'user', text: 'I live in Lisbon.' }, { role: 'assistant', text: 'Nice.' }] },
  ],
});

async function setup() {
  const store = new FileMemoryStore({ dir: await mkdtemp(join(tmp, 'case-')) });
  const model = createModelClient({ apiKey: 'test-key', baseURL: fake().url, maxRetries: 0 });
  const deps = { store, model, extractModel: 'claude-haiku-5-5', now: () => new Date('2026-12-02T12:00:00Z') };
  return { store, deps, plan: parseImportFile(FILE) };
}

describe('importSessions after a kill', () => {
  it('replaces a journal cut short while it was written by the whole session from the file', async () => {
    const { store, deps, plan } = await setup();
    const [first] = plan.sessions;
    // The kill came after the header and the first turn.
    const cut = await store.journals.open({ userId: 'alice', sessionId: first.sessionId, model: IMPORTED_MODEL, now: new Date(first.startedAt) });
    cut.append({ type: 'turn', ...first.turns[0] });
    await cut.close();

    const steps: ImportStep[] = [];
    const summary = await importSessions(deps, 'alice', plan, (s) => steps.push(s));
    expect(steps.map((s) => s.status)).toEqual(['imported', 'imported']);
    expect(summary).toMatchObject({ total: 2, imported: 2, skipped: 0 });
    const episode = await store.archive.readSession('alice', first.sessionId);
    expect(episode?.turns.map((t) => t.text)).toEqual(['My name is Alice.', 'Hi Alice.']);
    expect(episode?.startedAt).toBe('2025-03-01T09:00:00.000Z');
    expect(await store.journals.listPending('alice')).toEqual([]);
  });

  it('keeps a session merged before the kill without merging it again', async () => {
    const { store, deps, plan } = await setup();
    const [first] = plan.sessions;
    // As if the kill came between the merge and keeping the journal: the memory holds the
    // session, its journal is still pending.
    await store.update('alice', (m) => ({ ...m, sessionCount: 1, appliedSessions: [first.sessionId] }));
    const left = await store.journals.open({ userId: 'alice', sessionId: first.sessionId, model: IMPORTED_MODEL, now: new Date(first.startedAt) });
    for (const t of first.turns) left.append({ type: 'turn', ...t });
    await left.close();

    const steps: ImportStep[] = [];
    const summary = await importSessions(deps, 'alice', plan, (s) => steps.push(s));
    expect(steps.map((s) => s.status)).toEqual(['imported', 'imported']);
    expect(steps[0].status === 'imported' && steps[0].outcome.written).toBe(false);
    const { memory } = await store.load('alice');
    expect(memory.sessionCount).toBe(2);
    expect(memory.facts.map((f) => f.text).join('\n')).not.toMatch(/Alice/); // the first session was not merged again
    expect(memory.facts.map((f) => f.text).join('\n')).toMatch(/Lisbon/);
    expect(summary.imported).toBe(2);
    expect(await store.journals.listPending('alice')).toEqual([]);
    expect((await store.archive.sessions('alice')).map((s) => s.sessionId)).toEqual(plan.sessions.map((s) => s.sessionId));
  });

  it('skips everything on a second run and calls no model', async () => {
    const { deps, plan } = await setup();
    await importSessions(deps, 'alice', plan);
    fake().reset();
    const summary = await importSessions(deps, 'alice', plan);
    expect(summary).toMatchObject({ imported: 0, skipped: 2, changes: 0 });
    expect(extractRequests(fake())).toEqual([]);
  });
});
