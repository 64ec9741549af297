/**
 * A session's transcript as the extraction model reads it, cut into chunks that each fit one
 * extraction call, so a long session is extracted whole instead of losing its beginning.
 * Pure, no I/O.
 */
import type { Turn } from './schema.js';

/**
 * Transcript characters sent in one extraction call (~30k tokens): a longer session is extracted
 * in several calls (`chunkTranscript`), each seeing the memory as merged so far.
 */
export const EXTRACTION_TRANSCRIPT_MAX_CHARS = 120_000;

// What a turn's text costs on top of itself: the `[assistant] ` tag, the interrupted marker and
// the line break, rounded up so a part's rendering never crosses the limit.
const TURN_OVERHEAD_CHARS = 64;
// A part of an over-long turn is cut at the last space or line break in its last quarter, so a
// quote is rarely split in two; with none there, it is cut at the limit.
const SOFT_CUT_SHARE = 0.75;

/**
 * The transcript lines of one turn: `[user] first line` (with ` [answer interrupted]` if the
 * answer was stopped), continuation lines indented two spaces. The text is used as given (the
 * caller redacts). Pure.
 */
export function transcriptLines(turn: Turn): string[] {
  const [first, ...rest] = turn.text.split('\n');
  return [`[${turn.role}] ${first}${turn.interrupted ? ' [answer interrupted]' : ''}`, ...rest.map((line) => `  ${line}`)];
}

/** Characters `turn` takes in a transcript, its line breaks included. */
function renderedSize(turn: Turn): number {
  return transcriptLines(turn).reduce((n, line) => n + line.length + 1, 0);
}

/**
 * Splits `turns` (in session order) into consecutive chunks whose transcripts
 * (`transcriptLines`, joined by line breaks) are each at most `maxChars` characters. Whole turns
 * are packed greedily; a turn that alone exceeds the limit is split into parts of the same role
 * (cut at a space or line break where one is near the limit, never inside a surrogate pair;
 * only the last part keeps `interrupted`), each in its own chunk if need be.
 *
 * Guarantees: the chunks' turns, parts joined back, are exactly `turns` in order (nothing is left
 * out, nothing repeated); no chunk is empty; `[]` for no turns. Pure.
 * @throws RangeError if `maxChars` leaves no room for a turn's text (under 128).
 */
export function chunkTranscript(turns: readonly Turn[], maxChars: number = EXTRACTION_TRANSCRIPT_MAX_CHARS): Turn[][] {
  if (maxChars < 2 * TURN_OVERHEAD_CHARS) throw new RangeError(`chunkTranscript: maxChars ${maxChars} is under ${2 * TURN_OVERHEAD_CHARS}`);
  const chunks: Turn[][] = [];
  let current: Turn[] = [];
  let used = 0;
  const push = (turn: Turn): void => {
    const size = renderedSize(turn);
    if (current.length > 0 && used + size > maxChars) {
      chunks.push(current);
      current = [];
      used = 0;
    }
    current.push(turn);
    used += size;
  };
  for (const turn of turns) {
    if (renderedSize(turn) <= maxChars) push(turn);
    else for (const part of splitTurn(turn, maxChars - TURN_OVERHEAD_CHARS)) push(part);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

// Parts of an over-long turn whose texts, continuation indents included, are at most `room` chars.
function splitTurn(turn: Turn, room: number): Turn[] {
  const parts: Turn[] = [];
  let rest = turn.text;
  while (rest.length > 0) {
    const end = fittingPrefix(rest, room);
    parts.push({ role: turn.role, text: rest.slice(0, end), at: turn.at });
    rest = rest.slice(end);
  }
  if (turn.interrupted && parts.length > 0) parts[parts.length - 1].interrupted = true;
  return parts;
}

// Length of the longest prefix of `text` whose rendering (2 more chars per line break) fits in
// `room`, moved back to just after a space or line break in the last quarter if there is one.
function fittingPrefix(text: string, room: number): number {
  let cost = 0;
  let end = 0;
  let lastBreak = -1;
  while (end < text.length) {
    const ch = text[end];
    const add = ch === '\n' ? 3 : 1;
    if (cost + add > room) break;
    cost += add;
    end++;
    if (ch === ' ' || ch === '\n') lastBreak = end;
  }
  if (end === text.length) return end;
  if (lastBreak >= room * SOFT_CUT_SHARE) return lastBreak;
  // Never leave half a surrogate pair at either side of the cut.
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff && end > 1 ? end - 1 : end;
}
