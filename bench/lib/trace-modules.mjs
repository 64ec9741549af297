#!/usr/bin/env node
// Which modules of the CLI script a command initialises: for the start-up check ("show loads no
// Ink, React or SDK"). Runs dist/memagent.cjs as src/boot does, without a code cache, with esbuild's
// lazy-module helpers (`__esm` for ES modules, `__commonJS` for CommonJS ones) wrapped to record the
// path of every module they initialise, plus the modules the script initialises eagerly (the
// entry's static imports, from the build's metafile). At exit the paths go to
// BENCH_TRACE_OUT, one per line.
//   BENCH_TRACE_OUT=out.txt node bench/lib/trace-modules.mjs dist/memagent.cjs show --user alice
import { appendFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

const [file, ...args] = process.argv.slice(2);
const out = process.env.BENCH_TRACE_OUT;
if (!file || !out) {
  process.stderr.write('usage: BENCH_TRACE_OUT=<file> trace-modules.mjs <dist/memagent.cjs> [args…]\n');
  process.exit(2);
}
const path = resolve(file);
let source = readFileSync(path, 'latin1');

// Modules initialised eagerly, whatever the command: the entry's static imports, transitively
// (a dynamic `import()` or a `require()` leads to a lazy helper, traced below), from the build's
// metafile (dist/memagent.meta.json).
const meta = JSON.parse(readFileSync(path.replace(/\.cjs$/, '.meta.json'), 'utf8'));
const entry = Object.values(meta.outputs).find((o) => o.entryPoint)?.entryPoint;
const eager = [];
for (const todo = [entry], seenInputs = new Set(); todo.length; ) {
  const input = todo.pop();
  if (!input || seenInputs.has(input)) continue;
  seenInputs.add(input);
  eager.push(input);
  for (const i of meta.inputs[input]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) todo.push(i.path);
}
const patch = (from, to) => {
  const next = source.replace(from, to);
  if (next === source) throw new Error(`trace-modules: esbuild's helper changed (${from})`);
  source = next;
};
patch(/var __esm ?= ?\((\w+), ?(\w+), ?(\w+)\) ?=> ?function(?: __init)? ?\(\) ?\{/, (m, fn) => `${m}if(${fn})__memagentTrace(__getOwnPropNames(${fn})[0]);`);
patch(/var __commonJS ?= ?\((\w+), ?(\w+)\) ?=> ?function(?: __require)? ?\(\) ?\{/, (m, cb, mod) => `${m}if(!${mod})__memagentTrace(__getOwnPropNames(${cb})[0]);`);

const seen = new Set(eager);
globalThis.__memagentTrace = (name) => seen.add(name);
process.on('exit', () => appendFileSync(out, [...seen].map((p) => `${p}\n`).join('')));
process.argv = [process.argv[0], path, ...args];
const run = new vm.Script(`(function (exports, require, module, __filename, __dirname, __memagentUrl) {${source}\n})`, { filename: path }).runInThisContext();
const module = { exports: {} };
run(module.exports, createRequire(path), module, path, dirname(path), pathToFileURL(path).href);
