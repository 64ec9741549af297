#!/usr/bin/env node
// The CLI is the bundle in dist/: shipped in the npm package (built by `prepack`), built by
// `npm run build` in a checkout. A checkout that has not built it yet builds it here, once: there is
// no install-time build, because an installed package must run no install scripts.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(new URL('../dist/memagent.js', import.meta.url)) && existsSync(new URL('../scripts/build.mjs', import.meta.url))) {
  process.stderr.write('memagent: building dist/ (first run from a checkout)…\n');
  const { spawnSync } = await import('node:child_process');
  const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) {
    process.stderr.write('memagent: the build failed; run `npm ci` then `npm run build` in the memagent folder.\n');
    process.exit(1);
  }
}
import('../dist/memagent.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/memagent.js')) {
    process.stderr.write('memagent: not built yet; run `npm ci` then `npm run build` in the memagent folder.\n');
    process.exit(1);
  }
  throw error;
});
