// Bundles the CLI and the fake Messages API into dist/ with esbuild.
// One file per entry point: importing ~60 ES modules separately costs ~0.8 s at start-up on
// this class of machine; one bundle costs ~0.12 s (measured in issue 6). Lazy `import()`s
// inside the CLI become separate chunks so commands that draw no UI never load Ink or React.
import { readFile, rename, rm } from 'node:fs/promises';
import { build } from 'esbuild';
import { nodeBundleOptions } from './esbuild-options.mjs';
import { inkFastPaths } from './ink-fast-paths.mjs';

/**
 * Start-up trims, each measured by `npm run bench` (bench/RESULTS.md):
 * - zod re-exports all 60+ locales (~313 KB) from `locales/index.js`; memagent only ever uses
 *   English, so the bundle gets an index that exports `en` alone (~25 ms less to compile).
 * - yoga (Ink's layout engine) loads its inline wasm with `fetch('data:…')` when `fetch` exists;
 *   on Node 20 the first `fetch` loads undici (35-90 ms). Told there is no fetch, it decodes the
 *   same base64 bytes directly.
 */
const startupTrims = {
  name: 'startup-trims',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: 'export { default as en } from "./en.js";\n',
    }));
    b.onLoad({ filter: /yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const patched = source.replaceAll('"function"!=typeof fetch', 'true');
      if (patched === source) throw new Error('yoga-layout changed: the fetch check to patch was not found');
      return { contents: patched, loader: 'js' };
    });
  },
};

const { version } = JSON.parse(await readFile('package.json', 'utf8'));
const common = {
  ...nodeBundleOptions,
  // The version `memagent --version` prints; bin/memagent.js answers a lone --version from package.json too.
  define: { ...nodeBundleOptions.define, MEMAGENT_VERSION: JSON.stringify(version) },
  sourcemap: 'linked',
  plugins: [startupTrims, inkFastPaths],
};

// Built into a fresh directory, then swapped in with two renames: stale chunks of earlier builds
// do not pile up (every build hashes new names), and a CLI started meanwhile (another test run)
// finds dist/ missing for microseconds, not for the whole build.
const fresh = `dist.${process.pid}.tmp`;
const old = `dist.${process.pid}.old`;
await rm(fresh, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { memagent: 'src/cli/main.ts', 'fake-api': 'src/fake-api/main.ts' },
  outdir: fresh,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});
await rename('dist', old).catch((err) => {
  if (err.code !== 'ENOENT') throw err;
});
await rename(fresh, 'dist');
await rm(old, { recursive: true, force: true });
