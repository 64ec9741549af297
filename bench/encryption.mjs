#!/usr/bin/env node
/**
 * Encryption at rest (issue 13), run alone (not part of `npm run bench`):
 *
 *   npm run build && node bench/encryption.mjs [--quick]
 *
 * 1. Save latency (the real update + merge) on a 60-active + 500-archived-fact memory, plaintext
 *    vs encrypted, interleaved, 300 each: median and p99, and their ratios (target: p99 ≤ 1.5x and
 *    < 25 ms).
 * 2. `memagent show --user` start-up (spawn to exit) on the same memory, plaintext vs encrypted
 *    (identity file configured), interleaved, 30 each.
 * 3. A journal append per turn (an encrypted journal is rewritten whole per line), by turn number,
 *    for 2,000-character turns.
 * Prints a Markdown table. Memory goes to a temp dir that is removed at the end.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { nodeBundleOptions } from '../scripts/esbuild-options.mjs';
import { median, quantile } from './lib/stats.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');
const QUICK = process.argv.includes('--quick');
const SAVES = QUICK ? 40 : 300;
const SHOWS = QUICK ? 6 : 30;
const TURNS = QUICK ? 40 : 200;

if (!existsSync(join(ROOT, 'dist', 'boot.cjs'))) {
  process.stderr.write('bench: dist/boot.cjs is missing; run `npm run build` first\n');
  process.exit(1);
}
const work = mkdtempSync(join(os.tmpdir(), 'memagent-bench-enc-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const loadAtStart = os.loadavg().map((x) => x.toFixed(2)).join(', ');

await build({ entryPoints: { encryption: join(BENCH, 'entries', 'encryption.ts') }, outdir: join(work, 'build'), ...nodeBundleOptions });
const entry = join(work, 'build', 'encryption.js');
const run = (args) => {
  const r = spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`encryption.js ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};
const f = (x) => `${x.toFixed(2)} ms`;
const rows = [];

// 1. saves
const s = run(['saves', join(work, 'saves'), String(SAVES)]);
const sp = { median: median(s.plain), p99: quantile(s.plain, 0.99) };
const se = { median: median(s.encrypted), p99: quantile(s.encrypted, 0.99) };
rows.push(['save, 60 active + 500 archived facts, median', f(sp.median), f(se.median), `${(se.median / sp.median).toFixed(2)}x`, '']);
rows.push(['save, p99', f(sp.p99), f(se.p99), `${(se.p99 / sp.p99).toFixed(2)}x`, `≤ 1.5x: ${se.p99 / sp.p99 <= 1.5 ? 'met' : '**missed**'}; < 25 ms: ${se.p99 < 25 ? 'met' : `**missed**${sp.p99 >= 25 ? ' (so is plaintext)' : ''}`}`]);
rows.push(['seal / open of that memory file alone (CPU, no disk), median', '', `${f(median(s.seal))} / ${f(median(s.open))}`, '', '']);
rows.push(['memory file size', `${s.bytes.plain} B`, `${s.bytes.encrypted} B`, `${(s.bytes.encrypted / s.bytes.plain).toFixed(3)}x`, '']);

// 2. show start-up: the memory dirs the save bench left (plaintext / encrypted), with and without an identity.
const identityFile = join(work, 'identity.txt');
{
  // The identity the save bench used is not kept: encrypt a fresh copy with a new one through the CLI.
  const plainDir = join(work, 'saves', 'plain');
  const encDir = join(work, 'show-encrypted');
  const env = (extra) => ({ PATH: process.env.PATH, HOME: work, XDG_CONFIG_HOME: join(work, 'cfg'), XDG_DATA_HOME: join(work, 'data'), ...extra });
  const cli = (args, extra) => spawnSync(process.execPath, [join(ROOT, 'bin', 'memagent.js'), ...args], { env: env(extra), encoding: 'utf8' });
  let r = cli(['keygen'], { MEMAGENT_IDENTITY_FILE: identityFile });
  if (r.status !== 0) throw new Error(r.stderr);
  mkdirSync(encDir, { recursive: true });
  spawnSync('cp', ['-a', join(plainDir, 'bench.json'), join(encDir, 'bench.json')]);
  r = cli(['encrypt', '--user', 'bench', '--memory-dir', encDir], { MEMAGENT_IDENTITY_FILE: identityFile });
  if (r.status !== 0) throw new Error(r.stderr);
  const timeShow = (dir, extra) =>
    new Promise((res, rej) => {
      const t0 = performance.now();
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'memagent.js'), 'show', '--user', 'bench', '--memory-dir', dir], { env: env(extra), stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.on('close', (code) => (code === 0 ? res(performance.now() - t0) : rej(new Error(err))));
    });
  const plain = [];
  const enc = [];
  for (let i = 0; i < 2; i++) {
    await timeShow(plainDir, {});
    await timeShow(encDir, { MEMAGENT_IDENTITY_FILE: identityFile });
  }
  for (let i = 0; i < SHOWS; i++) {
    plain.push(await timeShow(plainDir, {}));
    enc.push(await timeShow(encDir, { MEMAGENT_IDENTITY_FILE: identityFile }));
  }
  rows.push(['`show --user` start-up, median', f(median(plain)), f(median(enc)), `${(median(enc) / median(plain)).toFixed(2)}x`, '']);
  rows.push(['`show --user` start-up, p99 (max of ' + SHOWS + ')', f(quantile(plain, 0.99)), f(quantile(enc, 0.99)), `${(quantile(enc, 0.99) / quantile(plain, 0.99)).toFixed(2)}x`, '']);
}

// 3. journal appends
const j = run(['journal', join(work, 'journal'), String(TURNS), '2000']);
for (const at of [1, 10, 50, TURNS].filter((n, i, a) => n <= TURNS && a.indexOf(n) === i)) {
  const window = (xs) => median(xs.slice(Math.max(0, at - 5), at));
  rows.push([`journal append at turn ${at} (2,000-char turns; median of turns ${Math.max(1, at - 4)}–${at})`, f(window(j.plain)), f(window(j.encrypted)), `${(window(j.encrypted) / window(j.plain)).toFixed(2)}x`, '']);
}

const table = [
  `Encryption at rest (issue 13), ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu?'} ×${os.cpus().length}, load ${loadAtStart}${QUICK ? ', --quick' : ''}`,
  '',
  '| measure | plaintext | encrypted | ratio | target |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
process.stdout.write(`${table}\n`);
