// The REPL's pure parts: key decoding, line editing, commands, answer splitting, the input
// window, history file, exit diff, and Markdown rendering (ink-testing-library).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import chalk from 'chalk';
import fc from 'fast-check';
import { Box } from 'ink';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyUsage } from '../src/core/model.js';
import { openHistory } from '../src/core/storage/file/input-history.js';
import { HISTORY_LIMIT, pushEntry, stepHistory } from '../src/ui/history.js';
import { layoutInput } from '../src/ui/input-view.js';
import { createKeyDecoder, type KeyEvent } from '../src/ui/keys.js';
import * as ed from '../src/ui/line-editor.js';
import { AnswerChunks } from '../src/ui/AnswerChunks.js';
import { Markdown } from '../src/ui/Markdown.js';
import { dropWrapSpace } from '../src/ui/Prose.js';
import { StatusLine } from '../src/ui/StatusLine.js';
import { describeSave } from '../src/core/describe-changes.js';
import { completeCommand, helpLines, parseInput, parseRememberArgs, SLASH_COMMANDS, type CommandContext } from '../src/ui/slash-commands.js';
import { AnswerStream, splitStable, toChunk, type AnswerChunk } from '../src/ui/stream-split.js';
import { createTheme, ThemeContext } from '../src/ui/theme.js';

const decode = (...raw: string[]): KeyEvent[] => {
  const d = createKeyDecoder();
  return raw.flatMap((r) => d.push(r));
};
const key = (name: string) => ({ type: 'key', name });

describe('key decoding', () => {
  it('maps control characters and escape sequences to keys', () => {
    expect(decode('ab\r')).toEqual([{ type: 'text', text: 'ab' }, key('enter')]);
    expect(decode('\x7f', '\x17', '\x1b\x7f', '\x01', '\x05', '\x15', '\x03', '\x04', '\t')).toEqual(
      ['backspace', 'kill-word-back', 'delete-word-back', 'home', 'end', 'kill-before', 'ctrl-c', 'ctrl-d', 'tab'].map(key),
    );
    expect(decode('\x1b[A', '\x1bOB', '\x1b[C', '\x1b[D', '\x1b[H', '\x1b[F', '\x1b[1~', '\x1b[4~', '\x1b[3~')).toEqual(
      ['up', 'down', 'right', 'left', 'home', 'end', 'home', 'end', 'delete'].map(key),
    );
    expect(decode('\x1b[1;5D', '\x1b[1;3C', '\x1bb', '\x1bf', '\x1b', '\x1b\r')).toEqual(
      ['word-left', 'word-right', 'word-left', 'word-right', 'escape', 'newline'].map(key),
    );
    expect(decode('\x1b[15~', '\x1b[?1u')).toEqual([]);
  });

  it('collects a bracketed paste across reads into one event, CRLF normalized', () => {
    const d = createKeyDecoder();
    expect(d.push('\x1b[200~')).toEqual([]);
    expect(d.push('one\r\ntwo\r')).toEqual([]);
    expect(d.inPaste).toBe(true);
    expect(d.push('three')).toEqual([]);
    expect(d.push('\x1b[201~')).toEqual([{ type: 'paste', text: 'one\ntwo\nthree' }]);
    expect(d.inPaste).toBe(false);
    expect(d.push('\r')).toEqual([key('enter')]);
  });

  it('treats an unbracketed multi-line read as one paste, and can flush a paste whose end never came', () => {
    expect(decode('first\nsecond\n')).toEqual([{ type: 'paste', text: 'first\nsecond' }]);
    const d = createKeyDecoder();
    d.push('\x1b[200~half a paste');
    expect(d.flushPaste()).toEqual([{ type: 'paste', text: 'half a paste' }]);
    expect(d.flushPaste()).toEqual([]);
  });
});

