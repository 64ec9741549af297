/**
 * Secret redaction for everything that may be written to memory: facts, quotes, decisions and
 * the summary. Memory is plain JSON on disk and is sent back to the model on every session, so a
 * key or card number the user pasted must never be stored. Pure, no I/O.
 */

/** What kind of secret a `[redacted:<kind>]` marker replaced. */
export type SecretKind =
  | 'private-key'
  | 'jwt'
  | 'api-key'
  | 'stripe-key'
  | 'slack-token'
  | 'google-api-key'
  | 'aws-key'
  | 'aws-secret-key'
  | 'github-token'
  | 'bearer-token'
  | 'url-password'
  | 'password'
  | 'pin'
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
  /**
   * Replacement for one match, or null to leave the match as it is (a false positive). `groups`
   * starts with the pattern's captures; no rule has an optional group, so each is a string.
   */
  replace: (match: string, groups: string[]) => string | null;
}

// Words that follow "password is" in ordinary sentences ("the password is in the vault", "my
// password is wrong"): never the password itself, so redacting them would only lose the sentence.
// Only after "is": "password: the" is a value.
const NOT_A_PASSWORD = new Set([
  'a', 'an', 'the', 'in', 'on', 'at', 'not', 'still', 'also', 'too', 'my', 'your',
  'same', 'different', 'wrong', 'correct', 'stored', 'saved', 'written', 'changed', 'expired', 'required',
]);

const whole =
  (kind: SecretKind) =>
  (): string =>
    redactionMarker(kind);

