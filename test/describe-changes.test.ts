// The one wording of memory changes (core/describe-changes.ts), as pipe mode and signals print it.
import { describe, expect, it } from 'vitest';
import { describeChanges } from '../src/core/describe-changes.js';
import type { ExtractionOutcome } from '../src/core/extraction.js';
import type { MemoryChange } from '../src/core/schema.js';

const outcome = (changes: MemoryChange[]): ExtractionOutcome => ({
  journalPath: '/m/journal/alice/s1.jsonl',
  extracted: true,
  changes,
  warnings: [],
  droppedUngrounded: 0,
  redacted: 0,
  revision: 3,
  memoryPath: '/m/alice.json',
});

describe('describeChanges (pipe mode exit report)', () => {
  it('counts an absorbed item as already known, so the counts add up to every proposed item', () => {
    const lines = describeChanges(
      outcome([
        { type: 'add', id: 'f_1', text: 'Prefers metric units' },
        { type: 'refresh', id: 'f_1', text: 'Prefers metric units' },
        { type: 'summary', text: 'Alice likes metric.' },
      ]),
    );
    expect(lines).toEqual([
      '+ Prefers metric units',
      '= already known: Prefers metric units',
      'Memory saved: +1 added, ~0 updated, -0 removed, =1 already known → /m/alice.json (revision 3)',
    ]);
  });

  it('keeps the count line as it was when nothing was already known', () => {
    const lines = describeChanges(outcome([{ type: 'supersede', id: 'f_2', text: 'Lives in Lisbon', was: 'Lives in Porto', oldId: 'f_1' }]));
    expect(lines).toEqual([
      '~ Lives in Lisbon (was: Lives in Porto)',
      'Memory saved: +0 added, ~1 updated, -0 removed → /m/alice.json (revision 3)',
    ]);
  });
});
