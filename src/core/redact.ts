/**
 * Secret redaction for everything that may be written to memory: facts, quotes, decisions and
 * the summary. Memory is plain JSON on disk and is sent back to the model on every session, so a
 * key or card number the user pasted must never be stored. Pure, no I/O.
 */

/** What kind of secret a `[redacted:<kind>]` marker replaced. */
export type SecretKind =
  | 'private-key'
  | 'api-key'
  | 'aws-key'
  | 'github-token'
  | 'bearer-token'
  | 'password'
  | 'ssn'
  | 'card-number';

/** The redacted text, how many secrets were replaced, and which kinds (distinct, in detection order). */
export interface RedactionResult {
  text: string;
  count: number;
  kinds: SecretKind[];
}

const REDACTED_PREFIX = '[redacted:';

/** The marker that replaces a secret of `kind`: `[redacted:<kind>]`. */
export function redactionMarker(kind: SecretKind): string {
  return `${REDACTED_PREFIX}${kind}]`;
}

interface Rule {
  kind: SecretKind;
  pattern: RegExp;
  /** Replacement for one match, or null to leave the match as it is (a false positive). */
  replace: (match: string, groups: string[]) => string | null;
}

const whole =
  (kind: SecretKind) =>
  (): string =>
    redactionMarker(kind);

// Order matters: specific formats first, so "Bearer sk-…" or "password: sk-…" is one api-key,
// and SSNs before card numbers so an SSN next to a card cannot skew the card's digit groups.
const RULES: Rule[] = [
  {
    // A PEM block with no END line (a truncated paste) is redacted to the end of the text:
    // a partial private key is still a private key.
    kind: 'private-key',
    pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----|[\s\S]*$)/g,
    replace: whole('private-key'),
  },
  {
    // OpenAI (sk-…, sk-proj-…) and Anthropic (sk-ant-…) keys. 20+ characters so that words like
    // "sk-learn" are not keys.
    kind: 'api-key',
    pattern: /(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}/g,
    replace: whole('api-key'),
  },
  {
    kind: 'aws-key',
    pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
    replace: whole('aws-key'),
  },
  {
    kind: 'github-token',
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g,
    replace: whole('github-token'),
  },
  {
    kind: 'bearer-token',
    pattern: /\b(bearer)(\s+)([A-Za-z0-9._~+/=-]{8,})/gi,
    // "bearer instruments" is English; a token has a digit or symbol, or is long.
    replace: (_m, [word, space, token]) =>
      /^[A-Za-z]+$/.test(token) && token.length < 20 ? null : `${word}${space}${redactionMarker('bearer-token')}`,
  },
  {
    // The word after "password is", "password:", "passwd is"…, or a quoted value.
    kind: 'password',
    pattern: /\b(password|passwd|passphrase|passcode|pwd)(\s+is\s*:?\s*|\s*[:=]\s*)("[^"\n]{1,200}"|'[^'\n]{1,200}'|\S+)/gi,
    replace: (_m, [word, sep, value]) => {
      if (value.startsWith(REDACTED_PREFIX)) return null;
      // Sentence punctuation after the word stays: "password is hunter2." keeps its full stop.
      const tail = value.length > 1 && /[.,;]$/.test(value) ? value.slice(-1) : '';
      return `${word}${sep}${redactionMarker('password')}${tail}`;
    },
  },
  {
    // US SSN: area 000, 666 and 900–999, group 00 and serial 0000 are never issued.
    kind: 'ssn',
    pattern: /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g,
    replace: whole('ssn'),
  },
];

/**
 * Replaces secrets in `text` with `[redacted:<kind>]` markers: PEM private-key blocks, API keys
 * (`sk-…`, `sk-ant-…`), AWS access key ids (`AKIA…`), GitHub tokens (`ghp_…`), `Bearer` tokens,
 * the word after "password is"/"password:"/"passwd is", US SSNs (`ddd-dd-dddd`, valid areas only)
 * and card numbers (13–19 digits, optional spaces or dashes, Luhn-valid only: a number failing the
 * Luhn check is left alone).
 *
 * Pure, never throws. Idempotent: markers match no rule, so redacting a redacted text returns it
 * unchanged with `count` 0. Heuristic: a Luhn-valid 16-digit order number is redacted too.
 */
export function redactSecrets(text: string): RedactionResult {
  let count = 0;
  const kinds: SecretKind[] = [];
  const note = (kind: SecretKind): void => {
    count++;
    if (!kinds.includes(kind)) kinds.push(kind);
  };
  let out = text;
  // Repeat until a pass finds nothing: a marker can expose a neighbour ("123-45-6789sk-…" hides
  // the key behind a digit until the SSN is gone). Terminates: each redaction removes secret
  // characters and markers match no rule. Usually one pass plus the confirming one.
  for (let before = -1; before !== count; ) {
    before = count;
    for (const rule of RULES) {
      out = out.replace(rule.pattern, (match: string, ...rest: unknown[]) => {
        // rest is (...captures, offset, input): no rule uses named groups.
        const groups = rest.slice(0, -2).map((g) => (typeof g === 'string' ? g : ''));
        const replacement = rule.replace(match, groups);
        if (replacement === null) return match;
        note(rule.kind);
        return replacement;
      });
    }
    out = redactCards(out, () => note('card-number'));
  }
  return { text: out, count, kinds };
}

const MIN_CARD_DIGITS = 13;
const MAX_CARD_DIGITS = 19;

// A card is found inside a run of digit groups ("call 555 4111 1111 1111 1111"): within each run,
// from each group, the longest span of whole groups with 13–19 digits that passes Luhn is
// redacted. Matching the run as one regex would test only "555 4111…" and miss the card.
function redactCards(text: string, onCard: () => void): string {
  return text.replace(/(?<!\d)\d+(?:[ -]\d+)*(?!\d)/g, (run) => {
    const parts = run.split(/([ -])/);
    const groups = parts.filter((_, i) => i % 2 === 0);
    const seps = parts.filter((_, i) => i % 2 === 1);
    // span[k] is the index of the card span group k belongs to, or -1 when it is kept.
    const span: number[] = groups.map(() => -1);
    let spans = 0;
    let i = 0;
    while (i < groups.length) {
      let digits = '';
      let best = -1;
      for (let j = i; j < groups.length; j++) {
        digits += groups[j];
        if (digits.length > MAX_CARD_DIGITS) break;
        if (digits.length >= MIN_CARD_DIGITS && luhnValid(digits)) best = j;
      }
      if (best < 0) {
        i++;
        continue;
      }
      for (let k = i; k <= best; k++) span[k] = spans;
      spans++;
      onCard();
      i = best + 1;
    }
    let out = '';
    for (let k = 0; k < groups.length; k++) {
      if (span[k] < 0) out += groups[k];
      else if (k === 0 || span[k - 1] !== span[k]) out += redactionMarker('card-number');
      // A separator inside one card span disappears with it; between spans or kept groups it stays.
      if (k < seps.length && (span[k] < 0 || span[k] !== span[k + 1])) out += seps[k];
    }
    return out;
  });
}

/** The Luhn checksum used by card numbers: true when `digits` (0-9 only) passes. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}
