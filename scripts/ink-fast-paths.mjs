// Two fast paths in Ink's frame output, patched into the bundle by scripts/build.mjs. Each returns
// the same string as the code it replaces (test/perf-invariants.test.ts compares them on random
// styled text); only the allocations and the per-character style diffing go.
//
// Why (a CPU profile of the REPL streaming 20,000 words, `node --cpu-prof`, issue 15): Ink draws
// every frame, and every finished block once, into a grid of one object per cell
// (`Output.get`), then turns each row back into a string with `styledCharsToString`, which diffs
// the styles of every pair of neighbouring cells through three Sets and four arrays even when both
// are unstyled. That was ~28% of the turn's CPU, and most of the garbage collector's ~26%.
import { readFile } from 'node:fs/promises';

/**
 * `styledCharsToString` of @alcalzone/ansi-tokenize 0.2, with the diff skipped when two
 * neighbouring cells carry the same style codes (the diff of equal code lists is empty: every code
 * of `from` is in `to` and the other way round), and the closing diff skipped for an unstyled
 * last cell (diffing `[]` against `[]` is empty).
 */
export const STYLED_CHARS_TO_STRING = `export function styledCharsToString(chars) {
    let ret = "";
    for (let i = 0; i < chars.length; i++) {
        const char = chars[i];
        if (i === 0) {
            ret += ansiCodesToString(char.styles);
        }
        else {
            const from = chars[i - 1].styles;
            const to = char.styles;
            if (from !== to && !sameCodes(from, to)) {
                ret += ansiCodesToString(diffAnsiCodes(from, to));
            }
        }
        ret += char.value;
        // reset active styles at the end of the string
        if (i === chars.length - 1 && char.styles.length > 0) {
            ret += ansiCodesToString(diffAnsiCodes(char.styles, []));
        }
    }
    return ret;
}
function sameCodes(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
        if (a[i].code !== b[i].code || a[i].endCode !== b[i].endCode) return false;
    }
    return true;
}`;

/** Replaces `from` in `source` (exactly once), or throws: the package changed under us. */
function replaceOnce(source, from, to, what) {
  const at = source.indexOf(from);
  if (at < 0 || source.indexOf(from, at + from.length) >= 0) throw new Error(`${what} changed: the code to patch was not found once`);
  return source.slice(0, at) + to + source.slice(at + from.length);
}

/**
 * Patches @alcalzone/ansi-tokenize's `styledCharsToString` (see above), and Ink's `Output.get` so
 * the blank cells it fills each row with share one frozen object instead of one new object per
 * cell (a blank cell is only ever replaced, never changed).
 * @throws at build time when either package's code no longer matches what is patched.
 */
export function patchStyledChars(source) {
  const start = source.indexOf('export function styledCharsToString(chars) {');
  const end = source.indexOf('\n}\n', start);
  if (start < 0 || end < 0) throw new Error('@alcalzone/ansi-tokenize changed: styledCharsToString was not found');
  return source.slice(0, start) + STYLED_CHARS_TO_STRING + source.slice(end + 2);
}

/**
 * See `patchStyledChars`; this one is Ink's `Output`: the blank cells `get` fills each row with
 * share one frozen object, and a line of plain printable ASCII (no escape codes, every character
 * one grapheme one column wide: most of an answer's prose) becomes cells from a table of frozen
 * ones instead of going through the ANSI tokenizer, which makes the same cells (`type`, `value`,
 * `fullWidth: false`, no styles) one new object at a time.
 */
export function patchInkOutput(source) {
  const blank = `row.push({
                    type: 'char',
                    value: ' ',
                    fullWidth: false,
                    styles: [],
                });`;
  let patched = replaceOnce(source, blank, 'row.push(BLANK_CELL);', 'ink/build/output.js');
  patched = replaceOnce(
    patched,
    'cached = styledCharsFromTokens(tokenize(line));',
    'cached = PLAIN_LINE.test(line) ? plainCells(line) : styledCharsFromTokens(tokenize(line));',
    'ink/build/output.js',
  );
  return `${patched}
const NO_STYLES = Object.freeze([]);
const BLANK_CELL = Object.freeze({ type: 'char', value: ' ', fullWidth: false, styles: NO_STYLES });
const PLAIN_LINE = /^[\x20-\x7e]*$/;
const PLAIN_CELLS = Array.from({ length: 0x7f }, (_, code) => Object.freeze({ type: 'char', value: String.fromCharCode(code), fullWidth: false, styles: NO_STYLES }));
function plainCells(line) {
    const cells = new Array(line.length);
    for (let i = 0; i < line.length; i++) cells[i] = PLAIN_CELLS[line.charCodeAt(i)];
    return cells;
}
`;
}

/** The esbuild plugin applying both patches. */
export const inkFastPaths = {
  name: 'ink-fast-paths',
  setup(b) {
    b.onLoad({ filter: /[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]styledChars\.js$/ }, async (args) => ({
      contents: patchStyledChars(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
    b.onLoad({ filter: /[\\/]ink[\\/]build[\\/]output\.js$/ }, async (args) => ({
      contents: patchInkOutput(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};
