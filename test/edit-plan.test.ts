// `memagent edit`'s text and plan (core/edit-plan.ts): what a user's edit of the Markdown does to
// the memory, and the problems they are shown for an edit that cannot be applied.
import { describe, expect, it } from 'vitest';
import { EditParseError, isEmptyPlan, parseEditable, planEdit, renderEditable } from '../src/core/edit-plan.js';
import { emptyMemory, type Memory } from '../src/core/schema.js';
import { makeFact } from './helpers/memory.js';

const AT = '2026-11-01T10:00:00.000Z';
const NOW = new Date('2026-12-02T12:00:00.000Z');

function memory(): Memory {
  return {
    ...emptyMemory('ann', new Date(AT)),
    revision: 4,
    summary: 'Ann is a designer in Lyon.',
    facts: [
      makeFact('f_tea', 'Likes green tea', AT, { kind: 'preference' }),
      makeFact('f_lyon', 'Lives in Lyon', AT, { pinned: true }),
      makeFact('f_old', 'Lived in Paris', AT, { status: 'superseded', validTo: AT, supersededBy: 'f_lyon' }),
    ],
    decisions: [{ id: 'd_1', topic: 'pricing', decision: 'annual plan first', date: AT, source: { session: 's1', at: AT, quote: 'annual first' } }],
  };
}

function edit(m: Memory, change: (text: string) => string) {
  const parsed = parseEditable(change(renderEditable(m)));
  if (parsed === null) throw new Error('cancelled');
  return planEdit(m, parsed, { sessionId: 'edit-1', now: NOW });
}

const active = (m: Memory) => m.facts.filter((f) => f.status === 'active');

describe('memagent edit: the text a user edits', () => {
  it('lists active facts with their tags and decisions as comments, never history', () => {
    const text = renderEditable(memory());
    expect(text).toContain('- Likes green tea  {f_tea preference high}');
    expect(text).toContain('- Lives in Lyon  {f_lyon fact high pinned}');
    expect(text).not.toContain('Paris');
    expect(text).toContain('# - 2026-11-01 pricing: annual plan first');
    expect(text).toContain('Ann is a designer in Lyon.');
  });

  it('saved unchanged, it plans nothing', () => {
    expect(isEmptyPlan(edit(memory(), (t) => t))).toBe(true);
  });

  it('an emptied file (comments only) is a cancel', () => {
    expect(parseEditable('# nothing here\n\n')).toBeNull();
  });
});

describe('memagent edit: what an edit does', () => {
  it('a changed text supersedes the fact and keeps the old one as history', () => {
    const plan = edit(memory(), (t) => t.replace('Likes green tea', 'Likes black tea'));
    expect(plan.changes).toEqual([expect.objectContaining({ type: 'supersede', text: 'Likes black tea', was: 'Likes green tea' })]);
    const tea = plan.memory.facts.find((f) => f.id === 'f_tea');
    expect(tea?.status).toBe('superseded');
    expect(active(plan.memory).map((f) => f.text)).toContain('Likes black tea');
    expect(active(plan.memory).find((f) => f.text === 'Likes black tea')?.source.quote).toBe('Likes black tea');
  });

  it('a deleted line retracts the fact (kept as retracted, not deleted)', () => {
    const plan = edit(memory(), (t) => t.replace(/^- Likes green tea.*\n/m, ''));
    expect(plan.changes).toEqual([expect.objectContaining({ type: 'retract', id: 'f_tea' })]);
    expect(plan.memory.facts.find((f) => f.id === 'f_tea')?.status).toBe('retracted');
  });

  it('a new line without an id adds a fact, pinned when tagged so', () => {
    const plan = edit(memory(), (t) => t.replace('## Decisions', '- Allergic to peanuts {constraint pinned}\n\n## Decisions'));
    const added = active(plan.memory).find((f) => f.text === 'Allergic to peanuts');
    expect(added).toMatchObject({ kind: 'constraint', confidence: 'high', pinned: true });
    expect(plan.changes).toEqual([expect.objectContaining({ type: 'add', text: 'Allergic to peanuts' })]);
  });

  it('removing "pinned" unpins without touching the text, and the report says so', () => {
    const plan = edit(memory(), (t) => t.replace('{f_lyon fact high pinned}', '{f_lyon fact high}'));
    expect(plan.changes).toEqual([]);
    expect(plan.retags).toEqual([{ id: 'f_lyon', text: 'Lives in Lyon', pinned: false }]);
    expect(plan.memory.facts.find((f) => f.id === 'f_lyon')).toMatchObject({ pinned: false, status: 'active', updatedAt: NOW.toISOString() });
  });

  it('a changed kind or confidence retags the fact in place', () => {
    const plan = edit(memory(), (t) => t.replace('{f_tea preference high}', '{f_tea goal low}'));
    expect(plan.retags).toEqual([{ id: 'f_tea', text: 'Likes green tea', kind: 'goal', confidence: 'low' }]);
    expect(plan.memory.facts.find((f) => f.id === 'f_tea')).toMatchObject({ kind: 'goal', confidence: 'low', status: 'active' });
  });

  it('a pinned fact whose text changes stays pinned as its successor, unless unpinned in the same edit', () => {
    const kept = edit(memory(), (t) => t.replace('Lives in Lyon', 'Lives in Grenoble'));
    expect(active(kept.memory).find((f) => f.text === 'Lives in Grenoble')?.pinned).toBe(true);
    const unpinned = edit(memory(), (t) => t.replace('- Lives in Lyon  {f_lyon fact high pinned}', '- Lives in Grenoble {f_lyon}'));
    expect(active(unpinned.memory).find((f) => f.text === 'Lives in Grenoble')?.pinned).toBe(false);
  });

  it('a rewritten summary is proposed as a summary change', () => {
    const plan = edit(memory(), (t) => t.replace('Ann is a designer in Lyon.', 'Ann designs type.'));
    expect(plan.memory.summary).toBe('Ann designs type.');
    expect(plan.changes).toEqual([expect.objectContaining({ type: 'summary' })]);
  });
});

