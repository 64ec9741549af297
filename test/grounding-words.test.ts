// What the user notices about grounding's word lists: a quote cut right after one of their
// negation or tense words ("I never | eat meat") is refused, in English, French and Portuguese;
// a quote too short to state anything ("in Berlin", "yes I do") is refused unless it is their
// whole turn; and Portuguese "no" (in the) is told from English "no". Every entry of each list is
// pinned by a case that fails if it is removed.
import { describe, expect, it } from 'vitest';
import { groundQuote } from '../src/core/grounding.js';

const verdict = (quote: string, turns: string[]): string => {
  const v = groundQuote(quote, turns);
  return v.ok ? 'kept' : v.reason;
};

describe('negation and tense words: a quote that leaves one out is refused, one that keeps it is kept', () => {
  it.each([
    'not', 'never', 'nor', 'neither', 'none', 'nobody', 'nothing', 'nowhere', 'without', 'anymore',
    'formerly', 'previously', 'former', 'ex', 'stopped', 'quit', 'hardly', 'barely',
  ])('English %j', (word) => {
    const turns = [`I ${word} eat red meat`];
    expect(groundQuote('eat red meat', turns)).toEqual({ ok: false, reason: 'drops-negation', word });
    expect(verdict(`${word} eat red meat`, turns)).toBe('kept');
  });

  it.each([
    'ne', 'pas', 'jamais', 'rien', 'aucun', 'aucune', 'sans', 'ni', 'non', 'autrefois', 'auparavant',
    'ancien', 'ancienne', 'anciennement',
  ])('French %j', (word) => {
    const turns = [`Je ${word} mange de la viande rouge`];
    expect(groundQuote('mange de la viande rouge', turns)).toEqual({ ok: false, reason: 'drops-negation', word });
    expect(verdict(`${word} mange de la viande rouge`, turns)).toBe('kept');
  });

  it.each([
    'nao', 'nunca', 'nem', 'nenhum', 'nenhuma', 'nada', 'sem', 'costumava', 'costumavam', 'costumavamos',
    'deixei', 'deixou', 'parei', 'parou', 'antigamente',
  ])('Portuguese %j', (word) => {
    const turns = [`Eu ${word} como carne vermelha`];
    expect(verdict('como carne vermelha', turns)).toBe('drops-negation');
    expect(verdict(`${word} como carne vermelha`, turns)).toBe('kept');
  });

  it('Portuguese "não" and "costumávamos" with their accents are negation and tense words too', () => {
    expect(groundQuote('como carne vermelha', ['Eu não como carne vermelha'])).toEqual({ ok: false, reason: 'drops-negation', word: 'não' });
    expect(verdict('morar em Lisboa', ['Nós costumávamos morar em Lisboa'])).toBe('drops-negation');
  });

  it('"used to" is a tense word, "used" alone is not', () => {
    expect(groundQuote('live in Berlin', ['I used to live in Berlin'])).toEqual({ ok: false, reason: 'drops-negation', word: 'used' });
    expect(verdict('the car daily', ['I used the car daily'])).toBe('kept');
    expect(verdict('the car I used', ['Yes, the car I used'])).toBe('kept');
  });

  it('looks three words back, no further, and not across a break', () => {
    expect(groundQuote('eat red meat', ["I don't really ever eat red meat"])).toEqual({ ok: false, reason: 'drops-negation', word: 'not' });
    expect(verdict('eat red meat', ["I don't really ever often eat red meat"])).toBe('kept');
    expect(verdict('eat red meat', ["I don't. Really, I eat red meat"])).toBe('kept');
    expect(verdict('I eat red meat', ["I don't. I eat red meat"])).toBe('kept');
  });

  it('a line break does not end what a negation governs', () => {
    expect(verdict('eat red meat', ['I never\neat red meat'])).toBe('drops-negation');
  });

  it('checks the words before each piece of an ellipsis quote, but not the previous piece', () => {
    const turns = ['I love jazz and never listen to pop music'];
    expect(verdict('I love jazz … listen to pop music', turns)).toBe('drops-negation');
    expect(verdict('I love jazz and never … to pop music', turns)).toBe('kept');
    expect(verdict('I love jazz … never listen to pop music', turns)).toBe('kept');
  });

  it.each([
    ['pas', 'Je mange pas de viande rouge'],
    ['jamais', 'Je mange jamais de viande rouge'],
    ['point', 'Je mange point de viande rouge'],
    ['not', 'I like it not at all'],
  ])('a quote cut just before a trailing %j drops it', (word, said) => {
    const quote = said.split(' ').slice(0, word === 'not' ? 3 : 2).join(' ');
    expect(groundQuote(quote, [said])).toEqual({ ok: false, reason: 'drops-negation', word });
  });

  it('a trailing negation after a break is not part of the quote', () => {
    expect(verdict('Je mange', ['Je mange. Pas de viande rouge'])).toBe('kept');
    expect(verdict('I like it', ['I like it, not at all'])).toBe('kept');
  });
});

