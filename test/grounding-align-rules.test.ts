// What the user notices about how a quote is aligned with their turns: a word written joined or
// apart is the same word, but never built across a sentence or a turn; a number is never made
// from two; an ellipsis may skip words of one turn or run into the next, never pick single
// words; a quote is reported with the turns it came from. Deterministic cases (the randomised
// properties are in grounding-align.test.ts).
import { describe, expect, it } from 'vitest';
import { groundQuote } from '../src/core/grounding.js';

const verdict = (quote: string, turns: string[]): string => {
  const v = groundQuote(quote, turns);
  return v.ok ? 'kept' : v.reason;
};

describe('joined and split words', () => {
  it('a name the model joins or splits is the same name, at any place in the turn', () => {
    expect(verdict("I'm reading LeGuin again", ["I'm reading Le Guin again"])).toBe('kept');
    expect(verdict("I'm reading Le Guin again", ["I'm reading LeGuin again"])).toBe('kept');
    expect(verdict('I am reading LeGuin', ['I am reading Le Guin'])).toBe('kept');
    expect(verdict('I am reading Le Guin', ['I am reading LeGuin'])).toBe('kept');
    expect(verdict('LeGuin is my favourite', ['Le Guin is my favourite'])).toBe('kept');
  });

  it('a joined name keeps its accents: the same accents match, different ones do not', () => {
    expect(verdict('I read LéGuin daily', ['I read Lé Guin daily'])).toBe('kept');
    expect(verdict('I read Lé Guin daily', ['I read LéGuin daily'])).toBe('kept');
    expect(verdict('I read LèGuin daily', ['I read Lé Guin daily'])).toBe('not-found');
  });

  it('joins up to three words, not four', () => {
    expect(verdict('I moved to NewYorkCity in May', ['I moved to New York City in May'])).toBe('kept');
    expect(verdict('I moved to New York City in May', ['I moved to NewYorkCity in May'])).toBe('kept');
    expect(verdict('I work at NewYorkCityHall now', ['I work at New York City Hall now'])).toBe('not-found');
    expect(verdict('I work at New York City Hall now', ['I work at NewYorkCityHall now'])).toBe('not-found');
  });

  it('never builds a word across a sentence break or from the end of one turn and the start of the next', () => {
    expect(verdict('I love NewYork pizza', ['I love New. York pizza'])).toBe('not-found');
    expect(verdict('I love NewYork pizza', ['I love New', 'York pizza'])).toBe('not-found');
    expect(verdict('I love New York pizza', ['I love New', 'York pizza'])).toBe('kept');
  });

  it('joins digit groups of three into one number, never other digits', () => {
    expect(verdict('We spend 2500 a month', ['We spend 2 500 a month'])).toBe('kept');
    expect(verdict('We spend 2 500 a month', ['We spend 2500 a month'])).toBe('kept');
    expect(verdict('We have 15 cats at home', ['We have 1 5 cats at home'])).toBe('not-found');
    expect(verdict('We spend 15000 a month', ['We spend 1 5000 a month'])).toBe('not-found');
    expect(verdict('We spend 12500 a month', ['We spend 12 500 a month'])).toBe('kept');
    expect(verdict('room 12b is mine now', ['room 12 b is mine now'])).toBe('kept');
  });

  it('a word with an accent on one side only is the same word; different accents are different words', () => {
    expect(verdict('I live in Zurich now', ['I live in Zürich now'])).toBe('kept');
    expect(verdict('I live in Zürich now', ['I live in Zurich now'])).toBe('kept');
    expect(verdict('Minha avô mora em Braga', ['Minha avó mora em Braga'])).toBe('not-found');
    expect(verdict('Minha avó mora em Braga', ['Minha avó mora em Braga'])).toBe('kept');
  });

  it('a contraction in the turn may be the first word a quote keeps', () => {
    expect(verdict('would rather write SQL', ["I'd rather write SQL"])).toBe('kept');
    expect(verdict('is cold in Lyon', ["It's cold in Lyon"])).toBe('kept');
    expect(verdict('will rather write SQL', ["I'd rather write SQL"])).toBe('not-found');
  });

  it('does not accept part of a word', () => {
    expect(verdict('I moved from Port', ['I moved from Porto'])).toBe('not-found');
    expect(verdict('I moved from Portugal', ['I moved from Porto'])).toBe('not-found');
  });
});