describe('memagent edit: edits that cannot be applied', () => {
  function problems(m: Memory, change: (text: string) => string): string[] {
    try {
      edit(m, change);
    } catch (error) {
      if (error instanceof EditParseError) return error.problems;
      throw error;
    }
    return [];
  }

  it('an unknown id, a bad tag, a duplicated fact and a line without a dash are each named by line number', () => {
    const found = problems(memory(), (t) =>
      t.replace('{f_tea preference high}', '{f_tea preference hgih}').replace('## Decisions', '- Lives in Lyon again {f_lyon}\nno dash here\n\n## Decisions'),
    );
    expect(found).toEqual([
      expect.stringMatching(/^line \d+: "hgih" in \{…\} is not a fact id/),
      expect.stringMatching(/^line \d+: a fact line starts with "- "/),
      expect.stringMatching(/^line \d+: fact f_lyon is already on line \d+/),
    ]);
    expect(problems(memory(), (t) => t.replace('{f_tea', '{f_nope'))).toEqual([expect.stringMatching(/^line \d+: f_nope is not an active fact/)]);
  });

  it('decisions cannot be edited here, and an over-long fact is refused', () => {
    expect(problems(memory(), (t) => t.replace('# - 2026-11-01 pricing', '- 2026-11-01 pricing'))).toEqual([
      expect.stringMatching(/decisions cannot be edited here/),
    ]);
    expect(problems(memory(), (t) => t.replace('Likes green tea', 'x'.repeat(501)))).toEqual([expect.stringMatching(/501 characters; at most 500/)]);
  });
});

describe('/pin and /unpin (pinFact)', () => {
  it('pins an active fact, is a no-op when already so, and refuses an unknown or inactive id', async () => {
    const { pinFact } = await import('../src/core/edit-plan.js');
    const m = memory();
    const pinned = pinFact(m, 'f_tea', true, NOW);
    expect(pinned?.memory.facts.find((f) => f.id === 'f_tea')?.pinned).toBe(true);
    expect(pinned?.retag).toEqual({ id: 'f_tea', text: 'Likes green tea', pinned: true });
    expect(pinFact(m, 'f_lyon', true, NOW)?.memory).toBe(m);
    expect(pinFact(m, 'f_old', true, NOW)).toBeNull();
    expect(pinFact(m, 'f_nope', false, NOW)).toBeNull();
  });
});

