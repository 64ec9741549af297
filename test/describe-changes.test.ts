// The one wording of memory changes (core/describe-changes.ts), as pipe mode and signals print it.
import { describe, expect, it } from 'vitest';
import { describeChange, describeChanges, describeRemembered, describeSave } from '../src/core/describe-changes.js';
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

  it('an evicted fact is reported as moved to archival memory and still searchable, counted apart from what was removed', () => {
    const lines = describeChanges(
      outcome([
        { type: 'evict', id: 'f_1', text: 'Likes tea' },
        { type: 'add', id: 'f_2', text: 'Owns a cat' },
        { type: 'retract', id: 'f_3', text: 'Lives in Rome' },
      ]),
    );
    expect(lines).toEqual([
      '- moved to archival memory (still searchable): Likes tea',
      '+ Owns a cat',
      '- retracted: Lives in Rome',
      'Memory saved: +1 added, ~0 updated, -1 removed, 1 moved to archival memory → /m/alice.json (revision 3)',
    ]);
  });
});

describe('the wording of an eviction elsewhere', () => {
  it('the REPL exit report and /remember never say an evicted fact was dropped', () => {
    const evict: MemoryChange = { type: 'evict', id: 'f_1', text: 'Likes tea' };
    expect(describeChange(evict)).toEqual({ text: '- moved to archival memory (still searchable): Likes tea', tone: 'dim' });
    expect(describeRemembered(evict)).toEqual({ text: '- moved to archival memory to make room (still searchable): Likes tea', tone: 'dim' });
    const save = describeSave({ kind: 'saved', outcome: outcome([evict]) }).map((l) => l.text);
    expect(save).toContain('- moved to archival memory (still searchable): Likes tea');
    expect(save.join('\n')).not.toMatch(/dropped/);
  });
});
