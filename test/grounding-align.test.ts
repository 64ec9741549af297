// What the user notices about grounding: a memory whose quote repeats their words, however a
// model re-typed them, is kept; a memory whose quote they never said, or that leaves out the
// "not" that carried the meaning, is not. Table-driven by kind in English, French and Portuguese.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groundQuote } from '../src/core/grounding.js';
import { foldAccents, groundTokens } from '../src/core/grounding-text.js';

const EN = [
  "Hi! I'm allergic to shellfish, and I don't eat meat since last year.",
  'I recieve a veggie box every Tuesday, about 12 items. thx for the tips btw',
  'We spend around $1,200 a month on food, which is way too much.',
  'I used to live in Berlin, so I really miss proper rye bread.',
  'I run 40km a week, mostly before work at 6am. I use vim + git at work.',
  "I'm reading Le Guin again — The Dispossessed is my favourite book. I live in Zürich now 😅",
  'The thing about my sleep is that I wake up at 5',
  'every single day, even on weekends.',
  'Vegetarian.',
  'Well... yes',
];
const ASSISTANT_EN = 'You might enjoy a Mediterranean diet with plenty of legumes.';
const FR = [
  "Salut ! J'habite à Lyon depuis 2019, et j'adore le vélo.",
  'Je ne mange pas de viande, mais je mange du poisson le vendredi.',
  'Je ne travaille plus chez Renault depuis la naissance de Léa.',
  'Mon budget pour les vacances est de 2 500 € cette année.',
  "Je ne prends jamais l'avion, c'est trop polluant.",
];
const ASSISTANT_FR = 'Vous pourriez essayer le thé matcha, très populaire à Paris.';
const PT = [
  'Olá! Eu moro no Porto e trabalho num hospital como enfermeira.',
  'A minha irmã não mora no Porto.',
  'Não como carne há três anos, sou vegetariana.',
  'Eu costumava morar em Lisboa, mas o Porto é mais calmo.',
  'Minha avó mora em Braga, visito ela todo mês.',
  'Nunca bebo café depois das 18h, senão não durmo.',
];
const ASSISTANT_PT = 'Você poderia experimentar receitas de bacalhau.';
const TURNS = { en: EN, fr: FR, pt: PT };

