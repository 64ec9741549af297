/**
 * The prompt's text and cursor as a value, and the editing operations on it (readline keys).
 * Pure: every operation returns a new state. `cursor` is a UTF-16 index into `text`, always on
 * a code point boundary. "Line" means a logical line of a multi-line message.
 */

/** The text being edited and where the cursor is. */
export interface EditorState {
  readonly text: string;
  readonly cursor: number;
}

/** The empty prompt. */
export const EMPTY_EDITOR: EditorState = { text: '', cursor: 0 };

/** A state holding `text` with the cursor at its end. */
export function editorAt(text: string): EditorState {
  return { text, cursor: text.length };
}

function isLow(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Index of the code point before `i` (surrogate pairs move as one). */
export function prevIndex(text: string, i: number): number {
  if (i <= 0) return 0;
  return i >= 2 && isLow(text.charCodeAt(i - 1)) ? i - 2 : i - 1;
}

/** Index of the code point after `i`. */
export function nextIndex(text: string, i: number): number {
  if (i >= text.length) return text.length;
  return i + 1 < text.length && isLow(text.charCodeAt(i + 1)) ? i + 2 : i + 1;
}

function lineStart(text: string, i: number): number {
  return text.lastIndexOf('\n', i - 1) + 1;
}

function lineEnd(text: string, i: number): number {
  const end = text.indexOf('\n', i);
  return end < 0 ? text.length : end;
}

const WORD = /[\p{L}\p{N}_]/u;

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n';
}

/** Start of the word before `i`: skip spaces, then a run of word characters (or of punctuation). */
function wordStartBefore(text: string, i: number): number {
  let j = i;
  while (j > 0 && isSpace(text[j - 1])) j--;
  if (j === 0) return 0;
  const word = WORD.test(text[j - 1]);
  while (j > 0 && !isSpace(text[j - 1]) && WORD.test(text[j - 1]) === word) j--;
  return j;
}

/** End of the word after `i`: skip spaces, then a run of word characters (or of punctuation). */
function wordEndAfter(text: string, i: number): number {
  let j = i;
  while (j < text.length && isSpace(text[j])) j++;
  if (j === text.length) return j;
  const word = WORD.test(text[j]);
  while (j < text.length && !isSpace(text[j]) && WORD.test(text[j]) === word) j++;
  return j;
}

function splice(s: EditorState, from: number, to: number, insert = ''): EditorState {
  return { text: s.text.slice(0, from) + insert + s.text.slice(to), cursor: from + insert.length };
}

/** Inserts `text` at the cursor (a whole paste at once). */
export function insert(s: EditorState, text: string): EditorState {
  return splice(s, s.cursor, s.cursor, text);
}

/** Deletes the code point before the cursor. */
export function backspace(s: EditorState): EditorState {
  return s.cursor === 0 ? s : splice(s, prevIndex(s.text, s.cursor), s.cursor);
}

/** Deletes the code point under the cursor. */
export function deleteForward(s: EditorState): EditorState {
  return s.cursor >= s.text.length ? s : { text: s.text.slice(0, s.cursor) + s.text.slice(nextIndex(s.text, s.cursor)), cursor: s.cursor };
}

/** Moves one code point left. */
export function left(s: EditorState): EditorState {
  return { ...s, cursor: prevIndex(s.text, s.cursor) };
}
/** Moves one code point right. */
export function right(s: EditorState): EditorState {
  return { ...s, cursor: nextIndex(s.text, s.cursor) };
}

/** Moves to the start of the current line (Home, Ctrl+A). */
export function home(s: EditorState): EditorState {
  return { ...s, cursor: lineStart(s.text, s.cursor) };
}
/** Moves to the end of the current line (End, Ctrl+E). */
export function end(s: EditorState): EditorState {
  return { ...s, cursor: lineEnd(s.text, s.cursor) };
}

/** Moves to the start of the previous word (Alt+B, Ctrl+←). */
export function wordLeft(s: EditorState): EditorState {
  return { ...s, cursor: wordStartBefore(s.text, s.cursor) };
}
/** Moves to the end of the next word (Alt+F, Ctrl+→). */
export function wordRight(s: EditorState): EditorState {
  return { ...s, cursor: wordEndAfter(s.text, s.cursor) };
}

/** Deletes the word before the cursor, stopping at punctuation (Alt+Backspace). */
export function deleteWordBack(s: EditorState): EditorState {
  return splice(s, wordStartBefore(s.text, s.cursor), s.cursor);
}

/** Deletes back to the previous whitespace, as readline's Ctrl+W (`path/to/file` goes whole). */
export function killWordBack(s: EditorState): EditorState {
  let j = s.cursor;
  while (j > 0 && isSpace(s.text[j - 1])) j--;
  while (j > 0 && !isSpace(s.text[j - 1])) j--;
  return splice(s, j, s.cursor);
}

/** Deletes the word after the cursor (Alt+D). */
export function deleteWordForward(s: EditorState): EditorState {
  return { text: s.text.slice(0, s.cursor) + s.text.slice(wordEndAfter(s.text, s.cursor)), cursor: s.cursor };
}

/** Deletes from the start of the line to the cursor (Ctrl+U); at a line start, joins with the line above. */
export function killBefore(s: EditorState): EditorState {
  const start = lineStart(s.text, s.cursor);
  return start === s.cursor ? backspace(s) : splice(s, start, s.cursor);
}

/** Deletes from the cursor to the end of the line (Ctrl+K); at a line end, joins with the line below. */
export function killAfter(s: EditorState): EditorState {
  const stop = lineEnd(s.text, s.cursor);
  return stop === s.cursor ? deleteForward(s) : { text: s.text.slice(0, s.cursor) + s.text.slice(stop), cursor: s.cursor };
}

/**
 * Moves to the same column of the line above (clamped to its length).
 * @returns null when the cursor is already on the first line (the caller walks history).
 */
export function lineUp(s: EditorState): EditorState | null {
  const start = lineStart(s.text, s.cursor);
  if (start === 0) return null;
  const prevStart = lineStart(s.text, start - 1);
  const column = s.cursor - start;
  return { ...s, cursor: Math.min(prevStart + column, start - 1) };
}
/**
 * Moves to the same column of the line below (clamped to its length).
 * @returns null when the cursor is already on the last line (the caller walks history).
 */
export function lineDown(s: EditorState): EditorState | null {
  const stop = lineEnd(s.text, s.cursor);
  if (stop === s.text.length) return null;
  const column = s.cursor - lineStart(s.text, s.cursor);
  const nextStart = stop + 1;
  return { ...s, cursor: Math.min(nextStart + column, lineEnd(s.text, nextStart)) };
}

/**
 * Enter with a `\` just before the cursor: the `\` becomes a line break (shell-style continuation).
 * @returns null when the character before the cursor is not a backslash.
 */
export function continueLine(s: EditorState): EditorState | null {
  if (s.cursor === 0 || s.text[s.cursor - 1] !== '\\') return null;
  return splice(s, s.cursor - 1, s.cursor, '\n');
}
