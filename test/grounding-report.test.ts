// What the user reads about an item grounding did not keep: one line with the item and the reason
// in plain words, never cut mid-character, naming the negation its quote left out.
import { describe, expect, it } from 'vitest';
import { describeDropReason, formatDroppedItem } from '../src/core/grounding-report.js';

describe('describeDropReason', () => {
  it.each([
    ['not-found', undefined, 'quote not found in your words'],
    ['empty', undefined, 'no quote of your words'],
    ['too-short', undefined, 'quote too short to show what you meant'],
    ['drops-negation', 'jamais', "quote leaves out 'jamais'"],
    ['drops-negation', undefined, "quote leaves out 'not'"],
    ['unknown-fact', undefined, 'names a fact that does not exist'],
    ['unkept-fact', undefined, 'names a fact that was not kept'],
  ] as const)('%s (%s) → %j', (reason, word, text) => {
    expect(describeDropReason(reason, word)).toBe(text);
  });
});

describe('formatDroppedItem', () => {
  it('shows a text of 80 characters whole, and cuts one of 81 to 79 and "…"', () => {
    const eighty = 'a'.repeat(80);
    expect(formatDroppedItem({ op: 'add', text: eighty, quote: 'q', reason: 'not-found' })).toBe(`not kept: '${eighty}' — quote not found in your words`);
    const long = `${'a'.repeat(78)}bcd`;
    expect(formatDroppedItem({ op: 'add', text: long, quote: 'q', reason: 'not-found' })).toBe(`not kept: '${'a'.repeat(78)}b…' — quote not found in your words`);
  });

  it('does not leave a space before the "…" of a cut text', () => {
    const text = `${'a'.repeat(77)}  ${'b'.repeat(10)}`;
    expect(formatDroppedItem({ op: 'add', text, quote: 'q', reason: 'empty' })).toBe(`not kept: '${'a'.repeat(77)}…' — no quote of your words`);
  });

  it('shows 80 emoji whole: a text is measured in characters, not UTF-16 units', () => {
    const text = '😀'.repeat(80);
    expect(formatDroppedItem({ op: 'add', text, quote: 'q', reason: 'not-found' })).toBe(`not kept: '${text}' — quote not found in your words`);
  });

  it('never cuts an emoji in half', () => {
    const text = '😀'.repeat(90);
    expect(formatDroppedItem({ op: 'add', text, quote: 'q', reason: 'not-found' })).toBe(`not kept: '${'😀'.repeat(79)}…' — quote not found in your words`);
  });

  it('shows a retraction by its fact number and quote, cut like a text', () => {
    const quote = 'x'.repeat(100);
    expect(formatDroppedItem({ op: 'retract', text: '', fact: 2, quote, reason: 'drops-negation', word: 'not' })).toBe(
      `not kept: forget fact 2 ('${'x'.repeat(79)}…') — quote leaves out 'not'`,
    );
    expect(formatDroppedItem({ op: 'retract', text: '', quote: 'forget it', reason: 'unknown-fact' })).toBe(
      "not kept: forget fact ? ('forget it') — names a fact that does not exist",
    );
  });

  it('shows a decision by its "topic: decision" text', () => {
    expect(formatDroppedItem({ op: 'decision', text: 'db: Postgres', topic: 'db', decision: 'Postgres', quote: 'Postgres', reason: 'too-short' })).toBe(
      "not kept: 'db: Postgres' — quote too short to show what you meant",
    );
  });
});
