/**
 * The PostgreSQL store's save benchmark (issue 12), against a throwaway cluster it starts itself
 * (initdb + pg_ctl on a free loopback port, fsync ON: commits are durable, as on a real server;
 * removed at the end). Run alone: `node bench/postgres.mjs [--quick]`. Prints a Markdown table.
 * Skips, exit 0, with a line on stderr when no PostgreSQL server binaries are installed.
 *
 * - Save latency: the real `PostgresMemoryStore.update` around the real `mergeMemory` (one new
 *   fact at the 60-active cap, so each save also evicts one fact into the archive, in the same
 *   transaction) for a user with 60 active facts and 10,000 archived items, interleaved with the
 *   same save for a user with no archive (the baseline: a save must not grow with the archive).
 * - Throughput: 100 users (30 active facts each) saving concurrently through one store with a
 *   pool of 20 connections, 5 saves each; every user's revision must rise by exactly 5.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeMemory } from '../../src/core/merge.js';
import type { MergeOps } from '../../src/core/schema.js';
import type { ArchivedItem } from '../../src/core/recall/types.js';
import { FileMemoryStore } from '../../src/core/storage/file/index.js';
import { PostgresMemoryStore } from '../../src/core/storage/postgres/index.js';
import { findPgBin, startCluster } from '../../test/helpers/pg-cluster.js';
import { makeMemory } from './kit.js';

const QUICK = process.argv.includes('--quick');
/** Timed saves per user: p99 of 400 is the 396th smallest, a real tail, in well under a minute. */
const SAVES = QUICK ? 100 : 400;
const ARCHIVED = 10_000;
const USERS = 100;
const SAVES_PER_USER = 5;
/** Pool size for the throughput run: what a small service in front of the database would hold. */
const POOL = 20;

function addOps(text: string): MergeOps {
  return { summary: `Last note: ${text}`, add: [{ text, kind: 'fact', confidence: 'high', quote: text }], update: [], supersede: [], retract: [], decisions: [] };
}

async function save(store: PostgresMemoryStore, userId: string, text: string): Promise<number> {
  const t0 = performance.now();
  await store.update(userId, (current) => ({ ...mergeMemory(current, addOps(text), { sessionId: `s-${text.length}-${userId}`, now: new Date() }).memory, sessionCount: current.sessionCount + 1 }));
  return performance.now() - t0;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
const f1 = (x: number) => `${x.toFixed(1)} ms`;

async function main(): Promise<void> {
  const bin = await findPgBin();
  if (!bin) {
    process.stderr.write('bench postgres: skipped, no PostgreSQL server binaries (initdb, pg_ctl): install the postgresql package\n');
    return;
  }
  const cluster = await startCluster(bin, { fsync: true });
  const local = mkdtempSync(join(tmpdir(), 'memagent-bench-pg-'));
  const stores: PostgresMemoryStore[] = [];
  const open = (url: string, maxConnections = 4) => {
    const s = new PostgresMemoryStore({ url, local: new FileMemoryStore({ dir: local }), maxConnections });
    stores.push(s);
    return s;
  };
  try {
    // --- Save latency at 60 active + 10,000 archived, against the same save with no archive.
    const store = open(await cluster.createDatabase('bench_save'));
    for (const user of ['big', 'small']) await store.update(user, () => makeMemory(user, 60, 0));
    // Archived facts as merges leave them (superseded and retracted history), 2,000 at a time (the schema's cap per memory).
    for (let batch = 0; batch < ARCHIVED / 2000; batch++) {
      const items: ArchivedItem[] = makeMemory('old', 0, 2000).facts.map((f, i) => ({
        type: 'fact',
        item: { ...f, id: `a${batch}_${i.toString(36).padStart(8, '0')}`, text: `${f.text} Batch ${batch}.` },
        archivedAt: f.updatedAt,
        revision: 1,
      }));
      await store.archive.importItems!('big', items);
    }
    for (let i = 0; i < 20; i++) await save(store, i % 2 ? 'big' : 'small', `Warm-up note ${i}: code w${i}x.`); // JIT and plan caches
    const big: number[] = [];
    const small: number[] = [];
    for (let i = 0; i < SAVES; i++) {
      big.push(await save(store, 'big', `Bench note ${i}: remember code b${i}x.`));
      small.push(await save(store, 'small', `Bench note ${i}: remember code s${i}x.`));
    }
    const archived = (await store.archive.items('big')).items.length;
    const active = (await store.load('big')).memory.facts.filter((f) => f.status === 'active').length;
    const search0 = performance.now();
    // A worst case: every archived text has "weekends" and "friends", so all 10,000 are ranked.
    const hits = await store.archive.search('big', 'jazz weekends friends', { limit: 10 });
    const searchMs = performance.now() - search0;

    // --- Throughput: 100 users saving at once through one pool.
    const shared = open(await cluster.createDatabase('bench_many'), POOL);
    const users = Array.from({ length: USERS }, (_, i) => `user${i}`);
    await Promise.all(users.map((u) => shared.update(u, () => makeMemory(u, 30, 0))));
    const latencies: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      users.map(async (u) => {
        for (let j = 0; j < SAVES_PER_USER; j++) latencies.push(await save(shared, u, `Concurrent note ${j} of ${u}: code ${u}n${j}x.`));
      }),
    );
    const elapsed = performance.now() - t0;
    const revisions = await Promise.all(users.map(async (u) => (await shared.load(u)).memory.revision));
    const lost = revisions.filter((r) => r !== 1 + SAVES_PER_USER).length;

    const rows = [
      '| Measure | median | p99 | note |',
      '|---|---|---|---|',
      `| save, 60 active + ${archived.toLocaleString('en')} archived (${active} active after) | ${f1(quantile(big, 0.5))} | ${f1(quantile(big, 0.99))} | target p99 < 25 ms: ${quantile(big, 0.99) < 25 ? 'met' : '**missed**'}; ${SAVES} saves, each evicting one fact into the archive |`,
      `| save, 60 active, no archive (baseline) | ${f1(quantile(small, 0.5))} | ${f1(quantile(small, 0.99))} | interleaved with the row above; ratio of medians ${(quantile(big, 0.5) / quantile(small, 0.5)).toFixed(2)} |`,
      `| search over memory + ${archived.toLocaleString('en')} archived items | ${f1(searchMs)} | | one query ranking every archived item (each has two of its three words), ${hits.length} hits |`,
      `| ${USERS} users × ${SAVES_PER_USER} concurrent saves, pool of ${POOL} | ${f1(quantile(latencies, 0.5))} | ${f1(quantile(latencies, 0.99))} | ${((USERS * SAVES_PER_USER) / (elapsed / 1000)).toFixed(0)} saves/s; ${lost} users with a lost save |`,
    ];
    process.stdout.write(`PostgreSQL ${bin}, loopback, fsync on; Node ${process.version}; load average ${loadavg().map((x) => x.toFixed(2)).join(', ')}\n\n${rows.join('\n')}\n`);
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    await cluster.stop();
    rmSync(local, { recursive: true, force: true });
  }
}

await main();
