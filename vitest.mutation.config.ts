import { defineConfig } from 'vitest/config';

/**
 * The fast, pure unit tests that `npm run mutation` (StrykerJS, stryker.config.mjs) runs against
 * each mutant of the pure core. Only files that need no built dist/, no subprocess and no disk:
 * Stryker runs them once per mutant, so every second here costs minutes there. No globalSetup (the
 * main config builds dist/ for subprocess tests; none of these spawn one).
 */
export default defineConfig({
  test: {
    include: [
      'test/redact*.test.ts',
      'test/render*.test.ts',
      'test/merge.test.ts',
      'test/merge.property.test.ts',
      'test/fact-transitions.test.ts',
      'test/archive-plan.test.ts',
      'test/recall-policy.test.ts',
      'test/edit-plan.test.ts',
      'test/pricing.test.ts',
      'test/merge-policy.test.ts',
      'test/compaction-plan.test.ts',
      'test/text-match.test.ts',
      'test/grounding.test.ts',
      'test/grounding-dropped.test.ts',
      'test/grounding-report.test.ts',
      'test/grounding-text.test.ts',
      'test/grounding-words.test.ts',
      'test/grounding-align-rules.test.ts',
      // Not grounding-align.test.ts: its bench probe set is read from bench/, which the sandbox leaves out.
      'test/chunk-merge.test.ts',
      'test/review.test.ts',
      'test/fuzz-extraction.test.ts',
      // Its last block runs compactMemory against the in-process fake API on loopback: no
      // subprocess, a second or two, and the only test of applyCompaction's callers.
      'test/compaction.test.ts',
      // The compaction request and compactMemory's outcomes, against the same in-process fake API.
      'test/compaction-request.test.ts',
    ],
    env: { CI: 'false', CONTINUOUS_INTEGRATION: 'false' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
