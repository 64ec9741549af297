// A PostgreSQL database that is down, or that refuses memagent, seen from the built CLI against a
// real throwaway cluster with password authentication (test/helpers/pg-cluster.ts): chat goes on
// without memory and saves the session on the next run; other commands fail with one line
// naming the host (never the password) and saying what to do.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPgBin, pgRequired, startCluster, type PgCluster } from './helpers/pg-cluster.js';
import { apiWorkspace, runCli } from './helpers/cli.js';
import { useFakeApi } from './helpers/fake.js';

const bin = await findPgBin();
const PASSWORD = 'pg-s3cret';

/** The session journals kept on this machine for `user` (their file names). */
async function journals(memoryDir: string, user: string): Promise<string[]> {
  return (await readdir(join(memoryDir, 'journal', user))).filter((f) => f.endsWith('.jsonl'));
}

/** The one line of stderr a failing command printed (asserts there is exactly one). */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  return lines[0];
}

if (!bin) {
  if (pgRequired()) {
    it('PostgreSQL server binaries (initdb, pg_ctl) are installed, as CI requires', () => {
      expect.fail('initdb/pg_ctl not found: install the postgresql package (.ci/run does)');
    });
  } else {
    console.warn('postgres-down tests skipped: no initdb/pg_ctl (install the postgresql package to run them)');
    it.skip('a database that is down (no server binaries here)', () => undefined);
  }
} else {
  let cluster: PgCluster;
  const fake = useFakeApi();
  const dirs: string[] = [];

  beforeAll(async () => {
    cluster = await startCluster(bin, { password: PASSWORD });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  }, 60_000);

  async function workspace(url: string) {
    const ws = await apiWorkspace(fake().url, { MEMAGENT_DATABASE_URL: url });
    dirs.push(ws.cwd);
    return ws;
  }

  describe('a database that is down', () => {
    it('chat still starts without memory and keeps the session; show fails naming the host; once the server is back the next chat saves it', async () => {
      const url = await cluster.createDatabase('memagent_down');
      const ws = await workspace(url);
      await cluster.halt();
      try {
        const chat = await runCli(['chat', '--user', 'alice'], { ...ws, input: 'Hi! My name is Alice. I live in Lisbon.\n' });
        expect(chat.stderr).toMatch(/memory unavailable \(PostgreSQL database memagent_down on 127\.0\.0\.1:\d+: connection refused/);
        expect(chat.stdout).toMatch(/Lisbon/); // the fake echoes: the chat really ran
        expect(chat.stderr).toMatch(/this session is kept and will be saved next time/);
        expect(chat.code).toBe(1);
        expect(chat.stderr).not.toContain(PASSWORD);
        expect(await journals(ws.memoryDir, 'alice')).toHaveLength(1);

        const show = await runCli(['show', '--user', 'alice'], ws);
        expect(show.code).toBe(1);
        expect(oneLine(show.stderr)).toMatch(new RegExp(`127\\.0\\.0\\.1:${cluster.port}.*connection refused; is the server running`));
        expect(show.stderr).not.toContain(PASSWORD);
      } finally {
        await cluster.resume();
      }
      const next = await runCli(['chat', '--user', 'alice'], { ...ws, input: 'Hello again\n' });
      expect(next.stderr).toMatch(/saved 1 earlier session that had not been saved/);
      expect(next.code).toBe(0);
      const show = await runCli(['show', '--user', 'alice'], ws);
      expect(show.code).toBe(0);
      expect(show.stdout).toMatch(/Lisbon/);
      expect(await journals(ws.memoryDir, 'alice')).toEqual([]);
    }, 60_000);

    it('a server stopped in the middle of a chat: the answer goes on, the save waits for the next run, nothing is lost', async () => {
      const url = await cluster.createDatabase('memagent_midway');
      const ws = await workspace(url);
      // The chat reads its memory at start; the server goes down while it runs (stdin still open).
      const { startCli, collect, waitFor } = await import('./helpers/cli.js');
      const child = startCli(['chat', '--user', 'bob'], ws);
      let stdout = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stdin!.write('My name is Bob. I live in Porto.\n');
      await waitFor(() => stdout, (s) => /Porto/.test(s));
      await cluster.halt();
      let result;
      try {
        const done = collect(child, null, 30_000);
        child.stdin!.end('I prefer green tea.\n');
        result = await done;
      } finally {
        await cluster.resume();
      }
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/could not save memory now .*127\.0\.0\.1.*; this session is kept and will be saved next time/);
      expect(result.stderr).not.toContain(PASSWORD);
      const next = await runCli(['chat', '--user', 'bob'], { ...ws, input: 'hi\n' });
      expect(next.code).toBe(0);
      const show = await runCli(['show', '--user', 'bob'], ws);
      expect(show.stdout).toMatch(/Porto/);
      expect(show.stdout).toMatch(/green tea/);
    }, 60_000);
  });

  describe('a database that refuses memagent: one line saying what to do, exit 1', () => {
    it('a wrong password', async () => {
      const url = await cluster.createDatabase('memagent_pw');
      const wrong = url.replace(`:${PASSWORD}@`, ':not-the-password@');
      const ws = await workspace(wrong);
      for (const args of [['show', '--user', 'alice'], ['chat', '--user', 'alice']]) {
        const r = await runCli(args, { ...ws, input: 'I live in Lisbon.\n' });
        expect(r.code).toBe(1);
        expect(oneLine(r.stderr)).toMatch(/PostgreSQL database memagent_pw on 127\.0\.0\.1:\d+: password authentication failed; check the user and password in MEMAGENT_DATABASE_URL/);
        expect(r.stderr).not.toContain('not-the-password');
      }
    }, 60_000);

    it('a database that does not exist', async () => {
      const ws = await workspace(cluster.url('no_such_db'));
      const r = await runCli(['show', '--user', 'alice'], ws);
      expect(r.code).toBe(1);
      expect(oneLine(r.stderr)).toMatch(/no_such_db on 127\.0\.0\.1:\d+: the database does not exist; create it \(createdb <name>\)/);
      expect(r.stderr).not.toContain(PASSWORD);
    }, 60_000);

    it('a role that may not create the tables', async () => {
      await cluster.createDatabase('memagent_perm');
      await cluster.sql('postgres', "CREATE ROLE reader LOGIN PASSWORD 'reader-pw'");
      const ws = await workspace(`postgres://reader:reader-pw@127.0.0.1:${cluster.port}/memagent_perm`);
      const r = await runCli(['show', '--user', 'alice'], ws);
      expect(r.code).toBe(1);
      expect(oneLine(r.stderr)).toMatch(/memagent_perm on 127\.0\.0\.1:\d+: permission denied .*grant this user CREATE and USAGE/);
      expect(r.stderr).not.toContain('reader-pw');
    }, 60_000);
  });
}
