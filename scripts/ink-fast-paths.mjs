// Two fast paths in Ink's frame output, patched into the bundle by scripts/build.mjs. Each returns
// the same string as the code it replaces (test/perf-invariants.test.ts compares them on random
// styled text); only the allocations and the per-character style diffing go.
//
// Why (a CPU profile of the REPL streaming 20,000 words, `node --cpu-prof`, issue 15): Ink draws
// every frame, and every finished block once, into a grid of one object per cell
// (`Output.get`), then turns each row back into a string with `styledCharsToString`, which diffs
// the styles of every pair of neighbouring cells through three Sets and four arrays even when both
// are unstyled. That was ~28% of the turn's CPU, and most of the garbage collector's ~26%.
import { createHash } from 'node:crypto';
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
 * Ink's `Output.get` (ink 6.8), rewritten so that a row drawn by one plain write costs a string,
 * not a row of cells. `get` paints every write into a grid of one cell per column and row, then
 * turns each row back into a string; for a row that holds nothing but one line of plain printable
 * ASCII (no escape codes: the bulk of an answer's prose, and of every finished chunk `<Static>`
 * draws) that row is just the line after `x` spaces. Such a row is kept as `{x, text}` and only
 * becomes cells when a second write lands on it. Everything else (clipping, transformers, styled
 * or wide text, rows written twice, the quirks of writes outside the grid) runs the original code.
 * The original method's source is pinned by its SHA-256: another Ink version fails the build.
 */
export const OUTPUT_GET = `get() {
        // A row is EMPTY_ROW (nothing written), a PlainRow (one plain write) or an array of cells.
        const output = [];
        for (let y = 0; y < this.height; y++) {
            output.push(EMPTY_ROW);
        }
        const width = this.width;
        const cellsOf = (state) => {
            const row = [];
            for (let x = 0; x < width; x++) {
                row.push(BLANK_CELL);
            }
            if (state instanceof PlainRow) {
                for (let i = 0; i < state.text.length; i++) {
                    row[state.x + i] = PLAIN_CELLS[state.text.charCodeAt(i)];
                }
            }
            return row;
        };
        const clips = [];
        for (const operation of this.operations) {
            if (operation.type === 'clip') {
                clips.push(operation.clip);
            }
            if (operation.type === 'unclip') {
                clips.pop();
            }
            if (operation.type === 'write') {
                const { text, transformers } = operation;
                let { x, y } = operation;
                let lines = text.split('\\n');
                const clip = clips.at(-1);
                if (clip) {
                    const clipHorizontally = typeof clip?.x1 === 'number' && typeof clip?.x2 === 'number';
                    const clipVertically = typeof clip?.y1 === 'number' && typeof clip?.y2 === 'number';
                    if (clipHorizontally) {
                        const width = this.caches.getWidestLine(text);
                        if (x + width < clip.x1 || x > clip.x2) {
                            continue;
                        }
                    }
                    if (clipVertically) {
                        const height = lines.length;
                        if (y + height < clip.y1 || y > clip.y2) {
                            continue;
                        }
                    }
                    if (clipHorizontally) {
                        lines = lines.map(line => {
                            const from = x < clip.x1 ? clip.x1 - x : 0;
                            const width = this.caches.getStringWidth(line);
                            const to = x + width > clip.x2 ? clip.x2 - x : width;
                            return sliceAnsi(line, from, to);
                        });
                        if (x < clip.x1) {
                            x = clip.x1;
                        }
                    }
                    if (clipVertically) {
                        const from = y < clip.y1 ? clip.y1 - y : 0;
                        const height = lines.length;
                        const to = y + height > clip.y2 ? clip.y2 - y : height;
                        lines = lines.slice(from, to);
                        if (y < clip.y1) {
                            y = clip.y1;
                        }
                    }
                }
                // Cells may only be skipped where the grid has no holes: x a column index inside it.
                const plainAt = Number.isInteger(x) && x >= 0 && x <= width;
                let offsetY = 0;
                for (let [index, line] of lines.entries()) {
                    let currentLine = output[y + offsetY];
                    // Line can be missing if \`text\` is taller than height of pre-initialized \`this.output\`
                    if (!currentLine) {
                        continue;
                    }
                    for (const transformer of transformers) {
                        line = transformer(line, index);
                    }
                    const plain = plainAt && PLAIN_LINE.test(line);
                    if (plain && currentLine === EMPTY_ROW) {
                        output[y + offsetY] = new PlainRow(x, line);
                        offsetY++;
                        continue;
                    }
                    if (!Array.isArray(currentLine)) {
                        currentLine = cellsOf(currentLine);
                        output[y + offsetY] = currentLine;
                    }
                    if (plain) {
                        // Each printable ASCII character is one cell one column wide.
                        for (let i = 0; i < line.length; i++) {
                            currentLine[x + i] = PLAIN_CELLS[line.charCodeAt(i)];
                        }
                        offsetY++;
                        continue;
                    }
                    const characters = this.caches.getStyledChars(line);
                    let offsetX = x;
                    for (const character of characters) {
                        currentLine[offsetX] = character;
                        // Determine printed width using string-width to align with measurement
                        const characterWidth = Math.max(1, this.caches.getStringWidth(character.value));
                        // For multi-column characters, clear following cells to avoid stray spaces/artifacts
                        if (characterWidth > 1) {
                            for (let index = 1; index < characterWidth; index++) {
                                currentLine[offsetX + index] = {
                                    type: 'char',
                                    value: '',
                                    fullWidth: false,
                                    styles: character.styles,
                                };
                            }
                        }
                        offsetX += characterWidth;
                    }
                    offsetY++;
                }
            }
        }
        const generatedOutput = output
            .map(line => {
            if (line === EMPTY_ROW) {
                return '';
            }
            if (line instanceof PlainRow) {
                return (' '.repeat(line.x) + line.text).trimEnd();
            }
            // See https://github.com/vadimdemedes/ink/pull/564#issuecomment-1637022742
            const lineWithoutEmptyItems = line.filter(item => item !== undefined);
            return styledCharsToString(lineWithoutEmptyItems).trimEnd();
        })
            .join('\\n');
        return {
            output: generatedOutput,
            height: output.length,
        };
    }`;