type Lang = keyof typeof TURNS;
type Expected = 'kept' | 'not-found' | 'too-short' | 'drops-negation' | 'empty';
const rows: Array<[Lang, string, string, Expected]> = [
  // kept
  ['en', 'exact', "I'm allergic to shellfish", 'kept'],
  ['en', 'case', "i'M ALLERGIC to Shellfish", 'kept'],
  ['en', 'punctuation', 'allergic to shellfish and I do not eat meat since last year', 'kept'],
  ['en', 'spacing inside a number', 'We spend around $1200 a month on food', 'kept'],
  ['en', 'spacing: unit split', 'I run 40 km a week, mostly before work at 6 am', 'kept'],
  ['en', 'spacing: symbols joined', 'I use vim+git at work', 'kept'],
  ['en', 'spacing: dotted abbreviation', 'mostly before work at 6 a.m.', 'kept'],
  ['en', 'spacing: name joined', "I'm reading LeGuin again", 'kept'],
  ['en', 'contraction expanded', 'I am allergic to shellfish', 'kept'],
  ['en', 'contraction expanded (negation)', 'I do not eat meat since last year', 'kept'],
  ['en', 'fixed typo', 'I receive a veggie box every Tuesday', 'kept'],
  ['en', 'abbreviation spelled out', 'thanks for the tips by the way', 'kept'],
  ['en', 'ellipsis in one turn', "I'm allergic to shellfish … I don't eat meat", 'kept'],
  ['en', 'ellipsis, three dots', 'I used to live in Berlin... miss proper rye bread', 'kept'],
  ['en', 'edge words dropped', 'miss proper rye bread', 'kept'],
  ['en', 'spanning two user turns', 'I wake up at 5 every single day', 'kept'],
  ['en', 'ellipsis across two user turns', 'I wake up at 5 ... even on weekends', 'kept'],
  ['en', 'accent dropped', 'I live in Zurich now', 'kept'],
  ['en', 'speaker label and curly quotes', 'User: “I’m allergic to shellfish”', 'kept'],
  ['en', 'markdown and emoji', '**The Dispossessed** is my favourite book 📚', 'kept'],
  ['en', 'one word that is the whole turn', 'vegetarian', 'kept'],
  ['fr', 'exact', "J'habite à Lyon depuis 2019", 'kept'],
  ['fr', 'case and curly apostrophe', 'j’HABITE à lyon depuis 2019', 'kept'],
  ['fr', 'accent dropped', "J'habite a Lyon depuis 2019, et j'adore le velo", 'kept'],
  ['fr', 'spacing inside a number', 'Mon budget pour les vacances est de 2500€', 'kept'],
  ['fr', 'negation carried', 'Je ne mange pas de viande', 'kept'],
  ['fr', 'ellipsis', "J'habite à Lyon … j'adore le vélo", 'kept'],
  ['fr', 'edge words dropped', 'mange du poisson le vendredi', 'kept'],
  ['fr', 'speaker label', 'Utilisateur : je mange du poisson le vendredi', 'kept'],
  ['pt', 'exact', 'Eu moro no Porto e trabalho num hospital', 'kept'],
  ['pt', 'contraction expanded', 'trabalho em um hospital como enfermeira', 'kept'],
  ['pt', 'accent dropped', 'Nao como carne ha tres anos', 'kept'],
  ['pt', 'one content word with its verb', 'sou vegetariana', 'kept'],
  ['pt', 'spacing', 'Nunca bebo café depois das 18 h', 'kept'],
  ['pt', 'ellipsis', 'Minha avó mora em Braga … todo mês', 'kept'],
  ['pt', '"no" is "in the", not a negation', 'moro no Porto e trabalho num hospital', 'kept'],
  // refused
  ['en', 'paraphrase', 'I cannot eat shellfish', 'not-found'],
  ['en', 'invented with shared words', 'I live in Berlin now', 'not-found'],
  ['en', 'changed number', 'We spend around $1,500 a month on food', 'not-found'],
  ['en', 'changed number, split differently', 'I run 4 0km a week', 'not-found'],
  ['en', 'changed name', 'I used to live in Bern', 'not-found'],
  ['en', 'one letter changed (no edit-distance gate)', 'I really miss proper rye brad', 'not-found'],
  ['en', 'changed negation', 'I do eat meat since last year', 'not-found'],
  ['en', "the assistant's words", ASSISTANT_EN, 'not-found'],
  ['en', 'fragment cut after "don\'t"', 'eat meat since last year', 'drops-negation'],
  ['en', 'fragment cut after "used to"', 'live in Berlin, so I really miss proper rye bread', 'drops-negation'],
  ['en', 'a bare word', 'shellfish', 'too-short'],
  ['en', 'a prepositional phrase', 'in Berlin', 'too-short'],
  ['en', 'an ellipsis picking single words', 'I really ... bread', 'too-short'],
  ['en', 'only an ellipsis', ' … ', 'empty'],
  ['en', "the user's own ellipsis, quoted whole", 'Well... yes', 'kept'],
  ['fr', 'paraphrase', 'Je suis végétarienne', 'not-found'],
  ['fr', 'changed number', 'Mon budget pour les vacances est de 2 000 €', 'not-found'],
  ['fr', 'changed name', "J'habite à Lille depuis 2019", 'not-found'],
  ['fr', 'changed negation', "Je prends toujours l'avion", 'not-found'],
  ['fr', "the assistant's words", ASSISTANT_FR, 'not-found'],
  ['fr', 'fragment cut after "ne … plus"', 'chez Renault depuis la naissance de Léa', 'drops-negation'],
  ['fr', 'fragment cut after "jamais"', "l'avion, c'est trop polluant", 'drops-negation'],
  ['fr', 'a bare word', 'Lyon', 'too-short'],
  ['pt', 'paraphrase', 'Eu sou enfermeira no Porto', 'not-found'],
  ['pt', 'changed accent, another word ("avô" is not "avó")', 'Minha avô mora em Braga', 'not-found'],
  ['pt', 'changed name', 'Eu moro no Prado', 'not-found'],
  ['pt', "the assistant's words", ASSISTANT_PT, 'not-found'],
  ['pt', 'fragment cut after "não"', 'como carne há três anos', 'drops-negation'],
  ['pt', 'fragment cut after "nunca"', 'bebo café depois das 18h', 'drops-negation'],
  ['pt', 'fragment cut after "costumava"', 'morar em Lisboa, mas o Porto é mais calmo', 'drops-negation'],
  ['pt', 'a bare word', 'vegetariana', 'too-short'],
  ['pt', 'fragment cut after "não" that contains "no" (in the)', 'mora no Porto', 'drops-negation'],
];