describe('line editing', () => {
  const at = (text: string, cursor = text.length) => ({ text, cursor });

  it('deletes words back and forward, and kills to line start / end', () => {
    expect(ed.killWordBack(at('git commit -m'))).toEqual(at('git commit ', 11));
    expect(ed.killWordBack(at('see path/to/file'))).toEqual(at('see ', 4));
    expect(ed.deleteWordBack(at('git commit -m'))).toEqual(at('git commit -', 12));
    expect(ed.deleteWordBack(at('hello world   '))).toEqual(at('hello ', 6));
    expect(ed.deleteWordBack(at('path/to/file'))).toEqual(at('path/to/', 8));
    expect(ed.deleteWordForward(at('one two', 3))).toEqual(at('one', 3));
    expect(ed.killBefore(at('abc\ndef', 6))).toEqual(at('abc\nf', 4));
    expect(ed.killBefore(at('abc\ndef', 4))).toEqual(at('abcdef', 3));
    expect(ed.killAfter(at('abc\ndef', 1))).toEqual(at('a\ndef', 1));
  });

  it('moves over surrogate pairs as one character', () => {
    const s = at('a😀b', 3);
    expect(ed.left(s).cursor).toBe(1);
    expect(ed.backspace(s)).toEqual(at('ab', 1));
    expect(ed.right(at('a😀b', 1)).cursor).toBe(3);
  });

  it('moves between lines keeping the column; null at the edges (history takes over)', () => {
    const s = at('first line\nab\nthird', 9);
    expect(ed.lineUp(s)).toBeNull();
    const down = ed.lineDown(s)!;
    expect(down.cursor).toBe(13); // end of "ab"
    expect(ed.lineDown(down)!.cursor).toBe(16);
    expect(ed.lineDown(at('x\ny', 3))).toBeNull();
    expect(ed.home(at('ab\ncd', 4)).cursor).toBe(3);
    expect(ed.end(at('ab\ncd', 0)).cursor).toBe(2);
  });

  it('turns a backslash before the cursor into a line break', () => {
    expect(ed.continueLine(at('one\\'))).toEqual(at('one\n'));
    expect(ed.continueLine(at('one'))).toBeNull();
  });
});

