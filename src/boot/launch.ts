/**
 * The CLI's launcher (dist/boot.cjs, required by bin/memagent.js): runs the CLI bundle
 * (dist/memagent.cjs, next to this file once built) through V8's code cache in the user cache dir
 * (`<cache dir>/code-cache`, see user-dirs.ts). `MEMAGENT_CODE_CACHE=0` (or `off`) runs it
 * without one. Read from the environment only: this runs before any `.env` is loaded. Bundled
 * as CommonJS, so `__dirname` is the dist dir.
 */
import os from 'node:os';
import path from 'node:path';
import { userDirs } from '../cli/user-dirs.js';
import { cacheVariant, runScript } from './code-cache.js';

/** The cache dir, or null when turned off or when there is no home to put it in (os.homedir() throws without HOME and a passwd entry). */
function cacheDir(): string | null {
  if (['0', 'off', 'false', 'no'].includes((process.env.MEMAGENT_CODE_CACHE ?? '').trim().toLowerCase())) return null;
  try {
    return path.join(userDirs(process.env, process.platform, os.homedir()).cache, 'code-cache');
  } catch {
    return null;
  }
}

runScript({
  file: path.join(__dirname, 'memagent.cjs'),
  cacheDir: cacheDir(),
  variant: cacheVariant(process.argv.slice(2)),
});
