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

describe('redactSecrets', () => {
  it.each([
    ['a PEM private key block', `my key:\n${PEM}\nthanks`, 'my key:\n[redacted:private-key]\nthanks', 'private-key'],
    ['a PEM block with no END line', `here ${PEM.split('\n').slice(0, 2).join('\n')}`, 'here [redacted:private-key]', 'private-key'],
    ['an Anthropic key', `use ${ANTHROPIC_KEY} please`, 'use [redacted:api-key] please', 'api-key'],
    ['an OpenAI key', `OPENAI_API_KEY=${OPENAI_KEY}`, 'OPENAI_API_KEY=[redacted:api-key]', 'api-key'],
    ['an AWS access key id', 'aws id AKIAIOSFODNN7EXAMPLE ok', 'aws id [redacted:aws-key] ok', 'aws-key'],
    ['a GitHub token', `token ${GITHUB_TOKEN}`, 'token [redacted:github-token]', 'github-token'],
    [
      'a Bearer token',
      'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-123',
      'Authorization: Bearer [redacted:bearer-token]',
      'bearer-token',
    ],
    ['a password after "password is"', 'my password is hunter2. ok?', 'my password is [redacted:password]. ok?', 'password'],
    ['a password after "password:"', 'Password: c0rrect-h0rse', 'Password: [redacted:password]', 'password'],
    ['a password after "passwd is"', 'the passwd is s3cr3t!', 'the passwd is [redacted:password]', 'password'],
    ['a quoted password', 'password: "two words"', 'password: [redacted:password]', 'password'],
    ['a US SSN', 'SSN 123-45-6789.', 'SSN [redacted:ssn].', 'ssn'],
    ['a Luhn-valid card with spaces', 'card 4111 1111 1111 1111 exp 12/29', 'card [redacted:card-number] exp 12/29', 'card-number'],
    ['a Luhn-valid card with dashes', 'card 5555-5555-5555-4444', 'card [redacted:card-number]', 'card-number'],
    ['a 15-digit Amex', 'amex 378282246310005', 'amex [redacted:card-number]', 'card-number'],
    ['a card after another number', 'call 555 4111 1111 1111 1111', 'call 555 [redacted:card-number]', 'card-number'],
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
  ])('leaves %s alone', (_name, input) => {
    expect(redactSecrets(input)).toEqual({ text: input, count: 0, kinds: [] });
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
    const once = redactSecrets(`${PEM} Bearer abcdef123456 password is x ${GITHUB_TOKEN} 123-45-6789 4111-1111-1111-1111`);
    expect(once.count).toBe(6);
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