describe('ellipses and turns', () => {
  const turns = ['The thing about my sleep is that I wake up at 5', 'every single day, even on weekends.', 'Vegetarian.', 'I love jazz a lot'];

  it('reports the turns a quote came from', () => {
    expect(groundQuote('I wake up at 5 every single day', turns)).toEqual({ ok: true, turns: [0, 1] });
    expect(groundQuote('even on weekends', turns)).toEqual({ ok: true, turns: [1] });
    expect(groundQuote('every single day', turns)).toEqual({ ok: true, turns: [1] });
    expect(groundQuote('I love jazz a lot', turns)).toEqual({ ok: true, turns: [3] });
    expect(groundQuote('I wake up at 5 ... even on weekends', turns)).toEqual({ ok: true, turns: [0, 1] });
  });

  it('does not join turns that are not consecutive, nor run a quote past two turns', () => {
    expect(verdict('I wake up at 5 ... I love jazz', turns)).toBe('not-found');
    expect(verdict('at 5 every single day even on weekends Vegetarian', turns)).toBe('not-found');
  });

  it('a quote may start with an ellipsis', () => {
    expect(verdict('… I love jazz a lot', turns)).toBe('kept');
    expect(verdict('I love jazz … ', turns)).toBe('kept');
  });

  it('an ellipsis quote is reported where its pieces are, not where its words run together', () => {
    expect(groundQuote('I love jazz … a lot', ['I love jazz and fish a lot', 'I love jazz a lot'])).toEqual({ ok: true, turns: [0] });
  });

  it('an ellipsis keeps the order of the words', () => {
    expect(verdict('I love jazz … I wake up at 5', ['I wake up at 5 and I love jazz'])).toBe('not-found');
    expect(verdict('I wake up at 5 … I love jazz', ['I wake up at 5 and I love jazz'])).toBe('kept');
  });

  it('an ellipsis may not pick single words, even ones the user wrote', () => {
    expect(verdict('I really ... bread', ['I really miss proper rye bread'])).toBe('too-short');
    expect(verdict('really miss ... bread', ['I really miss proper rye bread'])).toBe('too-short');
    expect(verdict('really miss ... rye bread', ['I really miss proper rye bread'])).toBe('kept');
  });

  it("the user's own ellipsis, quoted whole, is kept", () => {
    expect(verdict('Well... yes I do love it', ['Well... yes I do love it'])).toBe('kept');
    expect(verdict('Well … yes', ['Well... yes'])).toBe('kept');
    expect(verdict('Well... yes', ['Hmm. Well... yes'])).toBe('too-short');
  });

  it('an empty turn neither grounds a quote nor joins its neighbours', () => {
    expect(verdict('I love jazz a lot', ['', 'I love jazz a lot'])).toBe('kept');
    expect(groundQuote('I love jazz a lot', ['', 'I love jazz a lot'])).toEqual({ ok: true, turns: [1] });
    expect(verdict('I wake up at 5 every single day', ['I wake up at 5', '', 'every single day'])).toBe('not-found');
  });

  it('nothing but punctuation or emoji is an empty quote', () => {
    expect(verdict(' … ', turns)).toBe('empty');
    expect(verdict('😅 !!', turns)).toBe('empty');
    expect(verdict('', turns)).toBe('empty');
  });
});

describe('statements', () => {
  it('a bare number or amount says nothing on its own', () => {
    expect(verdict('$1200', ['We spend $1200 a month'])).toBe('too-short');
    expect(verdict('50%', ['I save 50% a month'])).toBe('too-short');
    expect(verdict('$1200 a month', ['We spend $1200 a month'])).toBe('kept');
    // A number is a content word: with one more word it states something.
    expect(verdict('since 2019', ['I am vegan since 2019 or so'])).toBe('kept');
  });

  it('two content words, or one with a pronoun or verb, state something', () => {
    expect(verdict('rye bread', ['I really miss proper rye bread'])).toBe('kept');
    expect(verdict('miss bread', ['I miss bread'])).toBe('kept');
    expect(verdict('I miss', ['I miss bread'])).toBe('kept');
    expect(verdict('the bread', ['I miss the bread'])).toBe('too-short');
  });

  it('a word that is the whole of a short turn is kept, the same word inside a turn is not', () => {
    expect(groundQuote('Vegetarian', ['Hi', 'Vegetarian.'])).toEqual({ ok: true, turns: [1] });
    expect(verdict('Vegetarian', ['Vegetarian, mostly'])).toBe('too-short');
    expect(verdict('mostly', ['Vegetarian, mostly'])).toBe('too-short');
    expect(verdict('Vegetarian', ['Hi', 'Vegetarian', 'Vegetarian, mostly'])).toBe('kept');
  });

  it('words that state nothing stay "too short" even when they cover a whole turn in pieces or two whole turns', () => {
    expect(verdict('yes I ... it', ['yes I do it'])).toBe('too-short');
    expect(verdict('yes I ... it too', ['yes I do it too'])).toBe('too-short');
    expect(verdict('Yes I do', ['Yes', 'I do'])).toBe('too-short');
    expect(verdict('Yes I do', ['Yes I do'])).toBe('kept');
  });

  it('a quote that carries a negation of its own is kept, whatever comes before it or between its pieces', () => {
    expect(verdict('I never eat red meat', ['I would not say I never eat red meat'])).toBe('kept');
    expect(verdict('I never eat meat … eat fish', ['I never eat meat and never eat fish'])).toBe('kept');
    expect(verdict('I eat meat … eat fish', ['I eat meat and never eat fish'])).toBe('drops-negation');
  });

  it('a short quote is "too short" even when it also sits after a negation elsewhere', () => {
    expect(verdict('meat', ["I don't eat meat", 'meat is fine'])).toBe('too-short');
  });

  it('a refusal for a dropped negation wins over "not found" in a later turn', () => {
    expect(groundQuote('eat red meat', ["I don't eat red meat", 'I cook fish'])).toEqual({ ok: false, reason: 'drops-negation', word: 'not' });
    expect(groundQuote('eat red meat', ['I cook fish', "I don't eat red meat"])).toEqual({ ok: false, reason: 'drops-negation', word: 'not' });
  });

  it('a quote found after a negation in one turn but plainly in another is kept', () => {
    expect(groundQuote('eat red meat', ["I don't eat red meat", 'My kids eat red meat'])).toEqual({ ok: true, turns: [1] });
  });

  it('a quote running from one turn into the next keeps the negation check of each', () => {
    expect(verdict('at home every single day', ["I'm never at home", 'every single day'])).toBe('drops-negation');
    expect(verdict('I am never at home every single day', ["I'm never at home", 'every single day'])).toBe('kept');
  });
});
