/**
 * Text comparison for the memory policy: normalization, token similarity and the near-duplicate
 * test the merge uses to refresh a fact instead of storing it twice. Pure, no I/O.
 */

/**
 * Token Jaccard at or above which two facts with no substituted word count as the same fact.
 *
 * Why 0.8: `isNearDuplicate` only compares texts where one side's content words are a subset of
 * the other's (see there), so the Jaccard is |shorter| / |longer|. 0.8 accepts one extra content
 * word per four shared ones ("prefers metric units" vs "prefers metric units always" is 3/4 and
 * stays separate; "works at Acme as backend engineer" plus "senior" is 4/5 and merges). A longer
 * elaboration is new information the model should store with an `update`, not be swallowed here.
 */
export const NEAR_DUPLICATE_THRESHOLD = 0.8;

// Words that carry no identity in a remembered fact. "user"/"i"/"my" are here because the model
// writes "User prefers X" for what the user said as "I prefer X".
const STOPWORDS = new Set([
  'a', 'an', 'the', 'and', 'or', 'as', 'of', 'to', 'in', 'on', 'at', 'for', 'with', 'by', 'from',
  'is', 'are', 'was', 'were', 'be', 'been', 'am', 'has', 'have', 'that', 'this', 'it', 'its',
  'i', 'me', 'my', 'user', 'they', 'their', 'he', 'she', 'his', 'her', 'very', 'really',
]);

// Words that flip or date a statement. If the two texts differ by one of these, they say
// different things ("likes X" vs "no longer likes X"), however similar the rest is.
const POLARITY_WORDS = new Set([
  'not', 'no', 'never', 'nor', 'none', 'neither', 'nothing', 'without', 'cannot',
  'dont', 'doesnt', 'didnt', 'isnt', 'arent', 'wasnt', 'werent', 'cant', 'wont', 'wouldnt',
  'shouldnt', 'hasnt', 'havent', 'longer', 'anymore', 'formerly', 'former', 'previously',
  'used', 'ex', 'stopped', 'quit', 'until', 'except',
]);

// Words that say who does what to whom, although they are stopwords for similarity: the user
// (S), someone else (O), and the direction of a relation. Two texts with the same content words
// but these in a different sequence are different facts ("Anna gave me a book" / "Anna gave her a
// book", "moved from Paris to Berlin" / "moved to Paris from Berlin", "hired by Anna" / "hired Anna").
const ROLE_WORDS = new Map<string, string>([
  ...['i', 'me', 'my', 'mine', 'myself', 'im', 'ive', 'user', 'users'].map((w): [string, string] => [w, 'S']),
  ...['he', 'she', 'him', 'his', 'her', 'hers', 'himself', 'herself', 'they', 'them', 'their', 'theirs', 'hes', 'shes'].map(
    (w): [string, string] => [w, 'O'],
  ),
  ...['to', 'from', 'by', 'for', 'with'].map((w): [string, string] => [w, w]),
]);

/**
 * Canonical form of a text for comparison: Unicode NFKC, lowercase, apostrophes removed
 * ("don't" → "dont"), other punctuation replaced by spaces, whitespace collapsed and trimmed.
 * `#`, `%`, `&`, `@` and symbols (`+`, `$`, emoji) are kept because they change meaning
 * ("C++" vs "C", "50%" vs "50"). Pure and idempotent: normalizeText(normalizeText(s)) === normalizeText(s).
 */
