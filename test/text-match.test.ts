import { describe, expect, it } from 'vitest';
import { NEAR_DUPLICATE_THRESHOLD, isNearDuplicate, normalizeText, tokenJaccard } from '../src/core/text-match.js';

describe('normalizeText', () => {
  it.each([
    ['  Prefers   METRIC units. ', 'prefers metric units'],
    ["Doesn't eat meat!", 'doesnt eat meat'],
    ['ﬁle\tname\n(draft)', 'file name draft'], // NFKC folds the ligature
    ['Ｆｕｌｌｗｉｄｔｈ', 'fullwidth'],
    ['likes C++ and C#', 'likes c++ and c#'], // symbols that carry meaning stay
  ])('%j → %j', (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });

  it('is idempotent', () => {
    const once = normalizeText("It's — “quoted”, ok?");
    expect(normalizeText(once)).toBe(once);
  });
});

describe('tokenJaccard', () => {
  it('ignores stopwords and plural s', () => {
    expect(tokenJaccard('prefers metric units', 'prefer the metric unit')).toBe(1);
  });
  it('scores shared content words over all content words', () => {
    expect(tokenJaccard('lives in Porto', 'lives in Lisbon')).toBeCloseTo(1 / 3);
  });
});

describe('isNearDuplicate', () => {
  it.each([
    ['prefers metric units', 'prefers the metric units'],
    ['Prefers metric units.', 'prefers metric units'],
    ['User prefers metric units', 'I prefer metric units'],
    ['works at Acme as a backend engineer', 'works at Acme as a senior backend engineer'],
  ])('same fact: %j ~ %j', (a, b) => {
    expect(isNearDuplicate(a, b)).toBe(true);
    expect(isNearDuplicate(b, a)).toBe(true);
  });

  it.each([
    // Contradictions: a swapped word, however similar the rest is.
    ['lives in Porto', 'lives in Lisbon'],
    ['I love Chinese food', 'I hate Chinese food'],
    ['is 34 years old', 'is 35 years old'],
    [
      'works as a senior backend engineer at Acme in the Zurich office on the payments platform team',
      'works as a senior backend engineer at Acme in the Berlin office on the payments platform team',
    ],
    // Negations and tense markers added to an otherwise identical sentence.
    ['prefers dark mode in the editor and the terminal', 'prefers no dark mode in the editor and the terminal'],
    ['works at Acme as a senior backend engineer', 'formerly works at Acme as a senior backend engineer'],
    ['likes coffee', 'does not like coffee'],
    // An elaboration beyond the threshold is new information, not a duplicate.
    ['prefers metric units', 'prefers metric units for cooking'],
    ['likes C++', 'likes C'],
  ])('different facts: %j vs %j', (a, b) => {
    expect(isNearDuplicate(a, b)).toBe(false);
    expect(isNearDuplicate(b, a)).toBe(false);
  });

  it.each([
    // A reversed comparison: the same words, the other way round.
    ['I prefer tabs over spaces.', 'I prefer spaces over tabs.'],
    ['Likes Python more than Go', 'Likes Go more than Python'],
    // Subject and object swapped: whose friendship, who gave what to whom.
    ['Caroline values her friendship with Melanie', 'Melanie values her friendship with Caroline'],
    ['Anna gave me a book', 'Anna gave her a book'],
    ['Moved from Paris to Berlin', 'Moved to Paris from Berlin'],
    ['Anna was hired by Caroline', 'Anna hired Caroline'],
  ])('order and roles make a different fact: %j vs %j', (a, b) => {
    expect(isNearDuplicate(a, b)).toBe(false);
    expect(isNearDuplicate(b, a)).toBe(false);
  });

  it('keeps the replay pair of issue 10 apart (whose appreciation it is)', () => {
    // A guard, not a fix: the substitution rule already separated this exact pair; the swapped
    // version above is the one the role rule adds.
    const a = 'Melanie values friendship with Caroline';
    const b = 'Caroline expresses appreciation for her friendship with Melanie.';
    expect(isNearDuplicate(a, b)).toBe(false);
    expect(isNearDuplicate(b, a)).toBe(false);
  });

  it.each([
    ['Caroline values her friendship with Melanie', 'Caroline really values her friendship with Melanie.'],
    ['I prefer tabs over spaces', 'User prefers tabs over spaces'],
    ['Prefers tabs over spaces', 'I prefer tabs over spaces.'],
  ])('same words in the same roles stay one fact: %j ~ %j', (a, b) => {
    expect(isNearDuplicate(a, b)).toBe(true);
    expect(isNearDuplicate(b, a)).toBe(true);
  });

  it('uses a threshold that a one-word substitution in a long sentence would pass on Jaccard alone', () => {
    // Why the no-substitution rule exists: Jaccard alone would collapse this contradiction.
    const a = 'works as a senior backend engineer at Acme in the Zurich office on the payments platform team';
    const b = 'works as a senior backend engineer at Acme in the Berlin office on the payments platform team';
    expect(tokenJaccard(a, b)).toBeGreaterThanOrEqual(NEAR_DUPLICATE_THRESHOLD);
    expect(isNearDuplicate(a, b)).toBe(false);
  });
});
