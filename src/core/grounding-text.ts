/**
 * The tokeniser grounding compares quotes with: both the quote and the user's turns go through
 * `groundTokens`, so every normalisation applies to both sides the same way. Tolerant where
 * models drift when they copy a user's words (case, punctuation, quotes and dashes, spacing of
 * digit groups, contractions, elisions, emoji, markup, chat abbreviations, a few common
 * misspellings, accents), never where meaning lives: a word is only ever replaced by a fixed
 * table entry, never by a "similar" word. Pure, no I/O.
 */

/**
 * One token of a normalised text.
 * - `raw`: lowercased, NFC, accents kept ("zürich");
 * - `fold`: `raw` with accents folded ("zurich"), what tokens are compared on;
 * - `brk`: a sentence or clause break (`. , ; : ! ? ( ) [ ] { } "`, a lone dash, an ellipsis) comes
 *   right before this token; the negation check does not look across one. A newline is not one
 *   (it is spacing, like a blank): "I never\neat meat" still governs "eat meat".
 */
export interface GroundToken {
  raw: string;
  fold: string;
  brk: boolean;
}

/**
 * Chat abbreviations, spellings without apostrophes and common misspellings, each mapped to the
 * words it stands for. Applied to both sides, so "thx" in the user's turn grounds "thanks" in a
 * quote and the reverse. Only fixed entries: a table cannot turn "Paris" into "Parma".
 */
const WORD_TABLE: Record<string, string> = {
  // English chat abbreviations
  thx: 'thanks', thnx: 'thanks', tks: 'thanks', ty: 'thank you', pls: 'please', plz: 'please',
  u: 'you', ur: 'your', r: 'are', b4: 'before', bc: 'because', cuz: 'because', coz: 'because',
  bcuz: 'because', idk: 'i do not know', imo: 'in my opinion', imho: 'in my humble opinion',
  btw: 'by the way', tbh: 'to be honest', fyi: 'for your information', afaik: 'as far as i know',
  tmrw: 'tomorrow', tmr: 'tomorrow', tmw: 'tomorrow', '2moro': 'tomorrow', tonite: 'tonight',
  ppl: 'people', msg: 'message', mins: 'minutes', min: 'minutes', hrs: 'hours', hr: 'hour',
  yrs: 'years', yr: 'year', wk: 'week', wks: 'weeks', bday: 'birthday', appt: 'appointment',
  w: 'with', 'w/': 'with', 'w/o': 'without', wo: 'without', abt: 'about', prob: 'probably',
  def: 'definitely', rn: 'right now', atm: 'at the moment', bf: 'boyfriend', gf: 'girlfriend',
  gonna: 'going to', wanna: 'want to', gotta: 'got to', kinda: 'kind of', sorta: 'sort of',
  dunno: 'do not know', lemme: 'let me', gimme: 'give me', ok: 'okay', '&': 'and', vs: 'versus',
  cannot: 'can not', im: 'i am', ive: 'i have', dont: 'do not', doesnt: 'does not',
  didnt: 'did not', isnt: 'is not', arent: 'are not', wasnt: 'was not', werent: 'were not',
  cant: 'can not', couldnt: 'could not', shouldnt: 'should not', wouldnt: 'would not',
  havent: 'have not', hasnt: 'has not', hadnt: 'had not', thats: 'that is', youre: 'you are',
  theyre: 'they are', whats: 'what is', lets: 'let us',
  // English misspellings a model silently fixes
  recieve: 'receive', recieved: 'received', definately: 'definitely', definatly: 'definitely',
  seperate: 'separate', seperately: 'separately', occured: 'occurred', untill: 'until',
  wich: 'which', teh: 'the', alot: 'a lot', becuase: 'because', beleive: 'believe',
  freind: 'friend', freinds: 'friends', wierd: 'weird', tommorow: 'tomorrow',
  tommorrow: 'tomorrow', tomorow: 'tomorrow', accomodation: 'accommodation',
  goverment: 'government', enviroment: 'environment', neccessary: 'necessary',
  necesary: 'necessary', calender: 'calendar', begining: 'beginning', restaurent: 'restaurant',
  alergic: 'allergic', allergc: 'allergic', lenght: 'length', thier: 'their', writting: 'writing',
  wensday: 'wednesday', wednesay: 'wednesday', febuary: 'february', vegeterian: 'vegetarian',
  vegitarian: 'vegetarian', excercise: 'exercise', prefered: 'preferred', realy: 'really',
  tomatos: 'tomatoes', potatos: 'potatoes', embarass: 'embarrass', arguement: 'argument',
  independant: 'independent', existance: 'existence', truely: 'truly', maintainance: 'maintenance',
  // French
  bcp: 'beaucoup', pcq: 'parce que', pq: 'parce que', tjrs: 'toujours', tjs: 'toujours',
  qqch: 'quelque chose', qqn: 'quelquun', rdv: 'rendez vous', svp: 'se il vous plait',
  stp: 'se il te plait', mdr: 'mort de rire', dac: 'de accord', daccord: 'de accord',
  // Portuguese
  vc: 'você', voce: 'você', vcs: 'vocês', tb: 'também', tbm: 'também', tambem: 'também',
  q: 'que', obg: 'obrigado', hj: 'hoje', msm: 'mesmo', mt: 'muito', mto: 'muito', cmg: 'comigo',
  nao: 'não', ñ: 'não', pra: 'para', pro: 'para o', num: 'em um', numa: 'em uma', nuns: 'em uns',
  numas: 'em umas', dum: 'de um', duma: 'de uma', td: 'tudo', tds: 'todos', blz: 'beleza',
};

