import { describe, expect, it } from 'vitest';
import { EXTRACTION_COUNT_CAPS, EXTRACTION_TEXT_CAPS, buildHandles, groundExtraction, resolveRelativeDates } from '../src/core/grounding.js';
import type { Extraction, Fact } from '../src/core/schema.js';

const THURSDAY = new Date('2026-11-19T15:00:00Z');

function fact(id: string, createdAt: string, status: Fact['status'] = 'active'): Fact {
  return {
    id,
    text: `fact ${id}`,
    kind: 'fact',
    confidence: 'medium',
    status,
    pinned: false,
    createdAt,
    updatedAt: createdAt,
    validFrom: createdAt,
    source: { session: 's0', at: createdAt, quote: '' },
  };
}

function extraction(partial: Partial<Extraction>): Extraction {
  return { summary: '', add: [], update: [], supersede: [], retract: [], decisions: [], ...partial };
}

const userTurns = [
  'Hi! I live in Lisbon now, I moved from Porto.',
  'I prefer metric units, always.\nAnd my API key is sk-ant-api03-Xq9fK2mZ7vB4nR8tL1wY6pH3sD5gJ0cE, keep it safe',
  "I've decided to use Postgres for the new project. Dentist next Friday.",
];
const ctx = (handles = new Map<number, string>()) => ({ userTurns, handles, sessionDate: THURSDAY });

describe('buildHandles', () => {
  it('numbers active facts 1..n by creation time, whatever the array order', () => {
    const facts = [fact('f_b', '2026-02-01T00:00:00Z'), fact('f_old', '2025-01-01T00:00:00Z', 'superseded'), fact('f_a', '2026-01-01T00:00:00Z')];
    expect([...buildHandles(facts)]).toEqual([
      [1, 'f_a'],
      [2, 'f_b'],
    ]);
    expect([...buildHandles([...facts].reverse())]).toEqual([...buildHandles(facts)]);
  });
});