describe('groundQuote: faithful quotes are kept, invented ones refused', () => {
  it.each(rows)('%s, %s: %j → %s', (lang, _kind, quote, expected) => {
    const verdict = groundQuote(quote, TURNS[lang]);
    expect(verdict.ok ? 'kept' : verdict.reason).toBe(expected);
  });

  it("never grounds on the assistant's turn even when the user repeats some of its words", () => {
    const turns = ['What is a Mediterranean diet?', 'Sounds good, plenty of legumes then.'];
    expect(groundQuote('a Mediterranean diet with plenty of legumes', turns).ok).toBe(false);
    expect(groundQuote('plenty of legumes', turns).ok).toBe(true);
  });

  it('names the negation a fragment leaves out, as the user wrote it', () => {
    expect(groundQuote('eat meat since last year', EN)).toEqual({ ok: false, reason: 'drops-negation', word: 'not' });
    expect(groundQuote('live in Berlin', EN)).toEqual({ ok: false, reason: 'drops-negation', word: 'used' });
    expect(groundQuote('bebo café depois das 18h', PT)).toEqual({ ok: false, reason: 'drops-negation', word: 'nunca' });
  });

  it('keeps a fragment after a negation when a comma or full stop separates them', () => {
    expect(groundQuote('mange du poisson le vendredi', FR).ok).toBe(true);
    expect(groundQuote('I want to live in Lisbon', ["No, I don't. I want to live in Lisbon."]).ok).toBe(true);
  });

  it('reports the user turns a quote came from', () => {
    expect(groundQuote('I wake up at 5 every single day', EN)).toEqual({ ok: true, turns: [6, 7] });
    expect(groundQuote('miss proper rye bread', EN)).toEqual({ ok: true, turns: [3] });
  });

  it('does not join quotes across turns that are not consecutive', () => {
    expect(groundQuote('I wake up at 5 ... Vegetarian', EN).ok).toBe(false);
    expect(groundQuote("I'm allergic to shellfish ... I really miss proper rye bread", EN).ok).toBe(false);
  });

  it('treats "I\'d" as "I would" or "I had", and nothing else', () => {
    const turns = ["I'd rather write plain SQL", "I'd moved to Lyon by then"];
    expect(groundQuote('I would rather write plain SQL', turns).ok).toBe(true);
    expect(groundQuote('I had moved to Lyon by then', turns).ok).toBe(true);
    expect(groundQuote('I will rather write plain SQL', turns).ok).toBe(false);
  });
});

// ------------------------------------------------------------------------------ properties

// Words of the three languages with no negation or tense word among them, so any long enough
// slice of a turn is a faithful quote.
const VOCAB = [
  'cooking', 'garden', 'Lisbon', 'Porto', 'marathon', 'coffee', 'tea', 'piano', 'daughter', 'Tuesday',
  'bread', 'train', 'work', 'project', 'database', 'budget', 'hospital', 'nurse', 'vélo', 'poisson',
  'vendredi', 'café', 'manhã', 'enfermeira', 'avó', 'Zürich', 'I', 'my', 'the', 'at', 'in', 'love',
  'prefer', 'use', 'live', 'every', 'morning', 'green', 'red', 'small', '12', '40km', '2027', '$300',
  'vim', 'git', 'Rust', 'Postgres', 'chess', 'jazz',
];
const turnArb = fc.array(fc.constantFrom(...VOCAB), { minLength: 4, maxLength: 14 }).map((ws) => ws.join(' '));
const turnsArb = fc.array(turnArb, { minLength: 1, maxLength: 4 });
// A made-up word: letters only, never a substring of what the user wrote (so no join, abbreviation
// or accent fold can make it theirs).
const inventedArb = (turns: string[]) => {
  const said = turns.map((t) => groundTokens(t).map((x) => x.fold).join('')).join(' ');
  return fc
    .stringMatching(/^[a-z]{4,9}$/)
    .filter((w) => groundTokens(w).every((t) => !said.includes(t.fold)) && !said.includes(foldAccents(w)));
};