describe('slash commands', () => {
  it('/remember takes an optional --kind before the text', () => {
    expect(parseRememberArgs('I like tea')).toEqual({ text: 'I like tea', kind: 'fact' });
    expect(parseRememberArgs('--kind preference I like tea')).toEqual({ text: 'I like tea', kind: 'preference' });
    expect(parseRememberArgs('--kind=Goal run 10k')).toEqual({ text: 'run 10k', kind: 'goal' });
    expect(parseRememberArgs('--kind mood happy')).toMatch(/^Unknown kind "mood"\. Usage: \/remember \[--kind preference\|constraint/);
    expect(parseRememberArgs('--kind preference')).toMatch(/^Usage: \/remember/);
    expect(parseRememberArgs('')).toMatch(/^Usage: \/remember/);
  });

  it('classifies input', () => {
    expect(parseInput('   ')).toEqual({ kind: 'empty' });
    expect(parseInput('hello /there')).toEqual({ kind: 'message', text: 'hello /there' });
    expect(parseInput('//etc/hosts is odd')).toEqual({ kind: 'message', text: '/etc/hosts is odd' });
    for (const exit of ['exit', 'quit', '/exit', ' QUIT ']) expect(parseInput(exit)).toEqual({ kind: 'exit' });
    const remember = parseInput('/remember  I like tea ');
    expect(remember.kind === 'command' && remember.command.name === 'remember' && remember.args).toBe('I like tea');
    const unknown = parseInput('/usgae');
    expect(unknown.kind === 'unknown' && unknown.hint).toMatch(/Unknown command \/usgae\. Did you mean \/usage\?/);
    const far = parseInput('/zzzzzz');
    expect(far.kind === 'unknown' && far.hint).not.toMatch(/Did you mean/);
  });

  it('completes command names', () => {
    expect(completeCommand('/mo')).toEqual({ text: '/model ', candidates: ['model'] });
    expect(completeCommand('/')?.candidates).toEqual(SLASH_COMMANDS.map((c) => c.name));
    expect(completeCommand('/x')).toEqual({ text: '/x', candidates: [] });
    expect(completeCommand('/model x')).toBeNull();
    expect(completeCommand('hi')).toBeNull();
  });

  it('lists every command in /help', () => {
    const help = helpLines().map((l) => l.text).join('\n');
    for (const c of SLASH_COMMANDS) expect(help).toContain(`/${c.name}`);
  });

  it('runs /usage and /model against the session surface', async () => {
    const usage = { ...emptyUsage(), inputTokens: 12345, outputTokens: 67, cacheReadTokens: 8000, cacheWriteTokens: 1024 };
    const options = { model: 'claude-a', extractModel: 'claude-b' };
    const ctx = {
      session: { usage, spend: { usd: 0.0123, lastPromptTokens: 21_369 }, options, setModel: (m: string) => (options.model = m) },
      memoryView: () => 'view',
    } as unknown as CommandContext;
    const run = async (text: string) => {
      const p = parseInput(text);
      if (p.kind !== 'command') throw new Error(text);
      return (await p.command.run(p.args, ctx)).lines.map((l) => l.text).join('\n');
    };
    expect(await run('/usage')).toMatch(/input\s+12,345[\s\S]*output\s+67[\s\S]*cache read\s+8,000[\s\S]*cache write\s+1,024/);
    expect(await run('/usage')).toContain('cost         $0.01 (list prices, USD)');
    expect(await run('/usage')).toContain('context      21,369 tokens at the last turn (window of claude-a unknown)');
    options.model = 'claude-sonnet-5-5';
    expect(await run('/usage')).toContain('context      21,369 of 1,000,000 tokens (2.1%) at the last turn');
    options.model = 'claude-a';
    expect(await run('/model')).toBe('Model: claude-a (memory extraction: claude-b)');
    await run('/model claude-c');
    expect(options.model).toBe('claude-c');
    expect(await run('/remember')).toMatch(/^Usage: \/remember/);
    expect(await run('/memory')).toBe('view');
  });
});

/** The raw answer text a list of chunks stands for (synthetic seam fences removed). */
function rawOf(chunks: readonly AnswerChunk[]): string {
  return chunks
    .map((c) => {
      let lines = c.markdown.split('\n');
      if (c.continuesFence) lines = lines.slice(1);
      if (c.fenceContinues) lines = lines.slice(0, lines[lines.length - 1] === '' ? -2 : -1);
      return lines.join('\n');
    })
    .join('\n');
}
const words = (s: string) => s.split(/\s+/).filter(Boolean).join(' ');

describe('answer splitting', () => {
  const layout = { columns: 80, maxLiveRows: 6 };

  it('cuts after the last blank line outside a code fence', () => {
    const layout = { columns: 80, maxLiveRows: 20 };
    expect(splitStable('one\n\ntwo', null, layout)).toMatchObject({ stable: 'one\n\n', rest: 'two', atBoundary: true });
    const fenced = splitStable('intro\n\n```\na\n\nb\n', null, layout);
    expect(fenced.stable).toBe('intro\n\n');
    expect(fenced.rest).toBe('```\na\n\nb\n');
    expect(splitStable('```\na\n```\nafter', null, layout).stable).toBe('```\na\n```\n');
    expect(splitStable('text\n```js\ncode', null, layout).stable).toBe('text\n');
  });

  it('forces a cut at the last complete line when the tail outgrows its rows, reopening a cut fence', () => {
    const code = '```ts\n' + Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\n') + '\nline 1';
    const split = splitStable(code, null, layout);
    expect(split.atBoundary).toBe(false);
    expect(split.fenceAfter).toEqual({ marker: '```', info: 'ts' });
    expect(split.rest).toBe('line 1');
    const first = toChunk(split.stable, null, split.fenceAfter, false);
    expect(first.markdown.endsWith('line 9\n```\n')).toBe(true);
    const second = toChunk('line 10\n```\n', split.fenceAfter, null, false);
    expect(second.markdown.startsWith('```ts\nline 10')).toBe(true);
    expect(second.continuesFence).toBe(true);
  });

  it('streams any answer into chunks that add up to it, with a bounded live tail', () => {
    const line = fc.oneof(
      fc.constant(''),
      fc.constant('```'),
      fc.constant('~~~py'),
      fc.stringMatching(/^[a-z ]{1,30}$/),
      fc.stringMatching(/^- [a-z ]{1,20}$/),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 60 }), fc.array(fc.integer({ min: 1, max: 15 }), { minLength: 1 }), (lines, sizes) => {
        const text = lines.join('\n');
        const stream = new AnswerStream(() => layout);
        const chunks: AnswerChunk[] = [];
        for (let i = 0, k = 0; i < text.length; k++) {
          const n = sizes[k % sizes.length];
          chunks.push(...stream.push(text.slice(i, i + n)));
          i += n;
          const tail = stream.tail;
          if (tail) expect(tail.markdown.split('\n').length).toBeLessThanOrEqual(layout.maxLiveRows + 3);
        }
        chunks.push(...stream.end());
        expect(words(rawOf(chunks))).toBe(words(text));
      }),
      { numRuns: 200 },
    );
  });

  it('makes the same chunks and live tails whether it re-scans every delta or only deltas that end a line', () => {
    const line = fc.oneof(
      fc.constant(''),
      fc.constant('```'),
      fc.constant('~~~py'),
      fc.stringMatching(/^[a-z ]{1,30}$/),
      fc.stringMatching(/^[a-z ]{60,200}$/),
      fc.stringMatching(/^- [a-z ]{1,20}$/),
    );
    const layouts = fc.array(fc.record({ columns: fc.integer({ min: 10, max: 100 }), maxLiveRows: fc.integer({ min: 2, max: 12 }) }), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1 }), layouts, (lines, sizes, sizesOfScreen) => {
        const text = lines.join('\n');
        let k = 0;
        // A resize now and then, the same for both streams.
        const layout = () => sizesOfScreen[Math.floor(k / 7) % sizesOfScreen.length];
        const fast = new AnswerStream(layout);
        const reference = new AnswerStream(layout, true);
        for (let i = 0; i < text.length; k++) {
          const delta = text.slice(i, i + sizes[k % sizes.length]);
          i += delta.length;
          expect(fast.push(delta)).toEqual(reference.push(delta));
          expect(fast.tail).toEqual(reference.tail);
        }
        expect(fast.end()).toEqual(reference.end());
      }),
      { numRuns: 300 },
    );
  });
});

