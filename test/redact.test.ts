import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { luhnValid, redactSecrets } from '../src/core/redact.js';

const PEM = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEowIBAAKCAQEA1c7+9z5Pad7OejecsQ0bu3aozN3tihPmljnnudb9G3HecBz2',
  'Y8XlGG4JnhSaAbvnvPsiaOvrPQUr0Lz3Yv6NYqBmzQXTgkjMVeTrJcQ9o3GaqA==',
  '-----END RSA PRIVATE KEY-----',
].join('\n');
const ANTHROPIC_KEY = 'sk-ant-api03-Xq9fK2mZ7vB4nR8tL1wY6pH3sD5gJ0cE-aBcDeFgHiJkLmN_oPqRsT';
const OPENAI_KEY = 'sk-proj-4fG7hJ2kL9mN3pQ6rS8tV1wX5yZ0aB';
const GITHUB_TOKEN = 'ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
// Shapes of real credentials (made-up values): the formats gitleaks and secretlint rules describe.
const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
const SHORT_JWT = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.';
const GITHUB_PAT = 'github_pat_11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ01234';
const STRIPE_LIVE = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
const SLACK_BOT = 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx';
const SLACK_WEBHOOK = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
const GOOGLE_KEY = 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('redactSecrets', () => {
  it.each([
    ['a PEM private key block', `my key:\n${PEM}\nthanks`, 'my key:\n[redacted:private-key]\nthanks', 'private-key'],
    ['a PEM block with no END line', `here ${PEM.split('\n').slice(0, 2).join('\n')}`, 'here [redacted:private-key]', 'private-key'],
    ['an Anthropic key', `use ${ANTHROPIC_KEY} please`, 'use [redacted:api-key] please', 'api-key'],
    ['an OpenAI key', `OPENAI_API_KEY=${OPENAI_KEY}`, 'OPENAI_API_KEY=[redacted:api-key]', 'api-key'],
    ['an AWS access key id', 'aws id AKIAIOSFODNN7EXAMPLE ok', 'aws id [redacted:aws-key] ok', 'aws-key'],
    ['a GitHub token', `token ${GITHUB_TOKEN}`, 'token [redacted:github-token]', 'github-token'],
    ['a Bearer token', 'Authorization: Bearer 8f2c1e9a7b3d4f60a1c2', 'Authorization: Bearer [redacted:bearer-token]', 'bearer-token'],
    ['a Bearer token after two spaces', 'Bearer  8f2c1e9a', 'Bearer  [redacted:bearer-token]', 'bearer-token'],
    ['a Bearer token of digits then letters', 'Bearer 12345678abcdefgh', 'Bearer [redacted:bearer-token]', 'bearer-token'],
    ['a Bearer token of 20 letters', 'Bearer AbCdEfGhIjKlMnOpQrSt', 'Bearer [redacted:bearer-token]', 'bearer-token'],
    ['a JWT', `token ${JWT} ok`, 'token [redacted:jwt] ok', 'jwt'],
    ['an unsigned JWT with a short claim set', `id ${SHORT_JWT} ok`, 'id [redacted:jwt] ok', 'jwt'],
    ['a JWT sent as a Bearer token, as a JWT', `Authorization: Bearer ${JWT}`, 'Authorization: Bearer [redacted:jwt]', 'jwt'],
    ['a fine-grained GitHub token', `token ${GITHUB_PAT}.`, 'token [redacted:github-token].', 'github-token'],
    ['a Stripe live secret key', `stripe ${STRIPE_LIVE}`, 'stripe [redacted:stripe-key]', 'stripe-key'],
    ['a Stripe restricted test key', 'rk_test_51H8abcdefGHIJ', '[redacted:stripe-key]', 'stripe-key'],
    ['a Slack bot token', `SLACK_BOT_TOKEN=${SLACK_BOT}`, 'SLACK_BOT_TOKEN=[redacted:slack-token]', 'slack-token'],
    ['a Slack user token', 'xoxp-1234567890-abc', '[redacted:slack-token]', 'slack-token'],
    ['a Slack webhook URL', `post to ${SLACK_WEBHOOK} now`, 'post to [redacted:slack-token] now', 'slack-token'],
    ['a Google API key', `maps key ${GOOGLE_KEY}`, 'maps key [redacted:google-api-key]', 'google-api-key'],
    [
      'an AWS secret access key in an env line',
      `export AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`,
      'export AWS_SECRET_ACCESS_KEY=[redacted:aws-secret-key]',
      'aws-secret-key',
    ],
    [
      'an AWS secret access key in a sentence',
      `my aws secret key is ${AWS_SECRET}.`,
      'my aws secret key is [redacted:aws-secret-key].',
      'aws-secret-key',
    ],
    [
      'an AWS secret access key quoted in config',
      `"aws-secret-access-key": "${AWS_SECRET}"`,
      '"aws-secret-access-key": "[redacted:aws-secret-key]"',
      'aws-secret-key',
    ],
    ['the password in a database URL', 'db is postgres://admin:S3cret@host/db', 'db is postgres://admin:[redacted:url-password]@host/db', 'url-password'],
    ['the password in an https URL', 'clone https://me:tok3n.x@git.example.com/r', 'clone https://me:[redacted:url-password]@git.example.com/r', 'url-password'],
    ['a password after "password is"', 'my password is hunter2. ok?', 'my password is [redacted:password]. ok?', 'password'],
    ['a password after "password:"', 'Password: c0rrect-h0rse', 'Password: [redacted:password]', 'password'],
    ['a password after "passwd is"', 'the passwd is s3cr3t!', 'the passwd is [redacted:password]', 'password'],
    ['a quoted password', 'password: "two words"', 'password: [redacted:password]', 'password'],
    ['a password in single quotes', "password: 'two words'", 'password: [redacted:password]', 'password'],
    ['a password after "pw is"', 'my pw is hunter2', 'my pw is [redacted:password]', 'password'],
    ['a password after "pwd=" without a space', 'pwd=hunter2', 'pwd=[redacted:password]', 'password'],
    ['a password in an env variable', 'DB_PASSWORD=hunter2', 'DB_PASSWORD=[redacted:password]', 'password'],
    ['a password in an env variable named PWD', 'MYSQL_PWD=x9', 'MYSQL_PWD=[redacted:password]', 'password'],
    ['a passphrase', 'passphrase is correct-horse', 'passphrase is [redacted:password]', 'password'],
    ['a passcode', 'passcode: 8812', 'passcode: [redacted:password]', 'password'],
    ['a password after "password  is" with two spaces', 'password  is hunter2', 'password  is [redacted:password]', 'password'],
    ['a password after "is:" with no space', 'the password is:hunter2', 'the password is:[redacted:password]', 'password'],
    ['a password after "is:" and two spaces', 'password is:  hunter2', 'password is:  [redacted:password]', 'password'],
    ['a password after ":" and two spaces', 'password:  hunter2', 'password:  [redacted:password]', 'password'],
    ['a password with a dot inside it, whole', 'password: hunter.2', 'password: [redacted:password]', 'password'],
    ['a one-character password that is a full stop', 'password: .', 'password: [redacted:password]', 'password'],
    ['a word after "password is" that only looks ordinary', 'my password is ok', 'my password is [redacted:password]', 'password'],
    ['a value after "password:" even when it is an ordinary word', 'password: the', 'password: [redacted:password]', 'password'],
    ['a PIN after "my pin is"', 'my pin is 4321', 'my pin is [redacted:pin]', 'pin'],
    ['a PIN code with a full stop', 'My PIN code is 0000.', 'My PIN code is [redacted:pin].', 'pin'],
    ['an 8-digit PIN number', 'pin number: 12345678', 'pin number: [redacted:pin]', 'pin'],
    ['a PIN code written as one word', 'PINCODE=4321', 'PINCODE=[redacted:pin]', 'pin'],
    ['a US SSN', 'SSN 123-45-6789.', 'SSN [redacted:ssn].', 'ssn'],
    ['a Luhn-valid card with spaces', 'card 4111 1111 1111 1111 exp 12/29', 'card [redacted:card-number] exp 12/29', 'card-number'],
    ['a Luhn-valid card with dashes', 'card 5555-5555-5555-4444', 'card [redacted:card-number]', 'card-number'],
    ['a 15-digit Amex', 'amex 378282246310005', 'amex [redacted:card-number]', 'card-number'],
    ['a card after another number', 'call 555 4111 1111 1111 1111', 'call 555 [redacted:card-number]', 'card-number'],
    ['a 13-digit card, the shortest', 'visa 4222222222222', 'visa [redacted:card-number]', 'card-number'],
    ['a 19-digit card, the longest', 'unionpay 6212345678900000003', 'unionpay [redacted:card-number]', 'card-number'],
  ])('redacts %s', (_name, input, expected, kind) => {
    const r = redactSecrets(input);
    expect(r.text).toBe(expected);
    expect(r.count).toBe(1);
    expect(r.kinds).toEqual([kind]);
  });

  it.each([
    ['a number that fails Luhn', 'order 4111 1111 1111 1112'],
    ['a phone number', 'call +1 415-555-0132'],
    ['a date', 'on 2026-11-27'],
    ['an SSN-shaped number in area 000', '000-12-3456'],
    ['an SSN-shaped number in area 666', '666-12-3456'],
    ['an SSN-shaped number in area 9xx', '912-34-5678'],
    ['a short sk- word', 'I use sk-learn for models'],
    ['the English word bearer', 'the bearer of bad news'],
    ['a mention of passwords', 'I forgot my password again'],
    ['a 12-digit Luhn-valid number, too short for a card', 'ref 123456789015'],
    ['a 20-digit Luhn-valid number, too long for a card', 'tracking 12345678901234567894'],
    ['the English word bearer before a long word', 'bearer instruments'],
    ['an ordinary sentence', 'I moved to Lisbon last year and I like long walks by the river.'],
    ['version numbers', 'I upgraded node to 20.20.2 and vitest to 4.1.12'],
    ['dates and times', 'the meeting is on 2026-12-02 at 10:42, or 12/02/2026'],
    ['short numbers', 'I have 2 cats, 3 kids and 4321 photos'],
    ['a git SHA in ordinary talk', 'the fix is in commit 1624a86, fully 9f8e7d6c5b4a39281706f5e4d3c2b1a098765432'],
    ['a URL with a port but no password', 'see https://example.com:8443/path?x=1'],
    ['a URL with a user but no password', 'ssh://git@github.com/owner/repo'],
    ['a loose pin', 'the pin is loose'],
    ['a pin measured in centimetres', 'pin: 3 cm'],
    ['a number next to the word pin', 'I paid 4321 for a pin'],
    ['a word that ends in pwd', 'my appwd is fine'],
    ['a short Stripe-shaped word', 'sk_test_abc'],
    ['a short xoxb word', 'xoxb-abc'],
    ['a Google-shaped word too short to be a key', 'AIzaShort'],
    ['a secret key name with a short value', 'secret key is hunter2'],
    ['a word starting with ey', 'they.eyeball.eyebrow'],
  ])('leaves %s alone', (_name, input) => {
    expect(redactSecrets(input)).toEqual({ text: input, count: 0, kinds: [] });
  });

  it.each(['a', 'an', 'the', 'in', 'on', 'at', 'not', 'still', 'also', 'too', 'my', 'your', 'same', 'different', 'wrong', 'correct', 'stored', 'saved', 'written', 'changed', 'expired', 'required'])(
    'keeps "password is %s …" of an ordinary sentence',
    (word) => {
      const text = `the password is ${word} for now.`;
      expect(redactSecrets(text)).toEqual({ text, count: 0, kinds: [] });
    },
  );

  // Every way of writing what joins a name to its value, for each rule that finds a value by its name.
  describe.each([
    ['password', 'password', 'hunter2'],
    ['pin', 'pin', '4321'],
    ['aws-secret-key', 'aws_secret_access_key', AWS_SECRET],
  ])('the %s after its name', (kind, name, value) => {
    it.each([' is ', '  is ', ' is:', ' is : ', ' is:  ', ' IS ', ': ', '=', ' = ', ':  '])('is redacted after %j', (sep) => {
      expect(redactSecrets(`${name}${sep}${value}`).text).toBe(`${name}${sep}[redacted:${kind}]`);
    });
  });

  it.each([
    ['AWS CLI JSON', `"SecretAccessKey": "${AWS_SECRET}"`, '"SecretAccessKey": "[redacted:aws-secret-key]"'],
    ['a secret key with no separators', `AWSSECRETKEY=${AWS_SECRET}`, 'AWSSECRETKEY=[redacted:aws-secret-key]'],
    ['a secret key named with dashes', `secret-access-key: ${AWS_SECRET}`, 'secret-access-key: [redacted:aws-secret-key]'],
    ['a sentence naming the secret access key', `the secret access key is ${AWS_SECRET}`, 'the secret access key is [redacted:aws-secret-key]'],
  ])('redacts an AWS secret access key in %s', (_name, input, expected) => {
    expect(redactSecrets(input).text).toBe(expected);
  });

  it('keeps an ordinary sentence that shouts "PASSWORD IS IN THE VAULT"', () => {
    expect(redactSecrets('THE PASSWORD IS IN THE VAULT').count).toBe(0);
  });

  it('keeps "password  is in …" with two spaces', () => {
    expect(redactSecrets('the password  is in the vault').count).toBe(0);
  });

  it('redacts a password that spells an ordinary word only with a dot inside ("no.t")', () => {
    expect(redactSecrets('my password is no.t').text).toBe('my password is [redacted:password]');
  });

  it('keeps "my password is wrong." with its full stop', () => {
    expect(redactSecrets('my password is Wrong.').count).toBe(0);
  });

  it('redacts a URL password and a password after "password is" in one line, each once', () => {
    const r = redactSecrets('the password is p4ss and db postgres://u:p4ss@h/d');
    expect(r.text).toBe('the password is [redacted:password] and db postgres://u:[redacted:url-password]@h/d');
    expect(r.kinds).toEqual(['url-password', 'password']);
  });

  it('redacts a key inside a URL once, as the key', () => {
    const r = redactSecrets(`https://x:${GITHUB_TOKEN}@github.com/o/r`);
    expect(r.text).toBe('https://x:[redacted:github-token]@github.com/o/r');
    expect(r.count).toBe(1);
  });

  it('counts every secret and lists each kind once, in detection order', () => {
    const r = redactSecrets(`${ANTHROPIC_KEY} and ${OPENAI_KEY}, card 4111111111111111 and 4012888888881881`);
    expect(r.text).toBe('[redacted:api-key] and [redacted:api-key], card [redacted:card-number] and [redacted:card-number]');
    expect(r.count).toBe(4);
    expect(r.kinds).toEqual(['api-key', 'card-number']);
  });

  it('redacts two cards in one run of digits separately', () => {
    const r = redactSecrets('4111111111111111 4012888888881881');
    expect(r.text).toBe('[redacted:card-number] [redacted:card-number]');
    expect(r.count).toBe(2);
  });

  it('redacts a key used as a password once, as a key', () => {
    const r = redactSecrets(`password: ${OPENAI_KEY}`);
    expect(r.text).toBe('password: [redacted:api-key]');
    expect(r.count).toBe(1);
  });

  it('is idempotent on a text full of secrets', () => {
    const once = redactSecrets(
      `${PEM} Bearer abcdef123456 password is x ${GITHUB_TOKEN} 123-45-6789 4111-1111-1111-1111 ${JWT} ${STRIPE_LIVE} ` +
        `${SLACK_BOT} ${GOOGLE_KEY} aws_secret_access_key=${AWS_SECRET} postgres://a:b@c/d pin is 1234 pwd=x`,
    );
    expect(once.count).toBe(14);
    expect(redactSecrets(once.text)).toEqual({ text: once.text, count: 0, kinds: [] });
  });

  it('redacts a secret that only shows once its neighbour is redacted, in the same call', () => {
    // The digit before "sk-" hides the key from the key pattern until the SSN becomes a marker.
    const r = redactSecrets(`123-45-6789${ANTHROPIC_KEY}`);
    expect(r.text).toBe('[redacted:ssn][redacted:api-key]');
    expect(redactSecrets(r.text).count).toBe(0);
  });

  it('is idempotent on arbitrary text built from secret-like pieces', () => {
    const piece = fc.constantFrom(
      ANTHROPIC_KEY, 'password is', 'password:', 'Bearer', 'abc123def456', '4111 1111 1111 1111', '4111', '1111',
      '123-45-6789', ' ', '-', '\n', 'AKIAIOSFODNN7EXAMPLE', '-----BEGIN PRIVATE KEY-----', 'word', '[redacted:ssn]',
      JWT, STRIPE_LIVE, SLACK_BOT, GOOGLE_KEY, 'secret key=', AWS_SECRET, 'postgres://a:', '@h', 'pin is', '4321', 'pw=', '_PWD=',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(piece, fc.string()), { maxLength: 12 }), (parts) => {
        const once = redactSecrets(parts.join(''));
        const twice = redactSecrets(once.text);
        expect(twice.text).toBe(once.text);
        expect(twice.count).toBe(0);
      }),
    );
  });
});

describe('luhnValid', () => {
  it.each([
    ['4111111111111111', true],
    ['4111111111111112', false],
    ['79927398713', true],
  ])('%s → %s', (digits, ok) => {
    expect(luhnValid(digits)).toBe(ok);
  });
});