export function normalizeText(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/['’‘`´ʼ]/gu, '')
    .replace(/[^\P{P}#%&@]/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}

// Light plural/3rd-person stemming so "prefers metric units" meets "prefer metric unit".
// Two words differing only by a final "s" almost never contradict each other.
function stem(token: string): string {
  if (token.length > 3 && token.endsWith('s') && !/(ss|us|is)$/u.test(token)) return token.slice(0, -1);
  return token;
}

/**
 * The set of content tokens of a text: normalized, split on spaces, stopwords dropped,
 * lightly stemmed. Negations are content (never dropped). Pure.
 */
export function contentTokens(s: string): Set<string> {
  return new Set(contentSequence(s));
}

// The content tokens in the order they first appear (a Set keeps insertion order).
function contentSequence(s: string): string[] {
  const out = new Set<string>();
  for (const t of normalizeText(s).split(' ')) {
    if (t !== '' && !STOPWORDS.has(t)) out.add(stem(t));
  }
  return [...out];
}

// The role words of a text in order (ROLE_WORDS), repeats in a row collapsed.
function roleSequence(s: string): string[] {
  const out: string[] = [];
  for (const t of normalizeText(s).split(' ')) {
    const role = ROLE_WORDS.get(t);
    if (role !== undefined && out.at(-1) !== role) out.push(role);
  }
  return out;
}

function collapse(roles: string[]): string[] {
  return roles.filter((r, i) => i === 0 || roles[i - 1] !== r);
}

/**
 * Whether `a` and `b` give their shared words the same roles: the content tokens both contain
 * appear in the same relative order, and the role words (the user, someone else, to/from/by/for/
 * with) appear in the same sequence. A text that never names the user may omit "I"/"user" (the
 * model writes "Prefers X" for "I prefer X"), so the user's marker is ignored unless both name
 * the user. Pure and symmetric.
 */
function sameRoles(a: string, b: string): boolean {
  const sharedB = new Set(contentSequence(b));
  const orderA = contentSequence(a).filter((t) => sharedB.has(t));
  const sharedA = new Set(orderA);
  const orderB = contentSequence(b).filter((t) => sharedA.has(t));
  if (orderA.some((t, i) => orderB[i] !== t)) return false;
  let ra = roleSequence(a);
  let rb = roleSequence(b);
  if (!ra.includes('S') || !rb.includes('S')) {
    ra = collapse(ra.filter((r) => r !== 'S'));
    rb = collapse(rb.filter((r) => r !== 'S'));
  }
  return ra.length === rb.length && ra.every((r, i) => rb[i] === r);
}

/**
 * Jaccard similarity |A ∩ B| / |A ∪ B| of the content-token sets of `a` and `b`, in [0, 1].
 * Two texts with no content tokens at all score 1 if their normalized forms are equal, else 0. Pure.
 */
export function tokenJaccard(a: string, b: string): number {
  const ta = contentTokens(a);
  const tb = contentTokens(b);
  if (ta.size === 0 && tb.size === 0) return normalizeText(a) === normalizeText(b) ? 1 : 0;
  let shared = 0;
  for (const t of ta) if (tb.has(t)) shared++;
  return shared / (ta.size + tb.size - shared);
}

/**
 * Whether `a` and `b` state the same fact, so storing both would be a duplicate.
 *
 * True when the normalized texts are equal, or when all of these hold on content tokens:
 * - no substitution: one side's tokens are a subset of the other's. A word swapped for another
 *   is how contradictions look ("lives in Porto" / "lives in Lisbon", "love" / "hate",
 *   "34" / "35"), and a contradiction must never be collapsed into a refresh;
 * - the extra tokens contain no negation or tense marker ("not", "no longer", "formerly"…);
 * - token Jaccard ≥ NEAR_DUPLICATE_THRESHOLD;
 * - same roles: the shared tokens appear in the same relative order, and the words saying who
 *   does what to whom (the user, he/she/they, to/from/by/for/with) in the same sequence. A
 *   reversed comparison ("tabs over spaces" / "spaces over tabs") or a swapped subject and object
 *   ("Caroline values her friendship with Melanie" / "Melanie values her friendship with
 *   Caroline") is a different fact.
 * Deliberately conservative: a missed duplicate costs one extra line, a false match loses a fact.
 * Symmetric and pure.
 */
export function isNearDuplicate(a: string, b: string): boolean {
  if (normalizeText(a) === normalizeText(b)) return true;
  const ta = contentTokens(a);
  const tb = contentTokens(b);
  if (ta.size === 0 || tb.size === 0) return false;
  const onlyA = [...ta].filter((t) => !tb.has(t));
  const onlyB = [...tb].filter((t) => !ta.has(t));
  if (onlyA.length > 0 && onlyB.length > 0) return false;
  if ([...onlyA, ...onlyB].some((t) => POLARITY_WORDS.has(t))) return false;
  const shared = ta.size - onlyA.length;
  return shared / (ta.size + onlyB.length) >= NEAR_DUPLICATE_THRESHOLD && sameRoles(a, b);
}
