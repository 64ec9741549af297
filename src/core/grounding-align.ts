/**
 * Aligns a quote's tokens against the user's turns: the test that decides whether the user said
 * what an extracted memory item quotes. Tolerant of how models copy (see `groundTokens`; one
 * token may match two or three joined ones and the reverse; an ellipsis skips words of one turn
 * or of two consecutive turns; a quote may run from one user turn into the next), exact where
 * meaning lives: no similarity score, a word is never matched by a different word, and a quote
 * cut just after a negation or tense word ("I don't | eat meat", "I used to | live in Berlin")
 * is refused unless it carries a negation of its own. Pure, no I/O.
 */
import { AMBIGUOUS_TOKENS, type GroundToken, groundTokens, normalizeSurface, tokenizeSurface } from './grounding-text.js';

/** Why a quote was refused. */
export type QuoteRefusal =
  /** Nothing left after normalisation (only punctuation, emoji, an ellipsis). */
  | { ok: false; reason: 'empty' }
  /** The words are not in the user's turns in this order (the usual case of an invented quote). */
  | { ok: false; reason: 'not-found' }
  /**
   * Found, but too short to state anything and not a whole turn: fewer than two content words,
   * unless one comes with a pronoun or verb ("Berlin", "in Berlin", "yes I do" are refused; "I'm
   * vegan" is kept); or a piece between ellipses under two words.
   */
  | { ok: false; reason: 'too-short' }
  /** Found only right after a negation or tense word the quote leaves out; `word` is that word as the user wrote it ("not", "used", "jamais"). */
  | { ok: false; reason: 'drops-negation'; word: string };

/** The verdict on one quote: found (with the 0-based indices of the user turns it spans, ascending) or refused. */
export type QuoteVerdict = { ok: true; turns: number[] } | QuoteRefusal;

/** The user's turns, tokenised once for many quotes (`prepareTurns`). Opaque to callers. */
export interface PreparedTurns {
  /** Per user turn: its tokens alone, then (but for the last) joined with the next turn's. */
  readonly spans: ReadonlyArray<ReadonlyArray<Span>>;
}

// A stretch of tokens a quote is searched in: one turn, or two consecutive turns.
interface Span {
  tokens: GroundToken[];
  markers: boolean[];
  /** Index of the first turn, and how many tokens it has (a quote must start inside it). */
  turn: number;
  firstLength: number;
  /** 1 or 2 turns. */
  size: number;
}

