import { describe, expect, it } from 'vitest';
import { EXTRACTION_COUNT_CAPS, EXTRACTION_TEXT_CAPS, buildHandles, groundExtraction, groundQuote, resolveRelativeDates } from '../src/core/grounding.js';
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

describe('resolveRelativeDates: every phrase and weekday', () => {
  // Thursday 2026-11-19: "this <day>" is the next such day (today included), "next <day>" is in the week from Monday 23rd.
  it.each([
    ['this Monday', '2026-11-23'],
    ['this Tuesday', '2026-11-24'],
    ['this Wednesday', '2026-11-25'],
    ['this Thursday', '2026-11-19'],
    ['this Friday', '2026-11-20'],
    ['this Saturday', '2026-11-21'],
    ['this Sunday', '2026-11-22'],
    ['next Monday', '2026-11-23'],
    ['next Tuesday', '2026-11-24'],
    ['next Wednesday', '2026-11-25'],
    ['next Thursday', '2026-11-26'],
    ['next Friday', '2026-11-27'],
    ['next Saturday', '2026-11-28'],
    ['next Sunday', '2026-11-29'],
    ['today', '2026-11-19'],
    ['tonight', '2026-11-19'],
    ['tomorrow', '2026-11-20'],
    ['yesterday', '2026-11-18'],
    ['the day after tomorrow', '2026-11-21'],
    ['the day before yesterday', '2026-11-17'],
    ['next week', 'week of 2026-11-23'],
  ])('%j said on Thursday 2026-11-19 is %s, in any case', (phrase, date) => {
    expect(resolveRelativeDates(`call ${phrase}, ok`, THURSDAY)).toBe(`call ${phrase} (${date}), ok`);
    const upper = phrase.toUpperCase();
    expect(resolveRelativeDates(`call ${upper}, ok`, THURSDAY)).toBe(`call ${upper} (${date}), ok`);
    expect(resolveRelativeDates(`call ${phrase} (${date}), ok`, THURSDAY)).toBe(`call ${phrase} (${date}), ok`);
    expect(resolveRelativeDates(`call ${phrase}(${date}), ok`, THURSDAY)).toBe(`call ${phrase}(${date}), ok`);
  });

  it('said on a Sunday, "this Sunday" is today and "next Monday" is tomorrow', () => {
    const sunday = new Date('2026-11-22T12:00:00Z');
    expect(resolveRelativeDates('this Sunday', sunday)).toBe('this Sunday (2026-11-22)');
    expect(resolveRelativeDates('next Monday', sunday)).toBe('next Monday (2026-11-23)');
    expect(resolveRelativeDates('next week', sunday)).toBe('next week (week of 2026-11-23)');
    expect(resolveRelativeDates('this Saturday', sunday)).toBe('this Saturday (2026-11-28)');
  });

  it('said on a Monday, "next Monday" is a week away', () => {
    const monday = new Date('2026-11-23T00:30:00Z');
    expect(resolveRelativeDates('next Monday', monday)).toBe('next Monday (2026-11-30)');
    expect(resolveRelativeDates('this Monday', monday)).toBe('this Monday (2026-11-23)');
  });

  it('only a whole date after a phrase counts as resolved', () => {
    expect(resolveRelativeDates('tomorrow (2026-11-2)', THURSDAY)).toBe('tomorrow (2026-11-20) (2026-11-2)');
  });

  it('leaves words that only start like a phrase alone', () => {
    expect(resolveRelativeDates('yesterdays plans, tomorrowland, nextweek, this Fridays', THURSDAY)).toBe('yesterdays plans, tomorrowland, nextweek, this Fridays');
  });

  it('counts the day from the UTC date, whatever the hour', () => {
    expect(resolveRelativeDates('tomorrow', new Date('2026-11-19T23:59:59Z'))).toBe('tomorrow (2026-11-20)');
    expect(resolveRelativeDates('yesterday', new Date('2026-03-01T00:00:01Z'))).toBe('yesterday (2026-02-28)');
  });

  it('throws RangeError on an invalid session date only when a phrase needs it', () => {
    expect(resolveRelativeDates('no dates here', new Date(Number.NaN))).toBe('no dates here');
    expect(() => resolveRelativeDates('tomorrow', new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('groundExtraction: what is kept, cut and counted', () => {
  const said = ['I prefer metric units, always.', 'Dentist tomorrow at 9, then I switch the db to Postgres today'];
  const c = (handles = new Map<number, string>([[1, 'f_1']])) => ({ userTurns: said, handles, sessionDate: THURSDAY });

  it('takes exactly the cap of each op and counts each one over it', () => {
    const q = 'I prefer metric units';
    const n = (cap: number) => Array.from({ length: cap + 1 }, (_, i) => i);
    const { ops, report } = groundExtraction(
      extraction({
        add: n(EXTRACTION_COUNT_CAPS.add).map((i) => ({ text: `a${i}`, kind: 'fact' as const, confidence: 'high' as const, quote: q })),
        update: n(EXTRACTION_COUNT_CAPS.update).map((i) => ({ fact: 1, text: `u${i}`, quote: q })),
        supersede: n(EXTRACTION_COUNT_CAPS.supersede).map((i) => ({ fact: 1, text: `s${i}`, kind: 'fact' as const, confidence: 'high' as const, quote: q })),
        retract: n(EXTRACTION_COUNT_CAPS.retract).map(() => ({ fact: 1, quote: q })),
        decisions: n(EXTRACTION_COUNT_CAPS.decisions).map((i) => ({ topic: `t${i}`, decision: 'metric', quote: q })),
      }),
      c(),
    );
    expect([ops.add.length, ops.update.length, ops.supersede.length, ops.retract.length, ops.decisions.length]).toEqual([30, 30, 30, 30, 10]);
    expect(report.clamped).toBe(5);
    const exact = groundExtraction(extraction({ decisions: n(9).map((i) => ({ topic: `t${i}`, decision: 'metric', quote: q })) }), c());
    expect(exact.ops.decisions).toHaveLength(10);
    expect(exact.report.clamped).toBe(0);
  });

  it('drops and counts an update, supersede or decision with an empty text', () => {
    const q = 'I prefer metric units';
    const { ops, report, dropped } = groundExtraction(
      extraction({
        update: [{ fact: 1, text: ' ', quote: q }],
        supersede: [{ fact: 1, text: '', kind: 'fact', confidence: 'high', quote: q }],
        decisions: [
          { topic: 'units', decision: '  ', quote: q },
          { topic: ' ', decision: 'metric', quote: q },
        ],
      }),
      c(),
    );
    expect([ops.update, ops.supersede, ops.decisions]).toEqual([[], [], []]);
    expect(report).toEqual({ droppedUngrounded: 0, droppedUnknownIds: 0, clamped: 4, redacted: 0 });
    expect(dropped).toEqual([]);
  });

  it('pins dates in update and supersede texts and decisions, not in topics or the summary', () => {
    const { ops } = groundExtraction(
      extraction({
        update: [{ fact: 1, text: 'Dentist tomorrow at 9', quote: 'Dentist tomorrow at 9' }],
        supersede: [{ fact: 1, text: 'Dentist tomorrow', kind: 'fact', confidence: 'high', quote: 'Dentist tomorrow at 9' }],
        decisions: [{ topic: 'db today', decision: 'Postgres today', quote: 'I switch the db to Postgres today' }],
        summary: '  Switching to Postgres today.  ',
      }),
      c(),
    );
    expect(ops.update).toEqual([{ id: 'f_1', text: 'Dentist tomorrow (2026-11-20) at 9', quote: 'Dentist tomorrow at 9' }]);
    expect(ops.supersede).toEqual([{ id: 'f_1', text: 'Dentist tomorrow (2026-11-20)', kind: 'fact', confidence: 'high', quote: 'Dentist tomorrow at 9' }]);
    expect(ops.decisions).toEqual([{ topic: 'db today', decision: 'Postgres today (2026-11-19)', quote: 'I switch the db to Postgres today' }]);
    expect(ops.summary).toBe('Switching to Postgres today.');
  });

  it('drops an update, supersede or retraction naming an unknown fact even when its quote is the user\'s', () => {
    const q = 'I prefer metric units';
    const { ops, report, dropped } = groundExtraction(
      extraction({
        update: [{ fact: 9, text: 'Prefers metric', quote: q }],
        supersede: [{ fact: 9, text: 'Prefers metric', kind: 'fact', confidence: 'high', quote: q }],
        retract: [{ fact: 9, quote: q }],
      }),
      c(),
    );
    expect([ops.update, ops.supersede, ops.retract]).toEqual([[], [], []]);
    expect(report.droppedUnknownIds).toBe(3);
    expect(dropped.map((d) => [d.op, d.reason])).toEqual([['update', 'unknown-fact'], ['supersede', 'unknown-fact'], ['retract', 'unknown-fact']]);
  });

  it('trims the spaces around a kept text and quote', () => {
    const { ops } = groundExtraction(extraction({ add: [{ text: '  Prefers metric \n', kind: 'fact', confidence: 'high', quote: ' I prefer metric units ' }] }), c());
    expect(ops.add[0]).toMatchObject({ text: 'Prefers metric', quote: 'I prefer metric units' });
  });

  it('keeps a retraction whose quote the user said, with its fact id', () => {
    const { ops, report } = groundExtraction(extraction({ retract: [{ fact: 1, quote: 'I switch the db to Postgres' }] }), c());
    expect(ops.retract).toEqual([{ id: 'f_1', quote: 'I switch the db to Postgres' }]);
    expect(report).toEqual({ droppedUngrounded: 0, droppedUnknownIds: 0, clamped: 0, redacted: 0 });
  });

  it('cuts a kept quote over 200 characters and a text over 300, counting each; exact lengths are kept whole', () => {
    const long = `I prefer ${'very '.repeat(60)}metric units`;
    const { ops, report } = groundExtraction(
      extraction({ add: [{ text: 'x'.repeat(301), kind: 'fact', confidence: 'high', quote: long }] }),
      { userTurns: [long], handles: new Map(), sessionDate: THURSDAY },
    );
    // Cut to 200 chars, the space before the "…" trimmed.
    expect(ops.add[0].quote).toBe(`I prefer ${'very '.repeat(37)}very…`);
    expect(ops.add[0].text).toBe(`${'x'.repeat(299)}…`);
    expect(report.clamped).toBe(2);
    const exact = groundExtraction(
      extraction({ add: [{ text: 'x'.repeat(300), kind: 'fact', confidence: 'high', quote: 'I prefer metric units' }] }),
      c(),
    );
    expect(exact.ops.add[0].text).toBe('x'.repeat(300));
    expect(exact.report.clamped).toBe(0);
  });

  it('never cuts a text between the two halves of an emoji, and keeps a whole one at the end', () => {
    const cutAt = (text: string) =>
      groundExtraction(extraction({ add: [{ text, kind: 'fact', confidence: 'high', quote: 'I prefer metric units' }] }), c()).ops.add[0].text;
    // The 299th char would be the first half of the emoji: the cut goes before it.
    expect(cutAt(`${'a'.repeat(298)}😀tail`)).toBe(`${'a'.repeat(298)}…`);
    expect(cutAt(`${'a'.repeat(298)}𐀀tail`)).toBe(`${'a'.repeat(298)}…`);
    expect(cutAt(`${'a'.repeat(298)}\u{10FFFD}tail`)).toBe(`${'a'.repeat(298)}…`);
    // An emoji ending at char 299 is whole: it stays.
    expect(cutAt(`${'a'.repeat(297)}😀tail`)).toBe(`${'a'.repeat(297)}😀…`);
    expect(cutAt(`${'a'.repeat(297)} bcd`)).toBe(`${'a'.repeat(297)} b…`);
    expect(cutAt(`${'a'.repeat(298)} bcd`)).toBe(`${'a'.repeat(298)}…`);
  });

  it('lists a dropped decision with its topic and decision on one line, redacted, and the word a quote left out', () => {
    const key = 'sk-ant-api03-Xq9fK2mZ7vB4nR8tL1wY6pH3sD5gJ0cE';
    const { dropped, report } = groundExtraction(
      extraction({
        decisions: [{ topic: 'key\nstore', decision: `keep ${key}\nsafe`, quote: `my key is ${key}` }],
        add: [{ text: 'Prefers\nmetric', kind: 'preference', confidence: 'low', quote: 'prefer imperial\nunits' }],
      }),
      { userTurns: ["I don't eat meat"], handles: new Map(), sessionDate: THURSDAY },
    );
    expect(dropped).toStrictEqual([
      { op: 'add', text: 'Prefers metric', kind: 'preference', confidence: 'low', quote: 'prefer imperial units', reason: 'not-found' },
      {
        op: 'decision',
        text: 'key store: keep [redacted:api-key] safe',
        topic: 'key store',
        decision: 'keep [redacted:api-key] safe',
        quote: 'my key is [redacted:api-key]',
        reason: 'not-found',
      },
    ]);
    expect(report.redacted).toBe(0);
    const negation = groundExtraction(
      extraction({ add: [{ text: 'Eats meat', kind: 'fact', confidence: 'low', quote: 'eat meat' }] }),
      { userTurns: ["I don't eat meat"], handles: new Map(), sessionDate: THURSDAY },
    );
    expect(negation.dropped).toStrictEqual([{ op: 'add', text: 'Eats meat', kind: 'fact', confidence: 'low', quote: 'eat meat', reason: 'drops-negation', word: 'not' }]);
  });

  it('grounds a quote of a secret on the user turn with that secret, both redacted', () => {
    const key = 'sk-ant-api03-Xq9fK2mZ7vB4nR8tL1wY6pH3sD5gJ0cE';
    const other = 'sk-ant-api03-Pp1aA2bB3cC4dD5eE6fF7gG8hH9iI0jJ';
    expect(groundQuote(`my key is ${other}`, [`my key is ${key}`])).toEqual({ ok: true, turns: [0] });
    const { ops, report } = groundExtraction(
      extraction({ add: [{ text: 'Has an API key', kind: 'fact', confidence: 'high', quote: `my key is ${other}` }] }),
      { userTurns: [`my key is ${key}`], handles: new Map(), sessionDate: THURSDAY },
    );
    expect(ops.add).toEqual([{ text: 'Has an API key', kind: 'fact', confidence: 'high', quote: 'my key is [redacted:api-key]' }]);
    expect(report.redacted).toBe(1);
  });
});

describe('buildHandles: ties', () => {
  it('orders facts created at the same time by id, whatever the array order', () => {
    const at = '2026-01-01T00:00:00Z';
    const facts = [fact('f_c', at), fact('f_a', at), fact('f_b', at)];
    const expected = [[1, 'f_a'], [2, 'f_b'], [3, 'f_c']];
    expect([...buildHandles(facts)]).toEqual(expected);
    expect([...buildHandles([...facts].reverse())]).toEqual(expected);
    expect([...buildHandles([facts[1], facts[2], facts[0]])]).toEqual(expected);
    expect([...buildHandles([fact('f_x', '2026-01-02T00:00:00Z'), fact('f_y', '2026-01-01T00:00:00Z')])]).toEqual([[1, 'f_y'], [2, 'f_x']]);
    // The older fact comes first even when its id sorts last.
    expect([...buildHandles([fact('f_y', '2026-01-01T00:00:00Z'), fact('f_x', '2026-01-02T00:00:00Z')])]).toEqual([[1, 'f_y'], [2, 'f_x']]);
  });
});
