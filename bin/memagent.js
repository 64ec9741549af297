#!/usr/bin/env node
// The CLI is bundled into dist/ by `npm install` / `npm ci` (the `prepare` script) or `npm run build`.
import('../dist/memagent.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/memagent.js')) {
    process.stderr.write('memagent: not built yet; run `npm install` (or `npm run build`) in the memagent folder.\n');
    process.exit(1);
  }
  throw error;
});