// Negation and tense words, compared on accent-folded tokens. "no" is English only: in
// Portuguese it means "in the" (see `isPortuguese`).
const MARKERS = new Set([
  // English ("n't" and "cannot" are expanded to "not" by the tokeniser)
  'not', 'never', 'nor', 'neither', 'none', 'nobody', 'nothing', 'nowhere', 'without', 'anymore',
  'formerly', 'previously', 'former', 'ex', 'stopped', 'quit', 'hardly', 'barely',
  // French ("n'" is expanded to "ne")
  'ne', 'pas', 'jamais', 'rien', 'aucun', 'aucune', 'sans', 'ni', 'non', 'autrefois', 'auparavant',
  'ancien', 'ancienne', 'anciennement',
  // Portuguese
  'nao', 'nunca', 'nem', 'nenhum', 'nenhuma', 'nada', 'sem', 'costumava', 'costumavam',
  'costumavamos', 'deixei', 'deixou', 'parei', 'parou', 'antigamente',
]);
/** Negations that follow the verb: a quote cut just before one ("je mange | pas de viande") drops it too. */
const TRAILING_MARKERS = new Set(['pas', 'jamais', 'point', 'not']);
// Placements of a quote's pieces tried before giving up (then: not found). A real quote has one
// or two; only a hostile one with many ellipses over a repetitive turn comes near.
const PLACEMENT_BUDGET = 20_000;
// How many words before a quote are checked for a dropped negation ("I don't really | eat meat").
const MARKER_WINDOW = 3;
// Function words of the three languages (articles, prepositions, conjunctions): they carry no
// statement, so "in Berlin" is a bare word. A negation is never one ("not vegan" says something).
const FUNCTION_WORDS = new Set([
  'a', 'an', 'the', 'and', 'or', 'but', 'if', 'of', 'to', 'in', 'on', 'at', 'for', 'with', 'by',
  'from', 'as', 'that', 'so', 'than', 'then', 'into', 'about',
  'le', 'la', 'les', 'un', 'une', 'des', 'du', 'de', 'au', 'aux', 'et', 'ou', 'mais', 'donc', 'que',
  'en', 'y', 'dans', 'sur', 'pour', 'par', 'avec', 'ce',
  'o', 'os', 'um', 'uma', 'do', 'da', 'dos', 'das', 'em', 'no', 'na', 'nos', 'nas', 'e',
  'com', 'ao', 'pelo', 'pela', 'para', 'por',
]);
// Pronouns, auxiliaries and fillers: with one content word they make a statement ("I'm vegan",
// "sou vegetariana"); alone they say nothing ("I do", "yes it is"). "do", "on" and "um" are
// function words above (Portuguese "do", English "on", Portuguese "um"), which are set aside first.
const WEAK_WORDS = new Set([
  'is', 'are', 'was', 'were', 'be', 'been', 'am', 'does', 'did', 'have', 'has', 'had', 'i',
  'me', 'my', 'we', 'us', 'our', 'you', 'your', 'he', 'him', 'his', 'she', 'her', 'it', 'its',
  'they', 'them', 'their', 'this', 'there', 'here', 'very', 'really', 'just', 'also', 'too',
  'will', 'would', 'can', 'could', 'should', 'shall', 'may', 'might', "'s", "'d", 'yes', 'okay',
  'oh', 'well', 'hi', 'hey',
  'je', 'moi', 'te', 'toi', 'il', 'elle', 'nous', 'vous', 'ils', 'elles', 'qui',
  'cette', 'ces', 'mon', 'ma', 'mes', 'ton', 'ta', 'tes', 'son', 'sa', 'ses', 'est', 'suis', 'es',
  'sont', 'ai', 'se', 'tres', 'oui',
  'eu', 'mim', 'meu', 'minha', 'voce', 'ele', 'ela', 'eles', 'elas', 'mas', 'sou', 'esta',
  'estou', 'tenho', 'muito', 'sim',
]);
// Words only Portuguese uses among the three languages, and English ones, to tell whether "no" is
// a negation ("no longer", "no meat") or a contraction of "em o" ("moro no Porto").
const PT_WORDS = new Set(['nao', 'eu', 'voce', 'uma', 'com', 'meu', 'minha', 'estou', 'sou', 'tenho', 'muito', 'tambem', 'mas', 'para', 'moro', 'gosto', 'trabalho', 'isso', 'ele', 'ela', 'nos', 'nas', 'pelo', 'pela']);
const EN_WORDS = new Set(['the', 'i', 'is', 'and', 'my', 'you', 'it', 'am', 'have', 'of', 'longer', 'more', 'one', 'way', 'idea']);

/**
 * Tokenises the user's turns once so many quotes can be aligned against them. `turns` are the
 * texts of the user turns in session order (the caller redacts them first if it redacts quotes).
 * Pure.
 */
export function prepareTurns(turns: readonly string[]): PreparedTurns {
  const one = turns.map((text, turn): Span => {
    const tokens = groundTokens(text);
    const pt = isPortuguese(tokens);
    return { tokens, markers: tokens.map((_, i) => isMarker(tokens, i, pt)), turn, firstLength: tokens.length, size: 1 };
  });
  return {
    spans: one.map((span, i) => {
      const next = one[i + 1];
      // Stryker disable next-line ConditionalExpression: an empty turn's joined span holds no placement (a quote must start in its first turn); skipping it only saves work
      if (!next || span.tokens.length === 0) return [span];
      // The next turn's first token carries a break already (every text starts with one).
      const joinedTokens = [...span.tokens, ...next.tokens];
      return [span, { tokens: joinedTokens, markers: [...span.markers, ...next.markers], turn: i, firstLength: span.tokens.length, size: 2 }];
    }),
  };
}

/**
 * Whether the user said `quote`: its tokens (split at each ellipsis `...`/`…` into pieces)
 * aligned in order inside one user turn or across two consecutive ones, each piece contiguous.
 * Refuses (see `QuoteRefusal`) an empty quote, words not found in that order, a quote too short
 * to state anything that is not a whole turn, and a quote found only right after a negation
 * or tense word it leaves out. Pure; the same inputs always give the same verdict.
 */
export function alignQuote(quote: string, prepared: PreparedTurns): QuoteVerdict {
  // Split at ellipses after the surface is normalised as a turn's is (NFKC makes "…" three dots;
  // "a.m...." is "am" then an ellipsis), so pieces tokenise as the same words do in a turn.
  // (normalizeSurface leaves every ellipsis as exactly three dots.)
  const pieces = normalizeSurface(quote)
    .split('...')
    .map((p) => tokenizeSurface(p))
    .filter((p) => p.length > 0);
  if (pieces.length === 0) return { ok: false, reason: 'empty' };
  const verdict = alignPieces(pieces, prepared);
  // The user may have typed the ellipsis too ("Well... yes"): then the quote is one contiguous piece.
  if (verdict.ok) return verdict;
  // Stryker disable next-line ConditionalExpression: a one-piece quote's whole form is itself; the retry would repeat the work
  if (pieces.length === 1) return verdict;
  const whole = alignPieces([pieces.flat()], prepared);
  return whole.ok ? whole : verdict;
}

