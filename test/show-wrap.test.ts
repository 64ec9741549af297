// `memagent show` on a terminal: long lines wrap under their own indent (issue 14).
import { describe, expect, it } from 'vitest';
import { wrapToWidth } from '../src/cli/commands/show.js';

describe('show wraps to the terminal width', () => {
  it('wraps a long fact at spaces, continuation indented past the line\'s own indent, never past the width', () => {
    const line = '    f_abc  high  Prefers answers with concrete examples and short code snippets over long prose';
    const wrapped = wrapToWidth(line, 40).split('\n');
    expect(wrapped).toEqual([
      '    f_abc  high  Prefers answers with',
      '      concrete examples and short code',
      '      snippets over long prose',
    ]);
    for (const l of wrapped) expect(l.length).toBeLessThanOrEqual(40);
    expect(wrapped.join(' ').replace(/\s+/g, ' ').trim()).toBe(line.replace(/\s+/g, ' ').trim());
  });

  it('leaves short lines alone, and cuts a word longer than the room', () => {
    expect(wrapToWidth('short\n  also short', 40)).toBe('short\n  also short');
    const long = `x ${'y'.repeat(50)}`;
    for (const l of wrapToWidth(long, 30).split('\n')) expect(l.length).toBeLessThanOrEqual(30);
  });
});
