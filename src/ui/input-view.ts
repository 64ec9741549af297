/**
 * What the prompt shows of its text: rows wrapped to the width, a window of at most `maxRows`
 * of them around the cursor, and how much is hidden. A 50 KB paste is edited as a whole but only
 * a few rows of it are drawn, so typing stays instant and the live region stays small. Pure.
 */
import type { EditorState } from './line-editor.js';

/** One displayed row; `cursor` is the column (in code points) of the cursor on it, if any. */
export interface ViewRow {
  readonly text: string;
  readonly cursor: number | null;
  /** True for the first row of a logical line (it gets the prompt or a continuation marker). */
  readonly lineStart: boolean;
}

/** The window of rows to draw. */
export interface InputView {
  readonly rows: readonly ViewRow[];
  /** Logical lines of the text (1 for a single line). */
  readonly lines: number;
  /** Rows above / below the window that are not drawn. */
  readonly hiddenAbove: number;
  readonly hiddenBelow: number;
}

// East Asian wide and emoji ranges take two columns; close enough for a prompt.
const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{1f300}-\u{1faff}\u{20000}-\u{3fffd}]/u;

function widthOf(ch: string): number {
  return WIDE.test(ch) ? 2 : 1;
}

/** Wraps one logical line into rows of at most `width` columns; `cursor` is a code point index or null. */
function wrapLine(line: string, width: number, cursor: number | null): ViewRow[] {
  const rows: ViewRow[] = [];
  let text = '';
  let used = 0;
  let index = 0;
  let cursorCol: number | null = null;
  let count = 0;
  for (const ch of line) {
    const w = widthOf(ch);
    if (used + w > width && text) {
      rows.push({ text, cursor: cursorCol, lineStart: rows.length === 0 });
      text = '';
      used = 0;
      cursorCol = null;
      count = 0;
    }
    if (cursor === index) cursorCol = count;
    // A tab is shown as one space so columns and code points stay one-to-one.
    text += ch === '\t' ? ' ' : ch;
    used += w;
    count++;
    index++;
  }
  if (cursor === index) {
    if (used + 1 > width && text) {
      rows.push({ text, cursor: cursorCol, lineStart: rows.length === 0 });
      text = '';
      count = 0;
    }
    cursorCol = count;
  }
  rows.push({ text, cursor: cursorCol, lineStart: rows.length === 0 });
  return rows;
}

/**
 * Lays out `state` in `width` columns, showing at most `maxRows` rows. The cursor's row is always
 * shown, with as much text above it as fits (typing at the end keeps the end in view).
 */
export function layoutInput(state: EditorState, width: number, maxRows: number): InputView {
  const w = Math.max(4, width);
  const max = Math.max(1, maxRows);
  const lines = state.text.split('\n');
  // Find the cursor's line and its code point column.
  let offset = 0;
  let cursorLine = 0;
  for (; cursorLine < lines.length - 1; cursorLine++) {
    if (state.cursor <= offset + lines[cursorLine].length) break;
    offset += lines[cursorLine].length + 1;
  }
  const column = Array.from(state.text.slice(offset, state.cursor)).length;
  // Wrap only lines near the cursor: each line is at least one row, so `max` lines each way suffice.
  const from = Math.max(0, cursorLine - max);
  const to = Math.min(lines.length, cursorLine + max + 1);
  const rows: ViewRow[] = [];
  let cursorRow = 0;
  for (let i = from; i < to; i++) {
    const wrapped = wrapLine(lines[i], w, i === cursorLine ? column : null);
    if (i === cursorLine) cursorRow = rows.length + wrapped.findIndex((r) => r.cursor !== null);
    rows.push(...wrapped);
  }
  const below = Math.min(rows.length - 1 - cursorRow, Math.floor((max - 1) / 3));
  const start = Math.max(0, Math.min(cursorRow - (max - 1 - below), rows.length - max));
  const window = rows.slice(start, start + max);
  return {
    rows: window,
    lines: lines.length,
    hiddenAbove: start + from,
    hiddenBelow: rows.length - (start + window.length) + (lines.length - to),
  };
}
