import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    globalSetup: ['test/global-setup.ts'],
    // CI runs with CI=true, which makes Ink (when imported by in-process UI tests) draw no live
    // region; the CLI clears it before loading Ink on a real terminal, so tests do the same.
    env: { CI: 'false', CONTINUOUS_INTEGRATION: 'false' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: subprocess-heavy suites fight each other when run wide.
    maxWorkers: 2,
  },
});