// Split once into token lists (entries are written in their expanded, elision-free form).
// Stryker disable next-line ArrowFunction: not a survivor in fact: an undefined entry makes the Map constructor throw on import, which the vitest runner reports as no failing test
const TABLE = new Map(Object.entries(WORD_TABLE).map(([k, v]) => [k, v.split(' ')]));

/** English contractions ending a word, longest first. `'d` and `'s` are ambiguous (see `D_WORDS`). */
const EN_SUFFIXES: Array<[string, string[]]> = [
  ["n't", ['not']],
  ["'m", ['am']],
  ["'re", ['are']],
  ["'ve", ['have']],
  ["'ll", ['will']],
  ["'d", ["'d"]],
];
// Maps, not object literals: a user's "constructor's" must not find Object.prototype.constructor.
const IRREGULAR_NT = new Map<string, string[]>([
  ["won't", ['will', 'not']],
  ["can't", ['can', 'not']],
  ["shan't", ['shall', 'not']],
  ["ain't", ['am', 'not']],
]);
/** Words after which `'s` is the verb ("it's" = "it is" or "it has"), not a possessive. */
const S_IS_HOSTS = new Set([
  'it', 'he', 'she', 'that', 'what', 'there', 'here', 'who', 'where', 'how', 'when', 'why',
  'everything', 'nothing', 'something', 'someone', 'somebody', 'everyone', 'this',
]);
/** French elided articles and pronouns (also Portuguese "d'água"), with the word they stand for. */
const ELISIONS = new Map(
  Object.entries({
    c: 'ce', d: 'de', j: 'je', l: 'le', m: 'me', n: 'ne', s: 'se', t: 'te', qu: 'que',
    jusqu: 'jusque', lorsqu: 'lorsque', puisqu: 'puisque', quoiqu: 'quoique',
  }),
);

/**
 * Tokens standing for more than one word: `'d` is "would" or "had", `'s` after a pronoun is
 * "is" or "has". A quote may spell either; any other token matches only itself.
 */
export const AMBIGUOUS_TOKENS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ["'d", new Set(['would', 'had'])],
  ["'s", new Set(['is', 'has'])],
]);