describe('groundExtraction', () => {
  it('keeps items whose quote the user said, ignoring case, whitespace and punctuation', () => {
    const { ops, report } = groundExtraction(
      extraction({
        add: [{ text: 'Prefers metric units', kind: 'preference', confidence: 'high', quote: 'i prefer   metric units always' }],
      }),
      ctx(),
    );
    expect(ops.add).toEqual([{ text: 'Prefers metric units', kind: 'preference', confidence: 'high', quote: 'i prefer metric units always' }]);
    expect(report).toEqual({ droppedUngrounded: 0, droppedUnknownIds: 0, clamped: 0, redacted: 0 });
  });

  it('drops and counts items with a hallucinated quote, of every op', () => {
    const handles = new Map([[1, 'f_porto']]);
    const { ops, report } = groundExtraction(
      extraction({
        add: [
          { text: 'Has a dog', kind: 'fact', confidence: 'high', quote: 'I have a dog' },
          { text: 'Lives in Lisbon', kind: 'fact', confidence: 'high', quote: 'I live in Lisbon' },
        ],
        update: [{ fact: 1, text: 'x', quote: 'I said so' }],
        supersede: [{ fact: 1, text: 'Lives in Lisbon', kind: 'fact', confidence: 'high', quote: 'moved to Lisbon' }],
        retract: [{ fact: 1, quote: 'not true anymore' }],
        decisions: [{ topic: 'db', decision: 'MySQL', quote: 'use MySQL' }],
      }),
      ctx(handles),
    );
    expect(ops.add.map((a) => a.text)).toEqual(['Lives in Lisbon']);
    expect([ops.update, ops.supersede, ops.retract, ops.decisions]).toEqual([[], [], [], []]);
    expect(report.droppedUngrounded).toBe(5);
  });

  it('does not accept a quote that is only part of a word, or empty', () => {
    const { report } = groundExtraction(
      extraction({
        add: [
          { text: 'Lives in Port', kind: 'fact', confidence: 'high', quote: 'from Port' },
          { text: 'Something', kind: 'fact', confidence: 'high', quote: ' ... ' },
        ],
      }),
      ctx(),
    );
    expect(report.droppedUngrounded).toBe(2);
  });

  it('does not ground on the assistant: only the user turns passed in count', () => {
    const { ops } = groundExtraction(
      extraction({ add: [{ text: 'Likes jazz', kind: 'preference', confidence: 'low', quote: 'You might like jazz' }] }),
      ctx(),
    );
    expect(ops.add).toEqual([]);
  });

  it('maps handles to ids and drops unknown handles as counted warnings', () => {
    const handles = new Map([
      [1, 'f_porto'],
      [2, 'f_units'],
    ]);
    const { ops, report } = groundExtraction(
      extraction({
        supersede: [
          { fact: 1, text: 'Lives in Lisbon', kind: 'fact', confidence: 'high', quote: 'I live in Lisbon now' },
          { fact: 7, text: 'Lives in Lisbon', kind: 'fact', confidence: 'high', quote: 'I live in Lisbon now' },
        ],
        update: [{ fact: 2, text: 'Always prefers metric units', quote: 'metric units, always' }],
        retract: [{ fact: 0, quote: 'moved from Porto' }],
      }),
      ctx(handles),
    );
    expect(ops.supersede.map((s) => s.id)).toEqual(['f_porto']);
    expect(ops.update).toEqual([{ id: 'f_units', text: 'Always prefers metric units', quote: 'metric units, always' }]);
    expect(ops.retract).toEqual([]);
    expect(report.droppedUnknownIds).toBe(2);
  });

  it('redacts secrets in texts and quotes, grounding the redacted quote, and counts them', () => {
    const key = 'sk-ant-api03-Xq9fK2mZ7vB4nR8tL1wY6pH3sD5gJ0cE';
    const { ops, report } = groundExtraction(
      extraction({
        add: [{ text: `API key is ${key}`, kind: 'fact', confidence: 'high', quote: `my API key is ${key}` }],
        summary: `User shared key ${key}.`,
      }),
      ctx(),
    );
    expect(ops.add).toEqual([
      { text: 'API key is [redacted:api-key]', kind: 'fact', confidence: 'high', quote: 'my API key is [redacted:api-key]' },
    ]);
    expect(ops.summary).toBe('User shared key [redacted:api-key].');
    expect(report.redacted).toBe(3);
    expect(JSON.stringify(ops)).not.toContain('Xq9fK2');
  });

  it('clamps 10,000 adds and a 1 MB summary', () => {
    const add = Array.from({ length: 10_000 }, (_, i) => ({
      text: `Prefers metric units ${i}`,
      kind: 'preference' as const,
      confidence: 'high' as const,
      quote: 'I prefer metric units',
    }));
    const { ops, report } = groundExtraction(extraction({ add, summary: 'The user talks a lot. '.repeat(50_000) }), ctx());
    expect(ops.add).toHaveLength(EXTRACTION_COUNT_CAPS.add);
    expect(ops.summary!.length).toBeLessThanOrEqual(EXTRACTION_TEXT_CAPS.summary);
    expect(ops.summary!.endsWith('…')).toBe(true);
    expect(report.clamped).toBe(10_000 - EXTRACTION_COUNT_CAPS.add + 1);
  });

  it('caps each op count and cuts long texts, counting each', () => {
    const long = 'metric '.repeat(200);
    const decisions = Array.from({ length: 15 }, (_, i) => ({ topic: `t${i}`, decision: 'use Postgres', quote: 'use Postgres' }));
    const { ops, report } = groundExtraction(
      extraction({
        decisions,
        add: [{ text: long, kind: 'fact', confidence: 'low', quote: `I prefer metric units, always. ${long}` }],
      }),
      ctx(),
    );
    expect(ops.decisions).toHaveLength(EXTRACTION_COUNT_CAPS.decisions);
    // The over-long quote is not in the turns; the fact is dropped as ungrounded, not kept cut.
    expect(ops.add).toEqual([]);
    expect(report.clamped).toBe(5);

    const kept = groundExtraction(
      extraction({ add: [{ text: long, kind: 'fact', confidence: 'low', quote: 'I prefer metric units' }] }),
      ctx(),
    );
    expect(kept.ops.add[0].text.length).toBeLessThanOrEqual(EXTRACTION_TEXT_CAPS.factText);
    expect(kept.report.clamped).toBe(1);
  });

  it('drops items with empty text and keeps the old summary when the new one is empty', () => {
    const { ops, report } = groundExtraction(
      extraction({
        summary: '   ',
        add: [{ text: '  ', kind: 'fact', confidence: 'low', quote: 'I prefer metric units' }],
        decisions: [{ topic: '', decision: 'Postgres', quote: 'use Postgres' }],
      }),
      ctx(),
    );
    expect(ops.add).toEqual([]);
    expect(ops.decisions).toEqual([]);
    expect(ops.summary).toBeUndefined();
    expect(report.clamped).toBe(2);
  });

  it('pins relative dates in facts and decisions to the session date, not in quotes', () => {
    const { ops } = groundExtraction(
      extraction({
        add: [{ text: 'Dentist next Friday', kind: 'fact', confidence: 'high', quote: 'Dentist next Friday' }],
        decisions: [{ topic: 'database', decision: 'Postgres from today', quote: 'use Postgres' }],
      }),
      ctx(),
    );
    expect(ops.add[0]).toMatchObject({ text: 'Dentist next Friday (2026-11-27)', quote: 'Dentist next Friday' });
    expect(ops.decisions[0].decision).toBe('Postgres from today (2026-11-19)');
  });

  it('collapses newlines in fact texts', () => {
    const { ops } = groundExtraction(
      extraction({ add: [{ text: 'Prefers\nmetric\r\n units', kind: 'preference', confidence: 'high', quote: 'metric units' }] }),
      ctx(),
    );
    expect(ops.add[0].text).toBe('Prefers metric units');
  });
});

