#!/usr/bin/env node
// Summarises a V8 CPU profile (`node --cpu-prof`): busy time per 100 ms (to find a turn), then
// self and inclusive time per function inside a window, idle left out.
//   node bench/lib/profile-summary.mjs <file.cpuprofile> [fromSeconds toSeconds] [rows]
// Used for the profiles behind issue 15 (bench/notes-issue-15.md); to profile the REPL section:
//   BENCH_REPL_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/run.mjs --quick --only=repl
import { readFileSync } from 'node:fs';

const [file, from = '0', to = '1e9', rows = '30'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: profile-summary.mjs <file.cpuprofile> [fromSeconds toSeconds] [rows]\n');
  process.exit(2);
}
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
const self = new Map();
const incl = new Map();
const timeline = new Map();
let t = p.startTime;
let busy = 0;
for (let i = 0; i < p.samples.length; i++) {
  const d = p.timeDeltas[i] ?? 0;
  t += d;
  const node = byId.get(p.samples[i]);
  if (node.callFrame.functionName === '(idle)') continue;
  const s = (t - p.startTime) / 1e6;
  const bucket = Math.floor(s * 10) / 10;
  timeline.set(bucket, (timeline.get(bucket) ?? 0) + d);
  if (s < Number(from) || s > Number(to)) continue;
  busy += d;
  self.set(name(node), (self.get(name(node)) ?? 0) + d);
  const seen = new Set();
  for (let id = node.id; id !== undefined; id = parent.get(id)) {
    const k = name(byId.get(id));
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + d);
  }
}
const top = (m) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(rows))
    .map(([k, v]) => `${(v / 1000).toFixed(1).padStart(8)} ms ${((100 * v) / busy).toFixed(1).padStart(5)}%  ${k.slice(0, 140)}`)
    .join('\n');
const line = [...timeline].map(([b, v]) => `${b.toFixed(1)}s:${(v / 1000).toFixed(0)}`).join(' ');
process.stdout.write(`busy ms per 100 ms: ${line}\n\nwindow ${from}–${to} s: ${(busy / 1000).toFixed(0)} ms busy\n-- self\n${top(self)}\n-- inclusive\n${top(incl)}\n`);
