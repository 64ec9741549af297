// `node --import` preload for the start-up check: logs every file the process loads to
// BENCH_TRACE_OUT — ES modules through a loader hook, CommonJS files (the bundle's createRequire
// calls) through Module._load — so the bench can tell which dist chunks, and which
// node_modules packages, a command pulls in.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const out = process.env.BENCH_TRACE_OUT;
if (out) {
  register('./trace-hooks.mjs', import.meta.url, { data: { out } });
  const load = Module._load;
  Module._load = function traced(request, parent, isMain) {
    if (!Module.isBuiltin(request)) {
      try {
        appendFileSync(out, `cjs ${Module._resolveFilename(request, parent, isMain)}\n`);
      } catch {
        appendFileSync(out, `cjs ${request}\n`);
      }
    }
    return load.apply(this, arguments);
  };
}