describe('groundQuote properties', () => {
  it('a slice of a user turn (three words or more) is kept, in any case and spacing', () => {
    fc.assert(
      fc.property(turnsArb, fc.nat(), fc.nat(), fc.boolean(), (turns, a, b, upper) => {
        const words = turns[a % turns.length].split(' ');
        const start = b % (words.length - 2);
        const quote = words.slice(start, start + 3 + (a % 3)).join('  ');
        const verdict = groundQuote(upper ? quote.toUpperCase() : quote, turns);
        // Three function words ("the at in") state nothing: the only slices allowed to fail.
        if (!verdict.ok) expect(verdict.reason).toBe('too-short');
      }),
    );
  });

  it('a quote with one invented word, replacing or added to the user\'s words, is never kept', () => {
    fc.assert(
      fc.property(
        turnsArb.chain((turns) => fc.tuple(fc.constant(turns), inventedArb(turns), fc.nat(), fc.nat(), fc.nat(3))),
        ([turns, invented, a, b, how]) => {
          const words = turns[a % turns.length].split(' ');
          const at = b % words.length;
          const edited =
            how === 0
              ? [...words.slice(0, at), invented, ...words.slice(at + 1)]
              : how === 1
                ? [...words.slice(0, at), invented, ...words.slice(at)]
                : how === 2
                  ? [...words, invented]
                  : [...words.slice(0, at), '...', invented, ...words.slice(at)];
          expect(groundQuote(edited.join(' '), turns).ok).toBe(false);
        },
      ),
    );
  });

  it('a whole user turn quoted verbatim is always kept, whatever it holds (unless nothing is left of it)', () => {
    const text = fc.oneof(
      turnArb,
      fc.string({ unit: 'grapheme', maxLength: 60 }),
      fc
        .tuple(
          fc.array(
            fc.constantFrom('Well', '...', '…', '(…)', "I'm", 'not', 'sure', '😅', '1,200', '2 500', 'User:', ':', '**', '#', '>', 'a.m.', 'a', 'm', '.', "j'aime", 'não', 'no', '-', '"', 'b4', 'thx', 'C++'),
            { maxLength: 10 },
          ),
          fc.constantFrom(' ', '', '\n'),
        )
        .map(([w, sep]) => w.join(sep)),
    );
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 3 }), fc.nat(), (turns, a) => {
        const turn = turns[a % turns.length];
        const verdict = groundQuote(turn, turns);
        if (!verdict.ok) expect(verdict.reason).toBe('empty');
      }),
      { numRuns: 1000 },
    );
  });

  it('a quote with a number changed is never kept', () => {
    fc.assert(
      fc.property(turnsArb, fc.nat(), fc.integer({ min: 0, max: 9999 }), (turns, a, n) => {
        const turn = turns[a % turns.length];
        const withNumber = `${turn} ${n} times`;
        const all = [...turns.filter((t) => t !== turn), withNumber];
        const changed = `${turn} ${n + 1} times`;
        expect(groundQuote(changed, all).ok).toBe(false);
        expect(groundQuote(withNumber, all).ok).toBe(true);
      }),
    );
  });
});

describe('the bench probe set', () => {
  it('keeps at least 95% of faithful quotes and none of the invented, assistant, near-miss, negation-dropping or bare ones', async () => {
    const { FAITHFUL_KINDS, PROBES, SESSIONS } = await import('../bench/entries/grounding-probes.js');
    const faithful = new Set<string>(FAITHFUL_KINDS);
    const wronglyKept = PROBES.filter((p) => !faithful.has(p.kind) && groundQuote(p.quote, SESSIONS[p.session].user).ok);
    expect(wronglyKept).toEqual([]);
    const good = PROBES.filter((p) => faithful.has(p.kind));
    const kept = good.filter((p) => groundQuote(p.quote, SESSIONS[p.session].user).ok);
    expect(kept.length / good.length).toBeGreaterThanOrEqual(0.95);
  });
});

describe('groundTokens: both sides normalised the same way', () => {
  const folds = (s: string) => groundTokens(s).map((t) => t.fold).join(' ');
  it.each([
    ["I'm", 'I am'],
    ["don't", 'do not'],
    ["won't", 'will not'],
    ['cannot', 'can not'],
    ['$1,200', '$1200'],
    ['2\u00a0500 €', '2\u202f500€'],
    ['3,5 km', '3.5km'],
    ['thx', 'thanks'],
    ['recieve', 'receive'],
    ["j'aime", 'je aime'],
    ["n’habite", 'ne habite'],
    ['vc', 'você'],
    ['Zürich', 'Zurich'],
    ['“vim” — git', '"vim" - git'],
    ['**bold** `code` 😅👍🏽', 'bold code'],
    ['User: hello there', 'hello there'],
  ])('%j ~ %j', (a, b) => {
    expect(folds(a)).toBe(folds(b));
  });

  it('keeps words, numbers and symbols that change meaning apart', () => {
    expect(folds('C++')).not.toBe(folds('C'));
    expect(folds('50%')).not.toBe(folds('50'));
    expect(folds('1.5')).not.toBe(folds('15'));
    expect(folds('Paris')).not.toBe(folds('Parma'));
  });
});