describe('memagent edit: reading the text exactly', () => {
  it('puts the problems of a failed attempt first as "# !" comments, and nothing of the kind otherwise', () => {
    const again = renderEditable(memory(), ['line 3: bad tag']).split('\n');
    expect(again.slice(0, 3)).toEqual(['# ! line 3: bad tag', '#', '# Memory of ann, revision 4.']);
    const first = renderEditable(memory()).split('\n');
    expect(first[0]).toBe('# Memory of ann, revision 4.');
    expect(first.some((l) => l.startsWith('# !'))).toBe(false);
  });

  it('an empty summary renders as nothing between the headings, and a summary is trimmed', () => {
    const empty = renderEditable({ ...memory(), summary: '   ' });
    expect(empty).toContain('## Summary\n\n\n## Facts');
    expect(renderEditable({ ...memory(), summary: '  Ann draws.\n' })).toContain('## Summary\n\nAnn draws.\n\n## Facts');
  });

  it('names unknown sections, text outside a section, a fact without text and an over-long summary by line', () => {
    const problems = (text: string) => {
      try {
        parseEditable(text);
        return [];
      } catch (error) {
        expect(error).toBeInstanceOf(EditParseError);
        expect((error as EditParseError).name).toBe('EditParseError');
        expect((error as Error).message).toBe((error as EditParseError).problems.join('; '));
        return (error as EditParseError).problems;
      }
    };
    expect(problems('stray\n## Notes\n## Facts\n- {f_tea}\n')).toEqual([
      'line 1: text outside a section; put it under ## Summary or ## Facts',
      'line 2: unknown section "## Notes" (expected ## Summary, ## Facts or ## Decisions)',
      'line 4: the fact has no text (delete the line to retract it)',
    ]);
    expect(problems(`## Summary\n${'x'.repeat(4001)}\n`)).toEqual(['the summary is 4001 characters; at most 4000']);
    expect(problems(`## Summary\n${'x'.repeat(4000)}\n`)).toEqual([]);
    expect(problems('## Facts\n-no space\n')).toEqual(['line 2: a fact line starts with "- "']);
    expect(problems('## Facts\n- one {f_a f_b}\n')).toEqual([expect.stringMatching(/^line 2: "f_b" in \{…\} is not a fact id/)]);
  });

  it('accepts "*" bullets, indentation, spaces inside the tag, comments anywhere; a {…} not at the end is text', () => {
    const parsed = parseEditable('## Summary\n  Ann.  \n   # a comment\n## Facts\n  * Likes tea  {  f_tea   preference  }  \n- a {f_x} b\n')!;
    expect(parsed.summary).toBe('Ann.');
    expect(parsed.facts).toEqual([
      { line: 5, id: 'f_tea', kind: 'preference', text: 'Likes tea', pinned: false },
      { line: 6, text: 'a {f_x} b', pinned: false },
    ]);
    expect(parseEditable('## Facts\n- Heading-like ## words stay text\n')!.facts[0].text).toBe('Heading-like ## words stay text');
  });

  it('a new fact without tags is a high-confidence "fact"; a pin past the cap is refused with a warning', async () => {
    const { MAX_PINNED_FACTS } = await import('../src/core/merge.js');
    const plan = edit(memory(), (t) => t.replace('## Decisions', '- Reads at night\n\n## Decisions'));
    expect(plan.memory.facts.find((f) => f.text === 'Reads at night')).toMatchObject({ kind: 'fact', confidence: 'high', pinned: false });
    const pinnedFull: Memory = {
      ...memory(),
      facts: [
        ...Array.from({ length: MAX_PINNED_FACTS }, (_, i) => makeFact(`f_p${i}`, `Pinned fact number ${i}`, AT, { pinned: true })),
        makeFact('f_free', 'A free fact', AT),
      ],
    };
    const full = edit(pinnedFull, (t) => t.replace('{f_free fact high}', '{f_free fact high pinned}'));
    expect(full.warnings).toEqual([`already ${MAX_PINNED_FACTS} pinned facts; "A free fact" kept unpinned`]);
    expect(full.memory.facts.find((f) => f.id === 'f_free')?.pinned).toBe(false);
  });
});

describe('memagent edit: plans and their edges', () => {
  it('a changed plan is not empty, a retag alone is not empty, an untouched text is', () => {
    expect(isEmptyPlan(edit(memory(), (t) => t.replace('Likes green tea', 'Likes black tea')))).toBe(false);
    expect(isEmptyPlan(edit(memory(), (t) => t.replace('{f_lyon fact high pinned}', '{f_lyon fact high}')))).toBe(false);
    expect(isEmptyPlan(edit({ ...memory(), summary: '  Ann is a designer in Lyon.  ' }, (t) => t))).toBe(true);
  });

  it('a multi-line summary keeps its lines; a text change of a pinned fact that stays pinned is no retag', () => {
    const plan = edit(memory(), (t) => t.replace('Ann is a designer in Lyon.', 'Ann draws.\nShe lives in Lyon.').replace('Lives in Lyon', 'Lives in Grenoble'));
    expect(plan.memory.summary).toBe('Ann draws.\nShe lives in Lyon.');
    expect(plan.retags).toEqual([]);
  });

  it("a superseded fact's id cannot be edited back to life; two new lines without ids are two facts", () => {
    expect(() => edit(memory(), (t) => t.replace('## Decisions', '- Lived in Paris again {f_old}\n\n## Decisions'))).toThrow(/f_old is not an active fact/);
    const plan = edit(memory(), (t) => t.replace('## Decisions', '- Reads at night\n- Swims in summer\n\n## Decisions'));
    expect(plan.changes.filter((c) => c.type === 'add')).toHaveLength(2);
  });

  it('whitespace-only text is a cancel; a heading with more words still opens its section; 500 characters is a fact', () => {
    expect(parseEditable('   \n\t\n# only comments\n')).toBeNull();
    expect(parseEditable('## Facts (active ones)\n- Likes tea\n')!.facts.map((f) => f.text)).toEqual(['Likes tea']);
    expect(parseEditable(`## Facts\n- ${'y'.repeat(500)}\n`)!.facts[0].text).toHaveLength(500);
    // An indented heading reads as a comment (a line starting with #), so the fact after it is outside a section.
    expect(() => parseEditable('  ## Facts\n- Likes tea\n')).toThrow(/line 2: text outside a section/);
  });
});
