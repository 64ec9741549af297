// Issue 10 item 14: stored text never reaches the terminal as an escape sequence. The pure
// function, and every view built on it (show, export md/json, the save lines, compaction).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMemoryView } from '../src/cli/commands/show.js';
import { toMarkdown } from '../src/cli/commands/manage.js';
import { describeChanges, describeCompaction, describeRemembered, describeSave } from '../src/core/describe-changes.js';
import type { ExtractionOutcome } from '../src/core/extraction.js';
import { emptyMemory, type Memory } from '../src/core/schema.js';
import { terminalSafe, terminalSafeJson } from '../src/core/terminal-safe.js';
import { makeFact } from './helpers/memory.js';

const AT = '2026-03-01T10:00:00.000Z';
const OSC_TITLE = '\u001b]0;PWNED\u0007';
const CLEAR = '\u001b[2J';
const HOSTILE = `I like ${OSC_TITLE}red ${CLEAR}wine.`;
// Anything a terminal may act on: C0 but for what a view may keep, DEL, C1, bidi controls.
const ACTS_ON_TERMINAL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

function hostileMemory(): Memory {
  const fact = makeFact('f_wine', HOSTILE, AT);
  return {
    ...emptyMemory('eve', new Date(AT)),
    revision: 1,
    sessionCount: 1,
    summary: `The user said: ${HOSTILE}\nSecond line \u009b31m.`,
    facts: [fact, makeFact('f_old', `Old \u202etxt.exe`, AT, { status: 'superseded', supersededBy: 'f_wine', validTo: AT })],
    decisions: [{ id: 'd_x', topic: `bell\u0007`, decision: `I decided ${CLEAR}to.`, date: AT, source: { session: 's1', at: AT, quote: 'I decided to.' } }],
  };
}

describe('terminalSafe', () => {
  it('shows OSC, clear-screen, C1 CSI, DEL and bidi overrides as visible escapes', () => {
    expect(terminalSafe(HOSTILE)).toBe('I like \\x1b]0;PWNED\\x07red \\x1b[2Jwine.');
    expect(terminalSafe('a\u009b31mb\u007fc\u202ed')).toBe('a\\x9b31mb\\x7fc\\u202ed');
    expect(terminalSafe('one\ntwo\r\tthree')).toBe('one\\ntwo\\r\\tthree');
    expect(terminalSafe('one\n\ttwo\r', { multiline: true })).toBe('one\n\ttwo\\r');
    expect(terminalSafe('Zürich 😀 東京 «quotes»')).toBe('Zürich 😀 東京 «quotes»');
  });

  it('leaves nothing a terminal acts on, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(terminalSafe(s)).not.toMatch(ACTS_ON_TERMINAL);
        expect(terminalSafe(s)).not.toMatch(/[\n\r\t]/u);
        expect(terminalSafe(s, { multiline: true })).not.toMatch(ACTS_ON_TERMINAL);
      }),
    );
  });

  it('terminalSafeJson is exact JSON of the same value, with no raw DEL, C1 or bidi character', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, s) => {
        const doc = { value, s };
        const out = terminalSafeJson(doc);
        expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(doc)));
        expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u);
      }),
    );
  });
});

describe('views of stored text print no escape sequence', () => {
  it('show: the block, the fact list (text and quote), decisions and --all history', () => {
    const view = formatMemoryView(hostileMemory(), { budgetTokens: 2000, now: new Date(AT), all: true });
    expect(view).not.toMatch(ACTS_ON_TERMINAL);
    expect(view).toContain('f_wine  I like \\x1b]0;PWNED\\x07red \\x1b[2Jwine.');
    expect(view).toContain('d_x  2026-03-01  bell\\x07: I decided \\x1b[2Jto.');
    expect(view).toContain('Old \\u202etxt.exe');
  });

  it('export md: summary (line breaks kept), facts, quotes, decisions and history', () => {
    const md = toMarkdown(hostileMemory());
    expect(md).not.toMatch(ACTS_ON_TERMINAL);
    expect(md).toContain('The user said: I like \\x1b]0;PWNED\\x07red \\x1b[2Jwine.\nSecond line \\x9b31m.');
    expect(md).toMatch(/^- \*\*fact\*\*: I like \\x1b\]0;PWNED\\x07red \\x1b\[2Jwine\. _\(f_wine, from "I like \\x1b/m);
  });

  it('the save lines of the REPL and pipe mode, /remember and compaction', () => {
    const outcome: ExtractionOutcome = {
      journalPath: '/j',
      extracted: true,
      changes: [
        { type: 'add', id: 'f_wine', text: HOSTILE },
        { type: 'supersede', id: 'f_new', oldId: 'f_old', text: `Lives in ${CLEAR}Porto`, was: `Lives in ${OSC_TITLE}` },
        { type: 'decision', id: 'd_x', text: `bell\u0007: go` },
      ],
      warnings: [`update: no fact ${CLEAR}; ignored`],
      droppedUngrounded: 0,
      redacted: 0,
      revision: 2,
      memoryPath: '/m/eve.json',
    };
    const lines = [
      ...describeSave({ kind: 'saved', outcome }).map((l) => l.text),
      ...describeChanges(outcome),
      ...outcome.changes.map((c) => describeRemembered(c).text),
      ...describeCompaction({
        merged: [{ into: makeFact('f_m', HOSTILE, AT), from: [makeFact('f_a', `a${CLEAR}`, AT)] }],
        retracted: [{ fact: makeFact('f_r', `r${OSC_TITLE}`, AT), reason: `why${CLEAR}` }],
        summary: { before: HOSTILE, after: `after${CLEAR}` },
        kept: 1,
      } as Parameters<typeof describeCompaction>[0]),
    ];
    for (const line of lines) expect(line).not.toMatch(ACTS_ON_TERMINAL);
    expect(describeChanges(outcome)[0]).toBe('+ I like \\x1b]0;PWNED\\x07red \\x1b[2Jwine.');
    expect(describeSave({ kind: 'saved', outcome }).map((l) => l.text)).toContain('! update: no fact \\x1b[2J; ignored');
  });
});
