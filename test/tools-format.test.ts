// What the model and the user read of memory tools: search hits as result lines, a call as one
// transcript line. Pure functions.
import { describe, expect, it } from 'vitest';
import type { SearchHit } from '../src/core/recall/types.js';
import { describeToolRun } from '../src/core/tools/describe-tool-run.js';
import { formatHit, memoryToolsFor } from '../src/core/tools/memory-tools.js';

const hit = (extra: Partial<SearchHit>): SearchHit => ({
  kind: 'fact',
  id: 'f_new',
  status: 'active',
  text: 'Lives in Porto',
  sessionId: 's2',
  date: '2026-03-02T10:00:00.000Z',
  confidence: 'high',
  factKind: 'fact',
  inMemoryFile: true,
  score: 1,
  ...extra,
});

describe('search hits as the model reads them', () => {
  it('dates every hit, and marks a superseded fact with until when it held and what replaced it', () => {
    expect(formatHit(hit({}))).toBe('f_new [2026-03-02] fact: Lives in Porto');
    expect(
      formatHit(hit({ id: 'f_old', status: 'superseded', text: 'Lives in Lisbon', date: '2026-01-10T09:00:00.000Z', validTo: '2026-03-02T10:00:00.000Z', supersededBy: 'f_new' })),
    ).toBe('f_old [2026-01-10 until 2026-03-02, superseded by f_new] fact: Lives in Lisbon');
    expect(formatHit(hit({ id: 'f_r', status: 'retracted', validTo: '2026-04-01T00:00:00.000Z' }))).toBe('f_r [2026-03-02 until 2026-04-01, retracted] fact: Lives in Porto');
  });

  it('says when a fact is uncertain, and shows decisions and past turns on one line', () => {
    expect(formatHit(hit({ confidence: 'medium', factKind: 'preference', text: 'Prefers tea' }))).toBe('f_new [2026-03-02] preference (uncertain): Prefers tea');
    expect(formatHit(hit({ kind: 'decision', id: 'd_1', text: 'database: PostgreSQL', confidence: undefined, factKind: undefined }))).toBe(
      'd_1 [2026-03-02] decided: database: PostgreSQL',
    );
    expect(formatHit(hit({ kind: 'turn', id: 's_9:4', role: 'user', text: 'the pricing page\nneeds a rewrite', confidence: undefined }))).toBe(
      's_9:4 [2026-03-02] user said: the pricing page needs a rewrite',
    );
  });
});

describe('a tool call as one line in the transcript', () => {
  it('names the tool, its main argument and the first line of the result', () => {
    expect(describeToolRun({ name: 'memory_remember', input: { text: 'Lives in Lyon' }, content: 'saved f_1: Lives in Lyon', isError: false })).toBe(
      '⚙ memory_remember "Lives in Lyon" → saved f_1: Lives in Lyon',
    );
    expect(describeToolRun({ name: 'memory_search', input: { query: 'lyon' }, content: 'f_1 [2026-03-02] fact: a\nf_2 [2026-03-02] fact: b', isError: false })).toBe(
      '⚙ memory_search "lyon" → 2 hits',
    );
    expect(describeToolRun({ name: 'memory_search', input: { query: 'x' }, content: 'no memories match "x"', isError: false })).toBe(
      '⚙ memory_search "x" → no memories match "x"',
    );
  });

  it('marks a refusal, and never passes an escape sequence from the model to the terminal', () => {
    const line = describeToolRun({ name: 'memory_update', input: { id: 'f_x\u001b[2J' }, content: 'no fact f_x', isError: true });
    expect(line).toMatch(/^⚙ memory_update "f_x.*" ✗ no fact f_x$/);
    expect(line).not.toContain('\u001b');
  });
});

describe('the tools offered', () => {
  it('offers all four tools, or only memory_search when incognito', () => {
    expect(memoryToolsFor({ incognito: false }).map((t) => t.name)).toEqual(['memory_search', 'memory_remember', 'memory_update', 'memory_forget']);
    expect(memoryToolsFor({ incognito: true }).map((t) => t.name)).toEqual(['memory_search']);
  });
});
