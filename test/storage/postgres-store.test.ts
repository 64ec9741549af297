// The storage contract and PostgreSQL-specific behaviour, against a real throwaway cluster
// (test/helpers/pg-cluster.ts): never a mock. Without initdb/pg_ctl these tests are skipped with
// a message, except under CI, where a missing server fails.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, MemagentError } from '../../src/core/errors.js';
import type { Memory } from '../../src/core/schema.js';
import { FileMemoryStore } from '../../src/core/storage/file/index.js';
import { PostgresMemoryStore, type PostgresMemoryStoreOptions } from '../../src/core/storage/postgres/index.js';
import { DB_SCHEMA_VERSION } from '../../src/core/storage/postgres/schema.js';
import { findPgBin, pgRequired, startCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { makeFact } from '../helpers/memory.js';
import { archiveStoreContract, memoryStoreContract } from './contract.js';
import { apiWorkspace, runCli } from '../helpers/cli.js';
import { useFakeApi } from '../helpers/fake.js';

const bin = await findPgBin();
const AT = '2026-03-01T10:00:00.000Z';
const adding = (id: string, text: string) => (m: Memory): Memory => ({ ...m, facts: [...m.facts, makeFact(id, text, AT, { kind: 'preference' })] });

if (!bin) {
  if (pgRequired()) {
    it('PostgreSQL server binaries (initdb, pg_ctl) are installed, as CI requires', () => {
      expect.fail('initdb/pg_ctl not found on PATH or under /usr/lib/postgresql: install the postgresql package (.ci/run does)');
    });
  } else {
    console.warn('postgres-store tests skipped: no initdb/pg_ctl (install the postgresql package to run them)');
    it.skip('PostgreSQL store (no server binaries here)', () => undefined);
  }
} else {
  let cluster: PgCluster;
  let dbCount = 0;
  const opened: PostgresMemoryStore[] = [];
  const tmpDirs: string[] = [];

  beforeAll(async () => {
    cluster = await startCluster(bin);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await cluster?.stop();
    await Promise.all(tmpDirs.map((d) => rm(d, { recursive: true, force: true })));
  }, 60_000);

  /** A fresh database and a fresh local memory dir; `open()` makes a store over both. */
  async function backing() {
    const url = await cluster.createDatabase(`memagent_${++dbCount}`);
    const root = await mkdtemp(join(tmpdir(), 'memagent-pg-local-'));
    tmpDirs.push(root);
    const dir = join(root, 'memory');
    const open = (opts: { url?: string; hooks?: PostgresMemoryStoreOptions['hooks']; archiveDays?: number; now?: () => Date } = {}) => {
      const store = new PostgresMemoryStore({ url: opts.url ?? url, local: new FileMemoryStore({ dir }), hooks: opts.hooks, archiveDays: opts.archiveDays, now: opts.now });
      opened.push(store);
      return store;
    };
    return { url, dir, open };
  }

  /** A contract backing: a fresh database, and a paused writer whose lock a takeover ends. */
  async function contractBacking() {
    const b = await backing();
    return {
      open: () => b.open(),
      cleanup: async () => undefined,
      // The paused writer's lock is its transaction; losing it means losing its connection, which
      // is what a takeover does here: the server ends the backend holding the user's advisory lock.
      pausedWriter: () => {
        let reached!: () => void;
        let resume!: () => void;
        const atCommit = new Promise<void>((r) => (reached = r));
        const resumed = new Promise<void>((r) => (resume = r));
        let first = true;
        const store = b.open({
          hooks: {
            beforeCommit: () => {
              if (!first) return undefined;
              first = false;
              reached();
              return resumed;
            },
          },
        });
        const takeOverLock = async () => {
          const killed = await cluster.sql(
            'postgres',
            "SELECT pg_terminate_backend(l.pid) AS ok FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND l.granted AND d.datname = $1",
            [b.url.split('/').pop()],
          );
          expect(killed).toHaveLength(1);
        };
        return { store, reached: atCommit, resume, takeOverLock };
      },
    };
  }

  memoryStoreContract('postgres store', contractBacking);

  archiveStoreContract('postgres store', contractBacking);

  describe('PostgreSQL store', () => {
    it('20 concurrent updates of one user over 20 separate connections all land: revision +20, every fact once', async () => {
      const b = await backing();
      const seed = b.open();
      await seed.update('ann', adding('seed', 'Seed fact'));
      const stores = Array.from({ length: 20 }, () => b.open());
      await Promise.all(stores.map((s, i) => s.update('ann', adding(`f${i}`, `Concurrent fact ${i}`))));
      const { memory } = await seed.load('ann');
      expect(memory.revision).toBe(21);
      const ids = memory.facts.map((f) => f.id);
      expect(ids.sort()).toEqual(['seed', ...Array.from({ length: 20 }, (_, i) => `f${i}`)].sort());
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('a database set up by a newer memagent is refused with one line and left untouched', async () => {
      const b = await backing();
      await b.open().load('ann'); // creates the schema
      const db = b.url.split('/').pop()!;
      await cluster.sql(db, 'INSERT INTO memagent_schema_version (version) VALUES ($1)', [DB_SCHEMA_VERSION + 1]);
      const err = await b.open().load('ann').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/newer memagent.*upgrade memagent/);
      expect((err as Error).message).not.toContain('\n');
    });

    it('a missing database and a refused connection are one line each saying what to do, never the password', async () => {
      const b = await backing();
      const missing = await b.open({ url: cluster.url('no_such_db') }).load('ann').catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(ConfigError);
      expect((missing as Error).message).toMatch(/no_such_db.*does not exist; create it/);
      const refused = await b.open({ url: 'postgres://ann:s3cret-pw@127.0.0.1:1/memagent' }).load('ann').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ConfigError);
      expect((refused as Error).message).toMatch(/127\.0\.0\.1:1.*connection refused/);
      expect((refused as Error).message).not.toContain('s3cret-pw');
      expect(await b.open({ url: 'postgres://ann:s3cret-pw@127.0.0.1:1/memagent' }).describeLocation('ann')).not.toContain('s3cret-pw');
      for (const err of [missing, refused]) expect((err as Error).message).not.toContain('\n');
    });

    it('undo and history survive a new process: versions live in the database, not the store object', async () => {
      const b = await backing();
      const first = b.open();
      await first.update('ann', adding('f1', 'Likes tea'));
      await first.update('ann', adding('f2', 'Likes coffee'));
      await first.close();
      const second = b.open();
      expect((await second.history('ann')).map((v) => v.revision)).toEqual([1]);
      const undo = await second.undo('ann');
      expect(undo.restoredRevision).toBe(1);
      expect((await b.open().load('ann')).memory.facts.map((f) => f.id)).toEqual(['f1']);
      await expect(b.open().restore('ann', { revision: 99 })).rejects.toThrow(MemagentError);
    });
  });

  describe('archival and episodic memory in PostgreSQL', () => {
    const T0 = '2026-03-02T09:00:00.000Z';
    const removing = (id: string) => (m: Memory): Memory => ({ ...m, facts: m.facts.filter((f) => f.id !== id) });
    const decision = (id: string, topic: string, text: string) => ({ id, topic, decision: text, date: AT, source: { session: 's1', at: AT, quote: text } });

    /** Journals one session of `turns` (user/assistant alternating) locally and returns its reference. */
    async function journal(store: PostgresMemoryStore, userId: string, sessionId: string, turns: string[]): Promise<string> {
      const j = await store.journals.open({ userId, sessionId, model: 'claude-test', now: new Date(T0) });
      turns.forEach((text, i) => j.append({ type: 'turn', role: i % 2 === 0 ? 'user' : 'assistant', text, at: T0 }));
      const ref = j.path;
      await j.close();
      return ref;
    }

    it('a fact a write removes from the memory is archived by that write, in its last state, and found by search', async () => {
      const store = (await backing()).open();
      await store.update('ann', adding('f1', 'Lives in Lisbon'));
      await store.update('ann', adding('f2', 'Prefers green tea'));
      const removed = await store.update('ann', removing('f1'));
      const { items, skipped } = await store.archive.items('ann');
      expect(skipped).toBe(0);
      expect(items).toEqual([{ type: 'fact', item: removed.before.facts[0], archivedAt: removed.after.updatedAt, revision: 3 }]);
      const hits = await store.archive.search('ann', 'where does she live? Lisbon', { limit: 5 });
      expect(hits.map((h) => [h.id, h.inMemoryFile])).toEqual([['f1', false]]);
      expect(hits[0]).toMatchObject({ kind: 'fact', status: 'active', text: 'Lives in Lisbon', sessionId: 's1', date: AT, factKind: 'preference', confidence: 'high' });
    });

    it('a write that fails before its commit archives nothing either', async () => {
      const b = await backing();
      await b.open().update('ann', adding('f1', 'Lives in Lisbon'));
      const failing = b.open({ hooks: { beforeCommit: () => Promise.reject(new Error('connection lost')) } });
      await expect(failing.update('ann', removing('f1'))).rejects.toThrow(/connection lost/);
      const store = b.open();
      expect((await store.archive.items('ann')).items).toEqual([]);
      expect((await store.load('ann')).memory.facts.map((f) => f.id)).toEqual(['f1']);
    });

    it('search matches any word of the query, with English stemming, over memory, archive and past turns, best first', async () => {
      const store = (await backing()).open();
      await store.update('ann', (m) => ({
        ...m,
        facts: [makeFact('f1', 'Runs a marathon every spring', AT, { kind: 'preference' }), makeFact('f2', 'Owns a red bicycle', AT, { kind: 'preference' })],
        decisions: [decision('d1', 'database', 'Use PostgreSQL for the shared memory')],
      }));
      await store.archive.keepSession('ann', await journal(store, 'ann', 's-run', ['I was running in the park with my dog', 'Nice!', 'The dog is called Rex']));
      const hits = await store.archive.search('ann', 'running dog', { limit: 10 });
      // "running" and "runs" share the stem run; either word is enough for a hit.
      expect(hits.map((h) => h.id).sort()).toEqual(['f1', 's-run:0', 's-run:2']);
      expect(hits[0].id).toBe('s-run:0'); // both words
      expect(hits.find((h) => h.id === 's-run:2')).toMatchObject({ kind: 'turn', role: 'user', sessionId: 's-run', date: T0, status: 'active', inMemoryFile: false });
      expect(hits.find((h) => h.id === 'f1')).toMatchObject({ inMemoryFile: true });
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1].score).toBeGreaterThanOrEqual(hits[i].score);
      expect((await store.archive.search('ann', 'postgresql', { limit: 5 })).map((h) => [h.kind, h.text])).toEqual([['decision', 'database: Use PostgreSQL for the shared memory']]);
      expect((await store.archive.search('ann', 'running dog', { limit: 10, kinds: ['fact'] })).map((h) => h.id)).toEqual(['f1']);
      expect(await store.archive.search('ann', 'running dog', { limit: 1 })).toHaveLength(1);
      expect(await store.archive.search('ann', '?! …', { limit: 5 })).toEqual([]);
      expect(await store.archive.search('ann', 'submarine', { limit: 5 })).toEqual([]);
      expect(await store.archive.search('ann', 'the and of', { limit: 5 })).toEqual([]); // stop words only
      expect((await store.archive.search('ann', "dog's well-known park & O'Brien | !", { limit: 5 })).length).toBeGreaterThan(0); // tsquery syntax is just text
      expect(await store.archive.search('bob', 'running', { limit: 5 })).toEqual([]);
    });

    it('a session with a NUL character in a turn or a tool call is still kept (PostgreSQL text cannot hold U+0000)', async () => {
      const store = (await backing()).open();
      const j = await store.journals.open({ userId: 'ann', sessionId: 's-nul', model: 'm', now: new Date(T0) });
      j.append({ type: 'turn', role: 'user', text: 'pasted\u0000binary about llamas', at: T0 });
      j.append({ type: 'tool', at: T0, id: 't1', name: 'memory_search', input: { query: 'a\u0000b' }, result: 'none\u0000', isError: false });
      await j.close();
      await store.archive.keepSession('ann', j.path);
      expect(await store.journals.listPending('ann')).toEqual([]);
      const episode = await store.archive.readSession('ann', 's-nul');
      expect(episode?.turns[0].text).toBe('pasted\uFFFDbinary about llamas');
      expect(episode?.tools).toEqual([{ afterTurn: 1, name: 'memory_search', input: { query: 'a\uFFFDb' }, result: 'none\uFFFD', isError: false }]);
      expect((await store.archive.search('ann', 'llamas', { limit: 5 })).map((h) => h.id)).toEqual(['s-nul:0']);
    });

    it('a long turn comes back cut around the word that matched', async () => {
      const store = (await backing()).open();
      const long = `${'blah '.repeat(200)}my sister lives in Oslo ${'filler '.repeat(200)}`;
      await store.archive.keepSession('ann', await journal(store, 'ann', 's-long', [long]));
      const [hit] = await store.archive.search('ann', 'Oslo', { limit: 1 });
      expect(hit.text).toContain('my sister lives in Oslo');
      expect(hit.text.length).toBeLessThan(long.length / 2);
      expect(hit.text.startsWith('…') && hit.text.endsWith('…')).toBe(true);
    });

    it('keepSession stores the session and its turns, retires the journal, and keeping the same session again adds nothing', async () => {
      const store = (await backing()).open();
      const ref = await journal(store, 'ann', 's-1', ['Hello there, I am Ann', 'Hi Ann']);
      await store.archive.keepSession('ann', ref);
      expect(await store.journals.listPending('ann')).toEqual([]);
      const again = await journal(store, 'ann', 's-1', ['Hello there, I am Ann', 'Hi Ann']);
      await store.archive.keepSession('ann', again);
      expect(await store.journals.listPending('ann')).toEqual([]);
      expect(await store.archive.sessions('ann')).toEqual([{ sessionId: 's-1', startedAt: T0, endedAt: T0, turns: 1, firstLine: 'Hello there, I am Ann' }]);
      const episode = await store.archive.readSession('ann', 's-1');
      expect(episode).toMatchObject({ sessionId: 's-1', userId: 'ann', startedAt: T0, model: 'claude-test' });
      expect(episode?.turns.map((t) => [t.role, t.text])).toEqual([['user', 'Hello there, I am Ann'], ['assistant', 'Hi Ann']]);
      expect(await store.archive.readSession('ann', 'nope')).toBeNull();
      expect(await store.archive.readSession('bob', 's-1')).toBeNull();
    });

    it('with a retention of N days, keeping a session prunes the sessions started more than N days ago', async () => {
      const store = (await backing()).open({ archiveDays: 30, now: () => new Date('2026-03-20T00:00:00.000Z') });
      const old = await store.journals.open({ userId: 'ann', sessionId: 's-old', model: 'm', now: new Date('2026-01-01T00:00:00.000Z') });
      old.append({ type: 'turn', role: 'user', text: 'an old chat', at: '2026-01-01T00:00:00.000Z' });
      await old.close();
      await store.archive.keepSession('ann', old.path);
      expect(await store.archive.sessions('ann')).toEqual([]);
      await store.archive.keepSession('ann', await journal(store, 'ann', 's-new', ['a recent chat']));
      expect((await store.archive.sessions('ann')).map((s) => s.sessionId)).toEqual(['s-new']);
    });

    it('prune removes sessions started before the date and keeps the facts; forget scrubs items and turns; forgetAll removes everything', async () => {
      const store = (await backing()).open();
      await store.update('ann', adding('f1', 'Lives in Lisbon'));
      await store.update('ann', removing('f1'));
      await store.update('ann', adding('f2', 'Prefers green tea'));
      await store.archive.keepSession('ann', await journal(store, 'ann', 's-1', ['I live in Lisbon now', 'ok', 'and I like tea']));
      const forgot = await store.archive.forget('ann', (i) => 'text' in i && i.text.includes('Lisbon'), (t) => t.includes('Lisbon'));
      expect(forgot).toEqual({ items: 1, turns: 1 });
      expect((await store.archive.items('ann')).items).toEqual([]);
      expect(await store.archive.search('ann', 'Lisbon', { limit: 5 })).toEqual([]);
      expect((await store.archive.readSession('ann', 's-1'))?.turns.map((t) => t.text)).toEqual(['ok', 'and I like tea']);
      expect(await store.archive.forget('ann', () => false, (t) => t.includes('Lisbon'))).toEqual({ items: 0, turns: 0 });
      expect(await store.archive.prune('ann', new Date('2026-03-01T00:00:00Z'))).toBe(0);
      expect(await store.archive.prune('ann', new Date('2026-04-01T00:00:00Z'))).toBe(1);
      expect(await store.archive.sessions('ann')).toEqual([]);
      expect((await store.load('ann')).memory.facts.map((f) => f.id)).toEqual(['f2']);
      await store.update('ann', removing('f2'));
      await store.archive.keepSession('ann', await journal(store, 'ann', 's-2', ['tea again']));
      await store.forgetAll('ann');
      expect((await store.archive.items('ann')).items).toEqual([]);
      expect(await store.archive.sessions('ann')).toEqual([]);
      expect(await store.archive.search('ann', 'tea', { limit: 5 })).toEqual([]);
    });
  });

  describe('memagent on PostgreSQL (the built CLI)', () => {
    const fake = useFakeApi();

    it('a piped chat with MEMAGENT_DATABASE_URL stores what it learned in the database, and show reads it back', async () => {
      const url = await cluster.createDatabase(`memagent_cli_${++dbCount}`);
      const ws = await apiWorkspace(fake().url, { MEMAGENT_DATABASE_URL: url });
      const chat = await runCli(['chat', '--user', 'alice'], { ...ws, input: 'Hi! My name is Alice. I live in Lisbon.\n' });
      expect(chat.stderr).toMatch(/Memory saved: \+\d+ added/);
      expect(chat.code).toBe(0);
      const rows = await cluster.sql(url.split('/').pop()!, "SELECT v.body FROM memagent_users u JOIN memagent_versions v ON v.user_id = u.user_id AND v.revision = u.current_revision WHERE u.user_id = 'alice'");
      expect(rows).toHaveLength(1);
      expect(String(rows[0].body)).toMatch(/Lisbon/);
      // Nothing of the memory is kept in files: only journals and input history are local.
      await expect(stat(join(ws.memoryDir, 'alice.json'))).rejects.toThrow(/ENOENT/);
      const show = await runCli(['show', '--user', 'alice'], ws);
      expect(show.code).toBe(0);
      expect(show.stdout).toMatch(/Lisbon/);
    });

    it('an unreachable database gives one line naming the host, never the password, and exit 1', async () => {
      const ws = await apiWorkspace(fake().url, { MEMAGENT_DATABASE_URL: 'postgres://ann:s3cret-pw@127.0.0.1:1/memagent' });
      const show = await runCli(['show', '--user', 'alice'], ws);
      expect(show.code).toBe(1);
      expect(show.stderr.trim().split('\n')).toHaveLength(1);
      expect(show.stderr).toMatch(/127\.0\.0\.1:1.*connection refused/);
      expect(show.stderr).not.toContain('s3cret-pw');
    });
  });
}
