// Bundles the CLI and the fake Messages API into dist/ with esbuild.
//
// The CLI is one CommonJS script, dist/memagent.cjs, run by dist/boot.cjs (src/boot/) through V8's
// code cache: Node 20 can cache compiled code only for a script (`vm.Script` `cachedData`), not
// for ES modules (issue 15). Modules are still initialised lazily inside the script (esbuild turns
// each `import()` into an on-demand initialiser), so `show` runs no Ink, React or SDK code; the
// cache then holds the compiled functions a command used, and a later start skips compiling them.
// scripts/script-bundle.mjs removes the dependencies' top-level `await`s a script cannot hold.
// The script's first line names its SHA-256, which keys the cache (src/boot/code-cache.ts).
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';
import { nodeBundleOptions } from './esbuild-options.mjs';
import { inkFastPaths } from './ink-fast-paths.mjs';
import { lazyModules } from './lazy-modules.mjs';
import { scriptBundle } from './script-bundle.mjs';
import { toAsciiScript } from './ascii-script.mjs';

/**
 * Start-up trims, each measured by `npm run bench` (bench/RESULTS.md):
 * - zod re-exports all 60+ locales (~313 KB) from `locales/index.js`; memagent only ever uses
 *   English, so the bundle gets an index that exports `en` alone (~25 ms less to compile).
 */
const startupTrims = {
  name: 'startup-trims',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: 'export { default as en } from "./en.js";\n',
    }));
  },
};

const { version } = JSON.parse(await readFile('package.json', 'utf8'));
const PLACEHOLDER = '0'.repeat(64);

// Built into a fresh directory, then swapped in with two renames: a CLI started meanwhile (another
// test run) finds dist/ missing for microseconds, not for the whole build.
const fresh = `dist.${process.pid}.tmp`;
const old = `dist.${process.pid}.old`;
await rm(fresh, { recursive: true, force: true });
process.on('exit', (code) => {
  if (code !== 0) rmSync(fresh, { recursive: true, force: true });
});
await Promise.all([
  build({
    ...nodeBundleOptions,
    format: 'cjs',
    // The header line the code cache is keyed by; its hash is filled in below (same length, so the
    // source map's line numbers stay right).
    banner: { js: `//! memagent-script sha256=${PLACEHOLDER}` },
    define: { ...nodeBundleOptions.define, MEMAGENT_VERSION: JSON.stringify(version), 'import.meta.url': '__memagentUrl' },
    sourcemap: 'linked',
    // Whitespace and syntax only (names stay, for stack traces): 3.8 -> 2.4 MB to read at every
    // start, and less to parse for functions the code cache does not hold.
    minifyWhitespace: true,
    minifySyntax: true,
    // Short lines: Node prints the line an uncaught error came from, which minified would be 260 KB.
    lineLimit: 500,
    plugins: [startupTrims, inkFastPaths, scriptBundle, lazyModules],
    entryPoints: { memagent: 'src/cli/main.ts' },
    outdir: fresh,
    outExtension: { '.js': '.cjs' },
    // The module graph, for bench/lib/trace-modules.mjs (not shipped).
    metafile: true,
  }).then((result) => {
    // A script run by vm.Script cannot `import()` (Node 20 needs an experimental flag for it), and
    // esbuild leaves `import()` of a Node built-in as it is: use a static import for those.
    const dynamic = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.kind === 'dynamic-import' && i.external));
    if (dynamic.length) throw new Error(`build: dist/memagent.cjs would import() ${dynamic.map((i) => i.path).join(', ')} at run time; import it statically`);
    return writeFile(`${fresh}/memagent.meta.json`, JSON.stringify(result.metafile));
  }),
  build({ ...nodeBundleOptions, format: 'cjs', banner: {}, entryPoints: { boot: 'src/boot/launch.ts' }, outdir: fresh, outExtension: { '.js': '.cjs' } }),
  build({ ...nodeBundleOptions, sourcemap: 'linked', entryPoints: { 'fake-api': 'src/fake-api/main.ts' }, outdir: fresh }),
]);
const scriptPath = `${fresh}/memagent.cjs`;
// src/boot/code-cache.ts reads the script as Latin-1: scripts/ascii-script.mjs says why and where
// escaping keeps the meaning (and fails the build where it might not).
const script = toAsciiScript(await readFile(scriptPath, 'utf8'));
if (!script.startsWith(`//! memagent-script sha256=${PLACEHOLDER}\n`)) throw new Error('build: the script header is missing');
const sha256 = createHash('sha256').update(script).digest('hex');
await writeFile(scriptPath, script.replace(PLACEHOLDER, sha256), 'latin1');
await rename('dist', old).catch((err) => {
  if (err.code !== 'ENOENT') throw err;
});
await rename(fresh, 'dist');
await rm(old, { recursive: true, force: true });
