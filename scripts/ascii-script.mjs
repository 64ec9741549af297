// The CLI script as ASCII, so the launcher can read it as Latin-1 (~3 ms for 2.4 MB instead of
// ~8-13 ms for UTF-8, and V8 keeps a one-byte string). esbuild's default charset already escapes
// non-ASCII characters in strings, templates and identifiers, but not in regular-expression
// literals and comments (and it cannot in a tagged template's raw text). In a regular expression
// and in a comment a `\uXXXX` escape means the same character: for a character outside the BMP,
// a pair of escaped surrogates is one code point under the `u` flag and two code units without it,
// as the literal character was. Anywhere else (a tagged template, after a backslash, or where this
// small lexer is unsure) the build fails instead of guessing.

/** Characters after which a `/` starts a regular expression rather than a division. */
const BEFORE_REGEX = new Set('(,=:[!&|?{};+-*%<>~^'.split(''));
/** Words after which a `/` starts a regular expression. */
const KEYWORDS_BEFORE_REGEX = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'instanceof', 'yield', 'await']);

const escape = (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * `source` with every non-ASCII UTF-16 code unit inside a regular-expression literal or a comment
 * written as `\uXXXX`; one anywhere else fails. One pass of a small JavaScript lexer (strings, templates with `${}`
 * nesting, comments, regular expressions told from divisions by what precedes the `/`). Pure.
 * @throws Error naming the offset and context of a non-ASCII character anywhere else, or after a
 *   backslash (escaping it there would change what the code means).
 */
export function toAsciiScript(source) {
  let out = '';
  let from = 0; // start of the part of `source` not yet copied to `out`
  let i = 0;
  let prev = ''; // last significant character outside strings, comments and regexes
  let word = ''; // the identifier `prev` ends, if it ends one
  const braces = [0]; // open `{` per code level; a template's `${` opens a new level
  const fail = (at, what) => {
    throw new Error(`build: a non-ASCII character ${JSON.stringify(source[at])} ${what} at offset ${at} of the script (…${source.slice(Math.max(0, at - 60), at + 20)}…); it cannot be escaped safely there`);
  };
  const escapeAt = (at) => {
    out += source.slice(from, at) + escape(source[at]);
    from = at + 1;
  };
  const n = source.length;
  while (i < n) {
    const c = source[i];
    const code = source.charCodeAt(i);
    if (c === '"' || c === "'") {
      // A string: esbuild escapes non-ASCII in strings, so one here means this lexer lost its way.
      for (i++; i < n && source[i] !== c; i++) {
        if (source[i] === '\\') i++;
        else if (source.charCodeAt(i) > 0x7f) fail(i, 'in a string');
      }
      i++;
      prev = c;
      word = '';
      continue;
    }
    const endsSubstitution = c === '}' && braces.length > 1 && braces[braces.length - 1] === 0;
    if (c === '`' || endsSubstitution) {
      // A template's text (from its start, or from the `}` ending a `${…}`), up to its end or to
      // the next `${` (then code until the matching `}`).
      if (endsSubstitution) braces.pop();
      for (i++; i < n && source[i] !== '`'; i++) {
        if (source[i] === '\\') i++;
        else if (source[i] === '$' && source[i + 1] === '{') break;
        else if (source.charCodeAt(i) > 0x7f) fail(i, 'in a template literal');
      }
      if (source[i] === '$') {
        braces.push(0);
        i += 2;
        prev = '{';
      } else {
        i++;
        prev = '`';
      }
      word = '';
      continue;
    }
    if (c === '/' && source[i + 1] === '/') {
      for (i += 2; i < n && source[i] !== '\n'; i++) if (source.charCodeAt(i) > 0x7f) escapeAt(i);
      continue;
    }
    if (c === '/' && source[i + 1] === '*') {
      for (i += 2; i < n && !(source[i] === '*' && source[i + 1] === '/'); i++) if (source.charCodeAt(i) > 0x7f) escapeAt(i);
      i += 2;
      continue;
    }
    if (c === '/' && (prev === '' || BEFORE_REGEX.has(prev) || KEYWORDS_BEFORE_REGEX.has(word))) {
      let inClass = false;
      for (i++; i < n; i++) {
        const r = source[i];
        if (r === '\\') {
          // `\é` (an identity escape) is not `\\u00e9`.
          if (source.charCodeAt(i + 1) > 0x7f) fail(i + 1, 'after a backslash');
          i++;
        }
        else if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
        else if (r === '\n') fail(i, 'in what looked like a regular expression');
        else if (source.charCodeAt(i) > 0x7f) escapeAt(i);
      }
      i++;
      while (i < n && /[a-z]/.test(source[i])) i++;
      prev = ')'; // a regex literal is an operand: a `/` after it divides
      word = '';
      continue;
    }
    if (code > 0x7f) fail(i, 'in code');
    if (c === '{') braces[braces.length - 1]++;
    else if (c === '}') braces[braces.length - 1]--;
    if (!/\s/.test(c)) {
      word = /[A-Za-z0-9_$]/.test(c) ? (/[A-Za-z0-9_$]/.test(prev) ? word + c : c) : '';
      prev = c;
    }
    i++;
  }
  return out + source.slice(from);
}