function alignPieces(pieces: GroundToken[][], prepared: PreparedTurns): QuoteVerdict {
  const all = pieces.flat();
  // Enough words to state something: two content words, or one with a pronoun or verb ("I'm vegan").
  const words = all.filter((t) => !FUNCTION_WORDS.has(t.fold) && /[\p{L}\p{N}]/u.test(t.fold));
  const content = words.filter((t) => !WEAK_WORDS.has(t.fold)).length;
  const statement = content >= 2 || (content === 1 && words.length >= 2);
  // An ellipsis may skip words, not build a sentence from single words picked across a turn.
  if (pieces.length > 1 && pieces.some((p) => p.length < 2)) return { ok: false, reason: 'too-short' };
  let refusal: QuoteRefusal = { ok: false, reason: 'not-found' };
  // Stryker disable next-line ObjectLiteral: the budget only bounds the work on hostile quotes; no test quote comes near it
  const budget = { left: PLACEMENT_BUDGET };
  for (const span of prepared.spans.flat()) {
    const { tokens, markers, firstLength } = span;
    // A quote in a two-turn span starts in the first turn and ends in the second; any other
    // placement is found in a one-turn span.
    for (const found of placements(pieces, tokens, budget, firstLength)) {
      const last = found[found.length - 1][1];
      // Stryker disable next-line ConditionalExpression,EqualityOperator: a placement inside the first turn was already judged, the same way, in that turn's own span; skipping it only saves work
      if (span.size === 2 && last <= firstLength) continue;
      if (!statement && !(span.size === 1 && pieces.length === 1 && found[0][0] === 0 && last === tokens.length)) {
        // (Never overrides 'drops-negation': only a statement reaches that check.)
        refusal = { ok: false, reason: 'too-short' };
        continue;
      }
      // A quote that carries a negation or tense word of its own (read in the turn's language:
      // Portuguese "no" is not one) says what the user meant; only a bare cut is suspect.
      const carries = found.some(([from, to]) => markers.slice(from, to).some(Boolean));
      const dropped = carries ? undefined : droppedMarker(found, tokens, markers);
      if (dropped !== undefined) {
        refusal = { ok: false, reason: 'drops-negation', word: dropped };
        continue;
      }
      return { ok: true, turns: span.size === 2 ? [span.turn, span.turn + 1] : [span.turn] };
    }
  }
  return refusal;
}

// Every way to place the pieces in order in `tokens`: [start, end) per piece. `budget.left`
// bounds the placements tried, so a hostile quote of many ellipses cannot take exponential time.
function* placements(pieces: GroundToken[][], tokens: GroundToken[], budget: { left: number }, firstBefore: number, k = 0, from = 0): Generator<Array<[number, number]>> {
  if (k === pieces.length) {
    yield [];
    return;
  }
  const head = pieces[k][0];
  const until = k === 0 ? firstBefore : tokens.length;
  for (let s = from; s < until; s++) {
    // Stryker disable next-line ConditionalExpression: a pre-filter only; pieceEnds finds no match where it says no
    if (!mayStart(head, tokens[s])) continue;
    for (const e of pieceEnds(pieces[k], tokens, s)) {
      // Stryker disable next-line ConditionalExpression,EqualityOperator,UpdateOperator: the budget only bounds the work on hostile quotes; no test quote comes near it
      if (--budget.left < 0) return;
      for (const rest of placements(pieces, tokens, budget, firstBefore, k + 1, e)) yield [[s, e], ...rest];
    }
  }
}

// Whether a piece starting with `q` could start at `t`: one is a prefix of the other (equal, or
// the start of a join), or a contraction.
function mayStart(q: GroundToken, t: GroundToken): boolean {
  // Stryker disable next-line ConditionalExpression,MethodExpression: a pre-filter only (see placements); letting more starts through finds the same matches
  return q.fold.startsWith(t.fold) || t.fold.startsWith(q.fold) || AMBIGUOUS_TOKENS.has(q.fold) || AMBIGUOUS_TOKENS.has(t.fold);
}

