// `memagent migrate` between memory files and PostgreSQL (a real throwaway cluster): the copy is
// verified, the source left as it was, a re-run copies nothing twice, and there and back gives
// the same export. The core service over two PostgreSQL stores covers the archive and sessions.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportedContent, migrateUser } from '../src/core/services/migrate.js';
import type { Memory } from '../src/core/schema.js';
import { mergeMemory } from '../src/core/merge.js';
import { FileMemoryStore } from '../src/core/storage/file/index.js';
import { PostgresMemoryStore } from '../src/core/storage/postgres/index.js';
import { findPgBin, pgRequired, startCluster, type PgCluster } from './helpers/pg-cluster.js';
import { apiWorkspace, runCli } from './helpers/cli.js';
import { useFakeApi } from './helpers/fake.js';
import { makeFact } from './helpers/memory.js';

const bin = await findPgBin();
const AT = '2026-03-01T10:00:00.000Z';

/** Every file under `dir` with a hash of its bytes and its mtime: what "untouched" means. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const p = join(entry.parentPath, entry.name);
    out[p] = `${createHash('sha256').update(await readFile(p)).digest('hex')} ${(await stat(p)).mtimeMs}`;
  }
  return out;
}

/** An export without the two fields each store sets on its own writes. */
function content(exportJson: string): unknown {
  const { revision: _r, updatedAt: _u, ...rest } = JSON.parse(exportJson) as Memory;
  return rest;
}

