// The import file format: what a person writing or exporting one sees when it is right or wrong.
import { describe, expect, it } from 'vitest';
import { ImportFileError, parseImportFile } from '../src/core/services/import.js';

const session = (date: string, ...texts: string[]) => ({
  date,
  turns: texts.map((text, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', text })),
});

function problemsOf(text: string, name = 'conv.json'): string[] {
  try {
    parseImportFile(text, name);
  } catch (error) {
    expect(error).toBeInstanceOf(ImportFileError);
    return (error as ImportFileError).problems.map((p) => `${p.line}: ${p.message}`);
  }
  throw new Error('expected the file to be refused');
}

describe('import file', () => {
  it('reads the JSON format and sorts sessions by date, each keeping its own date', () => {
    const text = JSON.stringify({ sessions: [session('2025-06-02T10:00:00Z', 'later'), session('2025-03-01', 'earlier', 'ok')] }, null, 2);
    const plan = parseImportFile(text, 'conv.json');
    expect(plan.format).toBe('json');
    expect(plan.sessions.map((s) => [s.startedAt, s.turns[0].text])).toEqual([
      ['2025-03-01T00:00:00.000Z', 'earlier'],
      ['2025-06-02T10:00:00.000Z', 'later'],
    ]);
    // A turn without its own time is dated by its session.
    expect(plan.sessions[0].turns.map((t) => t.at)).toEqual(['2025-03-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z']);
  });

  it('reads JSON Lines, one session per line, with the line each starts on', () => {
    const text = [JSON.stringify(session('2025-01-02', 'b')), '', JSON.stringify(session('2025-01-01', 'a'))].join('\n');
    const plan = parseImportFile(text, 'export.txt');
    expect(plan.format).toBe('jsonl');
    expect(plan.sessions.map((s) => [s.line, s.turns[0].text])).toEqual([
      [3, 'a'],
      [1, 'b'],
    ]);
  });

  it('gives a session the same id on every run, and a different one to a different session', () => {
    const text = JSON.stringify({ sessions: [session('2025-01-01', 'a'), session('2025-01-01', 'b'), { id: 'chat-42', ...session('2025-01-03', 'c') }] });
    const first = parseImportFile(text).sessions.map((s) => s.sessionId);
    const again = parseImportFile(text).sessions.map((s) => s.sessionId);
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(3);
    expect(first[2]).toBe('imp-chat-42');
    // Moving a session in the file or adding one keeps its id: a re-run after an edit skips it.
    const edited = JSON.stringify({ sessions: [session('2024-12-31', 'new'), session('2025-01-01', 'b'), session('2025-01-01', 'a')] });
    expect(parseImportFile(edited).sessions.map((s) => s.sessionId)).toEqual(expect.arrayContaining(first.slice(0, 2)));
  });

  it('lists each problem of a JSON file with the line it is on', () => {
    const text = [
      '{"sessions": [',
      '  {"date": "2025-06-02T10:00:00Z", "turns": [',
      '    {"role": "user", "text": "hi"},',
      '    {"role": "bot", "text": "hello"}',
      '  ]},',
      '  {"date": "yesterday", "turns": [{"role": "user", "text": "x"}]},',
      '  {"turns": [{"role": "user"}]}',
      ']}',
    ].join('\n');
    expect(problemsOf(text)).toEqual([
      '4: sessions[0].turns[1].role: expected "user" or "assistant"',
      '6: sessions[1].date: expected an ISO date or time, like 2026-03-01 or 2026-03-01T14:30:00Z',
      '7: sessions[2].date: missing',
      '7: sessions[2].turns[0].text: missing',
    ]);
  });

  it('names the line of a JSON syntax error', () => {
    expect(problemsOf('{"sessions": [\n  {"date": "2025-01-01",\n   "turns": [}\n]}')).toEqual(['3: not JSON (unexpected "}", expected a value)']);
    expect(problemsOf('{"sessions": [\n  {"date": "2025-01-01"\n')).toEqual(['3: not JSON (the file ends too early, expected "," or "}")']);
    expect(problemsOf('{"sessions": [{"date": "2025-01-01\n"}]}')).toEqual(['1: not JSON (a line break or control character inside a string)']);
  });

  it('names every JSON Lines line that is not JSON or not a session', () => {
    const text = [JSON.stringify(session('2025-01-01', 'a')), '{"date": "2025-01-02", "turns": [', JSON.stringify({ date: '2025-01-03', turns: [] })].join('\n');
    expect(problemsOf(text)).toEqual([expect.stringMatching(/^2: not JSON/)]);
    const invalid = [JSON.stringify(session('2025-01-01', 'a')), JSON.stringify({ date: '2025-01-03', turns: [] })].join('\n');
    expect(problemsOf(invalid)).toEqual(['2: session.turns: a session needs at least one turn']);
  });

  it('lists the first ten problems of a long bad file and counts the rest', () => {
    const lines = Array.from({ length: 25 }, () => JSON.stringify({ date: 'soon', turns: [{ role: 'user', text: 'x' }] }));
    try {
      parseImportFile(lines.join('\n'), 'big.jsonl');
      throw new Error('not refused');
    } catch (error) {
      const e = error as ImportFileError;
      expect(e.problems).toHaveLength(10);
      expect(e.total).toBe(25);
      expect(e.message).toMatch(/^big\.jsonl is not a valid import file \(25 problems; nothing was imported\):/);
      expect(e.message).toMatch(/… and 15 more$/);
    }
  });

  it('refuses the same session twice, naming both lines', () => {
    const line = JSON.stringify(session('2025-01-01', 'same'));
    expect(problemsOf(`${line}\n${line}`)).toEqual(['2: session: the same session as line 1 (same id, or same date and turns)']);
  });

  it('refuses a file that is not a list of sessions, and an empty one', () => {
    expect(problemsOf('[1, 2]')).toEqual(['1: expected an object like {"sessions": [...]}']);
    expect(problemsOf('{"sessions": {"date": "2025-01-01"}}')).toEqual([expect.stringMatching(/^1: sessions: expected a list of sessions/)]);
    expect(problemsOf(' \n')).toEqual(['1: the file is empty: expected {"sessions": [...]} or one session per line']);
  });
});
