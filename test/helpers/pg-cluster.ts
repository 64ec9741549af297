// A throwaway PostgreSQL cluster for tests: initdb in a temp dir, pg_ctl on a free loopback port,
// stopped and removed by `stop()`. No running service is needed. As root (CI containers), the
// server runs as the `postgres` OS user, since initdb refuses root.
import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The directory holding initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/<n>/bin; null when there is none. */
export async function findPgBin(): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  const base = '/usr/lib/postgresql';
  const versions = await readdir(base).catch(() => [] as string[]);
  for (const v of versions.sort((a, b) => Number(b) - Number(a))) {
    const dir = join(base, v, 'bin');
    if (existsSync(join(dir, 'initdb'))) return dir;
  }
  return null;
}

/** A free TCP port on 127.0.0.1 (taken and released; a race with another process is unlikely and fails loudly). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A running throwaway cluster. */
export interface PgCluster {
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<db>` (trust auth: no password). */
  url(db: string): string;
  /** Creates an empty database named `db` and returns its URL. */
  createDatabase(db: string): Promise<string>;
  /** Runs one SQL statement against `db` with psql-free pg. */
  sql(db: string, text: string, values?: unknown[]): Promise<Array<Record<string, unknown>>>;
  /** Stops the server (immediate) and removes its directory. Idempotent. */
  stop(): Promise<void>;
  /** Stops the server (fast shutdown), keeping its data, as a database that goes down. */
  halt(): Promise<void>;
  /** Starts a halted server again on the same port. */
  resume(): Promise<void>;
}

/** Options of `startCluster`. */
export interface ClusterOptions {
  /** Require this password (scram-sha-256) for every role instead of trust; the URLs carry it for `postgres`. */
  password?: string;
  /** Keep fsync on (durable commits, as a real server): for measurements. Default off (thrown away). */
  fsync?: boolean;
}

/** Starts a cluster with binaries from `bin` (see `findPgBin`). fsync off unless `opts.fsync`: it is thrown away. */
export async function startCluster(bin: string, opts: ClusterOptions = {}): Promise<PgCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'memagent-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await chown(dir, Number((await run('id', ['-u', 'postgres'])).stdout), Number((await run('id', ['-g', 'postgres'])).stdout));
  const exec = (tool: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args));
  const data = join(dir, 'data');
  const auth = ['--auth=trust'];
  if (opts.password !== undefined) {
    const pwfile = join(dir, 'pw');
    await writeFile(pwfile, `${opts.password}\n`);
    if (asRoot) await chown(pwfile, Number((await run('id', ['-u', 'postgres'])).stdout), Number((await run('id', ['-g', 'postgres'])).stdout));
    auth.splice(0, 1, '--auth=scram-sha-256', `--pwfile=${pwfile}`);
  }
  await exec('initdb', ['-D', data, '-U', 'postgres', ...auth, '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const start = () => exec('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=${opts.fsync ? 'on' : 'off'} -c max_connections=200`, 'start']);
  await start();
  const { default: pg } = await import('pg');
  const login = opts.password === undefined ? 'postgres' : `postgres:${encodeURIComponent(opts.password)}`;
  const url = (db: string) => `postgres://${login}@127.0.0.1:${port}/${db}`;
  const sql = async (db: string, text: string, values?: unknown[]) => {
    const client = new pg.Client({ connectionString: url(db) });
    await client.connect();
    try {
      return (await client.query(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  let stopped = false;
  return {
    port,
    url,
    sql,
    async createDatabase(db) {
      await sql('postgres', `CREATE DATABASE "${db}"`);
      return url(db);
    },
    async halt() {
      await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    async resume() {
      await start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Whether the postgres tests must run: true under CI (`MEMAGENT_TEST_CI`, the real `CI`, since
 * vitest forces CI=false for Ink), where a missing server is a failure, not a skip.
 */
export function pgRequired(): boolean {
  const ci = process.env.MEMAGENT_TEST_CI ?? '';
  return ci !== '' && ci !== 'false' && ci !== '0';
}
