#!/usr/bin/env node
// The CLI is the bundle in dist/ (one script, dist/memagent.cjs, started by dist/boot.cjs through
// V8's code cache): shipped in the npm package (built by `prepack`), built by `npm run build` in a
// checkout. A checkout that has not built it yet builds it here, once: there is no install-time
// build, because an installed package must run no install scripts.
//
// CommonJS (bin/package.json says so), as is dist/boot.cjs: starting Node's ES module loader costs
// ~8 ms, more than a tenth of Node's own start (issue 15).
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
// `memagent --version` alone is answered here, from package.json (the bundle prints the same
// version, defined from package.json by scripts/build.mjs): it then compiles no bundle at all.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  process.stdout.write(`${JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version}\n`);
} else {
  const boot = path.join(root, 'dist', 'boot.cjs');
  if (!existsSync(boot) && existsSync(path.join(root, 'scripts', 'build.mjs'))) {
    process.stderr.write('memagent: building dist/ (first run from a checkout)…\n');
    const built = require('node:child_process').spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    if (built.status !== 0) {
      process.stderr.write('memagent: the build failed; run `npm ci` then `npm run build` in the memagent folder.\n');
      process.exit(1);
    }
  }
  if (!existsSync(boot) || !existsSync(path.join(root, 'dist', 'memagent.cjs'))) {
    process.stderr.write('memagent: not built yet; run `npm ci` then `npm run build` in the memagent folder.\n');
    process.exit(1);
  }
  require(boot);
}
