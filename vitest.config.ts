import { defineConfig } from 'vitest/config';

/**
 * Tests that run subprocesses (the built CLI, the fake API binary, SIGKILLed children, a pty):
 * the `process` project, which builds dist/ first. Everything else is in-process and makes the
 * `unit` project (`npx vitest --project unit`, seconds). A new test that spawns the CLI belongs
 * in this list.
 */
const PROCESS_TESTS = [
  'test/storage/postgres-store.test.ts',
  'test/postgres-down.test.ts',
  'test/postgres-migrate.test.ts',
  'test/postgres-two-machines.test.ts',
  'test/atomic-write.test.ts',
  'test/bench-locomo.test.ts',
  'test/cli-output-drain.test.ts',
  'test/cli-ux.test.ts',
  'test/code-cache-cli.test.ts',
  'test/cli-help.test.ts',
  'test/commands-compact.test.ts',
  'test/commands-edit.test.ts',
  'test/commands-recall.test.ts',
  'test/commands-manage.test.ts',
  'test/commands-show.test.ts',
  'test/commands-undo.test.ts',
  'test/disk-full.test.ts',
  'test/e2e-chat.test.ts',
  'test/encryption-cli.test.ts',
  'test/encryption-concurrency.test.ts',
  'test/fake-api.test.ts',
  'test/hardening-api-faults.test.ts',
  'test/hardening-concurrency.test.ts',
  'test/hardening-hostile-input.test.ts',
  'test/hardening-privacy.test.ts',
  'test/hardening-signals.test.ts',
  'test/lock.test.ts',
  'test/pending-journals.test.ts',
  'test/package-install.test.ts',
  'test/privacy-secrets.test.tsx',
  'test/repl-keys-pty.test.ts',
  'test/resume-pty.test.ts',
  'test/recall-e2e.test.ts',
  'test/storage-paused-writer.test.ts',
  'test/tools-process.test.ts',
  'test/ui-pty.test.tsx',
];

export default defineConfig({
  test: {
    // CI runs with CI=true, which makes Ink (when imported by in-process UI tests) draw no live
    // region; the CLI clears it before loading Ink on a real terminal, so tests do the same.
    // The real value stays readable as MEMAGENT_TEST_CI (tests that must not skip under CI).
    env: { CI: 'false', CONTINUOUS_INTEGRATION: 'false', MEMAGENT_TEST_CI: process.env.CI ?? '' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: subprocess-heavy suites fight each other when run wide.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.{ts,tsx}'], exclude: PROCESS_TESTS },
      },
      {
        extends: true,
        test: { name: 'process', include: PROCESS_TESTS, globalSetup: ['test/global-setup.ts'] },
      },
    ],
  },
});