describe('input window', () => {
  it('shows the rows around the cursor and counts what is hidden', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const view = layoutInput({ text, cursor: text.length }, 40, 5);
    expect(view.rows.map((r) => r.text)).toEqual(['line 95', 'line 96', 'line 97', 'line 98', 'line 99']);
    expect(view.rows[4].cursor).toBe(7);
    expect(view.hiddenAbove).toBe(95);
    expect(view.hiddenBelow).toBe(0);
    const top = layoutInput({ text, cursor: 0 }, 40, 5);
    expect(top.rows[0]).toEqual({ text: 'line 0', cursor: 0, lineStart: true });
    expect(top.hiddenBelow).toBe(95);
  });

  it('wraps long lines at the width, wide characters counting two columns', () => {
    const view = layoutInput({ text: 'x'.repeat(25), cursor: 25 }, 10, 10);
    expect(view.rows.map((r) => r.text)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
    expect(view.rows[2].cursor).toBe(5);
    expect(layoutInput({ text: '漢字漢字漢字', cursor: 0 }, 8, 5).rows.map((r) => r.text)).toEqual(['漢字漢字', '漢字']);
    const full = layoutInput({ text: 'abcd', cursor: 4 }, 4, 5);
    expect(full.rows.map((r) => [r.text, r.cursor])).toEqual([
      ['abcd', null],
      ['', 0],
    ]);
  });
});

