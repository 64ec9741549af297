// What `compact` shows the model and what it decides from the answer, seen by a user: the request
// lists only active facts (pinned ones marked, dates as days) so history cannot be merged; an
// empty memory says "(none)"; the one-third refusal counts active facts only; a plan that changes
// nothing writes nothing; warnings reach the user; a plan that hit a concurrent write lands none
// of its ops. A real FileMemoryStore in a temp dir and the real SDK against the in-process fake API.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactMemory, type CompactionAnswer } from '../src/core/compaction.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import type { UpdateResult } from '../src/core/storage/store.js';
import { createModelClient } from '../src/core/model.js';
import type { Fact } from '../src/core/schema.js';
import { waitFor } from './helpers/cli.js';
import { gate, useFakeApi } from './helpers/fake.js';
import { makeFact } from './helpers/memory.js';

const fact = (id: string, text: string, n: number, extra: Partial<Fact> = {}): Fact =>
  makeFact(id, text, `2026-03-0${n}T10:00:00.000Z`, { createdAt: `2026-03-01T10:00:0${n}.000Z`, ...extra });

const answer = (a: Partial<CompactionAnswer>): CompactionAnswer => ({ summary: '', merge: [], retract: [], ...a });

describe('the compaction request and its outcome', () => {
  const fake = useFakeApi({ strict: true });
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'memagent-compaction-request-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function setup(summary: string, facts: Fact[]) {
    const store = new FileMemoryStore({ dir: await mkdtemp(join(tmp, 'case-')) });
    await store.update('alice', (m) => ({ ...m, summary, facts }));
    const model = createModelClient({ apiKey: 'test-key', baseURL: fake().url, maxRetries: 0 });
    const deps = { store, model, extractModel: 'claude-haiku-5-5', now: () => new Date() };
    return { store, deps };
  }
  const compactionRequests = () => fake().requests.filter((r) => r.body?.output_config);
  const lastUserText = (): string => {
    const content = compactionRequests().at(-1)!.body.messages[0].content;
    return typeof content === 'string' ? content : content.map((b: { text: string }) => b.text).join('');
  };

  it('shows the model only active facts, pinned ones marked, dated by day, so it cannot merge history', async () => {
    const { deps } = await setup('Alice lives in Lisbon.', [
      fact('f_a', 'Lives in Lisbon', 1),
      fact('f_old', 'Lives in Porto', 2, { status: 'superseded' }),
      fact('f_gone', 'Works at Acme', 3, { status: 'retracted' }),
      fact('f_p', 'Allergic to peanuts', 4, { pinned: true }),
      fact('f_t', 'Prefers tea', 5, { kind: 'preference' }),
    ]);
    fake().enqueue({ match: 'extract', kind: 'json', value: answer({}) });
    await compactMemory(deps, 'alice', { dryRun: true, allowLargeRemoval: false });
    expect(lastUserText()).toBe(
      [
        'Summary:',
        'Alice lives in Lisbon.',
        '',
        '<facts>',
        '1. [fact] Lives in Lisbon (updated 2026-03-01)',
        '2. [fact, pinned] Allergic to peanuts (updated 2026-03-04)',
        '3. [preference] Prefers tea (updated 2026-03-05)',
        '</facts>',
      ].join('\n'),
    );
  });

  it('an empty memory\'s compaction request says (none) rather than an empty block', async () => {
    const { deps } = await setup('', [fact('f_gone', 'Works at Acme', 1, { status: 'retracted' })]);
    fake().enqueue({ match: 'extract', kind: 'json', value: answer({}) });
    const r = await compactMemory(deps, 'alice', { dryRun: true, allowLargeRemoval: false });
    expect(lastUserText()).toBe('Summary:\n(none)\n\n<facts>\n(none)\n</facts>');
    expect(r).toMatchObject({ status: 'dry-run', needsConfirmation: false, removal: { removing: 0, active: 0 } });
  });

  it('a plan that would remove more than a third of the active facts is refused without --yes, counting only active facts', async () => {
    // 3 active facts and 3 retracted ones: retracting 2 is 2 of 3 active (refused), not 2 of 6.
    const { store, deps } = await setup('Alice.', [
      fact('f_a', 'Lives in Lisbon', 1),
      fact('f_b', 'Works at Acme', 2),
      fact('f_c', 'Prefers tea', 3),
      fact('f_x', 'Old one', 4, { status: 'retracted' }),
      fact('f_y', 'Older one', 5, { status: 'retracted' }),
      fact('f_z', 'Oldest one', 6, { status: 'retracted' }),
    ]);
    const revision = (await store.load('alice')).memory.revision;
    fake().enqueue({ match: 'extract', kind: 'json', value: answer({ retract: [{ fact: 1, reason: 'moved' }, { fact: 2, reason: 'left' }] }) });
    const r = await compactMemory(deps, 'alice', { dryRun: false, allowLargeRemoval: false });
    expect(r).toMatchObject({ status: 'needs-confirmation', needsConfirmation: true, removal: { removing: 2, active: 3 } });
    expect((await store.load('alice')).memory.revision).toBe(revision);
  });

  it('removing exactly a third of the active facts needs no confirmation', async () => {
    const { store, deps } = await setup('Alice.', [fact('f_a', 'Lives in Lisbon', 1), fact('f_b', 'Works at Acme', 2), fact('f_c', 'Prefers tea', 3)]);
    fake().enqueue({ match: 'extract', kind: 'json', value: answer({ retract: [{ fact: 2, reason: 'left' }] }) });
    const r = await compactMemory(deps, 'alice', { dryRun: false, allowLargeRemoval: false });
    expect(r).toMatchObject({ status: 'applied', needsConfirmation: false, removal: { removing: 1, active: 3 } });
    expect((await store.load('alice')).memory.facts.find((f) => f.id === 'f_b')?.status).toBe('retracted');
  });

  it('a plan that changes nothing writes nothing and says unchanged', async () => {
    const { store, deps } = await setup('Alice.', [fact('f_a', 'Lives in Lisbon', 1), fact('f_b', 'Works at Acme', 2)]);
    const revision = (await store.load('alice')).memory.revision;
    fake().enqueue({ match: 'extract', kind: 'json', value: answer({}) });
    const r = await compactMemory(deps, 'alice', { dryRun: false, allowLargeRemoval: false });
    expect(r).toMatchObject({ status: 'unchanged', revision, changes: [] });
    expect((await store.load('alice')).memory.revision).toBe(revision);
  });

  it('tells the user about ops it skipped, in a dry run and in a real run', async () => {
    const facts = [fact('f_a', 'Lives in Lisbon', 1), fact('f_p', 'Allergic to peanuts', 2, { pinned: true }), fact('f_c', 'Works at Acme', 3)];
    const skipped = answer({ retract: [{ fact: 2, reason: 'stale' }, { fact: 3, reason: 'left' }] });
    const { deps } = await setup('Alice.', facts);
    fake().enqueue({ match: 'extract', kind: 'json', value: skipped });
    const dry = await compactMemory(deps, 'alice', { dryRun: true, allowLargeRemoval: false });
    expect(dry.warnings).toEqual(['skipped a retraction: pinned fact f_p']);
    fake().enqueue({ match: 'extract', kind: 'json', value: skipped });
    const real = await compactMemory(deps, 'alice', { dryRun: false, allowLargeRemoval: false });
    expect(real.status).toBe('applied');
    expect(real.warnings).toEqual(['skipped a retraction: pinned fact f_p']);
  });

  it('a real run also reports a summary another session rewrote meanwhile, keeping that one', async () => {
    const { store, deps } = await setup('Alice.', [fact('f_a', 'Lives in Lisbon', 1), fact('f_b', 'Works at Acme', 2), fact('f_c', 'Prefers tea', 3)]);
    const written = gate();
    fake().enqueue({ match: 'extract', kind: 'json', value: answer({ summary: 'Alice, in Lisbon.', retract: [{ fact: 2, reason: 'left' }] }), until: written.promise });
    const running = compactMemory(deps, 'alice', { dryRun: false, allowLargeRemoval: false });
    await waitFor(() => compactionRequests().length, (n) => n === 1);
    await store.update('alice', (m) => ({ ...m, summary: 'Alice, a Rust learner.' }));
    written.open();
    const r = await running;
    expect(r.status).toBe('applied');
    expect(r.warnings).toEqual(['the summary was rewritten by another session meanwhile; kept that one']);
    expect((await store.load('alice')).memory.summary).toBe('Alice, a Rust learner.');
  });

  it('a plan that hit a concurrent write lands none of its ops, not even the ones on untouched facts', async () => {
    const { store, deps } = await setup('Alice.', [
      fact('f_a', 'Lives in Lisbon', 1),
      fact('f_b', 'Lives in Lisbon, Portugal', 2),
      fact('f_c', 'Works at Acme', 3),
      fact('f_d', 'Learning Rust', 4),
      fact('f_e', 'Prefers tea', 5),
      fact('f_f', 'Has a cat', 6),
    ]);
    const written = gate();
    const mergeAB = { facts: [1, 2], text: 'Lives in Lisbon, Portugal', kind: 'fact' as const, confidence: 'high' as const };
    fake().enqueue(
      { match: 'extract', kind: 'json', value: answer({ merge: [mergeAB], retract: [{ fact: 5, reason: 'stale' }] }), until: written.promise },
      { match: 'extract', kind: 'json', value: answer({ retract: [{ fact: 3, reason: 'left Acme' }] }) },
    );
    const running = compactMemory(deps, 'alice', { dryRun: false, allowLargeRemoval: false });
    await waitFor(() => compactionRequests().length, (n) => n === 1);
    await store.update('alice', (m) => ({ ...m, facts: m.facts.map((f) => (f.id === 'f_b' ? { ...f, text: 'Lives in Porto', updatedAt: new Date().toISOString() } : f)) }));
    const touched = (await store.load('alice')).memory.revision;
    written.open();
    const r = await running;
    expect(r).toMatchObject({ status: 'applied', replanned: true, revision: touched + 1 });
    const byId = new Map((await store.load('alice')).memory.facts.map((f) => [f.id, f]));
    expect(byId.get('f_e')?.status).toBe('active'); // the first plan's retraction never landed
    expect(byId.get('f_c')?.status).toBe('retracted');
  });
});