// The ends of every contiguous match of the piece `q` starting at tokens[start], allowing joins.
// Iterative with a visited set: time is bounded by |q| × |tokens| however the joins branch.
function pieceEnds(q: GroundToken[], tokens: GroundToken[], start: number): number[] {
  const out = new Set<number>();
  const seen = new Set<number>();
  const todo: Array<[number, number]> = [[0, start]];
  while (todo.length > 0) {
    const [qi, si] = todo.pop()!;
    if (qi === q.length) {
      out.add(si);
      continue;
    }
    // Stryker disable next-line ArithmeticOperator: the visited set only saves work; the variants' rare key collisions need a quote longer than the turn
    const key = qi * (tokens.length + 1) + si;
    if (si >= tokens.length || seen.has(key)) continue;
    seen.add(key);
    const a = q[qi].fold;
    const b = tokens[si].fold;
    if (same(q[qi], tokens[si])) todo.push([qi + 1, si + 1]);
    // A join is only worth building when one word starts with the other.
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: equal words never match a longer join, and a join that does not start with the other word never matches it; these flags only save work
    const turnJoin = a.length > b.length && a.startsWith(b);
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: see turnJoin
    const quoteJoin = b.length > a.length && b.startsWith(a);
    // Stryker disable next-line ConditionalExpression: see turnJoin
    for (let n = 2; n <= 3 && (turnJoin || quoteJoin); n++) {
      const tj = turnJoin ? joined(tokens, si, n) : undefined;
      if (tj && same(q[qi], tj)) todo.push([qi + 1, si + n]);
      const qj = quoteJoin ? joined(q, qi, n) : undefined;
      if (qj && same(qj, tokens[si])) todo.push([qi + n, si + 1]);
    }
  }
  // Stryker disable next-line MethodExpression,ArrowFunction,ArithmeticOperator: every end is tried in turn; the order only decides which of two equally valid placements is judged first
  return [...out].sort((a, b) => a - b);
}

// tokens[i..i+n) written as one word ("le"+"guin", "40"+"km", "vim"+"+"+"git"), or undefined
// when that would cross a break, join numbers other than digit groups, or an ambiguous token.
function joined(tokens: GroundToken[], i: number, n: number): GroundToken | undefined {
  if (i + n > tokens.length) return undefined;
  const part = tokens.slice(i, i + n);
  for (let j = 0; j < n; j++) {
    if (AMBIGUOUS_TOKENS.has(part[j].fold) || (j > 0 && part[j].brk)) return undefined;
    // Two numbers join only as digit groups ("2 500" is "2500"); "1 5" is not "15".
    // (A token is all digits or has none: the tokeniser splits them.)
    if (j > 0 && /\d/u.test(part[j].fold) && /\d/u.test(part[j - 1].fold) && !/^\d{3}$/u.test(part[j].fold)) return undefined;
  }
  return { raw: part.map((t) => t.raw).join(''), fold: part.map((t) => t.fold).join(''), brk: part[0].brk };
}

// Same word: equal once accents are folded, unless both sides carry different accents ("avó" is
// not "avô"; "Zurich" is "Zürich"); or an ambiguous contraction spelled out ("I'd" / "I would").
function same(q: GroundToken, t: GroundToken): boolean {
  if (q.fold === t.fold) return q.raw === t.raw || q.raw === q.fold || t.raw === t.fold;
  return AMBIGUOUS_TOKENS.get(t.fold)?.has(q.fold) === true || AMBIGUOUS_TOKENS.get(q.fold)?.has(t.fold) === true;
}

// The negation or tense word a placement cuts off, as the user wrote it, or undefined: one of
// the MARKER_WINDOW words before each piece (not across a break or into the previous piece), or
// a trailing negation right after the last piece.
function droppedMarker(found: Array<[number, number]>, tokens: GroundToken[], markers: boolean[]): string | undefined {
  let prevEnd = 0;
  for (const [s, e] of found) {
    for (let j = s - 1; j >= Math.max(prevEnd, s - MARKER_WINDOW) && !tokens[j + 1].brk; j--) {
      if (markers[j]) return tokens[j].raw;
    }
    prevEnd = e;
  }
  const after = tokens[prevEnd];
  if (after && !after.brk && TRAILING_MARKERS.has(after.fold)) return after.raw;
  return undefined;
}

function isMarker(tokens: GroundToken[], i: number, portuguese: boolean): boolean {
  const w = tokens[i].fold;
  if (w === 'no') return !portuguese;
  if (w === 'used') return tokens[i + 1]?.fold === 'to';
  return MARKERS.has(w);
}

function isPortuguese(tokens: GroundToken[]): boolean {
  let pt = 0;
  let en = 0;
  for (const t of tokens) {
    if (PT_WORDS.has(t.fold)) pt++;
    if (EN_WORDS.has(t.fold)) en++;
  }
  return pt > en;
}
