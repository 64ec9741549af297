// esbuild options shared by the CLI build (scripts/build.mjs) and the bench's entries
// (bench/run.mjs), so both bundle the same way: ESM for Node 20, production React, a require()
// for the CommonJS dependencies (signal-exit, proper-lockfile, pg) that call it. pg-native stays
// external: pg requires it only when asked for its native binding, which memagent never does.
export const nodeBundleOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  logLevel: 'warning',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  define: { 'process.env.NODE_ENV': '"production"', 'process.env.DEV': '"false"' },
  external: ['react-devtools-core', 'pg-native'],
};
