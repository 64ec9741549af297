// Bundles the CLI and the fake Messages API into dist/ with esbuild.
// One file per entry point: importing ~60 ES modules separately costs ~0.8 s at start-up on
// this class of machine; one bundle costs ~0.12 s (measured in issue 6). Lazy `import()`s
// inside the CLI become separate chunks so commands that draw no UI never load Ink or React.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Some CommonJS dependencies (signal-exit, proper-lockfile) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  define: { 'process.env.NODE_ENV': '"production"', 'process.env.DEV': '"false"' },
  external: ['react-devtools-core'],
};

await build({
  ...common,
  entryPoints: { memagent: 'src/cli.ts', 'fake-api': 'src/fake-api/main.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});