if (!bin) {
  if (pgRequired()) {
    it('PostgreSQL server binaries (initdb, pg_ctl) are installed, as CI requires', () => {
      expect.fail('initdb/pg_ctl not found: install the postgresql package (.ci/run does)');
    });
  } else {
    console.warn('postgres-migrate tests skipped: no initdb/pg_ctl (install the postgresql package to run them)');
    it.skip('memagent migrate (no server binaries here)', () => undefined);
  }
} else {
  let cluster: PgCluster;
  let n = 0;
  const dirs: string[] = [];
  const stores: PostgresMemoryStore[] = [];

  beforeAll(async () => {
    cluster = await startCluster(bin);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await cluster?.stop();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  }, 60_000);

  async function pgStore(): Promise<PostgresMemoryStore> {
    const url = await cluster.createDatabase(`memagent_mig_${++n}`);
    const dir = await mkdtemp(join(tmpdir(), 'memagent-mig-local-'));
    dirs.push(dir);
    const store = new PostgresMemoryStore({ url, local: new FileMemoryStore({ dir }) });
    stores.push(store);
    return store;
  }

  describe('migrateUser between two PostgreSQL stores', () => {
    it('copies memory, archived items and kept sessions; there and back gives the same exports; a re-run writes nothing', async () => {
      const a = await pgStore();
      await a.update('ann', (m) => ({ ...m, summary: 'Ann, a runner', facts: [makeFact('f1', 'Lives in Lisbon', AT), makeFact('f2', 'Runs marathons', AT)] }));
      await a.update('ann', (m) => ({ ...m, facts: m.facts.filter((f) => f.id !== 'f1') })); // f1 archived
      const j = await a.journals.open({ userId: 'ann', sessionId: 's-1', model: 'm', now: new Date(AT) });
      j.append({ type: 'turn', role: 'user', text: 'I used to live in Lisbon', at: AT });
      j.append({ type: 'turn', role: 'assistant', text: 'Noted', at: AT });
      await j.close();
      await a.archive.keepSession('ann', j.path);
      const before = { memory: (await a.load('ann')).memory, items: await a.archive.items('ann'), episode: await a.archive.readSession('ann', 's-1') };

      const b = await pgStore();
      expect(await migrateUser(a, b, 'ann')).toEqual({ userId: 'ann', memoryWritten: true, items: 1, sessionsCopied: 1, sessions: 1 });
      const c = await pgStore();
      await migrateUser(b, c, 'ann');
      for (const s of [b, c]) {
        expect(exportedContent((await s.load('ann')).memory)).toBe(exportedContent(before.memory));
        expect(await s.archive.items('ann')).toEqual(before.items);
        expect(await s.archive.readSession('ann', 's-1')).toEqual(before.episode);
        expect((await s.archive.search('ann', 'Lisbon', { limit: 5 })).map((h) => h.id).sort()).toEqual(['f1', 's-1:0']);
      }
      // The source is as it was.
      expect((await a.load('ann')).memory).toEqual(before.memory);
      expect(await a.history('ann')).toHaveLength(1);
      // Again: nothing written.
      const revision = (await b.load('ann')).memory.revision;
      expect(await migrateUser(a, b, 'ann')).toEqual({ userId: 'ann', memoryWritten: false, items: 1, sessionsCopied: 0, sessions: 1 });
      expect((await b.load('ann')).memory.revision).toBe(revision);
      expect(await b.archive.sessions('ann')).toHaveLength(1);
    });

    it('from the file store: its archived items and kept sessions arrive in PostgreSQL and are searchable there', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'memagent-mig-files-'));
      dirs.push(dir);
      const files = new FileMemoryStore({ dir: join(dir, 'memory') });
      const evicting = (text: string, at: string, confidence: 'low' | 'high') => (m: Memory) =>
        mergeMemory(m, { add: [{ text, kind: 'preference', confidence, quote: text }], update: [], supersede: [], retract: [], decisions: [] }, { sessionId: `s-${at.slice(0, 10)}`, now: new Date(at), caps: { activeFacts: 1 } }).memory;
      await files.update('ann', evicting('Likes green tea', AT, 'low'));
      await files.update('ann', evicting('Owns a cat named Miso', '2026-04-01T10:00:00.000Z', 'high'));
      const j = await files.journals.open({ userId: 'ann', sessionId: 's-1', model: 'm', now: new Date(AT) });
      j.append({ type: 'turn', role: 'user', text: 'My cat Miso likes tea too', at: AT });
      await j.close();
      await files.archive.keepSession('ann', j.path);
      expect((await files.archive.items('ann')).items).toHaveLength(1);

      const pg = await pgStore();
      expect(await migrateUser(files, pg, 'ann')).toMatchObject({ memoryWritten: true, items: 1, sessionsCopied: 1 });
      expect(await pg.archive.items('ann')).toEqual(await files.archive.items('ann'));
      expect((await pg.archive.search('ann', 'tea', { limit: 5 })).map((h) => [h.id, h.inMemoryFile]).sort()).toEqual(
        [[(await files.archive.items('ann')).items[0].item.id, false], ['s-1:0', false]].sort(),
      );
    });

    it('a different memory of the user already in the target is not overwritten', async () => {
      const a = await pgStore();
      const b = await pgStore();
      await a.update('ann', (m) => ({ ...m, facts: [makeFact('f1', 'Lives in Lisbon', AT)] }));
      await b.update('ann', (m) => ({ ...m, facts: [makeFact('f9', 'Lives in Oslo', AT)] }));
      await expect(migrateUser(a, b, 'ann')).rejects.toThrow(/ann already has a different memory in PostgreSQL database memagent_mig_\d+ .*not overwritten/);
      expect((await b.load('ann')).memory.facts.map((f) => f.id)).toEqual(['f9']);
    });
  });

  describe('memagent migrate (the built CLI)', () => {
    const fake = useFakeApi();

    it('files to PostgreSQL and back: identical exports, the source files untouched, a re-run copies nothing', async () => {
      const url = await cluster.createDatabase(`memagent_mig_cli_${++n}`);
      const ws = await apiWorkspace(fake().url);
      dirs.push(ws.cwd);
      await runCli(['chat', '--user', 'alice'], { ...ws, input: 'My name is Alice. I live in Lisbon.\n' });
      await runCli(['chat', '--user', 'alice'], { ...ws, input: 'I prefer green tea.\n' });
      await runCli(['chat', '--user', 'bob'], { ...ws, input: 'I decided to learn Rust.\n' });
      const original = (await runCli(['export', '--user', 'alice'], ws)).stdout;
      expect(original).toMatch(/Lisbon/);
      const untouched = await snapshot(ws.memoryDir);

      const there = await runCli(['migrate', '--to', url, '--all'], ws);
      expect(there.stderr).toBe('');
      expect(there.code).toBe(0);
      // Both of alice's chats are kept sessions on files (episodic memory): both are copied.
      expect(there.stdout).toMatch(/^alice: memory copied, 0 archived items, 2 of 2 sessions copied to PostgreSQL database memagent_mig_cli_\d+ on 127\.0\.0\.1:\d+; verified\nbob: memory copied/);
      expect(await snapshot(ws.memoryDir)).toEqual(untouched);
      const onPg = { ...ws, env: { ...ws.env, MEMAGENT_DATABASE_URL: url } };
      expect(content((await runCli(['export', '--user', 'alice'], onPg)).stdout)).toEqual(content(original));
      expect((await runCli(['show'], onPg)).stdout).toMatch(/alice[\s\S]*bob/);

      const again = await runCli(['migrate', '--to', url, '--all'], ws);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/^alice: memory already there, 0 archived items, 0 of 2 sessions copied .*; verified\nbob: memory already there/);

      const back = join(ws.cwd, 'copy');
      const home = await runCli(['migrate', '--to', back, '--user', 'alice'], onPg);
      expect(home.code).toBe(0);
      expect(home.stdout).toMatch(/^alice: memory copied, 0 archived items, 2 of 2 sessions copied to .*; verified\n$/);
      const copied = (await runCli(['export', '--user', 'alice'], { ...ws, env: { ...ws.env, MEMAGENT_MEMORY_DIR: back } })).stdout;
      expect(content(copied)).toEqual(content(original));
    }, 90_000);

    it('migrate without --to, or to the store in use, is a usage error', async () => {
      const ws = await apiWorkspace(fake().url);
      dirs.push(ws.cwd);
      const none = await runCli(['migrate', '--user', 'alice'], ws);
      expect(none.code).toBe(2);
      const same = await runCli(['migrate', '--to', ws.memoryDir, '--user', 'alice'], ws);
      expect(same.code).toBe(2);
      expect(same.stderr).toMatch(/names the store memagent already uses/);
    });
  });
}