// Emoji, their joiners, variation selectors, skin tones and flags carry nothing a quote needs.
const EMOJI = /[\p{Extended_Pictographic}\u{1F1E6}-\u{1F1FF}\u{1F3FB}-\u{1F3FF}\u200d\ufe0e\ufe0f\u20e3]/gu;
// A space, no-break or thin space, comma, dot or apostrophe between digit groups of three:
// "1,200" / "1.200" / "1 200" / "1'200" all become "1200". A decimal comma becomes a dot.
const DIGIT_GROUP = /(?<=\d)[,.'\u00a0\u202f\u2009](?=\d{3}(?!\d))/gu;
const DECIMAL_COMMA = /(?<=\d),(?=\d)/gu;
// A leading speaker label the model copied from the transcript ("User: …", "Me: …").
const SPEAKER_LABEL = /^\s*(?:user|me|human|utilisateur|utilisatrice|moi|usuário|usuario|eu)\s*:\s*/iu;
// Markdown a model or the user may add around words: headings ("#" is otherwise a token, as in
// "C#") and links (the URL would be words). Emphasis, code and block-quote marks ("*", "_", "`",
// ">") are no token at all, so they need no rule.
// (One space after the hashes is enough: the rest is spacing, which tokenising ignores.)
const MARKUP = [/^\s{0,3}#{1,6}\s/gmu, /\[([^\]\n]*)\]\([^)\s]*\)/gu];
// "a.m.", "e.g.", "U.S.": one word ("am", "eg", "us"), so "6 a.m." is "6am" and no break is read.
const DOTTED_ABBREVIATION = /(?<![\p{L}\p{N}])(?:\p{L}\.){2,}/gu;
const SINGLE_QUOTES = /[‘’‚‛′´`ʼ]/gu;
const DOUBLE_QUOTES = /[“”„‟″«»]/gu;
const DASHES = /[‐‑‒–—―−]/gu;
// Words (letters with inner apostrophes), numbers (with a decimal point or a time colon), the
// symbols that change meaning ("C++", "$1200", "50%", "C#", "vim+git"), and breaks (an ellipsis is
// three of them; a lone dash is a chunk of its own, see `tokenizeSurface`).
const PIECE = /([\p{L}\p{M}]+(?:'[\p{L}\p{M}]+)*)|(\d+(?:[.:]\d+)*)|([$€£¥%#+@&=])|([.!?;:,()[\]{}"])/gu;

/**
 * Normalises the surface of a text before tokenising: NFKC, digit-group separators removed,
 * curly quotes and dashes made straight, emoji and markup removed, a leading speaker label
 * stripped, dotted abbreviations closed up ("a.m." → "am"), ellipses spaced apart, lowercased. Pure.
 */
export function normalizeSurface(text: string): string {
  // Quotes and dashes first: NFKC turns "´" into a space and a combining accent, and "″" into "′′".
  let s = text.replace(SINGLE_QUOTES, "'").replace(DOUBLE_QUOTES, '"').replace(DASHES, '-');
  s = s.replace(DIGIT_GROUP, '').normalize('NFKC').replace(DIGIT_GROUP, '').replace(DECIMAL_COMMA, '.').replace(EMOJI, '');
  s = s.replace(MARKUP[0], '').replace(MARKUP[1], '$1');
  s = s.replace(SPEAKER_LABEL, '').replace(DOTTED_ABBREVIATION, (m) => m.replace(/\./gu, ''));
  // An ellipsis stands apart, so a quote cut at it tokenises as the same words do in a turn.
  return s.replace(/\.{3,}/gu, ' ... ').toLowerCase();
}

/** `s` with accents and ligatures folded: "Zürich" → "Zurich", "œuvre" → "oeuvre", "straße" → "strasse". */
export function foldAccents(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/œ/gu, 'oe')
    .replace(/æ/gu, 'ae')
    .replace(/ß/gu, 'ss')
    .normalize('NFC');
}

/**
 * The tokens of `text` (see `GroundToken`), after `normalizeSurface`: contractions and elisions
 * expanded ("I'm" → i am, "don't" → do not, "j'aime" → je aime, "n'aime" → ne aime), table
 * words replaced (`WORD_TABLE`), letters and digits split ("40km" → 40 km), symbols kept as their
 * own tokens, other punctuation dropped. Pure; the same text always gives the same tokens.
 */
export function groundTokens(text: string): GroundToken[] {
  return tokenizeSurface(normalizeSurface(text));
}

/**
 * `groundTokens` of a text already through `normalizeSurface` (or of a piece of one: the quote
 * is normalised whole, then cut at its ellipses). Pure.
 */
export function tokenizeSurface(surface: string): GroundToken[] {
  const out: GroundToken[] = [];
  let brk = true;
  const push = (word: string): void => {
    const raw = word.normalize('NFC');
    out.push({ raw, fold: foldAccents(raw), brk });
    brk = false;
  };
  // Stryker disable next-line Regex: splitting at each single space only adds empty chunks, which yield no token
  for (const chunk of surface.split(/\s+/u)) {
    // A whole chunk in the table first, so "b4", "w/" and "2moro" are read before digits split them.
    const bare = chunk.replace(/^[^\p{L}\p{N}&]+|[^\p{L}\p{N}/&]+$/gu, '');
    const whole = TABLE.get(bare);
    if (chunk === '-') brk = true;
    if (whole) {
      if (/^[([{"]/u.test(chunk)) brk = true;
      for (const w of whole) expandWord(w, push);
      if (/[.!?;:,)\]}"]$/u.test(chunk)) brk = true;
      continue;
    }
    for (const m of chunk.matchAll(PIECE)) {
      if (m[4] !== undefined) brk = true;
      else if (m[1] !== undefined) expandWord(m[1], push);
      else push((m[2] ?? m[3])!);
    }
  }
  return out;
}

// Expands one word (letters, maybe inner apostrophes) into the tokens it stands for.
function expandWord(word: string, push: (w: string) => void): void {
  // Table entries are written in full (no word of an expansion is itself a table key).
  const table = TABLE.get(word);
  if (table) return table.forEach(push);
  const irregular = IRREGULAR_NT.get(word);
  if (irregular) return irregular.forEach(push);
  // Stryker disable next-line Regex: '(.+)' runs to the end without '$'; without '^' the match still starts at the word's first a-z letter, and no word holds an elision after another letter
  const elided = /^([a-z]+)'(.+)$/u.exec(word);
  const article = elided ? ELISIONS.get(elided[1]) : undefined;
  if (article !== undefined) {
    push(article);
    return expandWord(elided![2], push);
  }
  for (const [suffix, words] of EN_SUFFIXES) {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: a word that is only a suffix ("n't") is an elision, read above; the length test is a guard
    if (word.endsWith(suffix) && word.length > suffix.length) {
      expandWord(word.slice(0, -suffix.length), push);
      return words.forEach(push);
    }
  }
  if (word.endsWith("'s")) {
    const host = word.slice(0, -2);
    if (host === 'let') return ['let', 'us'].forEach(push);
    if (S_IS_HOSTS.has(host)) return [host, "'s"].forEach(push);
  }
  // A possessive or any other inner apostrophe: the word without it ("Anna's" → annas).
  push(word.replace(/'/gu, ''));
}