/** SHA-256 of ink 6.8's `Output.get` source, the code `OUTPUT_GET` stands in for. */
const ORIGINAL_OUTPUT_GET_SHA256 = '27abe5b4354d8a7bbcdb23e823546fc5925258dedc7c91891b8ff9bff0f42c3d';

/**
 * See `patchStyledChars`; this one is Ink's `Output`: `get` is replaced by `OUTPUT_GET`, and a line
 * of plain printable ASCII (no escape codes, every character one grapheme one column wide) becomes
 * cells from a table of frozen ones instead of going through the ANSI tokenizer, which makes the
 * same cells (`type`, `value`, `fullWidth: false`, no styles) one new object at a time.
 * @throws at build time when Ink's code no longer matches what is patched.
 */
export function patchInkOutput(source) {
  const start = source.indexOf('    get() {\n');
  const end = source.indexOf('\n    }\n}\n', start);
  if (start < 0 || end < 0) throw new Error('ink/build/output.js changed: Output.get was not found');
  const original = source.slice(start, end + 6);
  if (createHash('sha256').update(original).digest('hex') !== ORIGINAL_OUTPUT_GET_SHA256) {
    throw new Error('ink/build/output.js changed: Output.get is not the code OUTPUT_GET replaces');
  }
  let patched = `${source.slice(0, start)}    ${OUTPUT_GET}${source.slice(end + 6)}`;
  patched = replaceOnce(
    patched,
    'cached = styledCharsFromTokens(tokenize(line));',
    'cached = PLAIN_LINE.test(line) ? plainCells(line) : styledCharsFromTokens(tokenize(line));',
    'ink/build/output.js',
  );
  return `${patched}
const NO_STYLES = Object.freeze([]);
const BLANK_CELL = Object.freeze({ type: 'char', value: ' ', fullWidth: false, styles: NO_STYLES });
const EMPTY_ROW = Object.freeze({});
class PlainRow {
    constructor(x, text) {
        this.x = x;
        this.text = text;
    }
}
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
