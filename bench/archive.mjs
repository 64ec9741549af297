#!/usr/bin/env node
/**
 * The archive benchmark, run alone (issue 11): bundles bench/entries/archive.ts the way the CLI
 * is bundled, then runs it in a fresh process over two temp memory dirs, saves interleaved:
 * 100 and 1,000 kept sessions (1,000 and 10,000 archived facts). Prints a Markdown table:
 * save time (update + merge that archives one evicted fact) and its ratio 1,000 : 100 (flat means
 * ≈ 1.0x), keepSession at exit, search cost (rebuild, cold load, warm p50/p99, first search after
 * a save) and the index size on disk.
 *
 *   node bench/archive.mjs [--quick]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { nodeBundleOptions } from '../scripts/esbuild-options.mjs';
import { bytes, median, ms, quantile, ratio } from './lib/stats.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const QUICK = process.argv.includes('--quick');
const SAVES = QUICK ? 10 : 40;
const SEARCHES = QUICK ? 100 : 400;
const work = mkdtempSync(join(os.tmpdir(), 'memagent-bench-archive-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

await build({ entryPoints: { archive: join(BENCH, 'entries', 'archive.ts') }, outdir: join(work, 'build'), ...nodeBundleOptions });

const r = spawnSync(process.execPath, ['--expose-gc', join(work, 'build', 'archive.js'), work, '100,1000', String(SAVES), String(SEARCHES)], {
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
if (r.status !== 0) throw new Error(`archive bench failed: ${r.stderr}`);
const [small, large] = JSON.parse(r.stdout);
const row = (name, a, b, unit = ms) => `| ${name} | ${unit(a)} | ${unit(b)} | ${ratio(b / a)} |`;
const lines = [
  `Archive bench, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}; medians of ${SAVES} saves and ${SEARCHES} searches.`,
  '',
  `| | ${small.sessions} sessions, ${small.archivedFacts} archived facts | ${large.sessions} sessions, ${large.archivedFacts} archived facts | ratio |`,
  '|---|---|---|---|',
  row('save (update + merge, archives 1 evicted fact)', median(small.save), median(large.save)),
  row('save p90', quantile(small.save, 0.9), quantile(large.save, 0.9)),
  row('save, CPU time (user + system)', median(small.saveCpu), median(large.saveCpu)),
  row('keepSession at exit (new store, index not loaded)', median(small.keep), median(large.keep)),
  row('keepSession with the index loaded (catches up; index.json rewritten every 5th)', median(small.keepWarm), median(large.keepWarm)),
  row('search: rebuild (no index.json)', small.rebuild, large.rebuild),
  row('search: cold (new store, loads index.json)', small.cold, large.cold),
  row('  of which: read index.json', small.coldRead, large.coldRead),
  row('  of which: JSON.parse alone', small.coldParse, large.coldParse),
  row('  of which: SearchIndex.fromJSON (parse + minisearch loadJS)', small.coldFromJSON, large.coldFromJSON),
  row('search: warm p50', median(small.warm), median(large.warm)),
  row('search: warm p99', quantile(small.warm, 0.99), quantile(large.warm, 0.99)),
  row('search: warm, a word no document has (the catch-up checks alone)', median(small.miss), median(large.miss)),
  row('search: first after a save (memory items caught up)', median(small.afterSave), median(large.afterSave)),
  row('index.json on disk', small.indexBytes, large.indexBytes, bytes),
  row('JS heap held by a loaded index (heapUsed after the cold load, approx.)', small.heapAfterCold, large.heapAfterCold, bytes),
  row('archive dir on disk (items, sessions, index)', small.archiveBytes, large.archiveBytes, bytes),
];
process.stdout.write(`${lines.join('\n')}\n`);