describe('history file', () => {
  it('skips broken lines, keeps the newest entries, appends 0600 and compacts', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'memagent-hist-'));
    const file = path.join(dir, 'h', 'alice.jsonl');
    await fs.mkdir(path.dirname(file));
    const many = Array.from({ length: HISTORY_LIMIT * 2 }, (_, i) => JSON.stringify(`e${i}`)).join('\n');
    await fs.writeFile(file, `${many}\n{"torn`, { mode: 0o644 });
    const { entries, history } = await openHistory(file);
    expect(entries).toHaveLength(HISTORY_LIMIT);
    expect(entries[entries.length - 1]).toBe(`e${HISTORY_LIMIT * 2 - 1}`);
    const all = pushEntry(entries, 'next');
    await history.append('next', all);
    const lines = (await fs.readFile(file, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(HISTORY_LIMIT);
    expect(JSON.parse(lines[lines.length - 1])).toBe('next');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await openHistory(path.join(dir, 'missing.jsonl'))).entries).toEqual([]);
  });

  it('steps through entries and restores the draft', () => {
    const entries = pushEntry(pushEntry(['a'], 'b'), 'b');
    expect(entries).toEqual(['a', 'b']);
    const up = stepHistory(entries, { index: 2, draft: '' }, 'typing', -1)!;
    expect(up.text).toBe('b');
    const down = stepHistory(entries, up.cursor, 'b edited', 1)!;
    expect(down.text).toBe('typing');
    expect(stepHistory(entries, down.cursor, 'typing', 1)).toBeNull();
  });
});

describe('exit report', () => {
  const outcome = {
    journalPath: '/j',
    extracted: true,
    warnings: [],
    droppedUngrounded: 0,
    redacted: 0,
    revision: 3,
    memoryPath: '/mem/alice.json',
  };

  it('says every kind of change in words', () => {
    const lines = describeSave({
      kind: 'saved',
      outcome: {
        ...outcome,
        changes: [
          { type: 'add', id: 'f1', text: 'Prefers metric units' },
          { type: 'supersede', id: 'f3', oldId: 'f2', text: 'Lives in Porto', was: 'Lives in Lisbon' },
          { type: 'retract', id: 'f4', text: 'Owns a cat' },
          { type: 'refresh', id: 'f5', text: 'Likes tea' },
          { type: 'summary', text: 'whatever' },
        ],
      },
    }).map((l) => l.text);
    expect(lines).toEqual([
      'Memory updated (4 changes):',
      '+ Prefers metric units',
      '~ Lives in Porto (was: Lives in Lisbon)',
      '- retracted: Owns a cat',
      '= already known: Likes tea',
      'Saved to /mem/alice.json',
    ]);
  });

  it('covers nothing new, incognito and failure', () => {
    expect(describeSave({ kind: 'saved', outcome: { ...outcome, changes: [] } })[0].text).toBe('Nothing new to remember.');
    expect(describeSave({ kind: 'incognito' })[0].text).toBe('Incognito: nothing saved.');
    expect(describeSave({ kind: 'failed', message: 'timed out after 10 s' })[0].text).toBe(
      'Could not save memory now (timed out after 10 s); this session is kept and will be saved next time.',
    );
  });
});

