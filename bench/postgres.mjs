#!/usr/bin/env node
/**
 * The PostgreSQL save benchmark (issue 12), run alone: `node bench/postgres.mjs [--quick]`.
 * Bundles bench/entries/postgres.ts the way the CLI is bundled, runs it (it starts and removes
 * its own throwaway cluster; without PostgreSQL's server binaries it says so and skips) and
 * prints its Markdown table. Not part of `npm test`; no test has its thresholds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { nodeBundleOptions } from '../scripts/esbuild-options.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const out = mkdtempSync(join(os.tmpdir(), 'memagent-bench-pg-entry-'));
try {
  await build({ ...nodeBundleOptions, entryPoints: [join(BENCH, 'entries', 'postgres.ts')], outfile: join(out, 'postgres.mjs') });
  const run = spawnSync(process.execPath, [join(out, 'postgres.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
