// Memory fixtures shared by the test files.
import type { Fact } from '../../src/core/schema.js';

/**
 * An active, unpinned fact created, updated and valid from `at`, quoting its own text; confidence
 * `high` and session `s1` unless `base` says otherwise; `extra` is applied last.
 */
export function makeFact(
  id: string,
  text: string,
  at: string,
  extra: Partial<Fact> = {},
  base: { confidence?: Fact['confidence']; session?: string } = {},
): Fact {
  return {
    id,
    text,
    kind: 'fact',
    confidence: base.confidence ?? 'high',
    status: 'active',
    pinned: false,
    createdAt: at,
    updatedAt: at,
    validFrom: at,
    source: { session: base.session ?? 's1', at, quote: text },
    ...extra,
  };
}
