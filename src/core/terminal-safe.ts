/**
 * Stored text made safe to print on a terminal. What the user typed, and what a model wrote
 * about it, is stored as is (the memory is data); every view that prints it (`show`, `export
 * --format md`, the exit report, pipe mode's save lines, `forget`) passes it through here, so an
 * escape sequence someone typed (a window title set by OSC, a cleared screen, a hidden line) is
 * shown as characters, never acted on. Pure, no I/O.
 */

// C0 controls but tab and line feed, DEL, C1 controls (U+0080–U+009F: 0x9B is a one-byte CSI to
// some terminals), line/paragraph separators and the bidi embeddings, overrides and isolates
// (which reorder what follows them on the line).
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;
const UNSAFE_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;
// Also escaped in JSON: the characters JSON.stringify leaves raw that a terminal may act on.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A visible stand-in for one unsafe character: `\x1b`, `\x9b`, `\u202e`, `\n`. */
function visible(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.codePointAt(0) ?? 0;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every character a terminal could act on shown as a visible escape instead:
 * ESC (U+001B) becomes the four characters `\x1b`, BEL `\x07`, CSI (U+009B) `\x9b`, a bidi
 * override `\u202e`, DEL `\x7f`. With `multiline` (Markdown export of a summary), line feeds and
 * tabs stay as they are; without it (the default: one item on one line of a view), a line
 * feed is `\n`, a carriage return `\r` and a tab `\t`, so no stored text can start a line of its
 * own in the view. Printable text, emoji and other scripts are untouched. Pure and total; the
 * result contains no C0/C1 control character but (multiline) tab and line feed.
 */
export function terminalSafe(text: string, options: { multiline?: boolean } = {}): string {
  return text.replace(options.multiline ? UNSAFE : UNSAFE_IN_LINE, visible);
}

/**
 * `JSON.stringify(value, null, indent)` with the characters JSON leaves raw but a terminal may
 * act on (DEL, C1 controls, line/paragraph separators, bidi controls) written as `\u` escapes.
 * Still exact JSON: `JSON.parse` of the result equals `JSON.parse(JSON.stringify(value))` (those
 * characters only occur inside strings, where the escape means the same character). Pure.
 */
export function terminalSafeJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(UNSAFE_IN_JSON, (ch) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}
