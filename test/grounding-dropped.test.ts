// A memory item grounding drops is reported with its quote and the reason, never silently lost.
import { describe, expect, it } from 'vitest';
import { type DroppedItem, formatDroppedItem, groundExtraction } from '../src/core/grounding.js';
import type { Extraction } from '../src/core/schema.js';

const ctx = {
  userTurns: ["I'm allergic to shellfish and I don't eat meat.", 'I live in Zürich now. My key is sk-ant-api03-Xq9fK2mZ7vB4nR8tL1wY6pH3sD5gJ0cE'],
  handles: new Map([[1, 'f_city']]),
  sessionDate: new Date('2026-11-19T15:00:00Z'),
};
const extraction = (partial: Partial<Extraction>): Extraction => ({ summary: '', add: [], update: [], supersede: [], retract: [], decisions: [], ...partial });

describe('groundExtraction: dropped items', () => {
  it('lists each dropped item with its op, text, kind, quote and reason, and keeps the rest', () => {
    const { ops, report, dropped } = groundExtraction(
      extraction({
        add: [
          { text: 'Allergic to shellfish', kind: 'constraint', confidence: 'high', quote: 'I am allergic to shellfish' },
          { text: 'Lives in Geneva', kind: 'fact', confidence: 'high', quote: 'I live in Geneva' },
          { text: 'Eats meat', kind: 'preference', confidence: 'high', quote: 'eat meat' },
        ],
        supersede: [{ fact: 4, text: 'Lives in Zürich', kind: 'fact', confidence: 'high', quote: 'I live in Zürich now' }],
        retract: [{ fact: 1, quote: 'forget where I live' }],
        decisions: [{ topic: 'city', decision: 'Zürich', quote: 'Zürich' }],
      }),
      ctx,
    );
    expect(ops.add.map((a) => a.text)).toEqual(['Allergic to shellfish']);
    expect(dropped).toEqual<DroppedItem[]>([
      { op: 'add', text: 'Lives in Geneva', kind: 'fact', confidence: 'high', quote: 'I live in Geneva', reason: 'not-found' },
      { op: 'add', text: 'Eats meat', kind: 'preference', confidence: 'high', quote: 'eat meat', reason: 'drops-negation', word: 'not' },
      { op: 'supersede', text: 'Lives in Zürich', kind: 'fact', confidence: 'high', fact: 4, quote: 'I live in Zürich now', reason: 'unknown-fact' },
      { op: 'retract', text: '', fact: 1, quote: 'forget where I live', reason: 'not-found' },
      { op: 'decision', text: 'city: Zürich', topic: 'city', decision: 'Zürich', quote: 'Zürich', reason: 'too-short' },
    ]);
    expect(report.droppedUngrounded).toBe(4);
    expect(report.droppedUnknownIds).toBe(1);
  });

  it('redacts secrets in the dropped items it lists', () => {
    const key = 'sk-ant-api03-Xq9fK2mZ7vB4nR8tL1wY6pH3sD5gJ0cE';
    const { dropped } = groundExtraction(
      extraction({ add: [{ text: `Key ${key}`, kind: 'fact', confidence: 'high', quote: `my other key is ${key}` }] }),
      ctx,
    );
    expect(dropped).toHaveLength(1);
    expect(JSON.stringify(dropped)).not.toContain('Xq9fK2');
    expect(dropped[0].quote).toBe('my other key is [redacted:api-key]');
  });

  it('lists nothing when every quote is grounded', () => {
    const { dropped } = groundExtraction(
      extraction({ add: [{ text: 'Lives in Zürich', kind: 'fact', confidence: 'high', quote: 'User: I live in Zurich now' }] }),
      ctx,
    );
    expect(dropped).toEqual([]);
  });
});

describe('formatDroppedItem', () => {
  it.each<[DroppedItem, string]>([
    [{ op: 'add', text: 'Lives in Zürich', kind: 'fact', quote: 'I live in Zurich', reason: 'not-found' }, "not kept: 'Lives in Zürich' — quote not found in your words"],
    [{ op: 'add', text: 'Eats meat', quote: 'eat meat', reason: 'drops-negation', word: "don't" }, "not kept: 'Eats meat' — quote leaves out 'don't'"],
    [{ op: 'decision', text: 'city: Zürich', quote: 'Zürich', reason: 'too-short' }, "not kept: 'city: Zürich' — quote too short to show what you meant"],
    [{ op: 'retract', text: '', fact: 3, quote: 'forget it', reason: 'not-found' }, "not kept: forget fact 3 ('forget it') — quote not found in your words"],
    [{ op: 'update', text: 'x', fact: 9, quote: 'y', reason: 'unknown-fact' }, "not kept: 'x' — names a fact that does not exist"],
    [{ op: 'add', text: 'x', quote: '', reason: 'empty' }, "not kept: 'x' — no quote of your words"],
  ])('%j', (item, line) => {
    expect(formatDroppedItem(item)).toBe(line);
  });

  it('cuts a long text to one readable line', () => {
    const line = formatDroppedItem({ op: 'add', text: 'word '.repeat(100).trim(), quote: 'q', reason: 'not-found' });
    expect(line.length).toBeLessThan(130);
    expect(line).toContain("…' — quote not found in your words");
  });
});
