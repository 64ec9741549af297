// Two machines sharing one PostgreSQL database (issue 12), simulated by two memory dirs (two sets
// of journals and input histories) over one real throwaway cluster, with the built CLI: many
// sessions of one user ending together lose nothing and write nothing twice; a writer SIGKILLed
// in the middle of its transaction changes nothing, and its session is saved by the next run.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPgBin, pgRequired, startCluster, type PgCluster } from './helpers/pg-cluster.js';
import { apiWorkspace, collect, runCli, startCli, waitFor } from './helpers/cli.js';
import { extractRequests, useFakeApi } from './helpers/fake.js';

const bin = await findPgBin();

if (!bin) {
  if (pgRequired()) {
    it('PostgreSQL server binaries (initdb, pg_ctl) are installed, as CI requires', () => {
      expect.fail('initdb/pg_ctl not found: install the postgresql package (.ci/run does)');
    });
  } else {
    console.warn('postgres-two-machines tests skipped: no initdb/pg_ctl (install the postgresql package to run them)');
    it.skip('two machines on one database (no server binaries here)', () => undefined);
  }
} else {
  let cluster: PgCluster;
  const fake = useFakeApi();

  beforeAll(async () => {
    cluster = await startCluster(bin);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  /** The current memory of `userId` as stored, parsed (null when none). */
  async function stored(db: string, userId: string): Promise<{ revision: number; facts: Array<{ text: string; status: string }>; sessionCount: number } | null> {
    const rows = await cluster.sql(db, 'SELECT v.body FROM memagent_users u JOIN memagent_versions v ON v.user_id = u.user_id AND v.revision = u.current_revision WHERE u.user_id = $1', [userId]);
    return rows[0] ? JSON.parse(String(rows[0].body)) : null;
  }

  /** Session journals of `userId` left in a memory dir. */
  async function journals(memoryDir: string, userId: string): Promise<string[]> {
    return (await readdir(join(memoryDir, 'journal', userId)).catch(() => [] as string[])).filter((f) => f.endsWith('.jsonl'));
  }

  describe('two machines, one database', () => {
    it('a fact taught on one machine is known on the other', async () => {
      const url = await cluster.createDatabase('memagent_two');
      const laptop = await apiWorkspace(fake().url, { MEMAGENT_DATABASE_URL: url });
      const desktop = await apiWorkspace(fake().url, { MEMAGENT_DATABASE_URL: url });
      const taught = await runCli(['chat', '--user', 'ann'], { ...laptop, input: 'I live in Lisbon.\n' });
      expect(taught.code, taught.stderr).toBe(0);
      const asked = await runCli(['chat', '--user', 'ann'], { ...desktop, input: 'what do you know about me\n' });
      expect(asked.code, asked.stderr).toBe(0);
      expect(asked.stdout).toMatch(/Lisbon/);
    }, 60_000);

    it('20 sessions of one user, 10 on each machine, ending together: every fact once, revision +20, nothing left behind', async () => {
      const N = 20;
      const url = await cluster.createDatabase('memagent_crowd');
      const machines = [await apiWorkspace(fake().url, { MEMAGENT_DATABASE_URL: url }), await apiWorkspace(fake().url, { MEMAGENT_DATABASE_URL: url })];
      const seed = await runCli(['chat', '--user', 'crowd'], { ...machines[0], input: 'I live in Seedville.\n' });
      expect(seed.code, seed.stderr).toBe(0);
      const before = (await stored('memagent_crowd', 'crowd'))!;
      const extractsBefore = extractRequests(fake()).length;

      const children = Array.from({ length: N }, (_, i) => startCli(['chat', '--user', 'crowd'], machines[i % 2]));
      const results = children.map((child) => collect(child, null, 60_000));
      const outs = children.map((child) => {
        const out = { text: '' };
        child.stdout!.on('data', (d) => (out.text += d));
        return out;
      });
      children.forEach((child, i) => child.stdin!.write(`I like fruit-${i}.\n`));
      // Every session has its turn answered (and journaled) before any of them ends.
      await waitFor(() => outs.every((o) => o.text.includes('You said')), (ok) => ok, 45_000);
      for (const child of children) child.stdin!.end();
      const done = await Promise.all(results);

      for (const r of done) {
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toMatch(/Memory saved: \+1 added/);
      }
      expect(extractRequests(fake()).length - extractsBefore).toBe(N);
      const after = (await stored('memagent_crowd', 'crowd'))!;
      expect(after.revision).toBe(before.revision + N);
      expect(after.sessionCount).toBe(before.sessionCount + N);
      const texts = after.facts.map((f) => f.text).sort();
      expect(texts).toEqual([...before.facts.map((f) => f.text), ...Array.from({ length: N }, (_, i) => `I like fruit-${i}.`)].sort());
      expect(after.facts.every((f) => f.status === 'active')).toBe(true);
      for (const m of machines) expect(await journals(m.memoryDir, 'crowd')).toEqual([]);
    }, 120_000);

    it('a writer SIGKILLed in the middle of its transaction changes nothing; the next run on that machine saves the session', async () => {
      const db = 'memagent_killed';
      const url = await cluster.createDatabase(db);
      const machine = await apiWorkspace(fake().url, { MEMAGENT_DATABASE_URL: url });
      expect((await runCli(['chat', '--user', 'kim'], { ...machine, input: 'I live in Oslo.\n' })).code).toBe(0);
      const before = (await stored(db, 'kim'))!;

      // Hold the next revision's row in an open transaction: the writer's INSERT of it waits on
      // it, after its transaction has already moved the user's current revision.
      const { default: pg } = await import('pg');
      const holder = new pg.Client({ connectionString: url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query("INSERT INTO memagent_versions (user_id, revision, body, saved_at) VALUES ('kim', $1, '{}', 'x')", [before.revision + 1]);
        const child = startCli(['chat', '--user', 'kim'], machine);
        const result = collect(child, 'I prefer green tea.\n', 60_000);
        // The writer is inside its transaction, blocked on the row: its earlier writes are uncommitted.
        await waitFor(
          () => cluster.sql(db, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO memagent_versions%'", [db]),
          (rows) => rows[0].n === 1,
          30_000,
        );
        child.kill('SIGKILL');
        expect((await result).signal).toBe('SIGKILL');
      } finally {
        // Let the dead writer's backend go on: its INSERT now succeeds, the next command it waits
        // for never comes (its client is gone), so the server rolls the whole transaction back.
        await holder.query('ROLLBACK').catch(() => undefined);
        await holder.end();
      }
      await waitFor(
        () => cluster.sql(db, 'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db]),
        (rows) => rows[0].n === 0,
        30_000,
      );
      expect(await stored(db, 'kim')).toEqual(before);
      expect(await cluster.sql(db, "SELECT current_revision FROM memagent_users WHERE user_id = 'kim'")).toEqual([{ current_revision: before.revision }]);
      expect(await journals(machine.memoryDir, 'kim')).toHaveLength(1);

      const next = await runCli(['chat', '--user', 'kim'], { ...machine, input: 'hello\n' });
      expect(next.code, next.stderr).toBe(0);
      expect(next.stderr).toMatch(/saved 1 earlier session/);
      expect((await stored(db, 'kim'))!.facts.map((f) => f.text)).toContain('I prefer green tea.');
    }, 120_000);
  });
}