// Finished chunks of one flush are drawn as one transcript item, runs of one-paragraph chunks as
// one text (src/ui/AnswerChunks.tsx). The rows must be what each chunk drawn alone gives.
describe('answer chunks drawn together', () => {
  // Styles on (chalk, which Ink's <Text> uses, sees no colour terminal under vitest), so that the
  // comparison sees the escape codes too, not just the letters.
  let level: typeof chalk.level;
  beforeAll(() => {
    level = chalk.level;
    chalk.level = 1;
  });
  afterAll(() => {
    chalk.level = level;
  });
  const frame = (node: React.ReactNode, width: number) => {
    const ui = render(
      <ThemeContext.Provider value={createTheme(true)}>
        <Box flexDirection="column" width={width}>
          {node}
        </Box>
      </ThemeContext.Provider>,
    );
    const out = ui.lastFrame() ?? '';
    ui.unmount();
    return out;
  };
  /** The chunks as they were drawn before: one box per chunk, each alone. */
  const alone = (chunks: AnswerChunk[], first: boolean, width: number) =>
    frame(
      chunks.map((chunk, i) => (
        <Box key={i} marginTop={(first && i === 0) || chunk.gapBefore ? 1 : 0} flexDirection="column">
          <Markdown chunk={chunk} width={width} />
        </Box>
      )),
      width,
    );
  const together = (chunks: AnswerChunk[], first: boolean, width: number) => frame(<AnswerChunks chunks={chunks} first={first} width={width} />, width);
  const chunk = (markdown: string, gapBefore = true): AnswerChunk => ({ markdown, continuesFence: false, fenceContinues: false, gapBefore });

  it('draws paragraphs, with and without blank rows between them, as each drawn alone', () => {
    const chunks = [
      chunk('First paragraph, long enough to wrap across a few rows of a narrow terminal window.\n\n'),
      chunk('Second **bold** and `code` and a [link](https://example.com) too.\n\n'),
      chunk('A line cut from its paragraph\n', false),
      chunk('and the rest of it after a forced cut.\n\n', false),
      chunk('## A heading\n\n'),
      chunk('After the heading.'),
    ];
    for (const width of [12, 30, 80]) {
      const expected = alone(chunks, true, width);
      expect(together(chunks, true, width)).toBe(expected);
      expect(together(chunks, false, width)).toBe(alone(chunks, false, width));
    }
    expect(together(chunks, true, 80)).toMatch(/\x1b\[/);
  });

  it('a paragraph that starts with a space is not joined (its first row keeps the space)', () => {
    const chunks = [chunk('One.\n\n'), chunk('&nbsp;spaced start of a paragraph that wraps around.\n\n')];
    expect(together(chunks, false, 14)).toBe(alone(chunks, false, 14));
    expect(together(chunks, false, 14)).toContain('\n spaced');
  });

  it('draws random chunks as each drawn alone', () => {
    const word = fc.constantFrom('tea', 'a', 'coffee,', 'supercalifragilistic', '**bold**', '`x = 1`', 'é', '漢字', '&nbsp;', '*em*', '[l](u)', '  ');
    const paragraph = fc.array(word, { minLength: 1, maxLength: 14 }).map((w) => `${w.join(' ').trim() || 'x'}\n\n`);
    const other = fc.constantFrom('## Heading\n\n', '- one\n- two\n\n', '```\ncode\n```\n', '> quote\n\n', '1. first\n\n', '---\n\n');
    const chunkArb = fc.record({ markdown: fc.oneof({ weight: 4, arbitrary: paragraph }, { weight: 1, arbitrary: other }), gapBefore: fc.boolean() });
    fc.assert(
      fc.property(fc.array(chunkArb, { minLength: 1, maxLength: 6 }), fc.boolean(), fc.integer({ min: 8, max: 50 }), (raw, first, width) => {
        const chunks = raw.map((c) => chunk(c.markdown, c.gapBefore));
        expect(together(chunks, first, width)).toBe(alone(chunks, first, width));
      }),
      { numRuns: 150 },
    );
  });
});

describe('Markdown', () => {
  const show = (markdown: string, extra: Partial<AnswerChunk> = {}, width = 60) => {
    const chunk: AnswerChunk = { markdown, continuesFence: false, fenceContinues: false, gapBefore: false, ...extra };
    const ui = render(
      <ThemeContext.Provider value={createTheme(true)}>
        <Box width={width}>
          <Markdown chunk={chunk} width={width} />
        </Box>
      </ThemeContext.Provider>,
    );
    const frame = ui.lastFrame() ?? '';
    ui.unmount();
    return frame;
  };

  it('renders nested and ordered lists, quotes, rules and tables', () => {
    const out = show('1. one\n2. two\n   - nested\n\n> quoted\n\n---\n\n| a | bb |\n|---|---:|\n| 1 | 2 |\n\n- [x] done');
    expect(out).toMatch(/1\. one\n2\. two\n\s+• nested/);
    expect(out).toMatch(/┃ quoted/);
    expect(out).toContain('───');
    expect(out).toMatch(/a │ bb\n─+┼─+\n1 │  2/);
    expect(out).toContain('• ☑ done');
  });

  it('falls back to one block per row for a table too wide for the terminal', () => {
    const out = show(`| name | description |\n|---|---|\n| x | ${'long '.repeat(20)} |`, {}, 40);
    expect(out).toMatch(/name: x\ndescription: long/);
  });

  it('leaves the frame open at a seam between chunks', () => {
    const top = show('```ts\nconst a = 1;\n```\n', { fenceContinues: true });
    expect(top).toMatch(/╭─+╮/);
    expect(top).not.toMatch(/╰/);
    const bottom = show('```ts\nconst b = 2;\n```\n', { continuesFence: true });
    expect(bottom).not.toMatch(/╭/);
    expect(bottom).not.toContain('ts\n');
    expect(bottom).toMatch(/│ const b = 2;\s+│\n╰─+╯/);
  });

  it('wraps prose without a stray space starting a row', () => {
    expect(dropWrapSpace('  indented first row', 0)).toBe('  indented first row');
    expect(dropWrapSpace(' next', 1)).toBe('next');
    expect(dropWrapSpace('\x1b[2m next', 2)).toBe('\x1b[2mnext');
    // "aaaaa bbbb" fills the 10 columns exactly; Ink would start the next row with the space.
    expect(show('aaaaa bbbb cc dd', {}, 10)).toBe('aaaaa bbbb\ncc dd');
  });

  it('draws a chunk of one block exactly as that block is drawn among others', () => {
    const blocks = [
      `A paragraph long enough to wrap ${'across several rows of the terminal '.repeat(4)}with **bold** and \`code\`.`,
      '## A heading',
      '- one\n- two\n  - nested',
      '```ts\nconst a = 1;\n```',
      '> quoted\n> text',
      '| a | bb |\n|---|---:|\n| 1 | 2 |',
      '---',
    ];
    for (const block of blocks) {
      for (const width of [30, 60]) {
        expect(`${show(block, {}, width)}\n\nlast`).toBe(show(`${block}\n\nlast`, {}, width));
      }
    }
  });

  it('decodes entities and shows links and images as text', () => {
    const out = show('a &amp; b <https://x.dev> [docs](https://d.dev) ![logo](https://i.png)');
    expect(out).toBe('a & b https://x.dev docs (https://d.dev) [image: logo]');
  });
});

describe('StatusLine', () => {
  it('"in" counts every input token: uncached, cache reads and cache writes; "cached" is the reads', () => {
    const usage = { inputTokens: 100, outputTokens: 5, cacheReadTokens: 900, cacheWriteTokens: 8000 };
    const { lastFrame } = render(
      <ThemeContext.Provider value={createTheme(false)}>
        <StatusLine userId="ana" model="claude-sonnet-5-5" turns={2} usage={usage} live={null} busy={false} incognito={false} />
      </ThemeContext.Provider>,
    );
    expect(lastFrame()).toContain('ana · claude-sonnet-5-5 · 2 turns · 9.0k in · 5 out · 900 cached');
  });
});
