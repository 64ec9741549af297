// @ts-check
/**
 * Mutation testing of the pure core (issue 17): `npm run mutation` changes the policy modules one
 * small edit at a time and runs the fast unit tests of vitest.mutation.config.ts against each
 * change; a mutant no test notices is a behaviour no test pins. One file while working:
 * `npx stryker run --mutate src/core/redact.ts`. Reports: reports/mutation/ (html) and the
 * per-file table printed at the end; the committed summary is MUTATION.md.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  // StrykerJS 10 needs Node 22; 9.6 runs on our Node 20 and its vitest runner works with vitest 4.
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  // The pure policy, by module name anywhere under src/core, so the files stay covered when they
  // move into src/core/policy/ and fact-transitions.ts is picked up once it exists. A policy
  // module with a new name must be added here.
  mutate: ['src/core/**/{merge,fact-transitions,compaction,compaction-plan,grounding,grounding-align,grounding-text,grounding-report,text-match,redact,render,archive-plan,recall,edit-plan,pricing}.ts'],
  // Each mutant runs only the tests that reached its code.
  coverageAnalysis: 'perTest',
  // Two cores on this machine, shared.
  concurrency: 2,
  reporters: ['clear-text', 'html', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  thresholds: { high: 90, low: 80, break: null },
  // No checker: Stryker's TypeScript checker calls the TypeScript JS API, which TypeScript 7 (our
  // compiler) does not ship. For the same reason its tsconfig preprocessor (which only rewrites
  // `extends`/`references` paths, and our tsconfig has neither) must not find a tsconfig: it is
  // pointed at a file that does not exist, so it skips. Vitest transpiles without a type check.
  checkers: [],
  tsconfigFile: 'stryker-no-tsconfig.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  // The sandbox copy needs sources and tests only, not build output, benches or local memory.
  ignorePatterns: ['dist', 'dist.*', 'bench', 'memory', 'reports', 'coverage', '.env', '.stryker-tmp*'],
  timeoutMS: 10_000,
};
