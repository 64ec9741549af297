#!/usr/bin/env node
// The CLI is the bundle in dist/ (one script, dist/memagent.cjs, started by dist/boot.js through
// V8's code cache): shipped in the npm package (built by `prepack`), built by `npm run build` in a checkout. A checkout that has not built it yet builds it here, once: there is
// no install-time build, because an installed package must run no install scripts.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// `memagent --version` alone is answered here, from package.json (the bundle prints the same
// version, defined from package.json by scripts/build.mjs): it then compiles no bundle at all
// (commander alone is ~120 KB of it), and costs little more than Node's own start (issue 15).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const root = fileURLToPath(new URL('..', import.meta.url));
  if (!existsSync(new URL('../dist/boot.js', import.meta.url)) && existsSync(new URL('../scripts/build.mjs', import.meta.url))) {
    process.stderr.write('memagent: building dist/ (first run from a checkout)…\n');
    const { spawnSync } = await import('node:child_process');
    const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    if (built.status !== 0) {
      process.stderr.write('memagent: the build failed; run `npm ci` then `npm run build` in the memagent folder.\n');
      process.exit(1);
    }
  }
  import('../dist/boot.js').catch((error) => {
    if (error && ((error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/boot.js')) || (error.code === 'ENOENT' && String(error.path).endsWith('memagent.cjs')))) {
      process.stderr.write('memagent: not built yet; run `npm ci` then `npm run build` in the memagent folder.\n');
      process.exit(1);
    }
    throw error;
  });
}