// Where a maintained rule set has a rule for a format, the pattern follows its facts (gitleaks'
// config/gitleaks.toml rule ids and secretlint's rule packages are named on each rule); they are
// not used as dependencies because their engines are asynchronous and the journal redacts
// synchronously, line by line. Order matters: specific formats first, so "Bearer sk-…" or
// "password: sk-…" is one api-key and "Bearer eyJ…" one jwt, and SSNs before card numbers so an
// SSN next to a card cannot skew the card's digit groups.
const RULES: Rule[] = [
  {
    // A PEM block with no END line (a truncated paste) is redacted to the end of the text:
    // a partial private key is still a private key.
    kind: 'private-key',
    pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----|[\s\S]*)/g,
    replace: whole('private-key'),
  },
  {
    // gitleaks "jwt": base64url of '{"' starts both header and payload with "ey". gitleaks asks
    // 17+ characters per part; a short claim set ({"sub":"1"}) is still a token, so 10+ here.
    // The signature may be empty (an unsigned token).
    kind: 'jwt',
    pattern: /\bey[A-Za-z0-9_-]{10,}\.ey[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*/g,
    replace: whole('jwt'),
  },
  {
    // OpenAI (sk-…, sk-proj-…) and Anthropic (sk-ant-…) keys. 20+ characters so that words like
    // "sk-learn" are not keys.
    kind: 'api-key',
    pattern: /(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}/g,
    replace: whole('api-key'),
  },
  {
    // gitleaks "stripe-access-token": secret and restricted keys, live, test or prod.
    kind: 'stripe-key',
    pattern: /\b(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,99}\b/g,
    replace: whole('stripe-key'),
  },
  {
    // Slack tokens (secretlint-rule-slack, gitleaks "slack-*-token": xoxb bot, xoxp user,
    // xoxa/xoxr workspace, xoxe refresh, xoxs, xoxo) and incoming-webhook URLs, whose last path
    // part is the secret.
    kind: 'slack-token',
    pattern: /\bxox[abeoprs]-[A-Za-z0-9-]{10,}|https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]+/g,
    replace: whole('slack-token'),
  },
  {
    // gitleaks "gcp-api-key": Google API keys are "AIza" and 35 more characters.
    kind: 'google-api-key',
    pattern: /\bAIza[A-Za-z0-9_-]{35}/g,
    replace: whole('google-api-key'),
  },
  {
    kind: 'aws-key',
    pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
    replace: whole('aws-key'),
  },
  {
    // secretlint-rule-aws: the 40-character secret access key has no prefix of its own, so it is
    // found after its name ("aws_secret_access_key=…", "SecretAccessKey": …, "my AWS secret key
    // is …"). The name stays, with whatever precedes it ("AWS_").
    kind: 'aws-secret-key',
    pattern:
      /(secret[\s_-]?(?:access[\s_-]?)?key["']?(?:\s+is\s*:?\s*|\s*(?::|=>|=)\s*)["']?)([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    replace: (_m, [name]) => `${name}${redactionMarker('aws-secret-key')}`,
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
    // secretlint-rule-basicauth and -database-connection-string: the password of
    // "scheme://user:password@host". The scheme, user and host stay, so "postgres://admin:…@db"
    // still says which database; the password is redacted whatever it looks like.
    kind: 'url-password',
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@[\]]+:)([^\s/?#@]+)@/gi,
    replace: (_m, [head, password]) =>
      password.startsWith(REDACTED_PREFIX) ? null : `${head}${redactionMarker('url-password')}@`,
  },
  {
    // The word after "password is", "password:", "pw is", "pwd=" …, or a quoted value. The name may
    // end an environment variable ("DB_PASSWORD=…", "MYSQL_PWD=…"), so only a letter or digit
    // before it stops a match.
    kind: 'password',
    pattern:
      /(?<![A-Za-z0-9])(password|passwd|passphrase|passcode|pwd|pw)(\s+is\s*:?\s*|\s*[:=]\s*)("[^"\n]{1,200}"|'[^'\n]{1,200}'|\S+)/gi,
    replace: (_m, [word, sep, value]) => {
      if (value.startsWith(REDACTED_PREFIX)) return null;
      if (/is/i.test(sep) && NOT_A_PASSWORD.has(value.toLowerCase().replace(/[.,;!?]$/, ''))) return null;
      // Sentence punctuation after the word stays: "password is hunter2." keeps its full stop.
      const tail = value.length > 1 && /[.,;]$/.test(value) ? value.slice(-1) : '';
      return `${word}${sep}${redactionMarker('password')}${tail}`;
    },
  },
  {
    // A PIN is 4 to 8 digits after "pin is", "PIN:", "pin code is", "PIN number:". Digits only, so
    // "the pin is loose" or "pin: 3 cm" stay.
    kind: 'pin',
    pattern: /\b(pin(?:[\s_-]?(?:code|number))?)(\s+is\s*:?\s*|\s*[:=]\s*)(\d{4,8})(?![\d-])/gi,
    replace: (_m, [word, sep]) => `${word}${sep}${redactionMarker('pin')}`,
  },
  {
    // US SSN: area 000, 666 and 900–999, group 00 and serial 0000 are never issued.
    kind: 'ssn',
    pattern: /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g,
    replace: whole('ssn'),
  },
];

/**
 * Replaces secrets in `text` with `[redacted:<kind>]` markers: PEM private-key blocks, JWTs, API
 * keys (`sk-…`, `sk-ant-…`), Stripe keys (`sk_live_…`), Slack tokens (`xoxb-…`) and webhook URLs,
 * Google API keys (`AIza…`), AWS access key ids (`AKIA…`) and secret access keys (after their
 * name), GitHub tokens (`ghp_…`, `github_pat_…`), `Bearer` tokens, the password in a URL
 * (`postgres://user:…@host`), the word after "password is"/"password:"/"pw is"/"pwd=" (also
 * `DB_PASSWORD=…`), a 4–8 digit PIN after "pin is"/"PIN:", US SSNs (`ddd-dd-dddd`, valid areas
 * only) and card numbers (13–19 digits, optional spaces or dashes, Luhn-valid only: a number
 * failing the Luhn check is left alone).
 *
 * Pure, synchronous (the journal redacts each line before it is appended), never throws.
 * Idempotent: markers match no rule, so redacting a redacted text returns it unchanged with
 * `count` 0. Heuristic: a Luhn-valid 16-digit order number is redacted too, and so is any word
 * after "password is" except a few that only ordinary sentences put there ("in", "wrong"…).
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
  let before: number;
  do {
    before = count;
    for (const rule of RULES) {
      // The callback gets (match, ...captures, offset, input); a rule reads only its captures.
      out = out.replace(rule.pattern, (match: string, ...groups: string[]) => {
        const replacement = rule.replace(match, groups);
        if (replacement === null) return match;
        note(rule.kind);
        return replacement;
      });
    }
    out = redactCards(out, () => note('card-number'));
  } while (before !== count);
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
    // Stryker disable next-line EqualityOperator: with i === groups.length the inner loop finds no span and i++ ends the loop, so "<=" runs the same.
    while (i < groups.length) {
      let digits = '';
      let best = -1;
      // Stryker disable next-line EqualityOperator: groups[groups.length] appends "undefined", whose letters fail Luhn (NaN), so "<=" finds the same spans.
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
      // span[-1] is undefined, so the first group always opens its span.
      // Stryker disable next-line ArithmeticOperator: a span's groups and inner separators print nothing but its one marker, so printing it at the span's last group (k + 1) gives the same text.
      const opensSpan = span[k - 1] !== span[k];
      if (span[k] < 0) out += groups[k];
      else if (opensSpan) out += redactionMarker('card-number');
      // A separator inside one card span disappears with it; between spans or kept groups it stays.
      if (k < seps.length && (span[k] < 0 || span[k] !== span[k + 1])) out += seps[k];
    }
    return out;
  });
}

// A digit doubled by Luhn, its two digits summed: 2×7 = 14 counts 1 + 4 = 5.
const LUHN_DOUBLED = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];

/** The Luhn checksum used by card numbers: true when `digits` (0-9 only) passes. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    const d = digits.charCodeAt(i) - 48;
    // Stryker disable next-line AssignmentOperator: subtracting every digit gives -sum, and -sum % 10 is 0 exactly when sum % 10 is.
    sum += double ? LUHN_DOUBLED[d] : d;
    double = !double;
  }
  return sum % 10 === 0;
}