describe('compactMemory with a store that never runs the update', () => {
  const fake = useFakeApi({ strict: true });
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'memagent-compaction-broken-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('fails with one clear line saying nothing was changed, not a TypeError', async () => {
    const real = new FileMemoryStore({ dir: tmp });
    await real.update('alice', (m) => ({ ...m, facts: [fact('f_a', 'Lives in Lisbon', 1), fact('f_b', 'Works at Acme', 2), fact('f_c', 'Prefers tea', 3)] }));
    // A broken store: update reports "nothing written" without ever calling fn.
    const store: FileMemoryStore = Object.create(real);
    store.update = async (userId) => {
      const { memory } = await real.load(userId);
      const result: UpdateResult = { before: memory, after: memory, written: false };
      return result;
    };
    const model = createModelClient({ apiKey: 'test-key', baseURL: fake().url, maxRetries: 0 });
    fake().enqueue({ match: 'extract', kind: 'json', value: answer({ retract: [{ fact: 2, reason: 'left' }] }) });
    await expect(compactMemory({ store, model, extractModel: 'claude-haiku-5-5', now: () => new Date() }, 'alice', { dryRun: false, allowLargeRemoval: false })).rejects.toThrow(
      'compaction was not applied (a memagent bug: the update never ran); nothing was changed',
    );
  });
});
