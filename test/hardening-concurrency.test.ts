// Issue 5, concurrency: many sessions of one user ending together lose nothing and write nothing
// twice; `/remember` racing another session's exit loses nothing; a lock found compromised is
// never committed on.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChatSession } from '../src/core/chat-session.js';
import { LockError } from '../src/core/errors.js';
import { type LockHandle, withLock } from '../src/core/storage/file/lock.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { createModelClient } from '../src/core/model.js';
import { memorySchema } from '../src/core/schema.js';
import { apiWorkspace, chatCrowd, waitFor } from './helpers/cli.js';
import { extractRequests, gate, useFakeApi } from './helpers/fake.js';

const fake = useFakeApi();

/** Every path under `dir`, recursively. */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    out.push(p);
    if (entry.isDirectory()) out.push(...(await walk(p)));
  }
  return out;
}

describe('20 CLI sessions of one user ending together', () => {
  const N = 20;

  it(`all ${N} land: every fact once, revision +${N}, the file validates, nothing left behind`, async () => {
    const ws = await apiWorkspace(fake().url);
    const { env } = ws;
    // An earlier session's memory, which must survive the crowd.
    const store = new FileMemoryStore({ dir: ws.memoryDir });
    const t = new Date().toISOString();
    await store.update('crowd', (m) => ({
      ...m,
      facts: [{ id: 'f_seed', text: 'Lives in Seedville', kind: 'fact', confidence: 'high', status: 'active', pinned: false,
        createdAt: t, updatedAt: t, validFrom: t, source: { session: 's0', at: t, quote: 'I live in Seedville' } }],
    }));
    const before = (await store.load('crowd')).memory;

    const started = Date.now();
    // Every session has its turn answered (and journaled) before any of them ends.
    const { done, answeredAt } = await chatCrowd(N, 'crowd', { cwd: ws.cwd, env });
    const endedAt = Date.now();

    for (const r of done) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/Memory saved: \+1 added/);
    }
    expect(extractRequests(fake())).toHaveLength(N);
    const raw = JSON.parse(await fs.readFile(path.join(ws.memoryDir, 'crowd.json'), 'utf8'));
    expect(memorySchema.safeParse(raw).success).toBe(true);
    const { memory } = await store.load('crowd');
    expect(memory.revision).toBe(before.revision + N);
    expect(memory.sessionCount).toBe(before.sessionCount + N);
    const texts = memory.facts.map((f) => f.text);
    const expected = ['Lives in Seedville', ...Array.from({ length: N }, (_, i) => `I like fruit-${i}.`)];
    expect([...texts].sort()).toEqual([...expected].sort());
    expect(memory.facts.every((f) => f.status === 'active')).toBe(true);
    // Every journal kept once in episodic memory (not pending), every lock released, no temp file left.
    const files = await walk(ws.memoryDir);
    const kept = path.join(ws.memoryDir, 'archive', 'crowd', 'sessions');
    expect(files.filter((p) => p.startsWith(`${kept}${path.sep}`))).toHaveLength(N);
    const leftovers = files.filter((p) => /\.(jsonl|lock|tmp)$/.test(p) && !p.startsWith(`${kept}${path.sep}`));
    expect(leftovers).toEqual([]);
    // The saves themselves (from end of input to the last exit), for the record of the budget.
    console.log(`[hardening] ${N} sessions: started+answered in ${answeredAt - started} ms, saved in ${endedAt - answeredAt} ms`);
  }, 60_000);
});

describe('/remember racing another session of the same user at exit', () => {
  it('the extraction that started before /remember merges on top of it: both are kept', async () => {
    const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'memagent-race-')), 'memory');
    // Two stores on one dir, as two processes would have.
    const storeA = new FileMemoryStore({ dir });
    const storeB = new FileMemoryStore({ dir });
    const model = createModelClient({ apiKey: 'test-key', baseURL: fake().url, maxRetries: 0 });
    const options = { userId: 'racer', model: 'claude-sonnet-5-5', extractModel: 'claude-haiku-5-5', memoryBudgetTokens: 2000, maxTokens: 1024, incognito: false, now: () => new Date() };
    const a = await ChatSession.start(storeA, model, options);
    const b = await ChatSession.start(storeB, model, options);
    expect((await b.send('I live in Racetown.', () => {})).type).toBe('done');

    // B's extraction has read the memory (revision 0) and waits for the model ...
    const remembered = gate();
    fake().enqueue({ match: 'extract', kind: 'json', until: remembered.promise, value: {
      summary: 'Lives in Racetown.', update: [], supersede: [], retract: [], decisions: [],
      add: [{ text: 'Lives in Racetown', kind: 'fact', confidence: 'high', quote: 'I live in Racetown' }],
    } });
    const finishing = b.finish();
    await waitFor(() => extractRequests(fake()).length, (n) => n === 1, 20_000);
    // ... while A's /remember writes revision 1.
    const changes = await a.remember('I keep bees');
    expect(changes.map((c) => c.type)).toEqual(['add']);
    remembered.open();
    const outcome = await finishing;
    expect(outcome?.revision).toBe(2);

    const { memory } = await storeA.load('racer');
    expect(memory.revision).toBe(2);
    expect(memory.facts.map((f) => [f.text, f.pinned]).sort()).toEqual([
      ['I keep bees', true],
      ['Lives in Racetown', false],
    ]);
    expect(memory.summary).toBe('Lives in Racetown.');
    a.abandon();
  });
});

/**
 * Waits (up to 20 s) until the holder's refresh timer (every staleMs/2) has noticed the lock is
 * no longer ours: polled, not a guessed sleep, so a loaded CI machine only makes it slower.
 */
async function untilLost(lock: LockHandle): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      lock.assertHeld();
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error('the lock was never reported lost');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a lock proper-lockfile reports compromised', () => {
  it('is never committed on: the section is abandoned and run again on a fresh lock', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'memagent-compromised-'));
    const file = path.join(dir, 'zed.json');
    const attempts: number[] = [];
    const committed: number[] = [];
    // stale 2 s → proper-lockfile re-checks its lock every second.
    const result = await withLock(
      file,
      async (lock) => {
        attempts.push(lock.attempt);
        if (lock.attempt === 1) {
          // What another process reclaiming the lock looks like to the holder: the lock's mtime is
          // no longer the one it set. The directory is still there, so only the refresh can tell.
          await fs.utimes(`${file}.lock`, new Date(0), new Date(0));
          await untilLost(lock);
        }
        lock.assertHeld();
        committed.push(lock.attempt);
        return `committed on attempt ${lock.attempt}`;
      },
      { staleMs: 2000 },
    );
    expect(result).toBe('committed on attempt 2');
    expect(attempts).toEqual([1, 2]);
    expect(committed).toEqual([2]);
    await expect(fs.stat(`${file}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a section that ignores assertHeld still has its result discarded; after maxAttempts, LockError', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'memagent-compromised-'));
    const file = path.join(dir, 'yan.json');
    let runs = 0;
    const err = await withLock(
      file,
      async (lock) => {
        runs++;
        await fs.utimes(`${file}.lock`, new Date(0), new Date(0));
        await untilLost(lock);
        return 'blind';
      },
      { staleMs: 2000, maxAttempts: 2 },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(LockError);
    expect(runs).toBe(2);
  });
});