describe('function words: a quote of one content word with articles and prepositions says nothing', () => {
  it.each([
    'a', 'an', 'the', 'and', 'or', 'but', 'if', 'of', 'to', 'in', 'on', 'at', 'for', 'with', 'by', 'from', 'as',
    'that', 'so', 'than', 'then', 'into', 'about',
    'le', 'la', 'les', 'un', 'une', 'des', 'du', 'de', 'au', 'aux', 'et', 'ou', 'mais', 'donc', 'que', 'en', 'y',
    'dans', 'sur', 'pour', 'par', 'avec', 'ce',
    'o', 'os', 'um', 'uma', 'do', 'da', 'dos', 'das', 'em', 'no', 'na', 'nos', 'nas', 'e', 'com', 'ao', 'pelo',
    'pela', 'para', 'por',
  ])('%j with one word is too short, unless it is the whole turn', (word) => {
    expect(verdict(`${word} Lisboa`, [`Sim, ${word} Lisboa.`])).toBe('too-short');
    expect(verdict(`${word} Lisboa`, [`${word} Lisboa`])).toBe('kept');
  });
});

describe('pronouns, auxiliaries and fillers: with one content word they state something, alone they do not', () => {
  it.each([
    'is', 'are', 'was', 'were', 'be', 'been', 'am', 'does', 'did', 'have', 'has', 'had', 'i', 'me', 'my', 'we',
    'us', 'our', 'you', 'your', 'he', 'him', 'his', 'she', 'her', 'it', 'its', 'they', 'them', 'their', 'this',
    'there', 'here', 'very', 'really', 'just', 'also', 'too', 'will', 'would', 'can', 'could', 'should', 'shall',
    'may', 'might', 'yes', 'okay', 'oh', 'well', 'hi', 'hey',
    'je', 'moi', 'te', 'toi', 'il', 'elle', 'nous', 'vous', 'ils', 'elles', 'qui', 'cette', 'ces', 'mon', 'ma',
    'mes', 'ton', 'ta', 'tes', 'son', 'sa', 'ses', 'est', 'suis', 'es', 'sont', 'ai', 'se', 'tres', 'oui',
    'eu', 'mim', 'meu', 'minha', 'voce', 'ele', 'ela', 'eles', 'elas', 'mas', 'sou', 'esta', 'estou', 'tenho',
    'muito', 'sim',
  ])('%j', (word) => {
    const other = word === 'yes' ? 'oh' : 'yes';
    expect(verdict(`${word} ${other}`, [`Hmm, ${word} ${other}.`])).toBe('too-short');
    expect(verdict(`${word} Lisboa`, [`Hmm, ${word} Lisboa.`])).toBe('kept');
  });

  it("the contractions 's and 'd alone with a pronoun say nothing", () => {
    expect(verdict("it's", ["Well, it's true"])).toBe('too-short');
    expect(verdict("I'd", ["I'd love to"])).toBe('too-short');
    expect(verdict("I'd love", ["I'd love to"])).toBe('kept');
  });

  it('a bare word or a yes is refused, a pronoun with one word kept', () => {
    expect(verdict('yes I do', ['Hmm, yes I do.'])).toBe('too-short');
    expect(verdict('Lisboa', ['Hmm, Lisboa.'])).toBe('too-short');
    expect(verdict("I'm vegan", ["I'm vegan since May"])).toBe('kept');
    expect(verdict('vegan', ['Vegan'])).toBe('kept');
  });
});

describe('Portuguese "no" (in the) is not a negation; English "no" is', () => {
  it.each([
    'nao', 'eu', 'voce', 'uma', 'com', 'meu', 'minha', 'estou', 'sou', 'tenho', 'muito', 'tambem', 'mas', 'para',
    'moro', 'gosto', 'trabalho', 'isso', 'ele', 'ela', 'nos', 'nas', 'pelo', 'pela',
  ])('a turn with Portuguese %j reads "no" as "in the"', (word) => {
    expect(verdict('Porto Alegre', [`${word}. Fica no Porto Alegre`])).toBe('kept');
  });

  it.each(['the', 'i', 'is', 'and', 'my', 'you', 'it', 'am', 'have', 'of', 'longer', 'more', 'one', 'way', 'idea'])(
    'a turn with as much English %j as Portuguese reads "no" as a negation',
    (word) => {
      expect(groundQuote('Porto Alegre', [`Moro. ${word}. Fica no Porto Alegre`])).toEqual({ ok: false, reason: 'drops-negation', word: 'no' });
    },
  );

  it('"no" is a negation in an English turn and in one with no language words', () => {
    expect(groundQuote('car these days', ['I have no car these days'])).toEqual({ ok: false, reason: 'drops-negation', word: 'no' });
    expect(groundQuote('Porto Alegre', ['Fica no Porto Alegre'])).toEqual({ ok: false, reason: 'drops-negation', word: 'no' });
  });
});