describe('resolveRelativeDates', () => {
  // Thursday 2026-11-19.
  it.each([
    ['dentist next Friday', 'dentist next Friday (2026-11-27)'],
    ['call this Friday', 'call this Friday (2026-11-20)'],
    ['gym this Thursday', 'gym this Thursday (2026-11-19)'],
    ['lunch next Monday', 'lunch next Monday (2026-11-23)'],
    ['flight tomorrow at 9', 'flight tomorrow (2026-11-20) at 9'],
    ['started yesterday', 'started yesterday (2026-11-18)'],
    ['moved Today', 'moved Today (2026-11-19)'],
    ['party the day after tomorrow', 'party the day after tomorrow (2026-11-21)'],
    ['review next week', 'review next week (week of 2026-11-23)'],
    ['no dates next weekend here', 'no dates next weekend here'],
    ['todays news', 'todays news'],
  ])('%j → %j', (input, expected) => {
    expect(resolveRelativeDates(input, THURSDAY)).toBe(expected);
  });

  it('counts "next <weekday>" from a Sunday into the week that starts the next day', () => {
    expect(resolveRelativeDates('next Friday', new Date('2026-11-22T23:00:00Z'))).toBe('next Friday (2026-11-27)');
  });

  it('crosses month and year ends', () => {
    expect(resolveRelativeDates('tomorrow', new Date('2026-12-31T10:00:00Z'))).toBe('tomorrow (2027-01-01)');
  });

  it('is idempotent', () => {
    const once = resolveRelativeDates('dentist next Friday, gym tomorrow, review next week', THURSDAY);
    expect(resolveRelativeDates(once, THURSDAY)).toBe(once);
  });
});
